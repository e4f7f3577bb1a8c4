// An independent reference for dsl/attention.ts (one pre-norm transformer block over T positions),
// forward only, in plain loops over Float64Array. Nothing from src/ or dsl/ is imported on purpose:
// a mistake shared with the code under test would hide. The causal mask is written as a loop bound
// (row t reads rows 0..t), not as −∞ entries, so the two formulations check each other.
//
//   X₀ = E[x_t] + P_t                           (x_t the character index of row t)
//   LN(X) = (X − μ) / √(σ² + ε) ⊙ γ + β          μ, σ² over the d columns of each row, ε = 1e-5
//   N₁ = LN(X₀)   Q, K, V = N₁ Wq, N₁ Wk, N₁ Wv
//   A[t, s] = exp(Q_t·K_s / √k) / Σ_{s' ≤ t} exp(Q_t·K_s' / √k)  for s ≤ t
//   H₁ = X₀ + (A V) Wo
//   N₂ = LN(H₁)   H₂ = H₁ + relu(N₂ W1 + b1) W2 + b2
//   N₃ = LN(H₂)   O = N₃ Wout + bout   L = −(1/T) Σ_t Σ_j Y[t, j] log softmax(O_t)_j

export interface AttentionSizes {
  T: number;
  v: number;
  d: number;
  k: number;
  m: number;
}

export interface AttentionParams {
  E: Float64Array; // v×d
  P: Float64Array; // T×d
  gain1: Float64Array; // 1×d
  bias1: Float64Array; // 1×d
  Wq: Float64Array; // d×k
  Wk: Float64Array; // d×k
  Wv: Float64Array; // d×k
  Wo: Float64Array; // k×d
  gain2: Float64Array; // 1×d
  bias2: Float64Array; // 1×d
  W1: Float64Array; // d×m
  b1: Float64Array; // 1×m
  W2: Float64Array; // m×d
  b2: Float64Array; // 1×d
  gain3: Float64Array; // 1×d
  bias3: Float64Array; // 1×d
  Wout: Float64Array; // d×v
  bout: Float64Array; // 1×v
}

export interface AttentionBatch {
  /** T character indices. */
  x: Float64Array;
  /** T×v target rows (one-hot or distributions). */
  y: Float64Array;
}

/** The layer norm's ε, as the model writes it. */
export const referenceEpsilon = 1e-5;

/** rows×inner times inner×cols, both row-major. */
function product(a: Float64Array, b: Float64Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let p = 0; p < inner; p++) sum += a[i * inner + p]! * b[p * cols + j]!;
      out[i * cols + j] = sum;
    }
  }
  return out;
}

function layerNorm(x: Float64Array, rows: number, cols: number, gain: Float64Array, bias: Float64Array): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[i * cols + j]!;
    mean /= cols;
    let variance = 0;
    for (let j = 0; j < cols; j++) variance += (x[i * cols + j]! - mean) ** 2;
    variance /= cols;
    const deviation = Math.sqrt(variance + referenceEpsilon);
    for (let j = 0; j < cols; j++) out[i * cols + j] = ((x[i * cols + j]! - mean) / deviation) * gain[j]! + bias[j]!;
  }
  return out;
}

function check(s: AttentionSizes, p: AttentionParams, batch: AttentionBatch): void {
  const { T, v, d, k, m } = s;
  const sizes: Record<string, number> = {
    E: v * d, P: T * d, gain1: d, bias1: d, Wq: d * k, Wk: d * k, Wv: d * k, Wo: k * d, gain2: d, bias2: d,
    W1: d * m, b1: m, W2: m * d, b2: d, gain3: d, bias3: d, Wout: d * v, bout: v,
  };
  for (const [name, size] of Object.entries(sizes)) {
    const actual = p[name as keyof AttentionParams].length;
    if (actual !== size) throw new RangeError(`attentionReference: ${name} has ${actual} entries, expected ${size}`);
  }
  if (batch.x.length !== T) throw new RangeError(`attentionReference: x has ${batch.x.length} entries, expected ${T}`);
  if (batch.y.length !== T * v) throw new RangeError(`attentionReference: y has ${batch.y.length} entries, expected ${T * v}`);
  for (const c of batch.x) if (!Number.isInteger(c) || c < 0 || c >= v) throw new RangeError(`attentionReference: ${c} is not a character index below ${v}`);
}

/** The loss and the logits (T×v) of the model on one sequence. */
export function attentionReference(s: AttentionSizes, p: AttentionParams, batch: AttentionBatch): { loss: number; logits: Float64Array } {
  check(s, p, batch);
  const { T, v, d, k, m } = s;

  const x0 = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    const c = batch.x[t]!;
    for (let j = 0; j < d; j++) x0[t * d + j] = p.E[c * d + j]! + p.P[t * d + j]!;
  }

  // Attention: row t attends to rows 0..t only.
  const n1 = layerNorm(x0, T, d, p.gain1, p.bias1);
  const q = product(n1, p.Wq, T, d, k);
  const key = product(n1, p.Wk, T, d, k);
  const value = product(n1, p.Wv, T, d, k);
  const context = new Float64Array(T * k);
  const scores = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let u = 0; u <= t; u++) {
      let dot = 0;
      for (let j = 0; j < k; j++) dot += q[t * k + j]! * key[u * k + j]!;
      scores[u] = dot / Math.sqrt(k);
      max = Math.max(max, scores[u]!);
    }
    let total = 0;
    for (let u = 0; u <= t; u++) {
      scores[u] = Math.exp(scores[u]! - max);
      total += scores[u]!;
    }
    for (let u = 0; u <= t; u++) {
      const weight = scores[u]! / total;
      for (let j = 0; j < k; j++) context[t * k + j]! += weight * value[u * k + j]!;
    }
  }
  const projected = product(context, p.Wo, T, k, d);
  const h1 = x0.map((value, i) => value + projected[i]!);

  // The MLP.
  const n2 = layerNorm(h1, T, d, p.gain2, p.bias2);
  const hidden = product(n2, p.W1, T, d, m);
  for (let i = 0; i < hidden.length; i++) hidden[i] = Math.max(0, hidden[i]! + p.b1[i % m]!);
  const mlpOut = product(hidden, p.W2, T, m, d);
  const h2 = h1.map((value, i) => value + mlpOut[i]! + p.b2[i % d]!);

  // Logits and the mean cross-entropy.
  const n3 = layerNorm(h2, T, d, p.gain3, p.bias3);
  const logits = product(n3, p.Wout, T, d, v);
  for (let i = 0; i < logits.length; i++) logits[i]! += p.bout[i % v]!;
  let loss = 0;
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let j = 0; j < v; j++) max = Math.max(max, logits[t * v + j]!);
    let total = 0;
    for (let j = 0; j < v; j++) total += Math.exp(logits[t * v + j]! - max);
    const logTotal = max + Math.log(total);
    for (let j = 0; j < v; j++) loss -= batch.y[t * v + j]! * (logits[t * v + j]! - logTotal);
  }
  return { loss: loss / T, logits };
}
