// Type cases for matmul and transpose (see constructors.ts for the `//~` convention).
import { dim, matmul, transpose, zeros, type Mat } from "../../../src/index.js";

const n = dim("n", 4);
const d = dim("d", 3);
const h = dim("h", 5);
const X = zeros(n, d);
const G = zeros(n, h);
const U = zeros(d, h);

export const dU: Mat<"d", "h"> = matmul(transpose(X), G);
export const A: Mat<"n", "h"> = matmul(X, U);
export const gram: Mat<"d", "d"> = matmul(transpose(X), X);
export const lit: Mat<2, 4> = matmul(zeros(2, 3), zeros(3, 4));
export const mixed: Mat<"n", 7> = matmul(X, zeros(d, 7));
export const back: Mat<"n", "d"> = matmul(G, transpose(U));

//~ matmul: a is n×d but b is n×h; inner dims d and n differ
export const bad1 = matmul(X, G);
//~ matmul: a is d×n but b is d×h; inner dims n and d differ
export const bad2 = matmul(transpose(X), U);
//~ matmul: a is 2×3 but b is 2×4; inner dims 3 and 2 differ
export const bad3 = matmul(zeros(2, 3), zeros(2, 4));
// A literal is not a name even when the sizes agree: d is 3 here.
//~ matmul: a is n×d but b is 3×h; inner dims d and 3 differ
export const bad4 = matmul(X, zeros(3, h));
//~ Type 'Mat<"n", "h">' is not assignable to type 'Mat<"d", "h">'
export const bad5: Mat<"d", "h"> = matmul(X, U);
//~ Type 'Mat<"h", "d">' is not assignable to type 'Mat<"d", "h">'
export const bad6: Mat<"d", "h"> = transpose(U);
