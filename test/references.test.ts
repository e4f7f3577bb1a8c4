// The hand-written references in test/support are what the generated gradients are judged
// against, so they are themselves checked here against central finite differences of their own
// loss, over several shapes and both kinds of target.
import { describe, expect, it } from "vitest";
import { rng, type Rng } from "../src/index.js";
import { centralDiff, distributionRows, oneHotRows, relErr } from "./support/numeric.js";
import { mlpLoss, mlpReference, type MlpBatch, type MlpParams, type MlpSizes } from "./support/mlp-reference.js";
import { rnnLoss, rnnReference, type RnnBatch, type RnnParams, type RnnSizes } from "./support/rnn-reference.js";

// Central differences with eps = 1e-5 are accurate to about 1e-9 relative here (truncation
// ~eps², rounding ~1e-16/eps); 1e-6 leaves room for that while still catching any wrong term.
const TOLERANCE = 1e-6;

type Targets = "one-hot" | "distribution";

// 0.5·normal keeps pre-activations around ±1, where tanh is far from saturated and its
// derivative (hence every gradient term) is non-negligible.
function normals(length: number, random: Rng, std = 0.5): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = std * random.normal();
  return out;
}

function targets(kind: Targets, rows: number, cols: number, random: Rng): Float64Array {
  return kind === "one-hot" ? oneHotRows(rows, cols, random) : distributionRows(rows, cols, random);
}

