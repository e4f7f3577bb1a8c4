// An independent reference for the LSTM of issue 15 (dsl/lstm.ts, dsl/char-lstm.ts), written as
// plain loops over Float64Array so that it can be checked by eye and by finite differences, and then
// trusted to check generated code and the benchmark's peers (bench/lstm_numpy.py, bench/lstm_torch.py).
// Nothing from src/ is imported on purpose: a bug shared with the code under test would hide.
// Modelled on test/support/rnn-reference.ts.
//
//   I_t = σ(X_t Ui + H_{t-1} Wi + bi)     F_t = σ(X_t Uf + H_{t-1} Wf + bf)
//   O_t = σ(X_t Uo + H_{t-1} Wo + bo)     G_t = tanh(X_t Ug + H_{t-1} Wg + bg)
//   C_t = F_t ⊙ C_{t-1} + I_t ⊙ G_t       H_t = O_t ⊙ tanh(C_t)
//   Out_t = H_t V + c     L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(Out_t)[i,j]
//
// (the output gate is O_t; the logits are called Out_t here to keep the two apart). σ(a) = 1/(1 + e^−a).
// All matrices are row-major; X and Y are time-major stacks (step t is rows t·n .. t·n+n−1). The
// one-hot ("char") variant, charLstmReference, takes X as one class index per row and means the
// one-hot row: it expands the indices and runs the dense reference.
import { oneHotFromIndices } from "./gru-reference.js";

export interface LstmSizes {
  n: number;
  d: number;
  h: number;
  v: number;
  T: number;
}

export interface LstmParams {
  Ui: Float64Array; // d×h
  Wi: Float64Array; // h×h
  bi: Float64Array; // 1×h
  Uf: Float64Array;
  Wf: Float64Array;
  bf: Float64Array;
  Uo: Float64Array;
  Wo: Float64Array;
  bo: Float64Array;
  Ug: Float64Array;
  Wg: Float64Array;
  bg: Float64Array;
  V: Float64Array; // h×v
  c: Float64Array; // 1×v
}

export interface LstmBatch {
  /** T·n rows × d, time-major: step t is rows t·n..t·n+n−1. (For charLstm*: T·n rows × 1, class indices.) */
  xs: Float64Array;
  /** T·n rows × v, each row one-hot or a distribution. */
  ys: Float64Array;
  /** n×h, the hidden state before the first step. */
  h0: Float64Array;
  /** n×h, the cell state before the first step. */
  cell0: Float64Array;
}

export interface LstmGrads {
  Ui: Float64Array;
  Wi: Float64Array;
  bi: Float64Array;
  Uf: Float64Array;
  Wf: Float64Array;
  bf: Float64Array;
  Uo: Float64Array;
  Wo: Float64Array;
  bo: Float64Array;
  Ug: Float64Array;
  Wg: Float64Array;
  bg: Float64Array;
  V: Float64Array;
  c: Float64Array;
  h0: Float64Array;
  cell0: Float64Array;
}

export interface LstmResult {
  loss: number;
  hT: Float64Array;
  cellT: Float64Array;
  grads: LstmGrads;
}

/** The parameters in the order of the model's declaration. */
export const lstmParamNames = ["Ui", "Wi", "bi", "Uf", "Wf", "bf", "Uo", "Wo", "bo", "Ug", "Wg", "bg", "V", "c"] as const;

/** The four gates, in the order of the parameters. */
const gates = ["i", "f", "o", "g"] as const;
type Gate = (typeof gates)[number];
const U = { i: "Ui", f: "Uf", o: "Uo", g: "Ug" } as const;
const W = { i: "Wi", f: "Wf", o: "Wo", g: "Wg" } as const;
const B = { i: "bi", f: "bf", o: "bo", g: "bg" } as const;

interface LstmStep {
  /** The activated gates I, F, O (σ) and G (tanh), each n×h. */
  act: Record<Gate, Float64Array>;
  /** tanh(C_t), n×h. */
  tanhC: Float64Array;
  /** softmax(Out_t), n×v. */
  prob: Float64Array;
}

