// A straightforward eager implementation of the character RNN's training (what `train()` in
// train/trainer.ts does with generated code), written with the typed library alone: the forward
// pass step by step with matmul/add/tanh/softmax, the backward pass derived by hand (BPTT) with the
// same typed ops, the optimizers as plain loops, and the same data feeding. No valueAndGrad, no
// generated code, nothing from train/, and from codegen/ only the table of documented optimizer
// defaults (learning rates, ε, β), so that the reference follows the hyperparameters the trainer
// documents while computing everything itself: a reference for test/train-step.test.ts and the
// eager side of bench/train-step.ts.
//
//   A_t = X_t U + H_{t−1} W + b    H_t = tanh(A_t)    O_t = H_t V + c    Ŷ_t = softmax(O_t)
//   L   = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log Ŷ_t[i,j]
//
// Backward (one-hot targets), with G_A(T+1) = 0:
//   G_O = (Ŷ_t − Y_t)/(T·n)    dV += H_tᵀ G_O    dc += Σ_rows G_O
//   G_H = G_O Vᵀ + G_A(t+1) Wᵀ    G_A = G_H ⊙ (1 − H_t ⊙ H_t)
//   dU += X_tᵀ G_A    dW += H_{t−1}ᵀ G_A    db += Σ_rows G_A    dh0 = G_A(1) Wᵀ
import { optimizerDefaults } from "../codegen/optimizers.js";
import { add, dim, logSoftmax, mat, matmul, mul, rng, scale, softmax, sub, sumAll, sumRows, tanh, transpose, zeros, type DimSize, type Mat } from "../src/index.js";

export type EagerOptimizer = "sgd" | "adagrad" | "adam";

/** The optimizers' documented defaults (codegen/optimizers.ts), which the generated steps bake in. */
export const eagerOptimizerDefaults = optimizerDefaults;

export interface RnnDims {
  readonly n: DimSize<"n">;
  readonly d: DimSize<"d">;
  readonly h: DimSize<"h">;
  readonly v: DimSize<"v">;
  readonly T: number;
}

export function rnnDims(sizes: { readonly n: number; readonly d: number; readonly h: number; readonly v: number; readonly T: number }): RnnDims {
  return { n: dim("n", sizes.n), d: dim("d", sizes.d), h: dim("h", sizes.h), v: dim("v", sizes.v), T: sizes.T };
}

export interface EagerParams {
  readonly U: Mat<"d", "h">;
  readonly W: Mat<"h", "h">;
  readonly b: Mat<1, "h">;
  readonly V: Mat<"h", "v">;
  readonly c: Mat<1, "v">;
}

export interface EagerGrads extends EagerParams {
  readonly h0: Mat<"n", "h">;
}

export const paramNames = ["U", "W", "b", "V", "c"] as const;
export type ParamName = (typeof paramNames)[number];

/** The vocabulary (distinct characters sorted by code point) and the text as indices into it. */
export function vocabulary(text: string): { readonly vocab: string; readonly indices: Int32Array } {
  const chars = Array.from(text);
  const sorted = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const index = new Map(sorted.map((c, i) => [c, i]));
  return { vocab: sorted.join(""), indices: Int32Array.from(chars, (c) => index.get(c)!) };
}

/** min-char-rnn's initialization from rng(seed): weights 0.01·N(0, 1) drawn in the order U, W, V (row-major), biases zero. */
export function initialParams(dims: RnnDims, seed: number): EagerParams {
  const random = rng(seed);
  const normals = (count: number) => Float64Array.from({ length: count }, () => 0.01 * random.normal());
  const { d, h, v } = dims;
  const U = mat(d, h, normals(d.size * h.size));
  const W = mat(h, h, normals(h.size * h.size));
  const b = zeros(1, h);
  const V = mat(h, v, normals(h.size * v.size));
  const c = zeros(1, v);
  return { U, W, b, V, c };
}

