// The two-layer RNN of issue 15 (dsl/rnn2.ts) and the suffix rule of src/batch-names.ts that names
// its states' keys (`h1` → `h1_0`, `h1_T`, never `h10`, which reads as step 10 of `h`):
//   - the interpreter against the independent reference of test/support/rnn2-reference.ts (loss,
//     final states, every gradient, 1e-12), the reference itself against finite differences of
//     its own loss;
//   - the generated lossAndGrad, both kernel kinds, at two small sizes and the defaults, against the
//     interpreter (1e-12) and central finite differences of its forward (1e-6);
//   - the keys at run time (batch, gradients, result, the generated module's interfaces) and in
//     types: a small program using the generated module and BatchOf/GradsOf/FinalStateOf of the
//     model type-checks under the TypeScript 6.0 API and tsc 7, and `h10`/`h1T` are refused;
//   - the rule itself: initialKey/finalKey, and traceModel still refusing keys that meet.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import rnn2 from "../dsl/rnn2.js";
import { randomArguments } from "../cli/random-arguments.js";
import { batchKeys, finalKey, initialKey } from "../src/batch-names.js";
import { add, defineModel, matmul, rng, softmaxCrossEntropy, tanh, valueAndGrad, type AnyMat, type AnyModel, type Mat } from "../src/index.js";
import { resolveSizes, traceModel } from "../src/trace-model.js";
import { generateAndImport, type GeneratedModule } from "./support/generated-module.js";
import { centralDiff, relErr } from "./support/numeric.js";
import { rnn2Loss, rnn2ParamNames, rnn2Reference, type Rnn2Batch, type Rnn2Params, type Rnn2Sizes } from "./support/rnn2-reference.js";
import { diagnosticsTs6, diagnosticsTsc7, repoRoot } from "./support/type-diagnostics.js";

const file = "dsl/rnn2.ts";
const gradKeys = [...rnn2ParamNames, "h1_0", "h2_0"];

// As test/gru-lstm.test.ts: two small sizes with every dim distinct, rows and columns off the
// generator's tiles, n = 1 and n > 1 (weights of standard deviation 0.5), and the defaults (0.1,
// about 1/√h, so that the recurrence is not chaotic), where a handful of entries are differenced.
const sizeCases: readonly { label: string; sizes: Partial<Rnn2Sizes>; everyEntry: boolean; seed: number; std: number }[] = [
  { label: "n=1 d=3 h=5 v=4 T=4", sizes: { n: 1, d: 3, h: 5, v: 4, T: 4 }, everyEntry: true, seed: 501, std: 0.5 },
  { label: "n=3 d=4 h=9 v=5 T=3", sizes: { n: 3, d: 4, h: 9, v: 5, T: 3 }, everyEntry: true, seed: 502, std: 0.5 },
  { label: "defaults", sizes: {}, everyEntry: false, seed: 503, std: 0.1 },
];

const kernelKinds = ["js", "simd"] as const;

function entriesToCheck(analytic: Float64Array, everyEntry: boolean, seed: number): number[] {
  if (everyEntry) return Array.from(analytic, (_, i) => i);
  let largest = 0;
  analytic.forEach((x, i) => Math.abs(x) > Math.abs(analytic[largest]!) && (largest = i));
  const random = rng(seed);
  const picked = new Set([largest]);
  while (picked.size < Math.min(4, analytic.length)) picked.add(Math.min(analytic.length - 1, Math.floor(random.uniform() * analytic.length)));
  return [...picked];
}

/** Central differences at steps 1e-3 and 5e-4, extrapolated (Richardson), as test/gru-lstm.test.ts. */
function centralDiffAt(f: () => number, x: Float64Array, entries: readonly number[]): Float64Array {
  return Float64Array.from(entries, (i) => {
    const view = x.subarray(i, i + 1);
    const coarse = centralDiff(f, view, 1e-3)[0]!;
    const fine = centralDiff(f, view, 5e-4)[0]!;
    return (4 * fine - coarse) / 3;
  });
}

function gradsLike(shapes: Readonly<Record<string, AnyMat>>): Record<string, AnyMat> {
  // Filled with garbage: lossAndGrad must overwrite, not add to, what is there.
  return Object.fromEntries(Object.entries(shapes).map(([k, m]) => [k, { ...m, data: new Float64Array(m.rows * m.cols).fill(123) }]));
}

