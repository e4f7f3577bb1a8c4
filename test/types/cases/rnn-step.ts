// Type cases from the flagship RNN: the mistakes people make writing its forward and backward
// passes by hand (see constructors.ts for the `//~` convention).
import { add, dim, matmul, mul, softmaxCrossEntropy, sub, sumRows, tanh, transpose, zeros, type Mat } from "../../../src/index.js";

const n = dim("n", 2), d = dim("d", 65), h = dim("h", 100), v = dim("v", 65);
const X = zeros(n, d), Y = zeros(n, v);
const U = zeros(d, h), W = zeros(h, h), b = zeros(1, h), V = zeros(h, v), c = zeros(1, v);
const H0 = zeros(n, h);

// Forward: A = X·U + H·W + b, H = tanh(A), O = H·V + c.
const A = add(add(matmul(X, U), matmul(H0, W)), b);
export const H1: Mat<"n", "h"> = tanh(A);
const O = add(matmul(H1, V), c);
export const loss: Mat<1, 1> = softmaxCrossEntropy(O, Y);

// Backward: G_O = Ŷ − Y, dV = Hᵀ·G_O, dc = Σ rows, G_H = G_O·Vᵀ, G_A = G_H ⊙ (1 − H²), dU = Xᵀ·G_A.
const GO = sub(O, Y);
export const dV: Mat<"h", "v"> = matmul(transpose(H1), GO);
export const dc: Mat<1, "v"> = sumRows(GO);
const GH = matmul(GO, transpose(V));
const GA = mul(GH, H1);
export const dU: Mat<"d", "h"> = matmul(transpose(X), GA);
export const dW: Mat<"h", "h"> = matmul(transpose(H0), GA);
export const db: Mat<1, "h"> = sumRows(GA);
export const dH0: Mat<"n", "h"> = matmul(GA, transpose(W));

//~ matmul: a is n×h but b is d×h; inner dims h and d differ
export const wrongWeight = matmul(H1, U);
//~ add: a is n×h but b is 1×v; b must be n×h, 1×h (a row), n×1 (a column) or a number
export const wrongBias = add(matmul(X, U), c);
//~ matmul: a is n×v but b is h×v; inner dims v and h differ
export const forgotTranspose = matmul(GO, V);
//~ matmul: a is n×d but b is n×h; inner dims d and n differ
export const dUNoTranspose = matmul(X, GA);
//~ Type 'Mat<"h", "d">' is not assignable to type 'Mat<"d", "h">'
export const dUSwapped: Mat<"d", "h"> = matmul(transpose(GA), X);
//~ Type 'Mat<"n", "v">' is not assignable to type 'Mat<"n", "h">'
export const wrongState: Mat<"n", "h"> = tanh(O);
//~ Type 'Mat<"n", "h">' is not assignable to type 'Mat<1, "h">'
export const biasGradNotSummed: Mat<1, "h"> = GA;