describe("numeric helpers", () => {
  it("relErr divides the largest difference by the largest reference entry", () => {
    expect(relErr([1, 2, 3], [1, 2, 4])).toBeCloseTo(0.25, 15);
    expect(relErr([0.5, 0], [0, 0])).toBe(0.5);
    expect(() => relErr([1], [1, 2])).toThrow(RangeError);
  });

  it("centralDiff restores x exactly and differentiates a known function", () => {
    const x = Float64Array.from([0.3, -1.7, 2.1]);
    const before = Float64Array.from(x);
    const g = centralDiff(() => x[0]! * x[0]! + Math.sin(x[1]!) * x[2]!, x);
    expect(Array.from(x)).toEqual(Array.from(before));
    const exact = [2 * 0.3, Math.cos(-1.7) * 2.1, Math.sin(-1.7)];
    expect(relErr(g, exact)).toBeLessThan(1e-9);
  });

  it("target rows are one-hot or positive distributions", () => {
    const random = rng(7);
    const oneHot = oneHotRows(20, 4, random);
    const dist = distributionRows(20, 4, random);
    for (let i = 0; i < 20; i++) {
      const hot = Array.from(oneHot.subarray(i * 4, i * 4 + 4));
      expect(hot.filter((y) => y === 1)).toHaveLength(1);
      expect(hot.filter((y) => y === 0)).toHaveLength(3);
      const row = Array.from(dist.subarray(i * 4, i * 4 + 4));
      expect(row.every((y) => y > 0)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    }
  });
});

describe("rnnReference", () => {
  const cases: { name: string; sizes: RnnSizes; targets: Targets; seed: number }[] = [
    { name: "n=1, T=1, one-hot", sizes: { n: 1, d: 3, h: 4, v: 5, T: 1 }, targets: "one-hot", seed: 1 },
    { name: "n=3, T=1, distribution", sizes: { n: 3, d: 2, h: 4, v: 3, T: 1 }, targets: "distribution", seed: 2 },
    { name: "n=2, T=4, one-hot", sizes: { n: 2, d: 3, h: 5, v: 4, T: 4 }, targets: "one-hot", seed: 3 },
    { name: "n=3, T=6, distribution", sizes: { n: 3, d: 4, h: 3, v: 6, T: 6 }, targets: "distribution", seed: 4 },
  ];

  function setup(s: RnnSizes, kind: Targets, seed: number): { p: RnnParams; batch: RnnBatch } {
    const random = rng(seed);
    const p: RnnParams = {
      U: normals(s.d * s.h, random),
      W: normals(s.h * s.h, random),
      b: normals(s.h, random),
      V: normals(s.h * s.v, random),
      c: normals(s.v, random),
    };
    const batch: RnnBatch = {
      xs: normals(s.T * s.n * s.d, random, 1),
      ys: targets(kind, s.T * s.n, s.v, random),
      h0: normals(s.n * s.h, random),
    };
    return { p, batch };
  }

  it.each(cases)("matches central differences ($name)", ({ sizes, targets: kind, seed }) => {
    const { p, batch } = setup(sizes, kind, seed);
    const ref = rnnReference(sizes, p, batch);
    const loss = (): number => rnnLoss(sizes, p, batch);
    expect(ref.loss).toBe(loss());

    const checked: [string, Float64Array, Float64Array][] = [
      ["U", p.U, ref.grads.U],
      ["W", p.W, ref.grads.W],
      ["b", p.b, ref.grads.b],
      ["V", p.V, ref.grads.V],
      ["c", p.c, ref.grads.c],
      ["h0", batch.h0, ref.grads.h0],
    ];
    for (const [name, x, analytic] of checked) {
      const numeric = centralDiff(loss, x);
      expect(relErr(analytic, numeric), `d/d${name}`).toBeLessThan(TOLERANCE);
    }
  });

  it("returns H_T, which seeds the next chunk: running T steps equals T single steps", () => {
    const sizes: RnnSizes = { n: 2, d: 3, h: 4, v: 3, T: 3 };
    const { p, batch } = setup(sizes, "one-hot", 5);
    const whole = rnnReference(sizes, p, batch);
    let h = batch.h0;
    let lossSum = 0;
    const one: RnnSizes = { ...sizes, T: 1 };
    for (let t = 0; t < sizes.T; t++) {
      const step = rnnReference(one, p, {
        xs: batch.xs.subarray(t * sizes.n * sizes.d, (t + 1) * sizes.n * sizes.d),
        ys: batch.ys.subarray(t * sizes.n * sizes.v, (t + 1) * sizes.n * sizes.v),
        h0: h,
      });
      h = step.hT;
      lossSum += step.loss;
    }
    expect(relErr(whole.hT, h)).toBeLessThan(1e-15);
    // The loss averages over steps, so the whole-sequence loss is the mean of per-step losses.
    expect(whole.loss).toBeCloseTo(lossSum / sizes.T, 14);
  });

  it("has loss ln(v) at zero weights", () => {
    for (const kind of ["one-hot", "distribution"] as const) {
      const s: RnnSizes = { n: 3, d: 2, h: 4, v: 7, T: 3 };
      const random = rng(11);
      const p: RnnParams = {
        U: new Float64Array(s.d * s.h),
        W: new Float64Array(s.h * s.h),
        b: new Float64Array(s.h),
        V: new Float64Array(s.h * s.v),
        c: new Float64Array(s.v),
      };
      const batch: RnnBatch = {
        xs: normals(s.T * s.n * s.d, random, 1),
        ys: targets(kind, s.T * s.n, s.v, random),
        h0: normals(s.n * s.h, random),
      };
      expect(rnnReference(s, p, batch).loss).toBeCloseTo(Math.log(s.v), 14);
    }
  });

  it("rejects mismatched sizes", () => {
    const s: RnnSizes = { n: 2, d: 3, h: 4, v: 5, T: 2 };
    const { p, batch } = setup(s, "one-hot", 6);
    expect(() => rnnLoss({ ...s, d: 4 }, p, batch)).toThrow(RangeError);
  });
});

describe("mlpReference", () => {
  const cases: { name: string; sizes: MlpSizes; targets: Targets; seed: number }[] = [
    { name: "n=1, one-hot", sizes: { n: 1, d: 3, h: 4, v: 5 }, targets: "one-hot", seed: 21 },
    { name: "n=4, distribution", sizes: { n: 4, d: 2, h: 5, v: 3 }, targets: "distribution", seed: 22 },
    { name: "n=6, one-hot", sizes: { n: 6, d: 5, h: 3, v: 4 }, targets: "one-hot", seed: 23 },
    { name: "n=5, distribution", sizes: { n: 5, d: 4, h: 6, v: 7 }, targets: "distribution", seed: 24 },
  ];

  function setup(s: MlpSizes, kind: Targets, seed: number): { p: MlpParams; batch: MlpBatch } {
    const random = rng(seed);
    const p: MlpParams = {
      W1: normals(s.d * s.h, random),
      b1: normals(s.h, random),
      W2: normals(s.h * s.v, random),
      b2: normals(s.v, random),
    };
    const batch: MlpBatch = { x: normals(s.n * s.d, random, 1), y: targets(kind, s.n, s.v, random) };
    return { p, batch };
  }

  it.each(cases)("matches central differences ($name)", ({ sizes, targets: kind, seed }) => {
    const { p, batch } = setup(sizes, kind, seed);
    const ref = mlpReference(sizes, p, batch);
    const loss = (): number => mlpLoss(sizes, p, batch);
    expect(ref.loss).toBe(loss());

    const checked: [string, Float64Array, Float64Array][] = [
      ["W1", p.W1, ref.grads.W1],
      ["b1", p.b1, ref.grads.b1],
      ["W2", p.W2, ref.grads.W2],
      ["b2", p.b2, ref.grads.b2],
    ];
    for (const [name, x, analytic] of checked) {
      const numeric = centralDiff(loss, x);
      expect(relErr(analytic, numeric), `d/d${name}`).toBeLessThan(TOLERANCE);
    }
  });

  it("has loss ln(v) at zero weights", () => {
    for (const kind of ["one-hot", "distribution"] as const) {
      const s: MlpSizes = { n: 4, d: 3, h: 5, v: 6 };
      const random = rng(31);
      const p: MlpParams = {
        W1: new Float64Array(s.d * s.h),
        b1: new Float64Array(s.h),
        W2: new Float64Array(s.h * s.v),
        b2: new Float64Array(s.v),
      };
      const batch: MlpBatch = { x: normals(s.n * s.d, random, 1), y: targets(kind, s.n, s.v, random) };
      expect(mlpReference(s, p, batch).loss).toBeCloseTo(Math.log(s.v), 14);
    }
  });
});