describe("the suffix rule (src/batch-names.ts)", () => {
  it("puts an underscore before the suffix of a state whose name ends in a digit, and nowhere else", () => {
    expect([initialKey("h"), finalKey("h")]).toEqual(["h0", "hT"]);
    expect([initialKey("cell"), finalKey("cell")]).toEqual(["cell0", "cellT"]);
    expect([initialKey("h1"), finalKey("h1")]).toEqual(["h1_0", "h1_T"]);
    expect([initialKey("h10"), finalKey("h10")]).toEqual(["h10_0", "h10_T"]);
    expect([initialKey("h_"), finalKey("h_")]).toEqual(["h_0", "h_T"]);
  });

  // A model with the given states (each updated from x alone) and extra parameters, to trace.
  const withStates = (state: Record<string, readonly [string, string]>, params: Record<string, readonly [string | number, string | number]> = {}): AnyModel =>
    (defineModel as unknown as (spec: object) => AnyModel)({
      name: "collide",
      dims: { n: 1, d: 2, h: 3, v: 2, T: 2 },
      params: { U: ["d", "h"], V: ["h", "v"], ...params },
      inputs: { x: ["n", "d"] },
      targets: { y: ["n", "v"] },
      state,
      sequence: { steps: "T", stacked: "Tn" },
      meanOver: ["T", "n"],
      step({ U, V }: { U: Mat<"d", "h">; V: Mat<"h", "v"> }, { x, y }: { x: Mat<"n", "d">; y: Mat<"n", "v"> }, s: Record<string, Mat<"n", "h">>) {
        const next = Object.fromEntries(Object.keys(s).map((k) => [k, tanh(add(matmul(x, U), s[k]!))]));
        const o = matmul(Object.values(next)[0]!, V);
        return { loss: softmaxCrossEntropy(o, y), state: next, output: o };
      },
    });

  it("traceModel still refuses derived keys that meet, in the batch, the gradients and the result", () => {
    // `h1` and `h1_` both start from h1_0 and end as h1_T.
    expect(() => traceModel(withStates({ h1: ["n", "h"], h1_: ["n", "h"] }))).toThrow(/two entries named "h1_0"/);
    // A parameter named like a state's initial key meets it among the gradients.
    expect(() => traceModel(withStates({ h1: ["n", "h"] }, { h1_0: [1, "h"] }))).toThrow(/gradients would have two entries named "h1_0"/);
    expect(() => traceModel(withStates({ h: ["n", "h"] }, { h0: [1, "h"] }))).toThrow(/gradients would have two entries named "h0"/);
  });

  it("keeps apart the keys the old rule merged: states `h` and `h0`, a state `h1` beside a parameter `h10`", () => {
    // Under `${name}0` the state h0 would start from h00, and h1's h10 would meet the parameter h10.
    const a = traceModel(withStates({ h: ["n", "h"], h0: ["n", "h"] }));
    expect(batchKeys(a).state.map((s) => s.key)).toEqual(["h0", "h0_0"]);
    const b = traceModel(withStates({ h1: ["n", "h"] }, { h10: [1, "h"] }));
    expect(batchKeys(b).state.map((s) => s.key)).toEqual(["h1_0"]);
  });
});

