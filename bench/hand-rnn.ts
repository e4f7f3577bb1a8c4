// The RNN's loss and gradients written by hand, as carefully as plain JavaScript allows: the bar
// that shapegrad's generated code (codegen/) must clear in bench/rnn-peers.ts. Same model as
// dsl/rnn.ts, dense inputs, float64:
//
//   A_t = X_t U + H_{t−1} W + b    H_t = tanh(A_t)    O_t = H_t V + c    Ŷ_t = softmax(O_t)
//   L   = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log Ŷ_t[i,j]
//
// Backward (BPTT), with G_A(T) = 0 beyond the last step and s = 1/(T·n):
//   G_O = (Ŷ_t · Σ_j Y_t[i,j] − Y_t) · s          (the general form: Y's rows need not be one-hot)
//   G_A = (G_O Vᵀ + G_A(t+1) Wᵀ) ⊙ (1 − H_t ⊙ H_t)
//   dU = Σ_t X_tᵀ G_A    dW = Σ_t H_{t−1}ᵀ G_A    db = Σ rows of G_A    dh0 = G_A(0) Wᵀ
//   dV = Σ_t H_tᵀ G_O    dc = Σ rows of G_O
//
// What "carefully" means here, each for a reason:
// - Everything the call needs is allocated once, in the factory: a call allocates nothing, so the
//   timings measure arithmetic, not the garbage collector.
// - Loop bounds are constants of the closure (the sizes never change for one factory), so the
//   engine sees fixed trip counts, and the kernels below are specialized per product.
// - Products A·B run in i-k-j order: the innermost loop walks a row of B and a row of the result
//   contiguously, and four k at once (a rank-4 update) so each result entry is loaded and stored
//   once per four multiply-adds instead of once per one.
// - Products with a transposed operand never transpose: A·Bᵀ is a row of dot products with B's rows
//   (four outputs at a time, four independent sums, since JavaScript cannot reassociate one sum),
//   and Aᵀ·B is a sum of rank-4 updates over A's rows.
// - Bias and tanh are applied in the one loop that finishes each row of A_t; the softmax, the loss
//   term and G_O are computed in the loop that finishes each row of O_t, so Ŷ is never stored.
// - Only the recurrence is sequential: the weight gradients dU, dW, dV, db, dc are each one product
//   over all T·n rows at the end (the per-step G_A and G_O are kept), not T small products.
// - Dense inputs are treated as dense: no test for zero entries of X, since the dense model does
//   not know X is one-hot (dsl/char-rnn.ts is the model that does).

export interface RnnSizes {
  readonly n: number;
  readonly d: number;
  readonly h: number;
  readonly v: number;
  readonly T: number;
}

/** Row-major float64 arrays: U d×h, W h×h, b 1×h, V h×v, c 1×v. */
export interface HandParams {
  readonly U: Float64Array;
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly V: Float64Array;
  readonly c: Float64Array;
}

/** xs (T·n)×d and ys (T·n)×v stacked time-major (rows t·n … t·n+n−1 are step t), h0 n×h. */
export interface HandBatch {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly h0: Float64Array;
}

/** Shaped like the parameters, plus h0; overwritten by each call. */
export interface HandGrads extends HandParams {
  readonly h0: Float64Array;
}

/** The mean loss; the gradients are written into `grads`. */
export type HandLossAndGrad = (params: HandParams, batch: HandBatch, grads: HandGrads) => number;

/**
 * out[oOff + r·J + j] += Σ_k a[aOff + r·K + k] · b[k·J + j] for r < R, j < J: rows of A times B, in
 * i-k-j order with four k per pass (a rank-4 update of the output row).
 */
