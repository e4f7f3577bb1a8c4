// Type cases for add, sub, mul, div and their broadcast: a row, a column, a number on either side
// (see constructors.ts for the `//~` convention).
import { add, dim, div, mul, sub, zeros, type Mat } from "../../../src/index.js";

const n = dim("n", 4);
const h = dim("h", 5);
const v = dim("v", 6);
const A = zeros(n, h);
const B = zeros(n, h);
const bias = zeros(1, h);

export const s1: Mat<"n", "h"> = add(A, B);
export const s2: Mat<"n", "h"> = add(A, bias);
export const s3: Mat<"n", "h"> = sub(A, B);
export const s4: Mat<"n", "h"> = sub(A, bias);
export const s5: Mat<"n", "h"> = mul(A, B);
export const s6: Mat<1, "h"> = add(bias, bias);
export const s7: Mat<2, 3> = add(zeros(2, 3), zeros(1, 3));
const column = zeros(n, 1);
export const s8: Mat<"n", "h"> = mul(A, column);
export const s9: Mat<"n", "h"> = sub(1, A);
export const s10: Mat<"n", "h"> = div(A, 2);
export const s11: Mat<"n", "h"> = mul(A, bias);
export const s12: Mat<"n", "h"> = div(1, add(A, column));
export const s13: Mat<1, "h"> = mul(0.5, bias);

//~ add: a is n×h but b is 1×v; b must be n×h, 1×h (a row), n×1 (a column) or a number
export const bad1 = add(A, zeros(1, v));
//~ add: a is n×h but b is n×v; b must be n×h, 1×h (a row), n×1 (a column) or a number
export const bad2 = add(A, zeros(n, v));
//~ sub: a is n×h but b is h×n; b must be n×h, 1×h (a row), n×1 (a column) or a number
export const bad3 = sub(A, zeros(h, n));
// A row or a column broadcasts only as the second argument; a number on either side.
//~ add: a is 1×h but b is n×h; b must be 1×h, 1×h (a row), 1×1 (a column) or a number
export const bad4 = add(bias, A);
//~ mul: a is n×h but b is n×2; b must be n×h, 1×h (a row), n×1 (a column) or a number
export const bad5 = mul(A, zeros(n, 2));
//~ mul: a is 2×3 but b is 3×2; b must be 2×3, 1×3 (a row), 2×1 (a column) or a number
export const bad6 = mul(zeros(2, 3), zeros(3, 2));
//~ div: a and b are both numbers; at least one must be a matrix
export const bad8 = div(1, 2);
//~ sub: a is n×1 but b is n×h; b must be n×1, 1×1 (a row), n×1 (a column) or a number
export const bad9 = sub(column, A);
//~ Type 'Mat<"n", "h">' is not assignable to type 'Mat<1, "h">'
export const bad7: Mat<1, "h"> = add(A, bias);
