// Generated code against the interpreter (the oracle, 1e-12) and against central finite
// differences (1e-6), for the RNN and the MLP at several sizes; and its contract: sizes checked at
// the call, grads overwritten, deterministic output.
import { describe, expect, it } from "vitest";
import mlp from "../dsl/mlp.js";
import rnn from "../dsl/rnn.js";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSource } from "../codegen/generate.js";
import { loadModel } from "../codegen/load-model.js";
import { specialize } from "../codegen/specialize.js";
import { productTile } from "../src/ops/matmul-simd.js";
import { Project } from "ts-morph";
import { add, defineModel, matmul, mul, named, scale, softmaxCrossEntropy, tanh, valueAndGrad, zeros, type AnyMat } from "../src/index.js";
import { traceModel } from "../src/trace-model.js";
import { randomArguments } from "../cli/random-arguments.js";
import { generateAndImport } from "./support/generated-module.js";
import { centralDiff, relErr } from "./support/numeric.js";
import type { RnnSizes } from "./support/rnn-reference.js";
import { mlpFixture, rnnFixture, type FixtureOptions } from "./support/rnn-fixture.js";

function gradsLike(shapes: Readonly<Record<string, AnyMat>>): Record<string, AnyMat> {
  // Filled with garbage: lossAndGrad must overwrite, not add to, what is there.
  return Object.fromEntries(Object.entries(shapes).map(([k, m]) => [k, { ...m, data: new Float64Array(m.rows * m.cols).fill(123) }]));
}

const rnnConfigs: { sizes: RnnSizes; options: FixtureOptions }[] = [
  { sizes: { n: 1, d: 5, h: 4, v: 5, T: 1 }, options: { seed: 11, targets: "oneHot", inputs: "oneHot" } },
  { sizes: { n: 3, d: 4, h: 5, v: 3, T: 4 }, options: { seed: 12, targets: "distribution", inputs: "dense" } },
  { sizes: { n: 2, d: 3, h: 6, v: 4, T: 7 }, options: { seed: 13, targets: "oneHot", inputs: "dense" } },
  { sizes: { n: 1, d: 7, h: 3, v: 2, T: 2 }, options: { seed: 14, targets: "distribution", inputs: "oneHot" } },
];

// Every check runs on both kinds of generated code: JavaScript loops, and products as WebAssembly SIMD kernels.
const kernelKinds = ["js", "simd"] as const;
const withKernels = <T extends object>(configs: readonly T[]) => configs.flatMap((c) => kernelKinds.map((kernels) => ({ ...c, kernels })));

describe.each(withKernels(rnnConfigs))("generated RNN ($kernels) n=$sizes.n d=$sizes.d h=$sizes.h v=$sizes.v T=$sizes.T ($options.targets, $options.inputs)", ({ sizes, options, kernels }) => {
  const { params, batch } = rnnFixture(sizes, options);
  const oracle = valueAndGrad(rnn, sizes)(params, batch);

  it("matches the interpreter: loss, final state and every gradient (1e-12)", async () => {
    const { module } = await generateAndImport(rnn, sizes, undefined, kernels);
    const grads = gradsLike({ ...params, h0: batch.h0 });
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    expect(relErr(result["hT"]!.data, oracle.hT.data)).toBeLessThan(1e-12);
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) expect(relErr(grads[key]!.data, oracle.grads[key].data), key).toBeLessThan(1e-12);
    expect(module.forward(params, batch).loss).toBe(result.loss);
  });

  it("matches central finite differences of its own forward (1e-6)", async () => {
    const { module } = await generateAndImport(rnn, sizes, undefined, kernels);
    const grads = gradsLike({ ...params, h0: batch.h0 });
    module.lossAndGrad(params, batch, grads);
    const inputs: Record<string, AnyMat> = { ...params, h0: batch.h0 };
    for (const key of ["U", "W", "b", "V", "c", "h0"]) {
      const numeric = centralDiff(() => module.forward(params, batch).loss, inputs[key]!.data);
      expect(relErr(grads[key]!.data, numeric), key).toBeLessThan(1e-6);
    }
  });
});

