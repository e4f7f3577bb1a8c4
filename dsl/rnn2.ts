// Two stacked tanh layers over a sequence, the second reading the first's state of the same step,
// with the RNN's softmax cross-entropy (dsl/rnn.ts):
//   A1_t = X_t U1 + H1_{t-1} W1 + b1     H1_t = tanh(A1_t)      first layer
//   A2_t = H1_t U2 + H2_{t-1} W2 + b2    H2_t = tanh(A2_t)      second layer, on this step's H1
//   O_t = H2_t V + c    L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(O_t)[i,j]
// Dims and defaults as the RNN's: n rows per step, d input width, h hidden width (both layers),
// v output width, T steps. Labels: A1, A2 are the pre-activations, H1, H2 the new states and O the
// logits. The states `h1`, `h2` end in a digit, so their batch and gradient keys are `h1_0`,
// `h2_0` and their result keys `h1_T`, `h2_T` (src/batch-names.ts: never `h10`, which reads as a step).
import { add, defineModel, matmul, named, softmaxCrossEntropy, tanh } from "../src/index.js";

export default defineModel({
  name: "rnn2",
  dims: { n: 1, d: 65, h: 100, v: 65, T: 25 },
  params: {
    U1: ["d", "h"], W1: ["h", "h"], b1: [1, "h"],
    U2: ["h", "h"], W2: ["h", "h"], b2: [1, "h"],
    V: ["h", "v"], c: [1, "v"],
  },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { h1: ["n", "h"], h2: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
  meanOver: ["T", "n"],
  step({ U1, W1, b1, U2, W2, b2, V, c }, { x, y }, { h1, h2 }) {
    const h1Next = named("H1", tanh(named("A1", add(add(matmul(x, U1), matmul(h1, W1)), b1))));
    const h2Next = named("H2", tanh(named("A2", add(add(matmul(h1Next, U2), matmul(h2, W2)), b2))));
    const o = named("O", add(matmul(h2Next, V), c));
    return { loss: softmaxCrossEntropy(o, y), state: { h1: h1Next, h2: h2Next }, output: o };
  },
});
