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
// - Loop bounds are constants of the closures the factory makes (the sizes never change for one
//   factory), one kernel per product. (V8 folds such constants into the compiled code only for a
//   closure that is the only one made from its source, which these are not; generated code, one
//   module per size, has them as literals.)
// - Products A·B run in i-k-j order: the innermost loop walks a row of B and a row of the result
//   contiguously. Tiled in registers, four rows × four k: each entry of B loaded feeds four rows,
//   and each result entry is loaded and stored once per four multiply-adds (a lone row, as at
//   n = 1, goes eight k deep instead).
// - Products with a transposed operand never transpose: A·Bᵀ is dot products with B's rows (tiles
//   of 4×4 independent sums, since JavaScript cannot reassociate one sum; 1×8 for a lone row), and
//   Aᵀ·B is rank-4 updates over A's rows, four output rows at a time.
// - Forward pass, backward recurrence and weight gradients are three functions, not one (see
//   handRnn: a long loop compiled mid-call would run the code after it unoptimized).
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
 * out[oOff + r·J + j] += Σ_k a[aOff + r·K + k] · b[k·J + j] for r < R, j < J: rows of A times B in
 * i-k-j order, tiled four rows of A × four k deep: the innermost loop loads four entries of B and
 * updates four output rows with them (16 multiply-adds per 4 loads of B and 4 loads and stores of
 * the output). Rows past the last multiple of four (every row, when n = 1) run one at a time,
 * eight k deep.
 */
function rowsTimes(R: number, K: number, J: number) {
  const R4 = R - (R % 4), K4 = K - (K % 4), K8 = K - (K % 8);
  return (out: Float64Array, oOff: number, a: Float64Array, aOff: number, b: Float64Array): void => {
    for (let r = 0; r < R4; r += 4) {
      const o0 = oOff + r * J, o1 = o0 + J, o2 = o1 + J, o3 = o2 + J;
      const a0 = aOff + r * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      for (let k = 0; k < K4; k += 4) {
        const x00 = a[a0 + k]!, x01 = a[a0 + k + 1]!, x02 = a[a0 + k + 2]!, x03 = a[a0 + k + 3]!;
        const x10 = a[a1 + k]!, x11 = a[a1 + k + 1]!, x12 = a[a1 + k + 2]!, x13 = a[a1 + k + 3]!;
        const x20 = a[a2 + k]!, x21 = a[a2 + k + 1]!, x22 = a[a2 + k + 2]!, x23 = a[a2 + k + 3]!;
        const x30 = a[a3 + k]!, x31 = a[a3 + k + 1]!, x32 = a[a3 + k + 2]!, x33 = a[a3 + k + 3]!;
        const b0 = k * J, b1 = b0 + J, b2 = b1 + J, b3 = b2 + J;
        for (let j = 0; j < J; j++) {
          const y0 = b[b0 + j]!, y1 = b[b1 + j]!, y2 = b[b2 + j]!, y3 = b[b3 + j]!;
          out[o0 + j]! += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
          out[o1 + j]! += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
          out[o2 + j]! += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
          out[o3 + j]! += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
        }
      }
      for (let k = K4; k < K; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!, x2 = a[a2 + k]!, x3 = a[a3 + k]!, bk = k * J;
        for (let j = 0; j < J; j++) {
          const y = b[bk + j]!;
          out[o0 + j]! += x0 * y;
          out[o1 + j]! += x1 * y;
          out[o2 + j]! += x2 * y;
          out[o3 + j]! += x3 * y;
        }
      }
    }
    for (let r = R4; r < R; r++) {
      const o = oOff + r * J, ar = aOff + r * K;
      for (let k = 0; k < K8; k += 8) {
        const x0 = a[ar + k]!, x1 = a[ar + k + 1]!, x2 = a[ar + k + 2]!, x3 = a[ar + k + 3]!;
        const x4 = a[ar + k + 4]!, x5 = a[ar + k + 5]!, x6 = a[ar + k + 6]!, x7 = a[ar + k + 7]!;
        const b0 = k * J, b1 = b0 + J, b2 = b1 + J, b3 = b2 + J, b4 = b3 + J, b5 = b4 + J, b6 = b5 + J, b7 = b6 + J;
        for (let j = 0; j < J; j++) {
          out[o + j]! +=
            x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]! +
            x4 * b[b4 + j]! + x5 * b[b5 + j]! + x6 * b[b6 + j]! + x7 * b[b7 + j]!;
        }
      }
      for (let k = K8; k < K; k++) {
        const x = a[ar + k]!, bk = k * J;
        for (let j = 0; j < J; j++) out[o + j]! += x * b[bk + j]!;
      }
    }
  };
}