// Sizes around the generator's tiles (4 rows × 8 deep): remainders of every size, and none; and
// products of 16 rows or more, whose b is repacked in groups of eight rows first (per step with
// n ≥ 16, over all steps' rows with T·n ≥ 16): whole groups and leftover rows, and none. The SIMD
// kernels' tiles (1 or 2 rows × 8 or 10 columns) pad rows and columns: odd n, h and v pad, h = 10,
// 20 and 8 do not, and a row length of 512 doubles gets a tile more.
describe.each(withKernels([
  { n: 16, d: 3, h: 9, v: 5, T: 2 },
  { n: 17, d: 17, h: 8, v: 2, T: 1 },
  { n: 1, d: 9, h: 17, v: 7, T: 20 },
  { n: 1, d: 1, h: 1, v: 2, T: 2 },
  { n: 2, d: 3, h: 3, v: 5, T: 2 },
  { n: 3, d: 5, h: 5, v: 4, T: 3 },
  { n: 1, d: 17, h: 17, v: 6, T: 2 },
  { n: 5, d: 8, h: 17, v: 9, T: 2 },
  { n: 7, d: 12, h: 9, v: 11, T: 3 },
  { n: 1, d: 4, h: 10, v: 20, T: 3 },
  { n: 2, d: 5, h: 3, v: 512, T: 1 },
].map((sizes) => ({ sizes }))))("generated RNN ($kernels) at remainder sizes n=$sizes.n d=$sizes.d h=$sizes.h v=$sizes.v T=$sizes.T", ({ sizes, kernels }) => {
  it("matches the interpreter (1e-12) and finite differences (1e-6)", async () => {
    const { params, batch } = rnnFixture(sizes, { seed: sizes.h * 7 + sizes.d, targets: "distribution", inputs: "dense" });
    const oracle = valueAndGrad(rnn, sizes)(params, batch);
    const { module } = await generateAndImport(rnn, sizes, undefined, kernels);
    const grads = gradsLike({ ...params, h0: batch.h0 });
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    const inputs: Record<string, AnyMat> = { ...params, h0: batch.h0 };
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) {
      expect(relErr(grads[key]!.data, oracle.grads[key].data), key).toBeLessThan(1e-12);
      const numeric = centralDiff(() => module.forward(params, batch).loss, inputs[key]!.data);
      expect(relErr(grads[key]!.data, numeric), key).toBeLessThan(1e-6);
    }
  });
});

// Products whose b passes 512 KB run their SIMD tiles panel by panel of b's columns (the outer
// loop), smaller ones row by row: both orders, with padded rows and columns, against the
// interpreter (finite differences at these sizes would take minutes; the sizes above cover them).
describe.each([
  { n: 3, d: 5, h: 300, v: 7, T: 2 },
  { n: 2, d: 700, h: 190, v: 3, T: 1 },
])("generated RNN (simd) with b of more than 512 KB n=$n d=$d h=$h v=$v T=$T", (sizes) => {
  it("matches the interpreter (1e-12)", async () => {
    const { params, batch } = rnnFixture(sizes, { seed: 21, targets: "distribution", inputs: "dense" });
    const oracle = valueAndGrad(rnn, sizes)(params, batch);
    // H·W at h = 300 (b 730 KB) and X·U at d = 700 (1.1 MB) run by panels; H·W at h = 190 by rows.
    expect([productTile(3, 300, 300).order, productTile(2, 700, 190).order, productTile(2, 190, 190).order]).toEqual(["panels", "panels", "rows"]);
    const { module } = await generateAndImport(rnn, sizes, undefined, "simd");
    const grads = gradsLike({ ...params, h0: batch.h0 });
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) expect(relErr(grads[key]!.data, oracle.grads[key].data), key).toBeLessThan(1e-12);
  });
});

describe.each(withKernels([
  { sizes: { n: 1, d: 3, h: 4, v: 2 }, targets: "oneHot" as const, seed: 15 },
  { sizes: { n: 6, d: 4, h: 5, v: 3 }, targets: "distribution" as const, seed: 16 },
  { sizes: { n: 5, d: 2, h: 7, v: 4 }, targets: "oneHot" as const, seed: 17 },
]))("generated MLP ($kernels) n=$sizes.n d=$sizes.d h=$sizes.h v=$sizes.v ($targets)", ({ sizes, targets, seed, kernels }) => {
  const { params, batch } = mlpFixture(sizes, { seed, targets });
  const oracle = valueAndGrad(mlp, sizes)(params, batch);

  it("matches the interpreter (1e-12) and finite differences (1e-6)", async () => {
    const { module } = await generateAndImport(mlp, sizes, undefined, kernels);
    const grads = gradsLike(params);
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const key of ["W1", "b1", "W2", "b2"] as const) {
      expect(relErr(grads[key]!.data, oracle.grads[key].data), key).toBeLessThan(1e-12);
      const numeric = centralDiff(() => module.forward(params, batch).loss, params[key].data);
      expect(relErr(grads[key]!.data, numeric), key).toBeLessThan(1e-6);
    }
  });
});

