// An independent reference for the GRU of issue 15 (dsl/gru.ts, dsl/char-gru.ts), written as plain
// loops over Float64Array so that it can be checked by eye and by finite differences, and then
// trusted to check generated code. Nothing from src/ is imported on purpose: a bug shared with the
// code under test would hide. Modelled on test/support/rnn-reference.ts.
//
//   Z_t = σ(X_t Uz + H_{t-1} Wz + bz)           R_t = σ(X_t Ur + H_{t-1} Wr + br)
//   Ĥ_t = tanh(X_t Uh + (R_t ⊙ H_{t-1}) Wh + bh)
//   H_t = (1 − Z_t) ⊙ Ĥ_t + Z_t ⊙ H_{t-1}
//   O_t = H_t V + c     L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(O_t)[i,j]
//
// σ(a) = 1/(1 + e^−a). All matrices are row-major; X and Y are time-major stacks (step t is rows
// t·n .. t·n+n−1). The one-hot ("char") variant, charGruReference, takes X as one class index per
// row and means the one-hot row: it expands the indices and runs the dense reference, so the two
// cannot disagree about what an index stands for.

export interface GruSizes {
  n: number;
  d: number;
  h: number;
  v: number;
  T: number;
}

export interface GruParams {
  Uz: Float64Array; // d×h
  Wz: Float64Array; // h×h
  bz: Float64Array; // 1×h
  Ur: Float64Array; // d×h
  Wr: Float64Array; // h×h
  br: Float64Array; // 1×h
  Uh: Float64Array; // d×h
  Wh: Float64Array; // h×h
  bh: Float64Array; // 1×h
  V: Float64Array; // h×v
  c: Float64Array; // 1×v
}

export interface GruBatch {
  /** T·n rows × d, time-major: step t is rows t·n..t·n+n−1. (For charGru*: T·n rows × 1, class indices.) */
  xs: Float64Array;
  /** T·n rows × v, each row one-hot or a distribution. */
  ys: Float64Array;
  /** n×h, the state before the first step. */
  h0: Float64Array;
}

export interface GruGrads {
  Uz: Float64Array;
  Wz: Float64Array;
  bz: Float64Array;
  Ur: Float64Array;
  Wr: Float64Array;
  br: Float64Array;
  Uh: Float64Array;
  Wh: Float64Array;
  bh: Float64Array;
  V: Float64Array;
  c: Float64Array;
  h0: Float64Array;
}

/** The parameters in the order of the model's declaration. */
export const gruParamNames = ["Uz", "Wz", "bz", "Ur", "Wr", "br", "Uh", "Wh", "bh", "V", "c"] as const;

interface GruStep {
  z: Float64Array; // n×h
  r: Float64Array; // n×h
  /** Ĥ, the candidate state, n×h. */
  hHat: Float64Array;
  /** softmax(O_t), n×v. */
  prob: Float64Array;
}

interface GruForward {
  loss: number;
  /** hs[0] = h0, hs[t] = H_t for t = 1..T, each n×h. */
  hs: Float64Array[];
  /** steps[t−1] holds step t's gates. */
  steps: GruStep[];
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

function checkSizes(s: GruSizes, p: GruParams, batch: GruBatch, xCols: number, who: string): void {
  const { n, d, h, v, T } = s;
  for (const [name, size] of Object.entries(s)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`${who}: size ${name} must be a positive integer, got ${size}`);
  }
  const expect = (name: string, actual: number, wanted: number): void => {
    if (actual !== wanted) throw new RangeError(`${who}: ${name} has ${actual} entries, expected ${wanted}`);
  };
  for (const name of ["Uz", "Ur", "Uh"] as const) expect(name, p[name].length, d * h);
  for (const name of ["Wz", "Wr", "Wh"] as const) expect(name, p[name].length, h * h);
  for (const name of ["bz", "br", "bh"] as const) expect(name, p[name].length, h);
  expect("V", p.V.length, h * v);
  expect("c", p.c.length, v);
  expect("xs", batch.xs.length, T * n * xCols);
  expect("ys", batch.ys.length, T * n * v);
  expect("h0", batch.h0.length, n * h);
}

