// An independent reference for the recurrent network, written as plain loops over Float64Array so
// that it can be checked by eye and by finite differences, and then trusted to check src/.
// Nothing from src/ is imported on purpose: a bug shared with the code under test would hide.
//
//   A_t = X_t U + H_{t-1} W + b     H_t = tanh(A_t)     O_t = H_t V + c     Ŷ_t = softmax(O_t)
//   L   = -(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log Ŷ_t[i,j]
//
// All matrices are row-major; X and Y are time-major stacks (step t is rows t·n .. t·n+n-1).

export interface RnnSizes {
  n: number;
  d: number;
  h: number;
  v: number;
  T: number;
}

export interface RnnParams {
  U: Float64Array; // d×h
  W: Float64Array; // h×h
  b: Float64Array; // 1×h
  V: Float64Array; // h×v
  c: Float64Array; // 1×v
}

export interface RnnBatch {
  /** T·n rows × d, time-major: step t is rows t·n..t·n+n-1. */
  xs: Float64Array;
  /** T·n rows × v, each row one-hot or a distribution. */
  ys: Float64Array;
  /** n×h, the state before the first step. */
  h0: Float64Array;
}

export interface RnnGrads {
  U: Float64Array;
  W: Float64Array;
  b: Float64Array;
  V: Float64Array;
  c: Float64Array;
  h0: Float64Array;
}

interface RnnForward {
  loss: number;
  /** hs[0] = h0, hs[t] = H_t for t = 1..T, each n×h. */
  hs: Float64Array[];
  /** probs[t-1] = softmax(O_t), n×v. */
  probs: Float64Array[];
}

function checkSizes(s: RnnSizes, p: RnnParams, batch: RnnBatch): void {
  const { n, d, h, v, T } = s;
  for (const [name, size] of Object.entries(s)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`rnnReference: size ${name} must be a positive integer, got ${size}`);
  }
  const expect = (name: string, actual: number, wanted: number): void => {
    if (actual !== wanted) throw new RangeError(`rnnReference: ${name} has ${actual} entries, expected ${wanted}`);
  };
  expect("U", p.U.length, d * h);
  expect("W", p.W.length, h * h);
  expect("b", p.b.length, h);
  expect("V", p.V.length, h * v);
  expect("c", p.c.length, v);
  expect("xs", batch.xs.length, T * n * d);
  expect("ys", batch.ys.length, T * n * v);
  expect("h0", batch.h0.length, n * h);
}

function forward(s: RnnSizes, p: RnnParams, batch: RnnBatch): RnnForward {
  checkSizes(s, p, batch);
  const { n, d, h, v, T } = s;
  const hs: Float64Array[] = [Float64Array.from(batch.h0)];
  const probs: Float64Array[] = [];
  let total = 0;

  for (let t = 0; t < T; t++) {
    const hPrev = hs[t]!;
    const hNext = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      const xRow = (t * n + i) * d;
      for (let k = 0; k < h; k++) {
        let a = p.b[k]!;
        for (let q = 0; q < d; q++) a += batch.xs[xRow + q]! * p.U[q * h + k]!;
        for (let q = 0; q < h; q++) a += hPrev[i * h + q]! * p.W[q * h + k]!;
        hNext[i * h + k] = Math.tanh(a);
      }
    }
    hs.push(hNext);

    const prob = new Float64Array(n * v);
    const o = new Float64Array(v);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        let acc = p.c[j]!;
        for (let k = 0; k < h; k++) acc += hNext[i * h + k]! * p.V[k * v + j]!;
        o[j] = acc;
      }
      // Subtracting the row maximum keeps exp from overflowing; log Ŷ = O − logsumexp(O).
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

  return { loss: total / (T * n), hs, probs };
}

/** The loss alone, for finite differences. */
export function rnnLoss(s: RnnSizes, p: RnnParams, batch: RnnBatch): number {
  return forward(s, p, batch).loss;
}

/** Loss, final state H_T and the BPTT gradients of the loss with respect to every parameter and h0. */
export function rnnReference(s: RnnSizes, p: RnnParams, batch: RnnBatch): { loss: number; hT: Float64Array; grads: RnnGrads } {
  const { n, d, h, v, T } = s;
  const { loss, hs, probs } = forward(s, p, batch);
  const scale = 1 / (T * n);

  const dU = new Float64Array(d * h);
  const dW = new Float64Array(h * h);
  const db = new Float64Array(h);
  const dV = new Float64Array(h * v);
  const dc = new Float64Array(v);
  // G_A of the step after the current one; zero beyond the last step, as nothing depends on H_T.
  let gANext = new Float64Array(n * h);

  for (let t = T - 1; t >= 0; t--) {
    const hCur = hs[t + 1]!;
    const hPrev = hs[t]!;
    const prob = probs[t]!;

    // G_O = (Ŷ · rowsum(Y) − Y) / (T·n): the rowsum is 1 for one-hot and distribution targets,
    // but keeping it makes the formula right for any non-negative Y.
    const gO = new Float64Array(n * v);
    for (let i = 0; i < n; i++) {
      const yRow = (t * n + i) * v;
      let rowSum = 0;
      for (let j = 0; j < v; j++) rowSum += batch.ys[yRow + j]!;
      for (let j = 0; j < v; j++) gO[i * v + j] = (prob[i * v + j]! * rowSum - batch.ys[yRow + j]!) * scale;
    }

    // dV += H_tᵀ G_O,  dc += colsum(G_O)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        const g = gO[i * v + j]!;
        dc[j] = dc[j]! + g;
        for (let k = 0; k < h; k++) dV[k * v + j] = dV[k * v + j]! + hCur[i * h + k]! * g;
      }
    }

    // G_H = G_O Vᵀ + G_A(t+1) Wᵀ,  G_A = G_H ⊙ (1 − H_t²)
    const gA = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < h; k++) {
        let gH = 0;
        for (let j = 0; j < v; j++) gH += gO[i * v + j]! * p.V[k * v + j]!;
        for (let q = 0; q < h; q++) gH += gANext[i * h + q]! * p.W[k * h + q]!;
        const hk = hCur[i * h + k]!;
        gA[i * h + k] = gH * (1 - hk * hk);
      }
    }

    // dU += X_tᵀ G_A,  dW += H_{t−1}ᵀ G_A,  db += colsum(G_A)
    for (let i = 0; i < n; i++) {
      const xRow = (t * n + i) * d;
      for (let k = 0; k < h; k++) {
        const g = gA[i * h + k]!;
        db[k] = db[k]! + g;
        for (let q = 0; q < d; q++) dU[q * h + k] = dU[q * h + k]! + batch.xs[xRow + q]! * g;
        for (let q = 0; q < h; q++) dW[q * h + k] = dW[q * h + k]! + hPrev[i * h + q]! * g;
      }
    }

    gANext = gA;
  }

  // dh0 = G_A_1 Wᵀ: h0 reaches the loss only through the first step's H_0 W.
  const dh0 = new Float64Array(n * h);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < h; q++) {
      let acc = 0;
      for (let k = 0; k < h; k++) acc += gANext[i * h + k]! * p.W[q * h + k]!;
      dh0[i * h + q] = acc;
    }
  }

  return { loss, hT: hs[T]!, grads: { U: dU, W: dW, b: db, V: dV, c: dc, h0: dh0 } };
}