describe("the generated module's contract", () => {
  const sizes = { n: 2, d: 3, h: 4, v: 3, T: 3 };
  it("checks every argument's size at the call, naming it and both sizes", async () => {
    const { module } = await generateAndImport(rnn, sizes);
    const { params, batch } = rnnFixture(sizes, { seed: 1, targets: "oneHot", inputs: "dense" });
    expect(() => module.forward({ ...params, U: zeros(4, 3) }, batch)).toThrow(new RangeError("forward: params.U must be d×h = 3×4, got 4×3 with 12 numbers"));
    expect(() => module.forward(params, { ...batch, xs: zeros(5, 3) })).toThrow(/forward: batch\.xs must be Tn×d = 6×3, got 5×3/);
    expect(() => module.lossAndGrad(params, batch, { ...gradsLike({ ...params, h0: batch.h0 }), h0: zeros(2, 5) })).toThrow(/lossAndGrad: grads\.h0 must be n×h = 2×4, got 2×5/);
    expect(() => module.forward({ ...params, W: undefined }, batch)).toThrow(TypeError);
  });
  it("is deterministic: the same model and sizes give byte-identical source", async () => {
    const a = await generateSource(rnn, { sizes, source: "dsl/rnn.ts", generator: "shapegrad test" });
    const b = await generateSource(rnn, { sizes, source: "dsl/rnn.ts", generator: "shapegrad test" });
    expect(a).toBe(b);
    expect(a).toContain("Model rnn at n=2 d=3 h=4 v=3 T=3 (Tn = 6)");
    const simd = () => generateSource(rnn, { sizes, source: "dsl/rnn.ts", generator: "shapegrad test", kernels: "simd" });
    expect(await simd()).toBe(await simd());
  });
  it("is deterministic with SIMD kernels for every model in dsl/, at its own sizes", async () => {
    for (const file of readdirSync("dsl").filter((f) => f.endsWith(".ts")).sort()) {
      const model = await loadModel(join("dsl", file));
      const once = () => generateSource(model, { source: `dsl/${file}`, generator: "shapegrad test", kernels: "simd" });
      expect(await once(), file).toBe(await once());
    }
  }, 120_000);
  it("refuses sizes whose buffers would exceed 2 GiB, before emitting anything", async () => {
    await expect(generateSource(rnn, { sizes: { n: 64, h: 8192, T: 1000 }, source: "dsl/rnn.ts", generator: "t" })).rejects.toThrow(
      /dsl\/rnn\.ts: at n=64 d=65 h=8192 v=65 T=1000 the generated buffers would take [\d.]+ GiB, over the 2\.00 GiB limit \(largest: state h/,
    );
  });
  it("refuses SIMD kernels whose memory, with the other buffers, would exceed 2 GiB, naming both and the way out (specialize too)", async () => {
    const sizes = { n: 64, h: 2048, T: 490 };
    const message = /at n=64 d=65 h=2048 v=65 T=490 the SIMD kernels' memory would take 2\.\d\d GiB \(the module's buffers [12]\.\d\d GiB and the products' operands copied 0\.\d\d GiB\), over the 2\.00 GiB limit; --kernels js needs no copies/;
    await expect(generateSource(rnn, { sizes, source: "dsl/rnn.ts", generator: "t", kernels: "simd" })).rejects.toThrow(message);
    // specialize() generates in a child process: the refusal comes back as the same GenerateError, which the CLI prints as it is.
    const cacheDir = mkdtempSync(join(tmpdir(), "shapegrad-refusal-"));
    // specialize() runs n = 64 as two chunks (threads): its own budget check may come first, with its own line.
    const either = /at n=64 d=65 h=2048 v=65 T=490 (the SIMD kernels' memory would take|on \d threads the buffers would take) \d\.\d\d GiB \(.*\), over the 2\.00 GiB limit; (--kernels js needs no copies|fewer threads need less)/;
    await expect(specialize(rnn, sizes, { cacheDir })).rejects.toThrow(expect.objectContaining({ name: "GenerateError", message: expect.stringMatching(either) }));
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
  });
  it("generates h=1024 and T=1000, with code whose size does not grow with T", async () => {
    const at = (T: number) => generateSource(rnn, { sizes: { h: 1024, T }, source: "dsl/rnn.ts", generator: "t" });
    const [t25, t1000, t2000] = await Promise.all([at(25), at(1000), at(2000)]);
    // Same remainders of the tiles over T·n rows (T a multiple of 8): only the digits of the sizes differ.
    expect(Math.abs(t2000.length - t1000.length)).toBeLessThan(100);
    // Other T add at most the remainder loops of the tiles.
    expect(t1000.length).toBeLessThan(1.2 * t25.length);
  });
});

// Names come from the model, so a model can name its values after the module's own identifiers,
// the globals its code reads, the locals of its loops and its gradients (dU): every name stays
// apart. (A parameter's own name, or a reserved word such as NaN, is refused when traced.)
describe("names in generated code", () => {
  const traps = defineModel({
    name: "traps",
    dims: { n: 2, d: 3, h: 5, v: 4, T: 3 },
    params: { U: ["d", "h"], W: ["h", "h"], b1: [1, "h"], V: ["h", "v"], c: [1, "v"] },
    inputs: { x: ["n", "d"] },
    targets: { y: ["n", "v"] },
    state: { h: ["n", "h"] },
    sequence: { steps: "T", stacked: "Tn" },
    meanOver: ["T", "n"],
    step({ U, W, b1, V, c }, { x, y }, { h }) {
      const a = named("Hprev", add(add(named("Math", matmul(x, U)), named("t", matmul(h, W))), named("Number", scale(b1, 1))));
      const hNext = named("i", tanh(a));
      const hidden = named("sum1", mul(named("scratch", tanh(hNext)), named("Float64Array", tanh(a))));
      const o = named("Loss", add(named("Math", matmul(hidden, V)), named("dU", scale(c, 2))));
      return { loss: softmaxCrossEntropy(named("kernels", o), y), state: { h: named("loss", hNext) }, output: o };
    },
  });

  it.each(["js", "simd"] as const)("a model whose labels are the module's identifiers, globals and locals (%s) type-checks and matches the interpreter (1e-12)", async (kernels) => {
    const ir = traceModel(traps, {});
    const { params, batch, grads } = randomArguments(ir, 5);
    const { source, module } = await generateAndImport(traps, {}, "dsl/traps.ts", kernels);
    // Labels the module's own names would take get a suffix (`Math_2`); lowercase ones are capitalized (`Scratch`).
    expect(source).not.toMatch(/^const (Math|Number|Float64Array|t|loss) =/m);
    expect(source).toMatch(/^const Math_2 = /m);
    const oracle = valueAndGrad(traps, {})(params as never, batch as never) as unknown as { loss: number; grads: Record<string, AnyMat>; hT: AnyMat };
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    expect(relErr(result["hT"]!.data, oracle.hT.data)).toBeLessThan(1e-12);
    for (const key of ["U", "W", "b1", "V", "c", "h0"]) expect(relErr(grads[key]!.data, oracle.grads[key]!.data), key).toBeLessThan(1e-12);
    const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { strict: true, noUncheckedIndexedAccess: true, target: 9, module: 99, lib: ["lib.es2022.d.ts"] } });
    project.createSourceFile("traps.ts", source);
    expect(project.getPreEmitDiagnostics().map((d) => String(d.getMessageText()))).toEqual([]);
  });
});