/**
 * out[oOff + r·J + j] = Σ_k a[aOff + r·K + k] · b[j·K + k]: rows of A times Bᵀ (B is J×K), as dot
 * products with B's rows, tiled four rows of A × four rows of B: sixteen independent sums (since
 * JavaScript cannot reassociate one sum) fed by eight loads per step of k. Rows of A past the last
 * multiple of four (every row, when n = 1) run one at a time against eight rows of B (eight sums);
 * leftover rows of B run one at a time.
 */
function rowsTimesTransposed(R: number, K: number, J: number) {
  const R4 = R - (R % 4), J4 = J - (J % 4), J8 = J - (J % 8);
  return (out: Float64Array, oOff: number, a: Float64Array, aOff: number, b: Float64Array): void => {
    for (let r = 0; r < R4; r += 4) {
      const a0 = aOff + r * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      const o0 = oOff + r * J, o1 = o0 + J, o2 = o1 + J, o3 = o2 + J;
      for (let j = 0; j < J4; j += 4) {
        const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        for (let k = 0; k < K; k++) {
          const x0 = a[a0 + k]!, x1 = a[a1 + k]!, x2 = a[a2 + k]!, x3 = a[a3 + k]!;
          const y0 = b[b0 + k]!, y1 = b[b1 + k]!, y2 = b[b2 + k]!, y3 = b[b3 + k]!;
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
          s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
          s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        out[o0 + j] = s00; out[o0 + j + 1] = s01; out[o0 + j + 2] = s02; out[o0 + j + 3] = s03;
        out[o1 + j] = s10; out[o1 + j + 1] = s11; out[o1 + j + 2] = s12; out[o1 + j + 3] = s13;
        out[o2 + j] = s20; out[o2 + j + 1] = s21; out[o2 + j + 2] = s22; out[o2 + j + 3] = s23;
        out[o3 + j] = s30; out[o3 + j + 1] = s31; out[o3 + j + 2] = s32; out[o3 + j + 3] = s33;
      }
      for (let j = J4; j < J; j++) {
        const bj = j * K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < K; k++) {
          const y = b[bj + k]!;
          s0 += a[a0 + k]! * y;
          s1 += a[a1 + k]! * y;
          s2 += a[a2 + k]! * y;
          s3 += a[a3 + k]! * y;
        }
        out[o0 + j] = s0;
        out[o1 + j] = s1;
        out[o2 + j] = s2;
        out[o3 + j] = s3;
      }
    }
    for (let r = R4; r < R; r++) {
      const o = oOff + r * J, ar = aOff + r * K;
      for (let j = 0; j < J8; j += 8) {
        const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K, b4 = b3 + K, b5 = b4 + K, b6 = b5 + K, b7 = b6 + K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (let k = 0; k < K; k++) {
          const x = a[ar + k]!;
          s0 += x * b[b0 + k]!;
          s1 += x * b[b1 + k]!;
          s2 += x * b[b2 + k]!;
          s3 += x * b[b3 + k]!;
          s4 += x * b[b4 + k]!;
          s5 += x * b[b5 + k]!;
          s6 += x * b[b6 + k]!;
          s7 += x * b[b7 + k]!;
        }
        out[o + j] = s0;
        out[o + j + 1] = s1;
        out[o + j + 2] = s2;
        out[o + j + 3] = s3;
        out[o + j + 4] = s4;
        out[o + j + 5] = s5;
        out[o + j + 6] = s6;
        out[o + j + 7] = s7;
      }
      for (let j = J8; j < J; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ar + k]! * b[bj + k]!;
        out[o + j] = s;
      }
    }
  };
}