describe("rnn2: keys at run time", () => {
  const ir = traceModel(rnn2, { n: 2, d: 3, h: 4, v: 5, T: 3 });

  it("batch xs ys h1_0 h2_0, gradients the parameters and h1_0 h2_0, result loss h1_T h2_T", async () => {
    const { params, batch } = randomArguments(ir, 7);
    expect(Object.keys(batch).sort()).toEqual(["h1_0", "h2_0", "xs", "ys"]);
    const oracle = valueAndGrad(rnn2, { n: 2, d: 3, h: 4, v: 5, T: 3 })(params as never, batch as never) as unknown as Record<string, unknown> & { grads: Record<string, AnyMat> };
    expect(Object.keys(oracle).sort()).toEqual(["grads", "h1_T", "h2_T", "loss"]);
    expect(Object.keys(oracle.grads).sort()).toEqual([...gradKeys].sort());
    const { module } = await generateAndImport(rnn2, { n: 2, d: 3, h: 4, v: 5, T: 3 }, file);
    const grads = gradsLike({ ...params, h1_0: batch["h1_0"]!, h2_0: batch["h2_0"]! });
    expect(Object.keys(module.lossAndGrad(params, batch, grads)).sort()).toEqual(["h1_T", "h2_T", "loss"]);
    expect(Object.keys(module.forward(params, batch)).sort()).toEqual(["h1_T", "h2_T", "loss"]);
  });

  it("the committed module's interfaces name h1_0, h2_0, h1_T, h2_T and never h10, h20, h1T, h2T", () => {
    const source = readFileSync(join(repoRoot, "generated/rnn2.ts"), "utf8");
    expect(source).toMatch(/export interface Batch \{[^}]*readonly h1_0: Mat<"n", "h">;[^}]*readonly h2_0: Mat<"n", "h">;/);
    expect(source).toMatch(/export interface Grads \{[^}]*readonly h1_0: Mat<"n", "h">;[^}]*readonly h2_0: Mat<"n", "h">;/);
    expect(source).toMatch(/export interface Result \{[^}]*readonly h1_T: Mat<"n", "h">;[^}]*readonly h2_T: Mat<"n", "h">;/);
    expect(source).not.toMatch(/\b(h10|h20|h1T|h2T)\b/);
  });
});

describe("rnn2: the reference", () => {
  it("its gradients agree with central differences of its own loss (1e-6)", () => {
    const s = { n: 2, d: 3, h: 4, v: 3, T: 3 };
    const ir = traceModel(rnn2, s);
    const { params, batch } = randomArguments(ir, 11, 0.5);
    const p = Object.fromEntries(rnn2ParamNames.map((k) => [k, Float64Array.from(params[k]!.data)])) as unknown as Rnn2Params;
    const b = Object.fromEntries(Object.entries(batch).map(([k, m]) => [k, Float64Array.from(m.data)])) as unknown as Rnn2Batch;
    const { grads } = rnn2Reference(s, p, b);
    const all = { ...p, h1_0: b.h1_0, h2_0: b.h2_0 } as Record<string, Float64Array>;
    for (const key of gradKeys) {
      const x = all[key]!;
      const numeric = Float64Array.from(x, (_, i) => {
        const view = x.subarray(i, i + 1);
        return (4 * centralDiff(() => rnn2Loss(s, p, b), view, 5e-4)[0]! - centralDiff(() => rnn2Loss(s, p, b), view, 1e-3)[0]!) / 3;
      });
      expect(relErr((grads as unknown as Record<string, Float64Array>)[key]!, numeric), key).toBeLessThan(1e-6);
    }
  });
});

describe.each(sizeCases)("rnn2 at $label", ({ sizes, everyEntry, seed, std }) => {
  const full = resolveSizes(rnn2, sizes) as unknown as Rnn2Sizes;
  const ir = traceModel(rnn2, sizes);
  const { params, batch } = randomArguments(ir, seed, std);
  const oracle = valueAndGrad(rnn2, sizes as never)(params as never, batch as never) as unknown as { loss: number; grads: Record<string, AnyMat> } & Record<string, AnyMat>;

  it("the interpreter agrees with the independent reference: loss, final states, every gradient (1e-12)", () => {
    const p = Object.fromEntries(rnn2ParamNames.map((k) => [k, params[k]!.data])) as unknown as Rnn2Params;
    const b = Object.fromEntries(Object.entries(batch).map(([k, m]) => [k, m.data])) as unknown as Rnn2Batch;
    const ref = rnn2Reference(full, p, b);
    expect(Math.abs(oracle.loss - ref.loss) / ref.loss).toBeLessThan(1e-12);
    expect(relErr(oracle["h1_T"]!.data, ref.h1_T), "h1_T").toBeLessThan(1e-12);
    expect(relErr(oracle["h2_T"]!.data, ref.h2_T), "h2_T").toBeLessThan(1e-12);
    expect(Object.keys(oracle.grads).sort()).toEqual([...gradKeys].sort());
    const refGrads = ref.grads as unknown as Record<string, Float64Array>;
    for (const key of gradKeys) {
      expect(Math.max(...Array.from(refGrads[key]!, Math.abs)), `∂L/∂${key} is not all zero`).toBeGreaterThan(1e-8);
      expect(relErr(oracle.grads[key]!.data, refGrads[key]!), key).toBeLessThan(1e-12);
    }
  });

  it.each(kernelKinds)("generated lossAndGrad (%s) agrees with the interpreter (1e-12) and with finite differences of its forward (1e-6)", async (kernels) => {
    // At the defaults the "js" module is the committed one in generated/ (`generate --check` keeps it current).
    const module = everyEntry || kernels === "simd" ? (await generateAndImport(rnn2, sizes, file, kernels)).module : ((await import("../generated/rnn2.js")) as unknown as GeneratedModule["module"]);
    expect(module.sizes).toEqual({ ...full });
    const inputs: Record<string, AnyMat> = { ...params, h1_0: batch["h1_0"]!, h2_0: batch["h2_0"]! };
    const grads = gradsLike(inputs);
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const key of ["h1_T", "h2_T"]) expect(relErr(result[key]!.data, oracle[key]!.data), key).toBeLessThan(1e-12);
    expect(module.forward(params, batch).loss).toBe(result.loss);
    for (const key of gradKeys) {
      const analytic = grads[key]!.data;
      expect(relErr(analytic, oracle.grads[key]!.data), key).toBeLessThan(1e-12);
      const entries = entriesToCheck(analytic, everyEntry, seed * 31 + gradKeys.indexOf(key));
      const numeric = centralDiffAt(() => module.forward(params, batch).loss, inputs[key]!.data, entries);
      expect(relErr(entries.map((i) => analytic[i]!), numeric), `∂L/∂${key} at entries ${entries.join(", ")}`).toBeLessThan(1e-6);
    }
  });
});