/** Loss, final state and gradients of one sequence: X_t and Y_t are the n×d inputs and n×v one-hot targets of step t. */
export function eagerLossAndGrad(
  dims: RnnDims,
  p: EagerParams,
  xs: readonly Mat<"n", "d">[],
  ys: readonly Mat<"n", "v">[],
  h0: Mat<"n", "h">,
): { loss: number; hT: Mat<"n", "h">; grads: EagerGrads } {
  const { n, h, T } = dims;
  const hs: Mat<"n", "h">[] = [h0];
  const probs: Mat<"n", "v">[] = [];
  let total = 0;
  for (let t = 0; t < T; t++) {
    const x = xs[t]!, y = ys[t]!;
    const hNext = tanh(add(add(matmul(x, p.U), matmul(hs[t]!, p.W)), p.b));
    const o = add(matmul(hNext, p.V), p.c);
    total -= sumAll(mul(y, logSoftmax(o))).data[0]!;
    probs.push(softmax(o));
    hs.push(hNext);
  }
  const mean = 1 / (T * n.size);
  const ones = mat(n, h, new Float64Array(n.size * h.size).fill(1));
  let dU = zeros(dims.d, h), dW = zeros(h, h), db = zeros(1, h), dV = zeros(h, dims.v), dc = zeros(1, dims.v);
  let dANext: Mat<"n", "h"> | undefined;
  for (let t = T - 1; t >= 0; t--) {
    const hCur = hs[t + 1]!, hPrev = hs[t]!;
    const dO = scale(sub(probs[t]!, ys[t]!), mean);
    dV = add(dV, matmul(transpose(hCur), dO));
    dc = add(dc, sumRows(dO));
    const fromOutput = matmul(dO, transpose(p.V));
    const dH = dANext === undefined ? fromOutput : add(fromOutput, matmul(dANext, transpose(p.W)));
    const dA = mul(dH, sub(ones, mul(hCur, hCur)));
    dU = add(dU, matmul(transpose(xs[t]!), dA));
    dW = add(dW, matmul(transpose(hPrev), dA));
    db = add(db, sumRows(dA));
    dANext = dA;
  }
  const dh0 = dANext === undefined ? zeros(n, h) : matmul(dANext, transpose(p.W));
  return { loss: total * mean, hT: hs[T]!, grads: { U: dU, W: dW, b: db, V: dV, c: dc, h0: dh0 } };
}

export interface EagerTrainingOptions {
  /** The text as vocabulary indices. */
  readonly indices: ArrayLike<number>;
  readonly vocab: number;
  readonly hidden: number;
  readonly seq: number;
  readonly batch: number;
  readonly optimizer: EagerOptimizer;
  /** Default: the optimizer's own. */
  readonly lr?: number;
  readonly clip: number;
  readonly seed: number;
}

/** Training, one step at a time: n streams over n segments of the text, the state carried between steps. */
export class EagerRnnTraining {
  readonly dims: RnnDims;
  readonly params: EagerParams;
  readonly lr: number;
  /** Optimizer state by name (memory; m, v), each a Float64Array per parameter. */
  readonly state: Readonly<Record<string, Readonly<Record<ParamName, Float64Array>>>>;
  h: Mat<"n", "h">;
  readonly positions: number[];
  readonly starts: number[];
  readonly ends: number[];
  steps = 0;
  /** Streams wrapped to their start so far, and gradient entries clipped so far (to show a test exercised them). */
  wraps = 0;
  clipped = 0;
  readonly losses: number[] = [];