interface LstmForward {
  loss: number;
  /** hs[0] = h0, hs[t] = H_t for t = 1..T, each n×h; cs likewise for the cell. */
  hs: Float64Array[];
  cs: Float64Array[];
  steps: LstmStep[];
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

function checkSizes(s: LstmSizes, p: LstmParams, batch: LstmBatch, xCols: number, who: string): void {
  const { n, d, h, v, T } = s;
  for (const [name, size] of Object.entries(s)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`${who}: size ${name} must be a positive integer, got ${size}`);
  }
  const expect = (name: string, actual: number, wanted: number): void => {
    if (actual !== wanted) throw new RangeError(`${who}: ${name} has ${actual} entries, expected ${wanted}`);
  };
  for (const gate of gates) {
    expect(U[gate], p[U[gate]].length, d * h);
    expect(W[gate], p[W[gate]].length, h * h);
    expect(B[gate], p[B[gate]].length, h);
  }
  expect("V", p.V.length, h * v);
  expect("c", p.c.length, v);
  expect("xs", batch.xs.length, T * n * xCols);
  expect("ys", batch.ys.length, T * n * v);
  expect("h0", batch.h0.length, n * h);
  expect("cell0", batch.cell0.length, n * h);
}

function forward(s: LstmSizes, p: LstmParams, batch: LstmBatch): LstmForward {
  checkSizes(s, p, batch, s.d, "lstmReference");
  const { n, d, h, v, T } = s;
  const hs: Float64Array[] = [Float64Array.from(batch.h0)];
  const cs: Float64Array[] = [Float64Array.from(batch.cell0)];
  const steps: LstmStep[] = [];
  let total = 0;

  for (let t = 0; t < T; t++) {
    const hPrev = hs[t]!;
    const cPrev = cs[t]!;
    const act = { i: new Float64Array(n * h), f: new Float64Array(n * h), o: new Float64Array(n * h), g: new Float64Array(n * h) };
    const cNext = new Float64Array(n * h);
    const tanhC = new Float64Array(n * h);
    const hNext = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      const xRow = (t * n + i) * d;
      for (let k = 0; k < h; k++) {
        for (const gate of gates) {
          const Ug = p[U[gate]];
          const Wg = p[W[gate]];
          let a = p[B[gate]][k]!;
          for (let q = 0; q < d; q++) a += batch.xs[xRow + q]! * Ug[q * h + k]!;
          for (let q = 0; q < h; q++) a += hPrev[i * h + q]! * Wg[q * h + k]!;
          act[gate][i * h + k] = gate === "g" ? Math.tanh(a) : sigmoid(a);
        }
        const at = i * h + k;
        const cell = act.f[at]! * cPrev[at]! + act.i[at]! * act.g[at]!;
        cNext[at] = cell;
        tanhC[at] = Math.tanh(cell);
        hNext[at] = act.o[at]! * tanhC[at]!;
      }
    }
    hs.push(hNext);
    cs.push(cNext);

    const prob = new Float64Array(n * v);
    const o = new Float64Array(v);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        let acc = p.c[j]!;
        for (let k = 0; k < h; k++) acc += hNext[i * h + k]! * p.V[k * v + j]!;
        o[j] = acc;
      }
      // Subtracting the row maximum keeps exp from overflowing; log Ŷ = Out − logsumexp(Out).
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
    steps.push({ act, tanhC, prob });
  }

  return { loss: total / (T * n), hs, cs, steps };
}

/** The loss alone, for finite differences. */
export function lstmLoss(s: LstmSizes, p: LstmParams, batch: LstmBatch): number {
  return forward(s, p, batch).loss;
}

