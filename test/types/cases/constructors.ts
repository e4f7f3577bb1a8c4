// Type cases: how sizes enter. A line after `//~ text` must be a type error containing `text`
// under both compilers; every other line must type-check.
import { dim, fromRows, mat, randn, rng, withShape, zeros, type DimSize, type Mat } from "../../../src/index.js";

const n = dim("n", 4);
const d = dim("d", 65);
const h = dim("h", 100);

export const a: Mat<2, 3> = zeros(2, 3);
export const b: Mat<"n", "d"> = zeros(n, d);
export const c: Mat<"n", 3> = mat(n, 3, new Float64Array(12));
export const e: Mat<2, 3> = fromRows([[1, 2, 3], [4, 5, 6]]);
export const f: Mat<"d", "h"> = randn(d, h, rng(1), 0.01);
export const g: Mat<1, 1> = fromRows([[7]]);

//~ Type 'Mat<2, 3>' is not assignable to type 'Mat<5, 4>'
export const wrong1: Mat<5, 4> = zeros(2, 3);
//~ Type 'Mat<"n", "d">' is not assignable to type 'Mat<"d", "n">'
export const wrong2: Mat<"d", "n"> = zeros(n, d);
// Distinct dims stay distinct even when their sizes agree (d is 65).
//~ Type 'Mat<65, "h">' is not assignable to type 'Mat<"d", "h">'
export const wrong3: Mat<"d", "h"> = zeros(65, h);

const widened: number = 3;
//~ this size is typed as plain 'number'
export const wide1 = zeros(widened, 3);
//~ this size is typed as plain 'number'
export const wide2 = mat(2, widened, [1, 2]);
const someName: string = "q";
//~ this dim name is typed as plain 'string'
export const wide3 = dim(someName, 3);
declare const anonymous: DimSize<string>;
//~ this dim's name is typed as plain 'string'
export const wide4 = zeros(anonymous, 3);
declare const rowsFromFile: number[][];
//~ fromRows: the rows must be a literal list
export const wide5 = fromRows(rowsFromFile);
//~ fromRows: every row must have 2 entries, as the first row has
export const ragged = fromRows([[1, 2], [3]]);

// The visible escape: sizes known only at run time are checked there, then typed.
export const loaded: Mat<"n", "d"> = withShape(mat(4, 65, new Float64Array(260)), n, d);