  constructor(readonly options: EagerTrainingOptions) {
    const { vocab, hidden, seq, batch } = options;
    this.dims = rnnDims({ n: batch, d: vocab, h: hidden, v: vocab, T: seq });
    this.params = initialParams(this.dims, options.seed);
    this.lr = options.lr ?? eagerOptimizerDefaults[options.optimizer].lr;
    const perParam = () => Object.fromEntries(paramNames.map((k) => [k, new Float64Array(this.params[k].data.length)])) as Record<ParamName, Float64Array>;
    const names = options.optimizer === "adagrad" ? ["memory"] : options.optimizer === "adam" ? ["m", "v"] : [];
    this.state = Object.fromEntries(names.map((s) => [s, perParam()]));
    this.h = zeros(this.dims.n, this.dims.h);
    // Stream k reads segment k: [k·⌊L/n⌋, (k+1)·⌊L/n⌋), the last one running to the end of the text.
    const L = options.indices.length, size = Math.floor(L / batch);
    if (size < seq + 1) throw new RangeError(`eager training: ${L} characters are too few for ${batch} streams of ${seq + 1}`);
    this.starts = Array.from({ length: batch }, (_, k) => k * size);
    this.ends = Array.from({ length: batch }, (_, k) => (k === batch - 1 ? L : (k + 1) * size));
    this.positions = [...this.starts];
  }

  /** One training step: feed, loss and gradients, optimizer update, carry the state. Returns the loss. */
  trainStep(): number {
    const { n, d, v, h, T } = this.dims;
    const { indices, clip } = this.options;
    // A stream that cannot read T+1 more characters of its segment starts over, from a zero state.
    const h0 = Float64Array.from(this.h.data);
    for (let k = 0; k < n.size; k++) {
      if (this.positions[k]! + T + 1 > this.ends[k]!) {
        this.positions[k] = this.starts[k]!;
        h0.fill(0, k * h.size, (k + 1) * h.size);
        this.wraps++;
      }
    }
    const xs: Mat<"n", "d">[] = [], ys: Mat<"n", "v">[] = [];
    for (let t = 0; t < T; t++) {
      const x = new Float64Array(n.size * d.size), y = new Float64Array(n.size * v.size);
      for (let k = 0; k < n.size; k++) {
        const p = this.positions[k]! + t;
        x[k * d.size + indices[p]!] = 1;
        y[k * v.size + indices[p + 1]!] = 1;
      }
      xs.push(mat(n, d, x));
      ys.push(mat(n, v, y));
    }
    const { loss, hT, grads } = eagerLossAndGrad(this.dims, this.params, xs, ys, mat(n, h, h0));
    this.steps++;
    const t = this.steps;
    const clipped = (g: number) => {
      if (g > clip) {
        this.clipped++;
        return clip;
      }
      if (g < -clip) {
        this.clipped++;
        return -clip;
      }
      return g;
    };
    for (const name of paramNames) {
      const p = this.params[name].data, gs = grads[name].data;
      if (this.options.optimizer === "sgd") {
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - this.lr * clipped(gs[i]!);
      } else if (this.options.optimizer === "adagrad") {
        const mem = this.state["memory"]![name];
        for (let i = 0; i < p.length; i++) {
          const g = clipped(gs[i]!);
          mem[i] = mem[i]! + g * g;
          p[i] = p[i]! - (this.lr * g) / Math.sqrt(mem[i]! + eagerOptimizerDefaults.adagrad.epsilon);
        }
      } else {
        const { beta1, beta2, epsilon } = eagerOptimizerDefaults.adam;
        const m = this.state["m"]![name], s = this.state["v"]![name];
        for (let i = 0; i < p.length; i++) {
          const g = clipped(gs[i]!);
          m[i] = beta1 * m[i]! + (1 - beta1) * g;
          s[i] = beta2 * s[i]! + (1 - beta2) * g * g;
          const mHat = m[i]! / (1 - beta1 ** t), vHat = s[i]! / (1 - beta2 ** t);
          p[i] = p[i]! - (this.lr * mHat) / (Math.sqrt(vHat) + epsilon);
        }
      }
    }
    this.h = hT;
    for (let k = 0; k < n.size; k++) this.positions[k]! += T;
    this.losses.push(loss);
    return loss;
  }
}