/** Loss, final states H_T and C_T, and the BPTT gradients of the loss with respect to every parameter, h0 and cell0. */
export function lstmReference(s: LstmSizes, p: LstmParams, batch: LstmBatch): LstmResult {
  const { n, d, h, v, T } = s;
  const { loss, hs, cs, steps } = forward(s, p, batch);
  const scale = 1 / (T * n);

  const g: LstmGrads = {
    Ui: new Float64Array(d * h),
    Wi: new Float64Array(h * h),
    bi: new Float64Array(h),
    Uf: new Float64Array(d * h),
    Wf: new Float64Array(h * h),
    bf: new Float64Array(h),
    Uo: new Float64Array(d * h),
    Wo: new Float64Array(h * h),
    bo: new Float64Array(h),
    Ug: new Float64Array(d * h),
    Wg: new Float64Array(h * h),
    bg: new Float64Array(h),
    V: new Float64Array(h * v),
    c: new Float64Array(v),
    h0: new Float64Array(n * h),
    cell0: new Float64Array(n * h),
  };
  // ∂L/∂H_t and ∂L/∂C_t through step t+1 (zero beyond the last step, as nothing reads H_T or C_T).
  let gHCarry = new Float64Array(n * h);
  let gCCarry = new Float64Array(n * h);

  for (let t = T - 1; t >= 0; t--) {
    const hCur = hs[t + 1]!;
    const hPrev = hs[t]!;
    const cPrev = cs[t]!;
    const { act, tanhC, prob } = steps[t]!;

    // G_Out = (Ŷ · rowsum(Y) − Y) / (T·n), as in rnn-reference.ts.
    const gOut = new Float64Array(n * v);
    for (let i = 0; i < n; i++) {
      const yRow = (t * n + i) * v;
      let rowSum = 0;
      for (let j = 0; j < v; j++) rowSum += batch.ys[yRow + j]!;
      for (let j = 0; j < v; j++) gOut[i * v + j] = (prob[i * v + j]! * rowSum - batch.ys[yRow + j]!) * scale;
    }

    // dV += H_tᵀ G_Out,  dc += colsum(G_Out)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        const go = gOut[i * v + j]!;
        g.c[j] = g.c[j]! + go;
        for (let k = 0; k < h; k++) g.V[k * v + j] = g.V[k * v + j]! + hCur[i * h + k]! * go;
      }
    }

    // G_H = G_Out Vᵀ + (from step t+1). From H_t = O ⊙ tanh(C_t) and C_t = F ⊙ C_{t−1} + I ⊙ G:
    //   G_C = (from step t+1) + G_H ⊙ O ⊙ (1 − tanh²C_t)
    //   A_o = G_H ⊙ tanh(C_t) ⊙ O(1 − O)     A_f = G_C ⊙ C_{t−1} ⊙ F(1 − F)
    //   A_i = G_C ⊙ G ⊙ I(1 − I)             A_g = G_C ⊙ I ⊙ (1 − G²)
    //   G_{C_{t−1}} = G_C ⊙ F                G_{H_{t−1}} = Σ_gates A_• W•ᵀ
    const a = { i: new Float64Array(n * h), f: new Float64Array(n * h), o: new Float64Array(n * h), g: new Float64Array(n * h) };
    const gCPrev = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < h; k++) {
        const at = i * h + k;
        let gH = gHCarry[at]!;
        for (let j = 0; j < v; j++) gH += gOut[i * v + j]! * p.V[k * v + j]!;
        const I = act.i[at]!, F = act.f[at]!, O = act.o[at]!, G = act.g[at]!, tc = tanhC[at]!;
        const gC = gCCarry[at]! + gH * O * (1 - tc * tc);
        a.o[at] = gH * tc * O * (1 - O);
        a.f[at] = gC * cPrev[at]! * F * (1 - F);
        a.i[at] = gC * G * I * (1 - I);
        a.g[at] = gC * I * (1 - G * G);
        gCPrev[at] = gC * F;
      }
    }
    const gHPrev = new Float64Array(n * h);
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < h; q++) {
        let acc = 0;
        for (const gate of gates) {
          const Wg = p[W[gate]];
          const ag = a[gate];
          for (let k = 0; k < h; k++) acc += ag[i * h + k]! * Wg[q * h + k]!;
        }
        gHPrev[i * h + q] = acc;
      }
    }

    // dU• += X_tᵀ A_•,  dW• += H_{t−1}ᵀ A_•,  db• += colsum(A_•)
    for (const gate of gates) {
      const dU = g[U[gate]];
      const dW = g[W[gate]];
      const db = g[B[gate]];
      const ag = a[gate];
      for (let i = 0; i < n; i++) {
        const xRow = (t * n + i) * d;
        for (let k = 0; k < h; k++) {
          const x = ag[i * h + k]!;
          db[k] = db[k]! + x;
          for (let q = 0; q < d; q++) dU[q * h + k] = dU[q * h + k]! + batch.xs[xRow + q]! * x;
          for (let q = 0; q < h; q++) dW[q * h + k] = dW[q * h + k]! + hPrev[i * h + q]! * x;
        }
      }
    }

    gHCarry = gHPrev;
    gCCarry = gCPrev;
  }

  g.h0 = gHCarry;
  g.cell0 = gCCarry;
  return { loss, hT: hs[T]!, cellT: cs[T]!, grads: g };
}

function dense(s: LstmSizes, p: LstmParams, batch: LstmBatch): LstmBatch {
  checkSizes(s, p, batch, 1, "charLstmReference");
  return { ...batch, xs: oneHotFromIndices(batch.xs, s.d, "charLstmReference") };
}

/** The one-hot LSTM's loss: batch.xs holds one class index per row (T·n × 1). */
export function charLstmLoss(s: LstmSizes, p: LstmParams, batch: LstmBatch): number {
  return lstmLoss(s, p, dense(s, p, batch));
}

/** The one-hot LSTM (dsl/char-lstm.ts): batch.xs holds one class index per row (T·n × 1). */
export function charLstmReference(s: LstmSizes, p: LstmParams, batch: LstmBatch): LstmResult {
  return lstmReference(s, p, dense(s, p, batch));
}
