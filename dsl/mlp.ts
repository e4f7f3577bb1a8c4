// A second model, without recurrence: a two-layer perceptron classifying n rows at once.
//   Z = X W1 + b1    H = tanh(Z)    O = H W2 + b2    L = -(1/n) Σ_i Σ_j Y[i,j] · log softmax(O)[i,j]
import { add, defineModel, matmul, named, softmaxCrossEntropy, tanh } from "../src/index.js";

export default defineModel({
  name: "mlp",
  dims: { n: 8, d: 4, h: 16, v: 3 },
  params: { W1: ["d", "h"], b1: [1, "h"], W2: ["h", "v"], b2: [1, "v"] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  meanOver: ["n"],
  step({ W1, b1, W2, b2 }, { x, y }) {
    const hidden = named("H", tanh(named("Z", add(matmul(x, W1), b1))));
    const o = named("O", add(matmul(hidden, W2), b2));
    return { loss: softmaxCrossEntropy(o, y), output: o };
  },
});
