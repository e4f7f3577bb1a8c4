// `shapegrad demo`: one step of the flagship recurrent network, computed eagerly with the typed
// library on seeded random data, printing each value's shape as the type checker sees it.
import { add, dim, matmul, randn, rng, scale, shapeText, softmaxCrossEntropy, tanh, transpose, zeros, type AnyMat, type Mat } from "../src/index.js";

export function demo(log: (line: string) => void = console.log): void {
  const n = dim("n", 4), d = dim("d", 65), h = dim("h", 100), v = dim("v", 65);
  const random = rng(1);
  const X = randn(n, d, random);
  const U = randn(d, h, random, 0.01);
  const W = randn(h, h, random, 0.01);
  const b = zeros(1, h);
  const V = randn(h, v, random, 0.01);
  const c = zeros(1, v);
  const H0: Mat<"n", "h"> = zeros(n, h);
  const Y = zeros(n, v);
  for (let i = 0; i < n.size; i++) Y.data[i * v.size + Math.floor(random.uniform() * v.size)] = 1;

  const A = add(add(matmul(X, U), matmul(H0, W)), b);
  const H = tanh(A);
  const O = add(matmul(H, V), c);
  const loss = scale(softmaxCrossEntropy(O, Y), 1 / n.size);
  const G = zeros(n, h);
  const dU = matmul(transpose(X), G);

  const show = (name: string, m: AnyMat) => log(`  ${name.padEnd(28)} ${shapeText(m)}`);
  log("One step of the RNN, eagerly, with every shape checked by the compiler:");
  show("A = X·U + H₀·W + b", A);
  show("H = tanh(A)", H);
  show("O = H·V + c", O);
  show("∂L/∂U = Xᵀ·G has the shape", dU);
  log(`  loss = ${loss.data[0]!.toFixed(6)} (ln 65 = ${Math.log(65).toFixed(6)} for a uniform guess)`);
}
