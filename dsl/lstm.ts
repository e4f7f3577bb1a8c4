// A long short-term memory network (LSTM) over a sequence, with the RNN's softmax cross-entropy
// (dsl/rnn.ts). Two states: the hidden state h and the cell state cell.
//   I_t = σ(X_t Ui + H_{t-1} Wi + bi)       input gate
//   F_t = σ(X_t Uf + H_{t-1} Wf + bf)       forget gate
//   O_t = σ(X_t Uo + H_{t-1} Wo + bo)       output gate
//   G_t = tanh(X_t Ug + H_{t-1} Wg + bg)    candidate cell
//   C_t = F_t ⊙ C_{t-1} + I_t ⊙ G_t         H_t = O_t ⊙ tanh(C_t)
//   Out_t = H_t V + c    L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(Out_t)[i,j]
// σ is the logistic function. Dims and defaults as the RNN's. The batch holds xs, ys, h0 and cell0;
// the gradients h0 and cell0; the result hT and cellT. Labels: Ai, Af, Ao, Ag are the
// pre-activations, I, F, O, G the gates, cell and H the new states (cell, like the state, so that
// explain reads cell_t beside cell_{t−1}) and Out the logits (O is the output gate).
import { add, defineModel, matmul, mul, named, sigmoid, softmaxCrossEntropy, tanh } from "../src/index.js";

export default defineModel({
  name: "lstm",
  dims: { n: 1, d: 65, h: 100, v: 65, T: 25 },
  params: {
    Ui: ["d", "h"], Wi: ["h", "h"], bi: [1, "h"],
    Uf: ["d", "h"], Wf: ["h", "h"], bf: [1, "h"],
    Uo: ["d", "h"], Wo: ["h", "h"], bo: [1, "h"],
    Ug: ["d", "h"], Wg: ["h", "h"], bg: [1, "h"],
    V: ["h", "v"], c: [1, "v"],
  },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { h: ["n", "h"], cell: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
  meanOver: ["T", "n"],
  step({ Ui, Wi, bi, Uf, Wf, bf, Uo, Wo, bo, Ug, Wg, bg, V, c }, { x, y }, { h, cell }) {
    const i = named("I", sigmoid(named("Ai", add(add(matmul(x, Ui), matmul(h, Wi)), bi))));
    const f = named("F", sigmoid(named("Af", add(add(matmul(x, Uf), matmul(h, Wf)), bf))));
    const o = named("O", sigmoid(named("Ao", add(add(matmul(x, Uo), matmul(h, Wo)), bo))));
    const g = named("G", tanh(named("Ag", add(add(matmul(x, Ug), matmul(h, Wg)), bg))));
    const cellNext = named("cell", add(mul(f, cell), mul(i, g)));
    const hNext = named("H", mul(o, tanh(cellNext)));
    const out = named("Out", add(matmul(hNext, V), c));
    return { loss: softmaxCrossEntropy(out, y), state: { h: hNext, cell: cellNext }, output: out };
  },
});