/**
 * out[k·J + j] += Σ_r a[aOff + r·K + k] · b[r·J + j]: Aᵀ B for A R×K and B R×J, without transposing
 * A: tiles of four output rows (four columns of A) × four rows r deep, the four output rows staying
 * in cache while all R rows of B stream past them. Leftover columns of A run one output row at a
 * time, four r deep.
 */
function transposeTimes(R: number, K: number, J: number) {
  const R4 = R - (R % 4), K4 = K - (K % 4);
  const fourDeep = (out: Float64Array, o: number, x0: number, x1: number, x2: number, x3: number, b: Float64Array, b0: number): void => {
    const b1 = b0 + J, b2 = b1 + J, b3 = b2 + J;
    for (let j = 0; j < J; j++) out[o + j]! += x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]!;
  };
  return (out: Float64Array, a: Float64Array, aOff: number, b: Float64Array): void => {
    for (let k = 0; k < K4; k += 4) {
      const o0 = k * J, o1 = o0 + J, o2 = o1 + J, o3 = o2 + J;
      for (let r = 0; r < R4; r += 4) {
        const a0 = aOff + r * K + k, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
        // x{q}{p}: column k+q of A at row r+p.
        const x00 = a[a0]!, x01 = a[a1]!, x02 = a[a2]!, x03 = a[a3]!;
        const x10 = a[a0 + 1]!, x11 = a[a1 + 1]!, x12 = a[a2 + 1]!, x13 = a[a3 + 1]!;
        const x20 = a[a0 + 2]!, x21 = a[a1 + 2]!, x22 = a[a2 + 2]!, x23 = a[a3 + 2]!;
        const x30 = a[a0 + 3]!, x31 = a[a1 + 3]!, x32 = a[a2 + 3]!, x33 = a[a3 + 3]!;
        const b0 = r * J, b1 = b0 + J, b2 = b1 + J, b3 = b2 + J;
        for (let j = 0; j < J; j++) {
          const y0 = b[b0 + j]!, y1 = b[b1 + j]!, y2 = b[b2 + j]!, y3 = b[b3 + j]!;
          out[o0 + j]! += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
          out[o1 + j]! += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
          out[o2 + j]! += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
          out[o3 + j]! += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
        }
      }
      for (let r = R4; r < R; r++) {
        const ar = aOff + r * K + k, br = r * J;
        const x0 = a[ar]!, x1 = a[ar + 1]!, x2 = a[ar + 2]!, x3 = a[ar + 3]!;
        for (let j = 0; j < J; j++) {
          const y = b[br + j]!;
          out[o0 + j]! += x0 * y;
          out[o1 + j]! += x1 * y;
          out[o2 + j]! += x2 * y;
          out[o3 + j]! += x3 * y;
        }
      }
    }
    for (let k = K4; k < K; k++) {
      const o = k * J;
      for (let r = 0; r < R4; r += 4) {
        const ar = aOff + r * K + k;
        fourDeep(out, o, a[ar]!, a[ar + K]!, a[ar + 2 * K]!, a[ar + 3 * K]!, b, r * J);
      }
      for (let r = R4; r < R; r++) {
        const x = a[aOff + r * K + k]!, br = r * J;
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

  // The three phases are separate functions, not one: V8 compiles a long-running loop on the fly
  // (on-stack replacement) while the code after it has not run yet, and such code, meeting the
  // unexplored rest, falls back to the interpreter for the rest of every call. Small functions
  // are each compiled after they have run.

  /** The forward pass: H_1 … H_T into hs, G_O into go; returns Σ Y · log Ŷ over all steps and rows. */
  function forward(p: HandParams, batch: HandBatch): number {
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
    return total;
  }

  /** Backward through the recurrence, last step first: G_A of every step into ga, dh0 into gh0. */
  function backward(p: HandParams, gh0: Float64Array): void {
    const { W, V } = p;
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
    gh0.set(carry);
  }

  /** The weight gradients over all steps at once: H_{0…T−1} and H_{1…T} are slices of hs. */
  function weightGradients(xs: Float64Array, g: HandGrads): void {
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
  }

  return function lossAndGrad(p: HandParams, batch: HandBatch, g: HandGrads): number {
    const total = forward(p, batch);
    backward(p, g.h0);
    weightGradients(batch.xs, g);
    return -total * s;
  };
}
