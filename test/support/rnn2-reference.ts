// An independent reference for the two-layer RNN of issue 15 (dsl/rnn2.ts), written as plain loops
// over Float64Array so that it can be checked by eye and by finite differences, and then trusted to
// check generated code. Nothing from src/ is imported on purpose: a bug shared with the code under
// test would hide. Modelled on test/support/rnn-reference.ts.
//
//   A1_t = X_t U1 + H1_{t-1} W1 + b1     H1_t = tanh(A1_t)
//   A2_t = H1_t U2 + H2_{t-1} W2 + b2    H2_t = tanh(A2_t)      (this step's H1)
//   O_t = H2_t V + c     L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(O_t)[i,j]
//
// All matrices are row-major; X and Y are time-major stacks (step t is rows t·n .. t·n+n−1). The
// batch and gradient keys of the states are h1_0, h2_0 and the final states h1_T, h2_T: spelled out
// here by hand, not formed by src/batch-names.ts.

export interface Rnn2Sizes {
  n: number;
  d: number;
  h: number;
  v: number;
  T: number;
}

export interface Rnn2Params {
  U1: Float64Array; // d×h
  W1: Float64Array; // h×h
  b1: Float64Array; // 1×h
  U2: Float64Array; // h×h
  W2: Float64Array; // h×h
  b2: Float64Array; // 1×h
  V: Float64Array; // h×v
  c: Float64Array; // 1×v
}

export interface Rnn2Batch {
  /** T·n rows × d, time-major. */
  xs: Float64Array;
  /** T·n rows × v, each row one-hot or a distribution. */
  ys: Float64Array;
  /** n×h, the first layer's state before the first step. */
  h1_0: Float64Array;
  /** n×h, the second layer's state before the first step. */
  h2_0: Float64Array;
}

export interface Rnn2Grads extends Rnn2Params {
  h1_0: Float64Array;
  h2_0: Float64Array;
}

export const rnn2ParamNames = ["U1", "W1", "b1", "U2", "W2", "b2", "V", "c"] as const;

interface Forward {
  loss: number;
  /** h1s[0] = h1_0, h1s[t] = H1_t for t = 1..T; likewise h2s. */
  h1s: Float64Array[];
  h2s: Float64Array[];
  /** probs[t-1] = softmax(O_t), n×v. */
  probs: Float64Array[];
}

function checkSizes(s: Rnn2Sizes, p: Rnn2Params, batch: Rnn2Batch): void {
  const { n, d, h, v, T } = s;
  for (const [name, size] of Object.entries(s)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`rnn2Reference: size ${name} must be a positive integer, got ${size}`);
  }
  const wanted: Record<string, [Float64Array, number]> = {
    U1: [p.U1, d * h], W1: [p.W1, h * h], b1: [p.b1, h], U2: [p.U2, h * h], W2: [p.W2, h * h], b2: [p.b2, h], V: [p.V, h * v], c: [p.c, v],
    xs: [batch.xs, T * n * d], ys: [batch.ys, T * n * v], h1_0: [batch.h1_0, n * h], h2_0: [batch.h2_0, n * h],
  };
  for (const [name, [a, size]] of Object.entries(wanted)) {
    if (a === undefined || a.length !== size) throw new RangeError(`rnn2Reference: ${name} has ${a?.length} entries, expected ${size}`);
  }
}

/** tanh(rows(in) · Win + prev · Wrec + bias), one layer's step: in is r×k (read from `inOffset`), prev r×h. */
function layer(r: number, k: number, h: number, input: Float64Array, inOffset: number, Win: Float64Array, prev: Float64Array, Wrec: Float64Array, bias: Float64Array): Float64Array {
  const out = new Float64Array(r * h);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < h; j++) {
      let a = bias[j]!;
      for (let q = 0; q < k; q++) a += input[inOffset + i * k + q]! * Win[q * h + j]!;
      for (let q = 0; q < h; q++) a += prev[i * h + q]! * Wrec[q * h + j]!;
      out[i * h + j] = Math.tanh(a);
    }
  }
  return out;
}

function forward(s: Rnn2Sizes, p: Rnn2Params, batch: Rnn2Batch): Forward {
  checkSizes(s, p, batch);
  const { n, d, h, v, T } = s;
  const h1s: Float64Array[] = [Float64Array.from(batch.h1_0)];
  const h2s: Float64Array[] = [Float64Array.from(batch.h2_0)];
  const probs: Float64Array[] = [];
  let total = 0;
  for (let t = 0; t < T; t++) {
    const h1 = layer(n, d, h, batch.xs, t * n * d, p.U1, h1s[t]!, p.W1, p.b1);
    const h2 = layer(n, h, h, h1, 0, p.U2, h2s[t]!, p.W2, p.b2);
    h1s.push(h1);
    h2s.push(h2);
    const prob = new Float64Array(n * v);
    const o = new Float64Array(v);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        let acc = p.c[j]!;
        for (let k = 0; k < h; k++) acc += h2[i * h + k]! * p.V[k * v + j]!;
        o[j] = acc;
      }
      let max = -Infinity;
      for (let j = 0; j < v; j++) max = Math.max(max, o[j]!);
      let sumExp = 0;
      for (let j = 0; j < v; j++) sumExp += Math.exp(o[j]! - max);
      const logSumExp = max + Math.log(sumExp);
      const yRow = (t * n + i) * v;
      for (let j = 0; j < v; j++) {
        const logP = o[j]! - logSumExp;
        prob[i * v + j] = Math.exp(logP);
        total -= batch.ys[yRow + j]! * logP;
      }
    }
    probs.push(prob);
  }
  return { loss: total / (T * n), h1s, h2s, probs };
}