function rowsTimes(R: number, K: number, J: number) {
  const K4 = K - (K % 4);
  return (out: Float64Array, oOff: number, a: Float64Array, aOff: number, b: Float64Array): void => {
    for (let r = 0; r < R; r++) {
      const o = oOff + r * J, ar = aOff + r * K;
      for (let k = 0; k < K4; k += 4) {
        const a0 = a[ar + k]!, a1 = a[ar + k + 1]!, a2 = a[ar + k + 2]!, a3 = a[ar + k + 3]!;
        const b0 = k * J, b1 = b0 + J, b2 = b1 + J, b3 = b2 + J;
        for (let j = 0; j < J; j++) out[o + j]! += a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
      }
      for (let k = K4; k < K; k++) {
        const ak = a[ar + k]!, bk = k * J;
        for (let j = 0; j < J; j++) out[o + j]! += ak * b[bk + j]!;
      }
    }
  };
}

/**
 * out[oOff + r·J + j] = Σ_k a[aOff + r·K + k] · b[j·K + k]: rows of A times Bᵀ (B is J×K), as dot
 * products with B's rows, four outputs at a time so that four sums proceed independently.
 */
function rowsTimesTransposed(R: number, K: number, J: number) {
  const J4 = J - (J % 4);
  return (out: Float64Array, oOff: number, a: Float64Array, aOff: number, b: Float64Array): void => {
    for (let r = 0; r < R; r++) {
      const o = oOff + r * J, ar = aOff + r * K;
      for (let j = 0; j < J4; j += 4) {
        const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < K; k++) {
          const ak = a[ar + k]!;
          s0 += ak * b[b0 + k]!;
          s1 += ak * b[b1 + k]!;
          s2 += ak * b[b2 + k]!;
          s3 += ak * b[b3 + k]!;
        }
        out[o + j] = s0;
        out[o + j + 1] = s1;
        out[o + j + 2] = s2;
        out[o + j + 3] = s3;
      }
      for (let j = J4; j < J; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ar + k]! * b[bj + k]!;
        out[o + j] = s;
      }
    }
  };
}

/**
 * out[k·J + j] += Σ_r a[aOff + r·K + k] · b[r·J + j]: Aᵀ B for A R×K and B R×J, as rank-4 updates of
 * the whole K×J output over four rows of A and B at a time (the i-k-j order with i = the rows).
 */
function transposeTimes(R: number, K: number, J: number) {
  const R4 = R - (R % 4);
  return (out: Float64Array, a: Float64Array, aOff: number, b: Float64Array): void => {
    for (let r = 0; r < R4; r += 4) {
      const a0 = aOff + r * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      const b0 = r * J, b1 = b0 + J, b2 = b1 + J, b3 = b2 + J;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!, x2 = a[a2 + k]!, x3 = a[a3 + k]!;
        const o = k * J;
        for (let j = 0; j < J; j++) out[o + j]! += x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]!;
      }
    }
    for (let r = R4; r < R; r++) {
      const ar = aOff + r * K, br = r * J;
      for (let k = 0; k < K; k++) {
        const x = a[ar + k]!, o = k * J;
        for (let j = 0; j < J; j++) out[o + j]! += x * b[br + j]!;
      }
    }
  };
}

/** out[j] += Σ_r m[r·J + j]: the column sums of an R×J matrix (a bias gradient). */
function columnSums(R: number, J: number) {
  return (out: Float64Array, m: Float64Array): void => {
    for (let r = 0; r < R; r++) {
      const o = r * J;
      for (let j = 0; j < J; j++) out[j]! += m[o + j]!;
    }
  };
}

