// The attention model (dsl/attention.ts): its generated lossAndGrad against the interpreter (1e-12)
// and against central finite differences of its own forward (1e-6), for both kernel kinds, at two
// small sizes and the defaults; the interpreter's loss against an independent reference in plain
// loops (1e-12) and its gradients against finite differences; and the causal property: a later
// character never changes an earlier row's logits.
import { describe, expect, it } from "vitest";
import attention from "../dsl/attention.js";
import { dim, mat, rng, valueAndGrad, type AnyMat, type BatchOf, type ParamsOf, type Rng } from "../src/index.js";
import { interpret } from "../src/interpret.js";
import { traceModel } from "../src/trace-model.js";
import { attentionReference, type AttentionParams, type AttentionSizes } from "./support/attention-reference.js";
import { generateAndImport } from "./support/generated-module.js";
import { centralDiff, distributionRows, oneHotRows, relErr } from "./support/numeric.js";

type Params = ParamsOf<typeof attention>;
type Batch = BatchOf<typeof attention>;

const defaults: AttentionSizes = { ...attention.spec.dims };
const paramNames = Object.keys(attention.spec.params) as (keyof Params & string)[];

function normals(count: number, random: Rng, std: number, mean = 0): Float64Array {
  return Float64Array.from({ length: count }, () => mean + std * random.normal());
}

/**
 * Seeded parameters and one sequence: weights with std 1/√fan-in (so the scores neither vanish nor
 * saturate the softmax), gains near 1, biases and embeddings near 0; targets one-hot or distributions.
 */
function fixture(s: AttentionSizes, seed: number, targets: "oneHot" | "distribution"): { params: Params; batch: Batch } {
  const random = rng(seed);
  const T = dim("T", s.T), v = dim("v", s.v), d = dim("d", s.d), k = dim("k", s.k), m = dim("m", s.m);
  const weights = (rows: number, cols: number) => normals(rows * cols, random, 1 / Math.sqrt(rows));
  const gain = () => mat(1, d, normals(s.d, random, 0.2, 1));
  const bias = (count: number) => normals(count, random, 0.2);
  const params: Params = {
    E: mat(v, d, normals(s.v * s.d, random, 0.5)),
    P: mat(T, d, normals(s.T * s.d, random, 0.5)),
    gain1: gain(),
    bias1: mat(1, d, bias(s.d)),
    Wq: mat(d, k, weights(s.d, s.k)),
    Wk: mat(d, k, weights(s.d, s.k)),
    Wv: mat(d, k, weights(s.d, s.k)),
    Wo: mat(k, d, weights(s.k, s.d)),
    gain2: gain(),
    bias2: mat(1, d, bias(s.d)),
    W1: mat(d, m, weights(s.d, s.m)),
    b1: mat(1, m, bias(s.m)),
    W2: mat(m, d, weights(s.m, s.d)),
    b2: mat(1, d, bias(s.d)),
    gain3: gain(),
    bias3: mat(1, d, bias(s.d)),
    Wout: mat(d, v, weights(s.d, s.v)),
    bout: mat(1, v, bias(s.v)),
  };
  const x = Float64Array.from({ length: s.T }, () => Math.floor(random.uniform() * s.v));
  const y = targets === "oneHot" ? oneHotRows(s.T, s.v, random) : distributionRows(s.T, s.v, random);
  return { params, batch: { x: mat(T, 1, x), y: mat(T, v, y) } };
}

function referenceParams(params: Params): AttentionParams {
  return Object.fromEntries(paramNames.map((name) => [name, params[name].data])) as unknown as AttentionParams;
}

function gradsLike(params: Params): Record<string, AnyMat> {
  // Filled with garbage: lossAndGrad must overwrite, not add to, what is there.
  return Object.fromEntries(paramNames.map((name) => [name, { ...params[name], data: new Float64Array(params[name].data.length).fill(123) }]));
}

