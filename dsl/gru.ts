// A gated recurrent unit (GRU) over a sequence, with the RNN's softmax cross-entropy (dsl/rnn.ts):
//   Z_t = σ(X_t Uz + H_{t-1} Wz + bz)       update gate
//   R_t = σ(X_t Ur + H_{t-1} Wr + br)       reset gate
//   Ĥ_t = tanh(X_t Uh + (R_t ⊙ H_{t-1}) Wh + bh)
//   H_t = (1 − Z_t) ⊙ Ĥ_t + Z_t ⊙ H_{t-1}
//   O_t = H_t V + c    L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(O_t)[i,j]
// σ is the logistic function. Dims and defaults as the RNN's: n rows per step, d input width,
// h hidden width, v output width, T steps. Labels: Az, Ar, Ah are the pre-activations, Z, R the
// gates, RH the reset state R ⊙ H, Hhat the candidate Ĥ, H the new state and O the logits.
import { add, defineModel, matmul, mul, named, sigmoid, softmaxCrossEntropy, sub, tanh } from "../src/index.js";

export default defineModel({
  name: "gru",
  dims: { n: 1, d: 65, h: 100, v: 65, T: 25 },
  params: {
    Uz: ["d", "h"], Wz: ["h", "h"], bz: [1, "h"],
    Ur: ["d", "h"], Wr: ["h", "h"], br: [1, "h"],
    Uh: ["d", "h"], Wh: ["h", "h"], bh: [1, "h"],
    V: ["h", "v"], c: [1, "v"],
  },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { h: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
  meanOver: ["T", "n"],
  step({ Uz, Wz, bz, Ur, Wr, br, Uh, Wh, bh, V, c }, { x, y }, { h }) {
    const z = named("Z", sigmoid(named("Az", add(add(matmul(x, Uz), matmul(h, Wz)), bz))));
    const r = named("R", sigmoid(named("Ar", add(add(matmul(x, Ur), matmul(h, Wr)), br))));
    const hHat = named("Hhat", tanh(named("Ah", add(add(matmul(x, Uh), matmul(named("RH", mul(r, h)), Wh)), bh))));
    const hNext = named("H", add(mul(sub(1, z), hHat), mul(z, h)));
    const o = named("O", add(matmul(hNext, V), c));
    return { loss: softmaxCrossEntropy(o, y), state: { h: hNext }, output: o };
  },
});
