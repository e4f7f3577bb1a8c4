// The flagship model: a recurrent network over a sequence, with softmax cross-entropy.
//   A_t = X_t U + H_{t-1} W + b    H_t = tanh(A_t)    O_t = H_t V + c    Ŷ_t = softmax(O_t), row-wise
//   L   = -(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log Ŷ_t[i,j]
// Dims: n rows per step (batch), d input width, h hidden width, v output width, T steps; the
// defaults are a character-level model.
import { add, defineModel, matmul, named, softmaxCrossEntropy, tanh } from "../src/index.js";

export default defineModel({
  name: "rnn",
  dims: { n: 1, d: 65, h: 100, v: 65, T: 25 },
  params: { U: ["d", "h"], W: ["h", "h"], b: [1, "h"], V: ["h", "v"], c: [1, "v"] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { h: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
  meanOver: ["T", "n"],
  step({ U, W, b, V, c }, { x, y }, { h }) {
    const hNext = tanh(named("A", add(add(matmul(x, U), matmul(h, W)), b)));
    const o = named("O", add(matmul(hNext, V), c));
    return { loss: softmaxCrossEntropy(o, y), state: { h: hNext }, output: o };
  },
});