/** lossAndGrad of the RNN at fixed sizes; every buffer is allocated here, none per call. */
export function handRnn(sizes: RnnSizes): HandLossAndGrad {
  const { n, d, h, v, T } = sizes;
  const nh = n * h, nv = n * v, nd = n * d, Tn = T * n;
  const s = 1 / Tn;
  /** H_0 … H_T, (T+1)·n×h: slot t is the state coming into step t. */
  const hs = new Float64Array((T + 1) * nh);
  /** O_t during the forward pass, overwritten in place by G_O_t for the backward pass: T·n×v. */
  const go = new Float64Array(Tn * v);
  /** G_A of every step, T·n×h, kept for the weight gradients summed at the end. */
  const ga = new Float64Array(Tn * h);
  /** G_A(t+1) Wᵀ, the adjoint carried from one step to the one before (dh0 at the end). */
  const carry = new Float64Array(nh);

  // Forward, one step's rows at a time.
  const timesU = rowsTimes(n, d, h);
  const timesW = rowsTimes(n, h, h);
  const timesV = rowsTimes(n, h, v);
  // Backward through the recurrence.
  const timesVt = rowsTimesTransposed(n, v, h);
  const timesWt = rowsTimesTransposed(n, h, h);
  // Weight gradients, each one product over all T·n rows.
  const gradU = transposeTimes(Tn, d, h);
  const gradW = transposeTimes(Tn, h, h);
  const gradV = transposeTimes(Tn, h, v);
  const gradB = columnSums(Tn, h);
  const gradC = columnSums(Tn, v);

  return function lossAndGrad(p: HandParams, batch: HandBatch, g: HandGrads): number {
    const { U, W, b, V, c } = p;
    const { xs, ys } = batch;
    hs.set(batch.h0);
    let total = 0;
    for (let t = 0; t < T; t++) {
      const prev = t * nh, cur = prev + nh;
      // A_t = X_t U + H_{t−1} W accumulated in H_t's slot, finished by bias and tanh in place.
      hs.fill(0, cur, cur + nh);
      timesU(hs, cur, xs, t * nd, U);
      timesW(hs, cur, hs, prev, W);
      for (let r = 0; r < n; r++) {
        const o = cur + r * h;
        for (let j = 0; j < h; j++) hs[o + j] = Math.tanh(hs[o + j]! + b[j]!);
      }
      // O_t = H_t V, finished row by row: + c, log-sum-exp, the loss term, then G_O over O_t.
      const oOff = t * nv;
      go.fill(0, oOff, oOff + nv);
      timesV(go, oOff, hs, cur, V);
      for (let r = 0; r < n; r++) {
        const o = oOff + r * v;
        let max = -Infinity;
        for (let j = 0; j < v; j++) {
          const oj = go[o + j]! + c[j]!;
          go[o + j] = oj;
          if (oj > max) max = oj;
        }
        let sum = 0;
        for (let j = 0; j < v; j++) sum += Math.exp(go[o + j]! - max);
        const lse = max + Math.log(sum);
        let yTotal = 0;
        for (let j = 0; j < v; j++) {
          const y = ys[o + j]!;
          if (y !== 0) total += y * (go[o + j]! - lse);
          yTotal += y;
        }
        for (let j = 0; j < v; j++) go[o + j] = (Math.exp(go[o + j]! - lse) * yTotal - ys[o + j]!) * s;
      }
    }

    // Backward through the recurrence, last step first.
    carry.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const aOff = t * nh, cur = aOff + nh;
      // G_A = (G_O Vᵀ + carry) ⊙ (1 − H_t²): the product into G_A's slot, finished in place.
      timesVt(ga, aOff, go, t * nv, V);
      for (let k = 0; k < nh; k++) {
        const hk = hs[cur + k]!;
        ga[aOff + k] = (ga[aOff + k]! + carry[k]!) * (1 - hk * hk);
      }
      timesWt(carry, 0, ga, aOff, W);
    }
    g.h0.set(carry);

    // The weight gradients over all steps at once: H_{0…T−1} and H_{1…T} are slices of hs.
    g.U.fill(0);
    g.W.fill(0);
    g.b.fill(0);
    g.V.fill(0);
    g.c.fill(0);
    gradU(g.U, xs, 0, ga);
    gradW(g.W, hs, 0, ga);
    gradB(g.b, ga);
    gradV(g.V, hs, nh, go);
    gradC(g.c, go);
    return -total * s;
  };
}
