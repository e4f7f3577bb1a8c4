// An op a user defines in a package of their own (the README's softsign, read from the README):
// eager values and its rule, tracing, the interpreter, generated code of both kinds, specialize()
// (whose generating process imports the op's file), gradcheck and explain, all without touching
// shapegrad; and the refusals: a built-in's name, a name defined twice, a backward-only op in a
// model's step, an attribute missing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specialize } from "../codegen/specialize.js";
import { defineModel, defineOp, fromRows, mat, matmul, rng, randn, scale, traceModel, validateModel, valueAndGrad, type AnyMat, type AnyModel, type Mat, type OpDef } from "../src/index.js";
import { tanhGrad } from "../src/ops/index.js";
import { generateAndImport } from "./support/generated-module.js";
import { centralDiff, oneHotRows, relErr } from "./support/numeric.js";
import { readmeOpExample } from "./support/readme-example.js";
import { repoRoot } from "./support/type-diagnostics.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-user-op-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let softsign: <R extends string | number, C extends string | number>(a: Mat<R, C>) => Mat<R, C>;
let model: AnyModel;
const modelFile = join(work, "softsign-mlp.ts");

beforeAll(async () => {
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "user-op", private: true, type: "module" }));
  for (const [name, text] of Object.entries(readmeOpExample(join(repoRoot, "src/index.js")))) writeFileSync(join(work, name), text);
  softsign = ((await import(join(work, "softsign.ts"))) as { softsign: typeof softsign }).softsign;
  model = ((await import(modelFile)) as { default: AnyModel }).default;
});

const sizes = { n: 3, d: 4, h: 5, v: 3 } as const;
type Run = (params: object, batch: object) => { loss: number; grads: Record<string, AnyMat> };
const interpreted = (): Run => valueAndGrad(model as never, sizes as never) as unknown as Run;
function fixture(seed: number) {
  const r = rng(seed);
  const params = { W1: randn(sizes.d, sizes.h, r), b1: randn(1, sizes.h, r), W2: randn(sizes.h, sizes.v, r), b2: randn(1, sizes.v, r) };
  const batch = { x: randn(sizes.n, sizes.d, r), y: mat(sizes.n, sizes.v, oneHotRows(sizes.n, sizes.v, r)) };
  return { params, batch };
}

describe("a user's op: softsign from the README", () => {
  it("computes x / (1 + |x|) eagerly (hand values)", () => {
    const y = softsign(fromRows([[0, 1, -3], [0.5, -0.25, 1e300]]));
    expect(Array.from(y.data)).toEqual([0, 0.5, -0.75, 0.5 / 1.5, -0.25 / 1.25, 1]);
  });

  it("traces into the IR by name, and its model's gradients match finite differences", () => {
    const ir = traceModel(model, sizes);
    expect(ir.nodes.some((n) => n.op === "softsign" && n.phase === "forward")).toBe(true);
    expect(ir.nodes.some((n) => n.op === "softsignGrad" && n.phase === "backward")).toBe(true);
    const { params, batch } = fixture(3);
    const run = interpreted();
    const { grads } = run(params, batch);
    for (const [name, m] of Object.entries(params)) {
      const fd = centralDiff(() => run(params, batch).loss, m.data);
      expect(relErr(grads[name]!.data, fd), name).toBeLessThan(1e-6);
    }
  });

  it.each(["js", "simd"] as const)("generates %s code that matches the interpreter (1e-12)", async (kernels) => {
    const { source, module } = await generateAndImport(model, sizes, "softsign-mlp.ts", kernels);
    // The op's recorded math printed in each kind: |x| as Math.abs, or as f64x2.abs in an elementwise kernel.
    expect(source).toContain(kernels === "js" ? "Math.abs(" : "(f64x2.abs ");
    const { params, batch } = fixture(5);
    const oracle = interpreted()(params, batch);
    const grads = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, { ...m, data: new Float64Array(m.data.length) }]));
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const k of Object.keys(params)) expect(relErr(grads[k]!.data, oracle.grads[k]!.data), k).toBeLessThan(1e-12);
  });

  it("specialize() generates it in a child process that imports the op's own file", async () => {
    const { module } = await specialize<{ forward(p: object, b: object): { loss: number } }>(model, sizes, { cacheDir: join(work, "cache"), kernels: "js" });
    const { params, batch } = fixture(7);
    const oracle = interpreted()(params, batch);
    expect(Math.abs(module.forward(params, batch).loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
  });

  it("gradcheck, explain and generate take it from the command line", () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, "bin/shapegrad.js"), ...args], { cwd: work, encoding: "utf8", timeout: 120_000 });
    const check = cli("gradcheck", "softsign-mlp.ts");
    expect(check.status, check.stderr).toBe(0);
    const explained = cli("explain", "softsign-mlp.ts", "--param", "W1");
    expect(explained.status, explained.stderr).toBe(0);
    expect(explained.stdout).toContain("d softsign(A) = dA ⊘ (1 + |A|)²");
    const generated = cli("generate", "softsign-mlp.ts", "--out", "gen/softsign-mlp.ts");
    expect(generated.status, generated.stderr).toBe(0);
  });
});

