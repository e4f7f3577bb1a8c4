// A one-block transformer over one sequence of T characters, predicting each next character:
// causal single-head self-attention and a ReLU MLP, each pre-norm with a residual.
//   X₀ = x E + P                                  token embedding (a row gather: x is one-hot) + position
//   N₁ = LN(X₀; γ₁, β₁)                           LN(X) = (X − μ) ⊘ √(σ² + ε) ⊙ γ + β, per row over d, ε = 1e-5
//   Q = N₁ Wq    K = N₁ Wk    V = N₁ Wv
//   S = Q Kᵀ / √k    A = softmax(mask(S)), row-wise   mask: −∞ above the diagonal (row t sees rows ≤ t)
//   C = A V    H₁ = X₀ + C Wo
//   N₂ = LN(H₁; γ₂, β₂)    Z = N₂ W1 + b1    H₂ = H₁ + relu(Z) W2 + b2
//   N₃ = LN(H₂; γ₃, β₃)    O = N₃ Wout + bout
//   L  = −(1/T) Σ_t Σ_j Y[t,j] · log softmax(O)[t,j]
// Dims: T rows (positions), v characters, d model width, k query/key/value width, m MLP width.
import {
  add,
  causalMask,
  defineModel,
  div,
  matmul,
  meanCols,
  mul,
  named,
  relu,
  softmax,
  softmaxCrossEntropy,
  sqrt,
  square,
  sub,
  transpose,
  type Dim,
  type Mat,
} from "../src/index.js";

/** The variance floor inside the layer norm's square root. */
const epsilon = 1e-5;

/**
 * Layer norm of each row of x over its C columns: (x − μ) ⊘ √(σ² + ε), then a gain and a bias.
 * `tag` tells its three uses apart in labels (Xc1: x − μ; Sd1: √(σ² + ε); Xn1: the normalized rows),
 * so that explain and generated code name these values rather than spell them out.
 */
function layerNorm<R extends Dim, C extends Dim>(x: Mat<R, C>, gain: Mat<1, C>, bias: Mat<1, C>, tag: string): Mat<R, C> {
  const centered = named(`Xc${tag}`, sub(x, meanCols(x)));
  const deviation = named(`Sd${tag}`, sqrt(add(meanCols(square(centered)), epsilon)));
  return add(mul(named(`Xn${tag}`, div(centered, deviation)), gain), bias);
}

export default defineModel({
  name: "attention",
  dims: { T: 16, v: 65, d: 32, k: 16, m: 64 },
  params: {
    E: ["v", "d"],
    P: ["T", "d"],
    gain1: [1, "d"],
    bias1: [1, "d"],
    Wq: ["d", "k"],
    Wk: ["d", "k"],
    Wv: ["d", "k"],
    Wo: ["k", "d"],
    gain2: [1, "d"],
    bias2: [1, "d"],
    W1: ["d", "m"],
    b1: [1, "m"],
    W2: ["m", "d"],
    b2: [1, "d"],
    gain3: [1, "d"],
    bias3: [1, "d"],
    Wout: ["d", "v"],
    bout: [1, "v"],
  },
  inputs: { x: ["T", "v"] },
  targets: { y: ["T", "v"] },
  oneHot: ["x"],
  meanOver: ["T"],
  step({ E, P, gain1, bias1, Wq, Wk, Wv, Wo, gain2, bias2, W1, b1, W2, b2, gain3, bias3, Wout, bout }, { x, y }, _state, sizes) {
    const x0 = named("X0", add(matmul(x, E), P));

    const n1 = named("N1", layerNorm(x0, gain1, bias1, "1"));
    const q = named("Q", matmul(n1, Wq));
    const k = named("K", matmul(n1, Wk));
    const v = named("V", matmul(n1, Wv));
    const s = named("S", div(matmul(q, transpose(k)), Math.sqrt(sizes.k)));
    const a = named("A", softmax(causalMask(s)));
    const h1 = named("H1", add(x0, matmul(named("C", matmul(a, v)), Wo)));

    const n2 = named("N2", layerNorm(h1, gain2, bias2, "2"));
    const z = named("Z", add(matmul(n2, W1), b1));
    const h2 = named("H2", add(h1, add(matmul(relu(z), W2), b2)));

    const n3 = named("N3", layerNorm(h2, gain3, bias3, "3"));
    const o = named("O", add(matmul(n3, Wout), bout));
    return { loss: softmaxCrossEntropy(o, y), output: o };
  },
  // Trained on characters a window of T at a time (`--seq`), d wide (`--hidden`), over v of them.
  trainable: { vocab: "v", hidden: "d", window: "T" },
});