describe("rnn2: keys in types", () => {
  // A small program against the committed module and the model's types; `@ts-expect-error` lines
  // must be errors (an unused one is itself an error), every other line must check.
  const dir = mkdtempSync(join(tmpdir(), "shapegrad-rnn2-types-"));
  const at = (path: string) => JSON.stringify(join(repoRoot, path));
  writeFileSync(
    join(dir, "program.ts"),
    `import { lossAndGrad, forward, type Batch, type Grads, type Params, type Result } from ${at("generated/rnn2.js")};
import rnn2 from ${at("dsl/rnn2.js")};
import type { BatchOf, FinalStateOf, GradsOf } from ${at("src/index.js")};

type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
export const batchKeys: Equal<keyof Batch, "xs" | "ys" | "h1_0" | "h2_0"> = true;
export const gradKeys: Equal<keyof Grads, "U1" | "W1" | "b1" | "U2" | "W2" | "b2" | "V" | "c" | "h1_0" | "h2_0"> = true;
export const resultKeys: Equal<keyof Result, "loss" | "h1_T" | "h2_T"> = true;
export const batchOfKeys: Equal<keyof BatchOf<typeof rnn2>, "xs" | "ys" | "h1_0" | "h2_0"> = true;
export const gradsOfKeys: Equal<Exclude<keyof GradsOf<typeof rnn2>, "U1" | "W1" | "b1" | "U2" | "W2" | "b2" | "V" | "c">, "h1_0" | "h2_0"> = true;
export const finalKeys: Equal<keyof FinalStateOf<typeof rnn2>, "h1_T" | "h2_T"> = true;

export function step(params: Params, batch: Batch, grads: Grads): number {
  const r = lossAndGrad(params, batch, grads);
  const next: Batch = { ...batch, h1_0: r.h1_T, h2_0: r.h2_T };
  const typed: BatchOf<typeof rnn2> = next;
  const g: GradsOf<typeof rnn2> = grads;
  const f: FinalStateOf<typeof rnn2> = forward(params, typed);
  // @ts-expect-error: the old rule's key, which reads as step 10 of h
  void batch.h10;
  // @ts-expect-error: no h1T either
  void r.h1T;
  return r.loss + g.h1_0.data[0]! + f.h2_T.data[0]!;
}
`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", types: [], skipLibCheck: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true }, include: ["program.ts"] }),
  );

  it("a program using h1_0, h2_0, h1_T, h2_T type-checks under the TypeScript 6.0 API, and h10, h1T are refused", () => {
    expect(diagnosticsTs6(join(dir, "tsconfig.json"))).toEqual([]);
  });
  it("and under tsc 7", async () => {
    expect(await diagnosticsTsc7(join(dir, "tsconfig.json"))).toEqual([]);
  });
});
