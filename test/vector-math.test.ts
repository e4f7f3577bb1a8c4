// The ops' vector entries (OpDef.vector: WebAssembly f64x2 functions the SIMD kernels call) against
// JavaScript's Math, which the JavaScript kernels and the eager ops call: each entry, with the
// entries it uses, in a module of its own (test/support/vector-module.ts), over special values,
// subnormals, dense samples near 0 and around every branch point and threshold, large magnitudes
// and 10^5 random bit patterns. Each must stay within the ulp it states of Math's result on finite
// results, and give Math's NaN, ±Infinity and ±0 exactly (Object.is).
//
// A longer run over fresh random bit patterns (10^7 here, about a minute):
//   SHAPEGRAD_VECTOR_MATH_SAMPLES=10000000 npx vitest run test/vector-math.test.ts
// prints its seed; replay with SHAPEGRAD_VECTOR_MATH_SEED=<seed>.
import { describe, expect, it } from "vitest";
import type { MathFunction } from "../src/kernel/algebra.js";
import type { VectorEntry } from "../src/op.js";
import { allOps } from "../src/ops/table.js";
import { vectorRunner } from "./support/vector-module.js";
import { randomBitPatterns, ulpDistance, vectorSamples } from "./support/vector-samples.js";

const longSamples = process.env["SHAPEGRAD_VECTOR_MATH_SAMPLES"] ? Number(process.env["SHAPEGRAD_VECTOR_MATH_SAMPLES"]) : undefined;
const seed = process.env["SHAPEGRAD_VECTOR_MATH_SEED"] ? Number(process.env["SHAPEGRAD_VECTOR_MATH_SEED"]) : longSamples === undefined ? 19 : Math.floor(Math.random() * 2 ** 31);

/** What each op's entry computes, in JavaScript: Math's function, or the op's recorded math with it. */
const references: Record<string, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sqrt: Math.sqrt,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

/** Values fixed by the functions' definitions (IEEE 754 and ECMAScript's Math), written by hand. */
const handValues: Record<string, readonly (readonly [number, number])[]> = {
  exp: [[0, 1], [-0, 1], [Infinity, Infinity], [-Infinity, 0], [NaN, NaN], [710, Infinity], [-746, 0], [-1e308, 0], [1e308, Infinity]],
  log: [[1, 0], [0, -Infinity], [-0, -Infinity], [-1, NaN], [-Number.MIN_VALUE, NaN], [-Infinity, NaN], [Infinity, Infinity], [NaN, NaN], [2, Math.LN2], [10, Math.LN10]],
  tanh: [[0, 0], [-0, -0], [Infinity, 1], [-Infinity, -1], [NaN, NaN], [30, 1], [-30, -1], [Number.MIN_VALUE, Number.MIN_VALUE], [-Number.MIN_VALUE, -Number.MIN_VALUE]],
  sqrt: [[0, 0], [-0, -0], [-1, NaN], [-Infinity, NaN], [Infinity, Infinity], [NaN, NaN], [4, 2], [2, Math.SQRT2]],
  sigmoid: [[0, 0.5], [-0, 0.5], [Infinity, 1], [-Infinity, 0], [NaN, NaN], [-1000, 0], [1000, 1]],
};

const entries = allOps().flatMap((op) => (op.vector ? [{ op: op.name, vector: op.vector }] : []));

/** f(x) for each x through the entry, in chunks of the runner's capacity. */
async function applyAll(entry: VectorEntry, xs: Float64Array): Promise<Float64Array> {
  const capacity = 1 << 16;
  const runner = await vectorRunner(entry, capacity);
  const out = new Float64Array(xs.length);
  for (let start = 0; start < xs.length; start += capacity) {
    const chunk = xs.subarray(start, start + capacity);
    runner.input.set(chunk);
    runner.run(chunk.length);
    out.set(runner.output.subarray(0, chunk.length), start);
  }
  return out;
}

/** The worst distance from the reference over xs, and every input whose special value differs. */
function compare(xs: Float64Array, ys: Float64Array, reference: (x: number) => number) {
  let worst = 0, worstAt = NaN;
  const wrongSpecials: string[] = [];
  xs.forEach((x, i) => {
    const want = reference(x), got = ys[i]!;
    if (Number.isNaN(want) || !Number.isFinite(want) || want === 0) {
      if (!Object.is(want, got)) wrongSpecials.push(`f(${x}) = ${Object.is(got, -0) ? "-0" : got}, Math gives ${Object.is(want, -0) ? "-0" : want}`);
      return;
    }
    const d = Number.isFinite(got) ? ulpDistance(got, want) : Infinity;
    if (d > worst) (worst = d), (worstAt = x);
  });
  return { worst, worstAt, wrongSpecials };
}

describe("vector entries against Math", () => {
  it("the table's vector entries: exp, log, tanh, sigmoid and sqrt, each with a reference here, names and provided functions unique", () => {
    expect(entries.map((e) => e.op).sort()).toEqual(Object.keys(references).sort());
    const names = entries.map((e) => e.vector.name);
    expect(new Set(names).size).toBe(names.length);
    const provided = entries.flatMap((e) => (e.vector.provides ? [e.vector.provides] : []));
    expect(new Set(provided).size).toBe(provided.length);
    expect(new Set<MathFunction>(provided)).toEqual(new Set<MathFunction>(["exp", "log", "tanh", "sqrt"]));
    for (const { vector } of entries) expect(vector.text.startsWith(`(func $${vector.name} (param $x v128) (result v128)`)).toBe(true);
  });

  for (const { op, vector } of entries) {
    const reference = references[op] ?? (() => NaN);

    it(`${op}: the hand values, exactly`, async () => {
      const cases = handValues[op] ?? [];
      expect(cases.length).toBeGreaterThan(4);
      const ys = await applyAll(vector, Float64Array.from(cases.map(([x]) => x)));
      const got = cases.map(([x], i) => [x, ys[i]!]);
      // Object.is through toEqual: NaN equals NaN, −0 differs from +0.
      expect(got).toEqual(cases.map(([x, y]) => [x, y]));
    });

    it(`${op}: within its stated ${vector.ulp} ulp of Math (sample seed ${seed}), Math's NaN, ±Infinity and ±0 exactly`, async () => {
      expect(vector.ulp).toBeLessThanOrEqual(2);
      const xs = vectorSamples(longSamples ?? 100_000, seed);
      const { worst, worstAt, wrongSpecials } = compare(xs, await applyAll(vector, xs), reference);
      expect(wrongSpecials.slice(0, 5)).toEqual([]);
      expect(worst, `${worst} ulp from Math at x = ${worstAt}`).toBeLessThanOrEqual(vector.ulp);
    }, longSamples === undefined ? 60_000 : 3_600_000);
  }

  it("a wrong entry is caught: exp with its last coefficient dropped is off by more than an ulp somewhere", async () => {
    const exp = entries.find((e) => e.op === "exp")!.vector;
    const broken: VectorEntry = { ...exp, text: exp.text.replace(/\(f64x2\.mul \(local\.get \$t\) \(v128\.const f64x2 [^)]*\)\)/, "(v128.const f64x2 0 0)") };
    expect(broken.text).not.toBe(exp.text);
    const xs = randomBitPatterns(20_000, 3).map((x) => x % 700);
    const { worst } = compare(xs, await applyAll(broken, xs), Math.exp);
    expect(worst).toBeGreaterThan(1);
  });
});
