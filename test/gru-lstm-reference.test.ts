// The hand-written GRU and LSTM references of issue 15 (test/support/gru-reference.ts and
// lstm-reference.ts) will judge the generated models and the benchmark's peers, so they are checked
// here first: against central finite differences of their own loss for every parameter and initial
// state, at several shapes and both kinds of target, and against values worked out by hand for one
// tiny case each (which pins the equations themselves: which gate multiplies what).
import { describe, expect, it } from "vitest";
import { rng, type Rng } from "../src/index.js";
import { centralDiff, distributionRows, oneHotRows, relErr } from "./support/numeric.js";
import {
  charGruLoss,
  charGruReference,
  gruLoss,
  gruParamNames,
  gruReference,
  type GruBatch,
  type GruParams,
  type GruSizes,
} from "./support/gru-reference.js";
import {
  charLstmLoss,
  charLstmReference,
  lstmLoss,
  lstmParamNames,
  lstmReference,
  type LstmBatch,
  type LstmParams,
  type LstmSizes,
} from "./support/lstm-reference.js";

// Central differences with eps = 1e-5 are accurate to about 1e-9 relative here (truncation ~eps²,
// rounding ~1e-16/eps); 1e-6 leaves room for that while still catching any wrong term.
const TOLERANCE = 1e-6;

type Targets = "one-hot" | "distribution";
type Inputs = "dense" | "index";

// 0.5·normal keeps pre-activations around ±1, where σ and tanh are far from saturated and their
// derivatives (hence every gradient term) are non-negligible.
function normals(length: number, random: Rng, std = 0.5): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = std * random.normal();
  return out;
}

function targets(kind: Targets, rows: number, cols: number, random: Rng): Float64Array {
  return kind === "one-hot" ? oneHotRows(rows, cols, random) : distributionRows(rows, cols, random);
}

/** Dense normal rows, or one class index per row (the char models' input). */
function inputs(kind: Inputs, s: { n: number; d: number; T: number }, random: Rng): Float64Array {
  if (kind === "dense") return normals(s.T * s.n * s.d, random, 1);
  return Float64Array.from({ length: s.T * s.n }, () => Math.min(s.d - 1, Math.floor(random.uniform() * s.d)));
}

function paramsOf<K extends string>(names: readonly K[], s: { d: number; h: number; v: number }, random: Rng): Record<K, Float64Array> {
  const out = {} as Record<K, Float64Array>;
  for (const name of names) {
    const length = name === "V" ? s.h * s.v : name === "c" ? s.v : name.startsWith("U") ? s.d * s.h : name.startsWith("W") ? s.h * s.h : s.h;
    out[name] = normals(length, random);
  }
  return out;
}

interface Case<S> {
  name: string;
  sizes: S;
  targets: Targets;
  inputs: Inputs;
  seed: number;
}

const cases: Case<GruSizes>[] = [
  { name: "n=1, T=1, one-hot, dense", sizes: { n: 1, d: 3, h: 2, v: 4, T: 1 }, targets: "one-hot", inputs: "dense", seed: 1 },
  { name: "n=2, T=3, one-hot, dense", sizes: { n: 2, d: 3, h: 4, v: 3, T: 3 }, targets: "one-hot", inputs: "dense", seed: 2 },
  { name: "n=3, T=4, distribution, dense", sizes: { n: 3, d: 2, h: 3, v: 4, T: 4 }, targets: "distribution", inputs: "dense", seed: 3 },
  { name: "n=2, T=5, distribution, index", sizes: { n: 2, d: 4, h: 3, v: 3, T: 5 }, targets: "distribution", inputs: "index", seed: 4 },
  { name: "n=3, T=3, one-hot, index", sizes: { n: 3, d: 5, h: 4, v: 5, T: 3 }, targets: "one-hot", inputs: "index", seed: 5 },
];

