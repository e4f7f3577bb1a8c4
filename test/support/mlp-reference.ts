// An independent reference for the two-layer perceptron, in plain loops over Float64Array, so that
// it can be verified by finite differences and then used to check src/. Nothing from src/ is
// imported on purpose: a bug shared with the code under test would hide.
//
//   H = tanh(X W1 + b1)     O = H W2 + b2     L = -(1/n) Σ_i Σ_j Y[i,j] · log softmax(O)[i,j]

export interface MlpSizes {
  n: number;
  d: number;
  h: number;
  v: number;
}

export interface MlpParams {
  W1: Float64Array; // d×h
  b1: Float64Array; // 1×h
  W2: Float64Array; // h×v
  b2: Float64Array; // 1×v
}

export interface MlpBatch {
  /** n×d */
  x: Float64Array;
  /** n×v, each row one-hot or a distribution. */
  y: Float64Array;
}

export interface MlpGrads {
  W1: Float64Array;
  b1: Float64Array;
  W2: Float64Array;
  b2: Float64Array;
}

interface MlpForward {
  loss: number;
  hidden: Float64Array; // n×h
  prob: Float64Array; // n×v
}

function checkSizes(s: MlpSizes, p: MlpParams, batch: MlpBatch): void {
  const { n, d, h, v } = s;
  for (const [name, size] of Object.entries(s)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`mlpReference: size ${name} must be a positive integer, got ${size}`);
  }
  const expect = (name: string, actual: number, wanted: number): void => {
    if (actual !== wanted) throw new RangeError(`mlpReference: ${name} has ${actual} entries, expected ${wanted}`);
  };
  expect("W1", p.W1.length, d * h);
  expect("b1", p.b1.length, h);
  expect("W2", p.W2.length, h * v);
  expect("b2", p.b2.length, v);
  expect("x", batch.x.length, n * d);
  expect("y", batch.y.length, n * v);
}

function forward(s: MlpSizes, p: MlpParams, batch: MlpBatch): MlpForward {
  checkSizes(s, p, batch);
  const { n, d, h, v } = s;
  const hidden = new Float64Array(n * h);
  const prob = new Float64Array(n * v);
  const o = new Float64Array(v);
  let total = 0;

  for (let i = 0; i < n; i++) {
    for (let k = 0; k < h; k++) {
      let a = p.b1[k]!;
      for (let q = 0; q < d; q++) a += batch.x[i * d + q]! * p.W1[q * h + k]!;
      hidden[i * h + k] = Math.tanh(a);
    }
    for (let j = 0; j < v; j++) {
      let acc = p.b2[j]!;
      for (let k = 0; k < h; k++) acc += hidden[i * h + k]! * p.W2[k * v + j]!;
      o[j] = acc;
    }
    // Subtracting the row maximum keeps exp from overflowing; log softmax = O − logsumexp(O).
    let max = -Infinity;
    for (let j = 0; j < v; j++) max = Math.max(max, o[j]!);
    let sumExp = 0;
    for (let j = 0; j < v; j++) sumExp += Math.exp(o[j]! - max);
    const logSumExp = max + Math.log(sumExp);
    for (let j = 0; j < v; j++) {
      const logP = o[j]! - logSumExp;
      prob[i * v + j] = Math.exp(logP);
      total -= batch.y[i * v + j]! * logP;
    }
  }

  return { loss: total / n, hidden, prob };
}

/** The loss alone, for finite differences. */
export function mlpLoss(s: MlpSizes, p: MlpParams, batch: MlpBatch): number {
  return forward(s, p, batch).loss;
}

/** Loss and its hand-derived gradients with respect to every parameter. */
export function mlpReference(s: MlpSizes, p: MlpParams, batch: MlpBatch): { loss: number; grads: MlpGrads } {
  const { n, d, h, v } = s;
  const { loss, hidden, prob } = forward(s, p, batch);

  // G_O = (softmax(O) · rowsum(Y) − Y) / n: the rowsum is 1 for one-hot and distribution targets,
  // but keeping it makes the formula right for any non-negative Y.
  const gO = new Float64Array(n * v);
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let j = 0; j < v; j++) rowSum += batch.y[i * v + j]!;
    for (let j = 0; j < v; j++) gO[i * v + j] = (prob[i * v + j]! * rowSum - batch.y[i * v + j]!) / n;
  }

  // dW2 = Hᵀ G_O,  db2 = colsum(G_O)
  const dW2 = new Float64Array(h * v);
  const db2 = new Float64Array(v);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < v; j++) {
      const g = gO[i * v + j]!;
      db2[j] = db2[j]! + g;
      for (let k = 0; k < h; k++) dW2[k * v + j] = dW2[k * v + j]! + hidden[i * h + k]! * g;
    }
  }

  // G_A = (G_O W2ᵀ) ⊙ (1 − H²), then dW1 = Xᵀ G_A,  db1 = colsum(G_A)
  const dW1 = new Float64Array(d * h);
  const db1 = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < h; k++) {
      let gH = 0;
      for (let j = 0; j < v; j++) gH += gO[i * v + j]! * p.W2[k * v + j]!;
      const hk = hidden[i * h + k]!;
      const gA = gH * (1 - hk * hk);
      db1[k] = db1[k]! + gA;
      for (let q = 0; q < d; q++) dW1[q * h + k] = dW1[q * h + k]! + batch.x[i * d + q]! * gA;
    }
  }

  return { loss, grads: { W1: dW1, b1: db1, W2: dW2, b2: db2 } };
}
