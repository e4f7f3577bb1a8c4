// Type cases for add, sub, mul and their broadcast (see constructors.ts for the `//~` convention).
import { add, dim, mul, sub, zeros, type Mat } from "../../../src/index.js";

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

//~ add: a is n×h but b is 1×v; b must be n×h or a 1×h row
export const bad1 = add(A, zeros(1, v));
//~ add: a is n×h but b is n×v; b must be n×h or a 1×h row
export const bad2 = add(A, zeros(n, v));
//~ sub: a is n×h but b is h×n; b must be n×h or a 1×h row
export const bad3 = sub(A, zeros(h, n));
// Only a row broadcasts, and only as the second argument.
//~ add: a is 1×h but b is n×h; b must be 1×h or a 1×h row
export const bad4 = add(bias, A);
//~ mul: a is n×h but b is 1×h; the shapes must be equal
export const bad5 = mul(A, bias);
//~ mul: a is 2×3 but b is 3×2; the shapes must be equal
export const bad6 = mul(zeros(2, 3), zeros(3, 2));
//~ Type 'Mat<"n", "h">' is not assignable to type 'Mat<1, "h">'
export const bad7: Mat<1, "h"> = add(A, bias);