/** The loss alone, for finite differences. */
export function rnn2Loss(s: Rnn2Sizes, p: Rnn2Params, batch: Rnn2Batch): number {
  return forward(s, p, batch).loss;
}

/** out[i, j] += Σ_k G[i, k] · M[j, k]: G (r×c) times Mᵀ, M being m×c. */
function addTimesTransposed(out: Float64Array, G: Float64Array, M: Float64Array, r: number, c: number, m: number): void {
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let k = 0; k < c; k++) acc += G[i * c + k]! * M[j * c + k]!;
      out[i * m + j] = out[i * m + j]! + acc;
    }
  }
}

/** dM[q, k] += Σ_i A[i, q] · G[i, k]: Aᵀ (A being r×m, read from `aOffset`) times G (r×c). */
function addTransposedTimes(dM: Float64Array, A: Float64Array, aOffset: number, G: Float64Array, r: number, m: number, c: number): void {
  for (let i = 0; i < r; i++) {
    for (let q = 0; q < m; q++) {
      const a = A[aOffset + i * m + q]!;
      for (let k = 0; k < c; k++) dM[q * c + k] = dM[q * c + k]! + a * G[i * c + k]!;
    }
  }
}

function addColumnSums(db: Float64Array, G: Float64Array, r: number, c: number): void {
  for (let i = 0; i < r; i++) for (let k = 0; k < c; k++) db[k] = db[k]! + G[i * c + k]!;
}

/** Loss, final states and the BPTT gradients of the loss with respect to every parameter and both initial states. */
export function rnn2Reference(s: Rnn2Sizes, p: Rnn2Params, batch: Rnn2Batch): { loss: number; h1_T: Float64Array; h2_T: Float64Array; grads: Rnn2Grads } {
  const { n, d, h, v, T } = s;
  const { loss, h1s, h2s, probs } = forward(s, p, batch);
  const scale = 1 / (T * n);
  const g: Rnn2Grads = {
    U1: new Float64Array(d * h), W1: new Float64Array(h * h), b1: new Float64Array(h),
    U2: new Float64Array(h * h), W2: new Float64Array(h * h), b2: new Float64Array(h),
    V: new Float64Array(h * v), c: new Float64Array(v),
    h1_0: new Float64Array(n * h), h2_0: new Float64Array(n * h),
  };
  // G_A1, G_A2 of the step after the current one; zero beyond the last step.
  let gA1Next = new Float64Array(n * h);
  let gA2Next = new Float64Array(n * h);

  for (let t = T - 1; t >= 0; t--) {
    const h1 = h1s[t + 1]!, h1Prev = h1s[t]!, h2 = h2s[t + 1]!, h2Prev = h2s[t]!, prob = probs[t]!;

    // G_O = (Ŷ · rowsum(Y) − Y) / (T·n)
    const gO = new Float64Array(n * v);
    for (let i = 0; i < n; i++) {
      const yRow = (t * n + i) * v;
      let rowSum = 0;
      for (let j = 0; j < v; j++) rowSum += batch.ys[yRow + j]!;
      for (let j = 0; j < v; j++) gO[i * v + j] = (prob[i * v + j]! * rowSum - batch.ys[yRow + j]!) * scale;
    }
    addTransposedTimes(g.V, h2, 0, gO, n, h, v); // dV += H2ᵀ G_O
    addColumnSums(g.c, gO, n, v);

    // G_H2 = G_O Vᵀ + G_A2(t+1) W2ᵀ,  G_A2 = G_H2 ⊙ (1 − H2²)
    const gA2 = new Float64Array(n * h);
    addTimesTransposed(gA2, gO, p.V, n, v, h);
    addTimesTransposed(gA2, gA2Next, p.W2, n, h, h);
    for (let e = 0; e < n * h; e++) gA2[e] = gA2[e]! * (1 - h2[e]! * h2[e]!);
    addTransposedTimes(g.U2, h1, 0, gA2, n, h, h); // dU2 += H1ᵀ G_A2
    addTransposedTimes(g.W2, h2Prev, 0, gA2, n, h, h); // dW2 += H2_{t−1}ᵀ G_A2
    addColumnSums(g.b2, gA2, n, h);

    // G_H1 = G_A2 U2ᵀ + G_A1(t+1) W1ᵀ,  G_A1 = G_H1 ⊙ (1 − H1²)
    const gA1 = new Float64Array(n * h);
    addTimesTransposed(gA1, gA2, p.U2, n, h, h);
    addTimesTransposed(gA1, gA1Next, p.W1, n, h, h);
    for (let e = 0; e < n * h; e++) gA1[e] = gA1[e]! * (1 - h1[e]! * h1[e]!);
    addTransposedTimes(g.U1, batch.xs, t * n * d, gA1, n, d, h); // dU1 += X_tᵀ G_A1
    addTransposedTimes(g.W1, h1Prev, 0, gA1, n, h, h); // dW1 += H1_{t−1}ᵀ G_A1
    addColumnSums(g.b1, gA1, n, h);

    gA1Next = gA1;
    gA2Next = gA2;
  }
  // The initial states reach the loss only through the first step's recurrent products.
  addTimesTransposed(g.h1_0, gA1Next, p.W1, n, h, h);
  addTimesTransposed(g.h2_0, gA2Next, p.W2, n, h, h);
  return { loss, h1_T: h1s[T]!, h2_T: h2s[T]!, grads: g };
}