describe("refusals", () => {
  const unary: Omit<OpDef<1>, "name"> = { arity: 1, shape: ([a]) => a, math: { kind: "map", entry: () => (x) => x }, vjp: () => [] };

  it("a built-in op's name, in one line naming the definition's file", () => {
    expect(() => defineOp({ ...unary, name: "tanh" })).toThrow(/^test\/user-op\.test\.ts:\d+:\d+: defineOp: "tanh" is a built-in op's name; choose another$/);
  });

  it("a name already defined elsewhere", () => {
    const first = () => defineOp({ ...unary, name: "twiceDefined" });
    first();
    first(); // the same definition again (a module loaded twice) replaces itself
    expect(() => defineOp({ ...unary, name: "twiceDefined" })).toThrow(/"twiceDefined" is already defined at test\/user-op\.test\.ts:\d+/);
  });

  it("an op without a rule, or a malformed one", () => {
    expect(() => defineOp({ arity: 1, shape: unary.shape, math: unary.math, name: "noRule" })).toThrow(/noRule: an op used in models needs a vjp rule/);
    expect(() => defineOp({ ...unary, name: "bad name" })).toThrow(/is not a name/);
    expect(() => defineOp({ ...unary, name: "noMath", math: {} as never })).toThrow(/math must be/);
  });

  it("a backward-only helper in a model's step, naming the op, file and line", () => {
    const bad = defineModel({
      name: "bad",
      dims: { n: 2, h: 3 },
      params: { W: ["h", "h"] },
      inputs: { x: ["n", "h"] },
      targets: {},
      step({ W }, { x }) {
        const h = matmul(x, W);
        return { loss: scale(matmul(tanhGrad(h, h), W), 0) as never };
      },
    });
    expect(() => traceModel(bad)).toThrow(/^test\/user-op\.test\.ts:\d+:\d+: model bad: tanhGrad is a helper of gradient rules \(shapegrad\/ops\), not an op of a model's step/);
  });

  it("from the command line, in one line and with nothing written", () => {
    const file = join(work, "helper-in-step.ts");
    writeFileSync(file, `import { defineModel, softmaxCrossEntropy } from "${join(repoRoot, "src/index.js")}";
import { broadcastRows } from "${join(repoRoot, "src/ops/index.js")}";
export default defineModel({
  name: "helperInStep",
  dims: { n: 2, v: 3 },
  params: { c: [1, "v"] },
  inputs: { x: ["n", "v"] },
  targets: { y: ["n", "v"] },
  step({ c }, { x, y }) {
    return { loss: softmaxCrossEntropy(broadcastRows(c, x), y) };
  },
});
`);
    for (const command of ["generate", "gradcheck", "explain"]) {
      const r = spawnSync(process.execPath, [join(repoRoot, "bin/shapegrad.js"), command, "helper-in-step.ts", ...(command === "generate" ? ["--out", "gen/never.ts"] : [])], { cwd: work, encoding: "utf8", timeout: 120_000 });
      expect(r.status, command).toBe(1);
      expect(r.stderr).toMatch(/^shapegrad: helper-in-step\.ts:10:\d+: model helperInStep: broadcastRows is a helper of gradient rules \(shapegrad\/ops\), not an op of a model's step; use the op whose rule it serves\n$/);
      expect(existsSync(join(work, "gen/never.ts"))).toBe(false);
    }
  });

  it("a scale without its factor, eagerly and in an IR edited by hand", () => {
    const ir = traceModel(model, sizes);
    const h = ir.nodes.find((n) => n.op === "softsign")!;
    const nodes = ir.nodes.map((n) => (n.id === h.id ? { ...n, op: "scale", attrs: {} } : n));
    expect(() => validateModel({ ...ir, nodes })).toThrow(/: %\d+: scale: attribute s must be a number, got none$/);
    const withExtra = ir.nodes.map((n) => (n.id === h.id ? { ...n, op: "tanh", attrs: { s: 2 } } : n));
    expect(() => validateModel({ ...ir, nodes: withExtra })).toThrow(/tanh: unknown attribute s \(it takes none\)/);
  });
});
