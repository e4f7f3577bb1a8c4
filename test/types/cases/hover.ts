// What the editor shows on hover: `//? text` after a declaration is the quick info expected for it.
import { add, dim, fromRows, matmul, softmax, sumAll, sumRows, tanh, transpose, zeros } from "../../../src/index.js";

const n = dim("n", 4); //? const n: DimSize<"n">
const d = dim("d", 3);
const h = dim("h", 5);
export const X = zeros(n, d); //? const X: Mat<"n", "d">
export const G = zeros(n, h); //? const G: Mat<"n", "h">
export const dU = matmul(transpose(X), G); //? const dU: Mat<"d", "h">
export const Xt = transpose(X); //? const Xt: Mat<"d", "n">
export const lit = zeros(2, 3); //? const lit: Mat<2, 3>
export const rows = fromRows([[1, 2, 3], [4, 5, 6]]); //? const rows: Mat<2, 3>
export const sum = add(G, zeros(1, h)); //? const sum: Mat<"n", "h">
export const state = tanh(matmul(X, zeros(d, h))); //? const state: Mat<"n", "h">
export const p = softmax(G); //? const p: Mat<"n", "h">
export const colSums = sumRows(G); //? const colSums: Mat<1, "h">
export const total = sumAll(G); //? const total: Mat<1, 1>
