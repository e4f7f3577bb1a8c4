// Type cases for maps, row-wise softmax and reductions (see constructors.ts for the `//~` convention).
import { causalMask, dim, exp, log, logSoftmax, meanCols, neg, relu, scale, sigmoid, softmax, softmaxCrossEntropy, sqrt, square, sumAll, sumCols, sumRows, tanh, zeros, type Mat } from "../../../src/index.js";

const n = dim("n", 4);
const v = dim("v", 6);
const h = dim("h", 5);
const O = zeros(n, v);
const Y = zeros(n, v);

export const t: Mat<"n", "v"> = tanh(O);
export const e: Mat<"n", "v"> = exp(O);
export const l: Mat<"n", "v"> = log(O);
export const s: Mat<"n", "v"> = softmax(O);
export const ls: Mat<"n", "v"> = logSoftmax(O);
export const k: Mat<"n", "v"> = scale(O, 0.5);
export const r: Mat<1, "v"> = sumRows(O);
export const all: Mat<1, 1> = sumAll(O);
export const loss: Mat<1, 1> = softmaxCrossEntropy(O, Y);
export const sg: Mat<"n", "v"> = sigmoid(O);
export const rl: Mat<"n", "v"> = relu(O);
export const sq: Mat<"n", "v"> = sqrt(square(neg(O)));
export const rowSums: Mat<"n", 1> = sumCols(O);
export const rowMeans: Mat<"n", 1> = meanCols(O);
const T = dim("T", 3);
export const masked: Mat<"T", "T"> = causalMask(zeros(T, T));

//~ Type 'Mat<"n", "v">' is not assignable to type 'Mat<"v", "n">'
export const bad1: Mat<"v", "n"> = tanh(O);
//~ Type 'Mat<1, "v">' is not assignable to type 'Mat<"n", "v">'
export const bad2: Mat<"n", "v"> = sumRows(O);
//~ Type 'Mat<1, 1>' is not assignable to type 'Mat<"n", 1>'
export const bad3: Mat<"n", 1> = sumAll(O);
//~ softmaxCrossEntropy: a is n×v but b is n×h; the shapes must be equal
export const bad4 = softmaxCrossEntropy(O, zeros(n, h));
//~ softmaxCrossEntropy: a is n×v but b is 1×v; the shapes must be equal
export const bad5 = softmaxCrossEntropy(O, zeros(1, v));
//~ Argument of type 'string' is not assignable to parameter of type 'number'
export const bad6 = scale(O, "2");
//~ Type 'Mat<"n", 1>' is not assignable to type 'Mat<1, "v">'
export const bad8: Mat<1, "v"> = meanCols(O);
//~ causalMask: S is n×v; it must be square (n×n)
export const bad9 = causalMask(O);