function forward(s: GruSizes, p: GruParams, batch: GruBatch): GruForward {
  checkSizes(s, p, batch, s.d, "gruReference");
  const { n, d, h, v, T } = s;
  const hs: Float64Array[] = [Float64Array.from(batch.h0)];
  const steps: GruStep[] = [];
  let total = 0;

  for (let t = 0; t < T; t++) {
    const hPrev = hs[t]!;
    const z = new Float64Array(n * h);
    const r = new Float64Array(n * h);
    const hHat = new Float64Array(n * h);
    const hNext = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      const xRow = (t * n + i) * d;
      // The gates first: Ĥ reads every entry of R ⊙ H of its row.
      for (let k = 0; k < h; k++) {
        let az = p.bz[k]!;
        let ar = p.br[k]!;
        for (let q = 0; q < d; q++) {
          const x = batch.xs[xRow + q]!;
          az += x * p.Uz[q * h + k]!;
          ar += x * p.Ur[q * h + k]!;
        }
        for (let q = 0; q < h; q++) {
          const hq = hPrev[i * h + q]!;
          az += hq * p.Wz[q * h + k]!;
          ar += hq * p.Wr[q * h + k]!;
        }
        z[i * h + k] = sigmoid(az);
        r[i * h + k] = sigmoid(ar);
      }
      for (let k = 0; k < h; k++) {
        let ah = p.bh[k]!;
        for (let q = 0; q < d; q++) ah += batch.xs[xRow + q]! * p.Uh[q * h + k]!;
        for (let q = 0; q < h; q++) ah += r[i * h + q]! * hPrev[i * h + q]! * p.Wh[q * h + k]!;
        const cand = Math.tanh(ah);
        hHat[i * h + k] = cand;
        const zk = z[i * h + k]!;
        hNext[i * h + k] = (1 - zk) * cand + zk * hPrev[i * h + k]!;
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
    steps.push({ z, r, hHat, prob });
  }

  return { loss: total / (T * n), hs, steps };
}

/** The loss alone, for finite differences. */
export function gruLoss(s: GruSizes, p: GruParams, batch: GruBatch): number {
  return forward(s, p, batch).loss;
}

/** Loss, final state H_T and the BPTT gradients of the loss with respect to every parameter and h0. */
export function gruReference(s: GruSizes, p: GruParams, batch: GruBatch): { loss: number; hT: Float64Array; grads: GruGrads } {
  const { n, d, h, v, T } = s;
  const { loss, hs, steps } = forward(s, p, batch);
  const scale = 1 / (T * n);

  const g: GruGrads = {
    Uz: new Float64Array(d * h),
    Wz: new Float64Array(h * h),
    bz: new Float64Array(h),
    Ur: new Float64Array(d * h),
    Wr: new Float64Array(h * h),
    br: new Float64Array(h),
    Uh: new Float64Array(d * h),
    Wh: new Float64Array(h * h),
    bh: new Float64Array(h),
    V: new Float64Array(h * v),
    c: new Float64Array(v),
    h0: new Float64Array(n * h),
  };
  // ∂L/∂H_{t} through step t+1 (zero beyond the last step, as nothing reads H_T).
  let gHCarry = new Float64Array(n * h);

  for (let t = T - 1; t >= 0; t--) {
    const hCur = hs[t + 1]!;
    const hPrev = hs[t]!;
    const { z, r, hHat, prob } = steps[t]!;

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
        const go = gO[i * v + j]!;
        g.c[j] = g.c[j]! + go;
        for (let k = 0; k < h; k++) g.V[k * v + j] = g.V[k * v + j]! + hCur[i * h + k]! * go;
      }
    }

    // G_H = G_O Vᵀ + (what step t+1 sends back). Then, from H_t = (1 − Z) ⊙ Ĥ + Z ⊙ H_{t−1}:
    //   G_Ĥ = G_H ⊙ (1 − Z)     G_Z = G_H ⊙ (H_{t−1} − Ĥ)     G_{H_{t−1}} ∋ G_H ⊙ Z
    //   A_h = G_Ĥ ⊙ (1 − Ĥ²)    A_z = G_Z ⊙ Z ⊙ (1 − Z)
    // and from Ĥ's (R ⊙ H_{t−1}) Wh:  G_{RH} = A_h Whᵀ,  G_R = G_{RH} ⊙ H_{t−1},  A_r = G_R ⊙ R ⊙ (1 − R),
    //   G_{H_{t−1}} ∋ G_{RH} ⊙ R + A_z Wzᵀ + A_r Wrᵀ.
    const aZ = new Float64Array(n * h);
    const aR = new Float64Array(n * h);
    const aH = new Float64Array(n * h);
    const gHPrev = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < h; k++) {
        let gH = gHCarry[i * h + k]!;
        for (let j = 0; j < v; j++) gH += gO[i * v + j]! * p.V[k * v + j]!;
        const zk = z[i * h + k]!;
        const cand = hHat[i * h + k]!;
        aH[i * h + k] = gH * (1 - zk) * (1 - cand * cand);
        aZ[i * h + k] = gH * (hPrev[i * h + k]! - cand) * zk * (1 - zk);
        gHPrev[i * h + k] = gH * zk;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < h; q++) {
        let gRH = 0;
        for (let k = 0; k < h; k++) gRH += aH[i * h + k]! * p.Wh[q * h + k]!;
        const rq = r[i * h + q]!;
        aR[i * h + q] = gRH * hPrev[i * h + q]! * rq * (1 - rq);
        gHPrev[i * h + q] = gHPrev[i * h + q]! + gRH * rq;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < h; q++) {
        let acc = 0;
        for (let k = 0; k < h; k++) acc += aZ[i * h + k]! * p.Wz[q * h + k]! + aR[i * h + k]! * p.Wr[q * h + k]!;
        gHPrev[i * h + q] = gHPrev[i * h + q]! + acc;
      }
    }

    // dU• += X_tᵀ A_•,  dWz += H_{t−1}ᵀ A_z,  dWr += H_{t−1}ᵀ A_r,  dWh += (R ⊙ H_{t−1})ᵀ A_h,  db• += colsum(A_•)
    for (let i = 0; i < n; i++) {
      const xRow = (t * n + i) * d;
      for (let k = 0; k < h; k++) {
        const az = aZ[i * h + k]!;
        const ar = aR[i * h + k]!;
        const ah = aH[i * h + k]!;
        g.bz[k] = g.bz[k]! + az;
        g.br[k] = g.br[k]! + ar;
        g.bh[k] = g.bh[k]! + ah;
        for (let q = 0; q < d; q++) {
          const x = batch.xs[xRow + q]!;
          g.Uz[q * h + k] = g.Uz[q * h + k]! + x * az;
          g.Ur[q * h + k] = g.Ur[q * h + k]! + x * ar;
          g.Uh[q * h + k] = g.Uh[q * h + k]! + x * ah;
        }
        for (let q = 0; q < h; q++) {
          const hq = hPrev[i * h + q]!;
          g.Wz[q * h + k] = g.Wz[q * h + k]! + hq * az;
          g.Wr[q * h + k] = g.Wr[q * h + k]! + hq * ar;
          g.Wh[q * h + k] = g.Wh[q * h + k]! + r[i * h + q]! * hq * ah;
        }
      }
    }

    gHCarry = gHPrev;
  }

  g.h0 = gHCarry;
  return { loss, hT: hs[T]!, grads: g };
}