describe("gruReference", () => {
  function setup(s: GruSizes, kind: Targets, input: Inputs, seed: number): { p: GruParams; batch: GruBatch } {
    const random = rng(seed);
    const p = paramsOf(gruParamNames, s, random);
    const batch: GruBatch = { xs: inputs(input, s, random), ys: targets(kind, s.T * s.n, s.v, random), h0: normals(s.n * s.h, random) };
    return { p, batch };
  }

  it.each(cases)("matches central differences ($name)", ({ sizes, targets: kind, inputs: input, seed }) => {
    const { p, batch } = setup(sizes, kind, input, seed);
    const [reference, lossOf] = input === "dense" ? [gruReference, gruLoss] : [charGruReference, charGruLoss];
    const ref = reference(sizes, p, batch);
    const loss = (): number => lossOf(sizes, p, batch);
    expect(ref.loss).toBe(loss());
    const checked: [string, Float64Array, Float64Array][] = [
      ...gruParamNames.map((name): [string, Float64Array, Float64Array] => [name, p[name], ref.grads[name]]),
      ["h0", batch.h0, ref.grads.h0],
    ];
    for (const [name, x, analytic] of checked) {
      expect(analytic.length, name).toBe(x.length);
      const numeric = centralDiff(loss, x);
      expect(Math.max(...numeric.map(Math.abs)), `∂L/∂${name} is not all zero`).toBeGreaterThan(1e-6);
      expect(relErr(analytic, numeric), `∂L/∂${name}`).toBeLessThan(TOLERANCE);
    }
  });

  // n=1, d=1, h=1, v=2, T=1; x = 1, h0 = 1/2, y = [1, 0]. Gates: Uz = Wz = 0, bz = ln 3, so
  // z = σ(ln 3) = 3/4; Ur = Wr = 0, br = −ln 3, so r = 1/4; Uh = 1/2, Wh = 4, bh = 0, so
  // Ĥ = tanh(1·½ + (¼·½)·4) = tanh 1 = 0.7615941559557649. V = [1, −1], c = [0, 0].
  //   H' = (1 − ¾)·tanh 1 + ¾·½ = 0.25·tanh 1 + 0.375 = 0.5653985389889412
  //   O = [H', −H'], so softmax(O)₀ = σ(2H') and L = −log σ(2H') = log(1 + e^(−2H')) = 0.2797324651260271
  // Backward, with e = 1 − σ(2H') = σ(−2H') = 0.244014032986265:
  //   G_O = [−e, e]: dc = [−e, e], dV = H'·G_O = [−0.13796517774323355, +0.13796517774323355]
  //   G_H' = G_O Vᵀ = −e − e = −2e
  //   A_z = G_H'·(h0 − Ĥ)·z(1 − z) = −2e·(½ − tanh 1)·3/16 = 0.02393724187515156
  //     dUz = x·A_z = A_z, dWz = h0·A_z = 0.01196862093757578, dbz = A_z
  //   A_h = G_H'·(1 − z)·(1 − Ĥ²) = −2e·¼·0.41997434161402614 = −0.05123981642399495
  //     dUh = A_h, dWh = (r·h0)·A_h = ⅛·A_h = −0.006404977052999369, dbh = A_h
  //   G_(r⊙h0) = A_h·Wh = 4A_h; A_r = 4A_h·h0·r(1 − r) = 4A_h·½·3/16 = ⅜A_h = −0.019214931158998107
  //     dUr = A_r, dWr = h0·A_r = −0.009607465579499054, dbr = A_r
  //   dh0 = G_H'·z + 4A_h·r + A_z·Wz + A_r·Wr = −2e·¾ + A_h + 0 + 0 = −0.41726086590339245
  it("agrees with a case worked out by hand", () => {
    const s: GruSizes = { n: 1, d: 1, h: 1, v: 2, T: 1 };
    const f = (x: number): Float64Array => Float64Array.of(x);
    const p: GruParams = {
      Uz: f(0), Wz: f(0), bz: f(Math.log(3)),
      Ur: f(0), Wr: f(0), br: f(-Math.log(3)),
      Uh: f(0.5), Wh: f(4), bh: f(0),
      V: Float64Array.of(1, -1), c: Float64Array.of(0, 0),
    };
    const r = gruReference(s, p, { xs: f(1), ys: Float64Array.of(1, 0), h0: f(0.5) });
    const close = (actual: ArrayLike<number>, expected: number[]): void => {
      expect(actual.length).toBe(expected.length);
      expected.forEach((x, i) => expect(actual[i]).toBeCloseTo(x, 14));
    };
    const e = 0.244014032986265, aZ = 0.02393724187515156, aH = -0.05123981642399495, aR = -0.019214931158998107;
    expect(r.loss).toBeCloseTo(0.2797324651260271, 14);
    close(r.hT, [0.5653985389889412]);
    close(r.grads.c, [-e, e]);
    close(r.grads.V, [-0.13796517774323355, 0.13796517774323355]);
    close(r.grads.Uz, [aZ]);
    close(r.grads.Wz, [0.01196862093757578]);
    close(r.grads.bz, [aZ]);
    close(r.grads.Uh, [aH]);
    close(r.grads.Wh, [-0.006404977052999369]);
    close(r.grads.bh, [aH]);
    close(r.grads.Ur, [aR]);
    close(r.grads.Wr, [-0.009607465579499054]);
    close(r.grads.br, [aR]);
    close(r.grads.h0, [-0.41726086590339245]);
  });

  it("returns H_T, which seeds the next chunk: running T steps equals T single steps", () => {
    const s: GruSizes = { n: 2, d: 3, h: 4, v: 3, T: 3 };
    const { p, batch } = setup(s, "one-hot", "dense", 6);
    const whole = gruReference(s, p, batch);
    let h0 = batch.h0;
    let lossSum = 0;
    for (let t = 0; t < s.T; t++) {
      const step = gruReference({ ...s, T: 1 }, p, {
        xs: batch.xs.subarray(t * s.n * s.d, (t + 1) * s.n * s.d),
        ys: batch.ys.subarray(t * s.n * s.v, (t + 1) * s.n * s.v),
        h0,
      });
      h0 = step.hT;
      lossSum += step.loss;
    }
    expect(relErr(whole.hT, h0)).toBeLessThan(1e-15);
    expect(whole.loss).toBeCloseTo(lossSum / s.T, 14);
  });

  it("the char variant is the dense model on one-hot rows, and refuses an index that is not a class", () => {
    const s: GruSizes = { n: 2, d: 4, h: 3, v: 3, T: 3 };
    const { p, batch } = setup(s, "distribution", "index", 7);
    const oneHot = new Float64Array(s.T * s.n * s.d);
    batch.xs.forEach((k, r) => (oneHot[r * s.d + k] = 1));
    const sparse = charGruReference(s, p, batch);
    const dense = gruReference(s, p, { ...batch, xs: oneHot });
    expect(sparse.loss).toBe(dense.loss);
    for (const name of [...gruParamNames, "h0"] as const) expect(Array.from(sparse.grads[name]), name).toEqual(Array.from(dense.grads[name]));
    const bad = Float64Array.from(batch.xs);
    bad[1] = s.d;
    expect(() => charGruReference(s, p, { ...batch, xs: bad })).toThrow(/xs entry 1 is 4, not a class index from 0 to 3/);
    bad[1] = 0.5;
    expect(() => charGruReference(s, p, { ...batch, xs: bad })).toThrow(RangeError);
    // A dense batch handed to the char variant has d times too many entries.
    expect(() => charGruReference(s, p, { ...batch, xs: oneHot })).toThrow(/xs has 24 entries, expected 6/);
  });

  it("has loss ln(v) at zero output weights, and rejects mismatched sizes", () => {
    const s: GruSizes = { n: 3, d: 2, h: 4, v: 7, T: 3 };
    const { p, batch } = setup(s, "distribution", "dense", 8);
    expect(gruReference(s, { ...p, V: new Float64Array(s.h * s.v), c: new Float64Array(s.v) }, batch).loss).toBeCloseTo(Math.log(s.v), 14);
    expect(() => gruLoss({ ...s, d: 3 }, p, batch)).toThrow(RangeError);
  });
});