// Adagrad's ε is the generated step's last argument (1e-12 when left out): each entry, by hand,
// m' = m + clip(g)², p' = p − lr·clip(g)/√(m' + ε).
describe("adagradStep's epsilon", () => {
  it.each([[undefined, 1e-12], [1e-8, 1e-8], [0.5, 0.5]] as const)("given %s, it divides by √(memory + %s)", async (given, epsilon) => {
    const sizes = { n: 1, d: 3, h: 2, v: 3, T: 2 };
    const { module } = await generateAndImport(rnn, sizes);
    const step = (module as unknown as { adagradStep(p: object, g: object, m: object, lr: number, clip: number, epsilon?: number): void }).adagradStep;
    const { params, grads } = randomArguments(traceModel(rnn, sizes), 9);
    for (const m of Object.values(grads)) m.data.forEach((_, k) => (m.data[k] = ((k % 5) - 2) * 0.7));
    const memory = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, { ...m, data: Float64Array.from(m.data, (_, i) => (i % 3) * 0.01) }]));
    const expected = Object.fromEntries(
      Object.entries(params).map(([k, p]) => {
        const g = grads[k]!.data, m = memory[k]!.data;
        return [k, Float64Array.from(p.data, (x, i) => {
          const gi = Math.max(-1, Math.min(1, g[i]!));
          return gi === 0 ? x : x - (0.3 * gi) / Math.sqrt(m[i]! + gi * gi + epsilon);
        })];
      }),
    );
    if (given === undefined) step(params, grads, memory, 0.3, 1);
    else step(params, grads, memory, 0.3, 1, given);
    for (const k of Object.keys(params)) expect(relErr(params[k]!.data, expected[k]!), k).toBeLessThan(1e-15);
  });
});