/**
 * One-hot rows from class indices (T·n × 1): the meaning of the char models' input. Refuses an
 * entry that is not an integer class from 0 to d − 1, as the library does.
 */
export function oneHotFromIndices(indices: ArrayLike<number>, d: number, who = "oneHotFromIndices"): Float64Array {
  const out = new Float64Array(indices.length * d);
  for (let r = 0; r < indices.length; r++) {
    const k = indices[r]!;
    if (!Number.isInteger(k) || k < 0 || k >= d) throw new RangeError(`${who}: xs entry ${r} is ${k}, not a class index from 0 to ${d - 1}`);
    out[r * d + k] = 1;
  }
  return out;
}

function dense(s: GruSizes, p: GruParams, batch: GruBatch): GruBatch {
  checkSizes(s, p, batch, 1, "charGruReference");
  return { ...batch, xs: oneHotFromIndices(batch.xs, s.d, "charGruReference") };
}

/** The one-hot GRU's loss: batch.xs holds one class index per row (T·n × 1). */
export function charGruLoss(s: GruSizes, p: GruParams, batch: GruBatch): number {
  return gruLoss(s, p, dense(s, p, batch));
}

/** The one-hot GRU (dsl/char-gru.ts): batch.xs holds one class index per row (T·n × 1). */
export function charGruReference(s: GruSizes, p: GruParams, batch: GruBatch): { loss: number; hT: Float64Array; grads: GruGrads } {
  return gruReference(s, p, dense(s, p, batch));
}
