// Export to ONNX (issue 18): every model in dsl/ exported and run in ONNX Runtime against shapegrad
// on the same inputs and weights (the interpreter's predict for every step's output; the generated
// module's forward for the final states), float64 to 1e-12 and float32 to 1e-5, for a whole
// sequence and for steps of one with the state carried; then the CLI: same bytes for the same
// model, refusals as one line with nothing written, a checkpoint's weights and vocabulary.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onnxModel } from "../codegen/onnx-graph.js";
import { encodeOnnx, onnxMetadata } from "../codegen/onnx-write.js";
import { randomArguments } from "../cli/random-arguments.js";
import { dataKey, finalKey, initialKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import type { AnyModel } from "../src/model.js";
import { predict } from "../src/predict.js";
import { traceModel } from "../src/trace-model.js";
import { onnxRuntime, onnxRuntimeEntry, type Ort, type OrtTensor } from "./support/onnx-runtime.js";
import { repoRoot } from "./support/type-diagnostics.js";

let ort: Ort;
beforeAll(() => {
  ort = onnxRuntime();
}, 600_000);

const tolerance = { f64: 1e-12, f32: 1e-5 } as const;
/** Weights small enough that the recurrences contract, as trained ones do: rounding does not grow over the steps. */
const std = 0.1;

/** The largest difference, relative to the size of the reference entry when it is above 1. */
function maxError(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - actual[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

/** An ONNX input from a shapegrad matrix: class indices as int64, the rest in the graph's float type. */
function tensor(m: AnyMat, oneHot: boolean, dtype: "f64" | "f32"): OrtTensor {
  if (oneHot) return new ort.Tensor("int64", BigInt64Array.from(m.data, (v) => BigInt(v)), [m.rows, m.cols]);
  return dtype === "f64" ? new ort.Tensor("float64", Float64Array.from(m.data), [m.rows, m.cols]) : new ort.Tensor("float32", Float32Array.from(m.data), [m.rows, m.cols]);
}

const rowsOf = (m: AnyMat, from: number, count: number): AnyMat => makeMat(m.rowDim, m.colDim, count, m.cols, m.data.slice(from * m.cols, (from + count) * m.cols));

const models = readdirSync(join(repoRoot, "dsl")).filter((f) => f.endsWith(".ts")).sort();

describe.each(models)("dsl/%s exported to ONNX and run in ONNX Runtime", (file) => {
  let ir: ModelIR;
  let args: ReturnType<typeof randomArguments>;
  let inputs: Record<string, AnyMat>;
  let expected: ReturnType<typeof predict>;
  beforeAll(async () => {
    const model = (await import(/* @vite-ignore */ `../dsl/${file}`)).default as AnyModel;
    ir = traceModel(model);
    args = randomArguments(ir, 7, std);
    const targets = new Set(ir.targets.map((d) => dataKey(d.name, ir.sequence !== undefined)));
    inputs = Object.fromEntries(Object.entries(args.batch).filter(([k]) => !targets.has(k)));
    expected = predict(ir, args.params, inputs);
    if (ir.state.length > 0) {
      // The generated module's final states agree with predict's: the oracle is the generated code's.
      const generated = (await import(/* @vite-ignore */ `../generated/${file}`)) as { forward(p: unknown, b: unknown): Record<string, AnyMat> };
      const result = generated.forward(args.params, args.batch);
      for (const d of ir.state) expect(maxError(result[finalKey(d.name)]!.data, expected.final[finalKey(d.name)]!.data)).toBeLessThan(1e-12);
    }
  });

  const oneHot = (key: string) => ir.inputs.some((d) => d.oneHot && dataKey(d.name, ir.sequence !== undefined) === key);
  const params = () => Object.fromEntries(Object.entries(args.params).map(([k, m]) => [k, m.data]));

  it.each(["f64", "f32"] as const)("%s: the whole sequence, every step's output and the final states", async (dtype) => {
    const session = await ort.InferenceSession.create(encodeOnnx(onnxModel(ir, { dtype, params: params(), metadata: [] }), "test"));
    expect([...session.inputNames].sort()).toEqual(Object.keys(inputs).sort());
    expect(session.outputNames).toEqual(["output", ...ir.state.map((d) => finalKey(d.name))]);
    const r = await session.run(Object.fromEntries(Object.entries(inputs).map(([k, m]) => [k, tensor(m, oneHot(k), dtype)])));
    expect(r["output"]!.dims).toEqual([expected.output.rows, expected.output.cols]);
    expect(maxError(expected.output.data, r["output"]!.data)).toBeLessThan(tolerance[dtype]);
    for (const d of ir.state) expect(maxError(expected.final[finalKey(d.name)]!.data, r[finalKey(d.name)]!.data)).toBeLessThan(tolerance[dtype]);
  });

  it.each(["f64", "f32"] as const)("%s: one step at a time, the state carried (recurrent models)", async (dtype) => {
    if (!ir.sequence) return;
    const session = await ort.InferenceSession.create(encodeOnnx(onnxModel(ir, { dtype, params: params(), metadata: [] }), "test"));
    const n = ir.sequence.rows;
    let states = Object.fromEntries(ir.state.map((d) => [initialKey(d.name), tensor(inputs[initialKey(d.name)]!, false, dtype)]));
    const outputs: number[] = [];
    for (let t = 0; t < ir.sequence.count; t++) {
      const data = Object.fromEntries(ir.inputs.map((d) => {
        const key = dataKey(d.name, true);
        return [key, tensor(rowsOf(inputs[key]!, t * n, n), oneHot(key), dtype)];
      }));
      const r = await session.run({ ...data, ...states });
      expect(r["output"]!.dims).toEqual([n, expected.output.cols]);
      outputs.push(...Array.from(r["output"]!.data));
      states = Object.fromEntries(ir.state.map((d) => [initialKey(d.name), r[finalKey(d.name)]!]));
    }
    expect(maxError(expected.output.data, outputs)).toBeLessThan(tolerance[dtype]);
    for (const d of ir.state) expect(maxError(expected.final[finalKey(d.name)]!.data, states[initialKey(d.name)]!.data)).toBeLessThan(tolerance[dtype]);
  });

  it("the rows of a step are symbolic: three rows at once, as the model traced at three rows computes", async () => {
    const rowDim = ir.state[0]?.shape.rowDim;
    if (!ir.sequence || typeof rowDim !== "string") return;
    const model = (await import(/* @vite-ignore */ `../dsl/${file}`)).default as AnyModel;
    const wide = traceModel(model, { [rowDim]: 3, [ir.sequence.steps]: 4 });
    const a = randomArguments(wide, 3, std);
    const wideInputs = Object.fromEntries(Object.entries(a.batch).filter(([k]) => !wide.targets.some((d) => dataKey(d.name, true) === k)));
    const session = await ort.InferenceSession.create(encodeOnnx(onnxModel(ir, { dtype: "f64", params: Object.fromEntries(Object.entries(a.params).map(([k, m]) => [k, m.data])), metadata: [] }), "test"));
    const r = await session.run(Object.fromEntries(Object.entries(wideInputs).map(([k, m]) => [k, tensor(m, oneHot(k), "f64")])));
    const want = predict(wide, a.params, wideInputs);
    expect(maxError(want.output.data, r["output"]!.data)).toBeLessThan(1e-12);
  });
});

describe("shapegrad export", () => {
  const bin = join(repoRoot, "bin/shapegrad.js");
  const work = mkdtempSync(join(tmpdir(), "shapegrad-onnx-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const run = (args: readonly string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: "utf8", timeout: 300_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("the same model and seed give the same bytes, with the model's name, identity and sizes in the metadata", () => {
    const a = join(work, "a.onnx"), b = join(work, "b.onnx");
    expect(run(["export", join(repoRoot, "dsl/char-gru.ts"), "--onnx", a, "--dim", "h=12"]).status).toBe(0);
    expect(run(["export", join(repoRoot, "dsl/char-gru.ts"), "--onnx", b, "--dim", "h=12"]).status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const meta = onnxMetadata(readFileSync(a));
    expect(meta["shapegrad.model"]).toBe("charGru");
    expect(JSON.parse(meta["shapegrad.sizes"]!)).toMatchObject({ h: 12 });
    expect(meta["shapegrad.identity"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a model with an op that has no ONNX form is refused in one line naming the op, and nothing is written", () => {
    const model = join(work, "no-form.ts");
    writeFileSync(model, `import { defineModel, matmul, softmaxCrossEntropy } from ${JSON.stringify(pathToFileURL(join(repoRoot, "src/index.ts")).href)};
export default defineModel({
  name: "noForm", dims: { n: 2, d: 3, v: 3 }, params: { W: ["d", "v"] }, inputs: { x: ["n", "d"] }, targets: { y: ["n", "v"] },
  step({ W }, { x, y }) { const loss = softmaxCrossEntropy(matmul(x, W), y); return { loss, output: loss }; },
});
`);
    const out = join(work, "no-form.onnx");
    const r = run(["export", model, "--onnx", out]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^shapegrad: model noForm uses op softmaxCrossEntropy, which has no ONNX form/);
    expect(existsSync(out)).toBe(false);
  });
  describe("from a trained checkpoint", () => {
    const out = join(work, "run");
    const onnx = join(work, "char-rnn.onnx");
    beforeAll(() => {
      const corpus = join(work, "corpus.txt");
      writeFileSync(corpus, readFileSync(join(repoRoot, "data/shakespeare.txt"), "utf8").slice(0, 5000));
      const trained = run(["train", "--text", corpus, "--hidden", "16", "--seq", "8", "--steps", "30", "--val", "0", "--sample-every", "100000", "--kernels", "js", "--out", out]);
      expect(trained.stderr).not.toMatch(/^shapegrad:/m);
      const exported = run(["export", join(repoRoot, "dsl/char-rnn.ts"), "--checkpoint", out, "--onnx", onnx]);
      expect(exported.stderr).toBe(`${onnx}\n`);
    }, 300_000);

    it("a --dim that disagrees with the checkpoint is refused in one line, and nothing is written", () => {
      const refused = join(work, "refused.onnx");
      const r = run(["export", join(repoRoot, "dsl/char-rnn.ts"), "--checkpoint", out, "--dim", "h=17", "--onnx", refused]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^shapegrad: --dim h=17 disagrees with the checkpoint in .*, whose h is 16\n$/);
      expect(existsSync(refused)).toBe(false);
    });

    it("README, Deploying a model: a few lines of Node with onnxruntime-node sample what shapegrad sample does", () => {
      const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
      const section = readme.split("\n## Deploying a model\n")[1]?.split("\n## ")[0] ?? "";
      const example = /```js\n([\s\S]*?)```/.exec(section)?.[1];
      expect(example).toBeDefined();
      const dist = (p: string) => JSON.stringify(pathToFileURL(join(repoRoot, "dist", p)).href);
      const script = join(work, "deploy.mjs");
      writeFileSync(
        script,
        example!
          .replace('"onnxruntime-node"', JSON.stringify(pathToFileURL(onnxRuntimeEntry()).href))
          .replace('"shapegrad/train"', dist("train/index.js"))
          .replace('"shapegrad/codegen"', dist("codegen/index.js"))
          .replace('"shapegrad"', dist("src/index.js")),
      );
      const deployed = spawnSync(process.execPath, [script, onnx], { cwd: work, encoding: "utf8", timeout: 120_000 });
      expect(deployed.stderr).toBe("");
      const sampled = run(["sample", "--checkpoint", out, "--length", "200", "--seed", "1"]);
      expect(sampled.status).toBe(0);
      expect(deployed.stdout).toBe(sampled.stdout);
      expect(deployed.stdout.length).toBeGreaterThan(200);
    });
  });
});