describe("lstmReference", () => {
  const lstmCases = cases as unknown as Case<LstmSizes>[];

  function setup(s: LstmSizes, kind: Targets, input: Inputs, seed: number): { p: LstmParams; batch: LstmBatch } {
    const random = rng(seed);
    const p = paramsOf(lstmParamNames, s, random);
    const batch: LstmBatch = {
      xs: inputs(input, s, random),
      ys: targets(kind, s.T * s.n, s.v, random),
      h0: normals(s.n * s.h, random),
      cell0: normals(s.n * s.h, random),
    };
    return { p, batch };
  }

  it.each(lstmCases)("matches central differences ($name)", ({ sizes, targets: kind, inputs: input, seed }) => {
    const { p, batch } = setup(sizes, kind, input, seed);
    const [reference, lossOf] = input === "dense" ? [lstmReference, lstmLoss] : [charLstmReference, charLstmLoss];
    const ref = reference(sizes, p, batch);
    const loss = (): number => lossOf(sizes, p, batch);
    expect(ref.loss).toBe(loss());
    const checked: [string, Float64Array, Float64Array][] = [
      ...lstmParamNames.map((name): [string, Float64Array, Float64Array] => [name, p[name], ref.grads[name]]),
      ["h0", batch.h0, ref.grads.h0],
      ["cell0", batch.cell0, ref.grads.cell0],
    ];
    for (const [name, x, analytic] of checked) {
      expect(analytic.length, name).toBe(x.length);
      const numeric = centralDiff(loss, x);
      expect(Math.max(...numeric.map(Math.abs)), `∂L/∂${name} is not all zero`).toBeGreaterThan(1e-6);
      expect(relErr(analytic, numeric), `∂L/∂${name}`).toBeLessThan(TOLERANCE);
    }
  });

  // n=1, d=1, h=1, v=2, T=1; x = 1, h0 = 1/2, cell0 = 1, y = [1, 0]. All U and W zero except
  // Ug = 1/2, Wg = 1; bi = ln 3, bf = −ln 3, bo = ln 4, bg = 0, so i = 3/4, f = 1/4, o = 4/5 and
  // g = tanh(1·½ + ½·1) = tanh 1 = 0.7615941559557649 (1 − g² = 0.41997434161402614). V = [1, −1], c = 0.
  //   C' = f·cell0 + i·g = ¼ + ¾·tanh 1 = 0.8211956169668236, tanh C' = 0.6757201009117529
  //   H' = o·tanh C' = 0.5405760807294023,  L = log(1 + e^(−2H')) = 0.2920757675848585
  // Backward, with e = σ(−2H') = 0.25328804273161887:
  //   G_Out = [−e, e]: dc = [−e, e], dV = H'·G_Out = [−0.1369214574354799, +0.1369214574354799]
  //   G_H' = −2e;  G_C' = G_H'·o·(1 − tanh²C') = −0.22021970630001664
  //   A_o = G_H'·tanh C'·o(1 − o) = −2e·tanh C'·0.16 = −0.05476858297419197
  //   A_f = G_C'·cell0·f(1 − f) = G_C'·3/16 = −0.04129119493125312
  //   A_i = G_C'·g·i(1 − i) = G_C'·tanh 1·3/16 = −0.03144713275207268
  //   A_g = G_C'·i·(1 − g²) = −0.06936496962283777
  //   dU• = x·A• = A•, dW• = h0·A• = A•/2, db• = A•
  //   dh0 = Σ A•·W• = A_g·Wg = A_g;  dcell0 = G_C'·f = −0.05505492657500416
  it("agrees with a case worked out by hand", () => {
    const s: LstmSizes = { n: 1, d: 1, h: 1, v: 2, T: 1 };
    const f = (x: number): Float64Array => Float64Array.of(x);
    const p: LstmParams = {
      Ui: f(0), Wi: f(0), bi: f(Math.log(3)),
      Uf: f(0), Wf: f(0), bf: f(-Math.log(3)),
      Uo: f(0), Wo: f(0), bo: f(Math.log(4)),
      Ug: f(0.5), Wg: f(1), bg: f(0),
      V: Float64Array.of(1, -1), c: Float64Array.of(0, 0),
    };
    const r = lstmReference(s, p, { xs: f(1), ys: Float64Array.of(1, 0), h0: f(0.5), cell0: f(1) });
    const close = (actual: ArrayLike<number>, expected: number[]): void => {
      expect(actual.length).toBe(expected.length);
      expected.forEach((x, i) => expect(actual[i]).toBeCloseTo(x, 14));
    };
    const e = 0.25328804273161887;
    const A = { i: -0.03144713275207268, f: -0.04129119493125312, o: -0.05476858297419197, g: -0.06936496962283777 };
    expect(r.loss).toBeCloseTo(0.2920757675848585, 14);
    close(r.hT, [0.5405760807294023]);
    close(r.cellT, [0.8211956169668236]);
    close(r.grads.c, [-e, e]);
    close(r.grads.V, [-0.1369214574354799, 0.1369214574354799]);
    for (const gate of ["i", "f", "o", "g"] as const) {
      close(r.grads[`U${gate}`], [A[gate]]);
      close(r.grads[`W${gate}`], [A[gate] / 2]);
      close(r.grads[`b${gate}`], [A[gate]]);
    }
    close(r.grads.h0, [A.g]);
    close(r.grads.cell0, [-0.05505492657500416]);
  });

  it("returns H_T and C_T, which seed the next chunk: running T steps equals T single steps", () => {
    const s: LstmSizes = { n: 2, d: 3, h: 4, v: 3, T: 3 };
    const { p, batch } = setup(s, "one-hot", "dense", 9);
    const whole = lstmReference(s, p, batch);
    let { h0, cell0 } = batch;
    let lossSum = 0;
    for (let t = 0; t < s.T; t++) {
      const step = lstmReference({ ...s, T: 1 }, p, {
        xs: batch.xs.subarray(t * s.n * s.d, (t + 1) * s.n * s.d),
        ys: batch.ys.subarray(t * s.n * s.v, (t + 1) * s.n * s.v),
        h0,
        cell0,
      });
      h0 = step.hT;
      cell0 = step.cellT;
      lossSum += step.loss;
    }
    expect(relErr(whole.hT, h0)).toBeLessThan(1e-15);
    expect(relErr(whole.cellT, cell0)).toBeLessThan(1e-15);
    expect(whole.loss).toBeCloseTo(lossSum / s.T, 14);
  });

  it("the char variant is the dense model on one-hot rows, and refuses an index that is not a class", () => {
    const s: LstmSizes = { n: 2, d: 4, h: 3, v: 3, T: 3 };
    const { p, batch } = setup(s, "one-hot", "index", 10);
    const oneHot = new Float64Array(s.T * s.n * s.d);
    batch.xs.forEach((k, r) => (oneHot[r * s.d + k] = 1));
    const sparse = charLstmReference(s, p, batch);
    const dense = lstmReference(s, p, { ...batch, xs: oneHot });
    expect(sparse.loss).toBe(dense.loss);
    for (const name of [...lstmParamNames, "h0", "cell0"] as const) expect(Array.from(sparse.grads[name]), name).toEqual(Array.from(dense.grads[name]));
    const bad = Float64Array.from(batch.xs);
    bad[2] = -1;
    expect(() => charLstmReference(s, p, { ...batch, xs: bad })).toThrow(/xs entry 2 is -1, not a class index from 0 to 3/);
  });

  it("has loss ln(v) at zero output weights, and rejects mismatched sizes", () => {
    const s: LstmSizes = { n: 3, d: 2, h: 4, v: 7, T: 3 };
    const { p, batch } = setup(s, "one-hot", "dense", 11);
    expect(lstmReference(s, { ...p, V: new Float64Array(s.h * s.v), c: new Float64Array(s.v) }, batch).loss).toBeCloseTo(Math.log(s.v), 14);
    expect(() => lstmLoss(s, p, { ...batch, cell0: new Float64Array(s.h) })).toThrow(/cell0 has 4 entries, expected 12/);
  });
});