/** Central differences of f at a few entries of x (the others left 0 in both arrays compared). */
function centralDiffAt(f: () => number, x: Float64Array, entries: readonly number[], eps = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  for (const i of entries) {
    const saved = x[i]!;
    x[i] = saved + eps;
    const plus = f();
    x[i] = saved - eps;
    const minus = f();
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

const pick = (values: Float64Array, entries: readonly number[]) => Float64Array.from(entries, (i) => values[i]!);

const configs = [
  { label: "small", sizes: { T: 3, v: 5, d: 4, k: 2, m: 6 }, seed: 31, targets: "distribution" as const, everyEntry: true },
  { label: "small", sizes: { T: 6, v: 7, d: 5, k: 3, m: 9 }, seed: 32, targets: "oneHot" as const, everyEntry: true },
  { label: "default", sizes: defaults, seed: 33, targets: "oneHot" as const, everyEntry: false },
];

describe.each(configs)("attention at $label sizes T=$sizes.T v=$sizes.v d=$sizes.d k=$sizes.k m=$sizes.m", ({ sizes, seed, targets, everyEntry }) => {
  const { params, batch } = fixture(sizes, seed, targets);
  const oracle = valueAndGrad(attention, sizes)(params, batch);

  it("the interpreter's loss equals an independent reference in plain loops (1e-12)", () => {
    const reference = attentionReference(sizes, referenceParams(params), { x: batch.x.data, y: batch.y.data });
    expect(Math.abs(oracle.loss - reference.loss) / reference.loss).toBeLessThan(1e-12);
  });

  it.each(["js", "simd"] as const)("generated lossAndGrad (%s) matches the interpreter (1e-12) and central differences of its own forward (1e-6)", async (kernels) => {
    const { module, source } = await generateAndImport(attention, sizes, "dsl/attention.ts", kernels);
    // The one-hot product x E is a row gather of E, and its gradient a scatter-add into E's rows.
    expect(source).toMatch(/= param_E\[c\d* \* \d+ \+ j\d*\]!;/);
    expect(source).toMatch(/grad_E\[c\d* \* \d+ \+ j\d*\]! \+=/);
    const grads = gradsLike(params);
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    expect(module.forward(params, batch).loss).toBe(result.loss);
    const loss = () => module.forward(params, batch).loss;
    for (const name of paramNames) {
      const grad = grads[name]!.data;
      expect(relErr(grad, oracle.grads[name].data), name).toBeLessThan(1e-12);
      const x = params[name].data;
      if (everyEntry) {
        expect(relErr(grad, centralDiff(loss, x)), name).toBeLessThan(1e-6);
      } else {
        // A handful of entries per parameter: the first, two inside, the last; for E, entries of the rows the sequence reads.
        const entries = name === "E" ? [0, 1, sizes.d - 1].map((j) => batch.x.data[0]! * sizes.d + j).concat([batch.x.data[sizes.T - 1]! * sizes.d]) : [0, Math.floor(x.length / 3), Math.floor((2 * x.length) / 3), x.length - 1];
        const numeric = centralDiffAt(loss, x, entries);
        expect(relErr(pick(grad, entries), pick(numeric, entries)), name).toBeLessThan(1e-6);
      }
    }
  });
});

describe("the attention model in the interpreter", () => {
  it("has every parameter's gradient equal to central differences of its loss (1e-6)", () => {
    const sizes = { T: 4, v: 6, d: 5, k: 3, m: 7 };
    const { params, batch } = fixture(sizes, 41, "distribution");
    const run = valueAndGrad(attention, sizes);
    const { grads } = run(params, batch);
    for (const name of paramNames) {
      const numeric = centralDiff(() => run(params, batch).loss, params[name].data);
      expect(relErr(grads[name].data, numeric), name).toBeLessThan(1e-6);
    }
  });

  it.each([1, 3, 7])("is causal: changing the character at row %i leaves every earlier row's logits unchanged (interpreter and reference)", (row) => {
    const sizes = { T: 8, v: 9, d: 6, k: 4, m: 5 };
    const { params, batch } = fixture(sizes, 50 + row, "oneHot");
    const ir = traceModel(attention, sizes);
    const changed: Batch = { ...batch, x: mat(dim("T", sizes.T), 1, batch.x.data.map((c, t) => (t === row ? (c + 1) % sizes.v : c))) };
    const logits = (b: Batch) => interpret(ir, params, b, false).outputs[0]!.data;
    const before = logits(batch), after = logits(changed);
    const reference = (b: Batch) => attentionReference(sizes, referenceParams(params), { x: b.x.data, y: b.y.data }).logits;
    const refBefore = reference(batch), refAfter = reference(changed);
    const earlier = row * sizes.v;
    // Bit for bit: the masked weights are exactly 0, so nothing of a later row reaches an earlier one.
    expect(after.subarray(0, earlier)).toEqual(before.subarray(0, earlier));
    expect(refAfter.subarray(0, earlier)).toEqual(refBefore.subarray(0, earlier));
    // The changed row and those after it do change, so the check above is not vacuous.
    for (let t = row; t < sizes.T; t++) {
      expect(after.subarray(t * sizes.v, (t + 1) * sizes.v), `row ${t}`).not.toEqual(before.subarray(t * sizes.v, (t + 1) * sizes.v));
    }
    expect(relErr(before, refBefore)).toBeLessThan(1e-12);
    expect(relErr(after, refAfter)).toBeLessThan(1e-12);
  });
});
