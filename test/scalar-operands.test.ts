// Numbers as operands of add, sub, mul and div, on either side (`1 − z`, `x / 2`), and a row or a
// column broadcast: eager values against plain arithmetic, gradients against finite differences,
// generated code of both kinds against the interpreter, the number written into the code as
// itself, and explain printing it in its place.
import { describe, expect, it } from "vitest";
import { generateSource } from "../codegen/generate.js";
import { explain } from "../src/explain/build.js";
import { nodeFormula } from "../src/explain/formula.js";
import { renderExplanation } from "../src/explain/render.js";
import { add, defineModel, div, fromRows, mat, matmul, mul, named, randn, rng, sigmoid, softmaxCrossEntropy, sub, traceModel, valueAndGrad, type AnyMat } from "../src/index.js";
import { generateAndImport } from "./support/generated-module.js";
import { centralDiff, oneHotRows, relErr } from "./support/numeric.js";

describe("numbers as operands, eagerly", () => {
  const m = fromRows([[1, -2, 4]]);
  const cases: [string, AnyMat, (x: number) => number][] = [
    ["add(m, 2)", add(m, 2), (x) => x + 2],
    ["add(2, m)", add(2, m), (x) => 2 + x],
    ["sub(m, 0.5)", sub(m, 0.5), (x) => x - 0.5],
    ["sub(1, m)", sub(1, m), (x) => 1 - x],
    ["mul(m, 3)", mul(m, 3), (x) => x * 3],
    ["mul(-1, m)", mul(-1, m), (x) => -1 * x],
    ["div(m, 4)", div(m, 4), (x) => x / 4],
    ["div(1, m)", div(1, m), (x) => 1 / x],
  ];
  it.each(cases)("%s", (_what, got, f) => {
    expect(got.rows).toBe(1);
    expect(Array.from(got.data)).toEqual([1, -2, 4].map(f));
  });
  it("refuses two numbers, and a number where a matrix is needed", () => {
    expect(() => add(1 as never, 2 as never)).toThrow("add: a and b are both numbers; at least one must be a matrix");
    expect(() => matmul(1 as never, m as never)).toThrow(TypeError);
  });
});

// A model that uses every form: 1 − σ(A), A / 2, 2 ⊙ ..., a column and a row broadcast.
const model = defineModel({
  name: "scalars",
  dims: { n: 3, d: 4, v: 3 },
  params: { W: ["d", "v"], r: [1, "v"], k: ["n", 1] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  meanOver: ["n"],
  step({ W, r, k }, { x, y }) {
    const a = named("A", add(matmul(x, W), r));
    const z = named("Z", sub(1, sigmoid(div(a, 2))));
    const o = named("O", mul(add(mul(2, z), k), div(1, add(mul(z, z), 1))));
    return { loss: softmaxCrossEntropy(sub(o, mul(k, 0.25)), y) };
  },
});
const sizes = { n: 3, d: 4, v: 3 } as const;
function fixture(seed: number) {
  const g = rng(seed);
  const params = { W: randn(sizes.d, sizes.v, g), r: randn(1, sizes.v, g), k: randn(sizes.n, 1, g) };
  const batch = { x: randn(sizes.n, sizes.d, g), y: mat(sizes.n, sizes.v, oneHotRows(sizes.n, sizes.v, g)) };
  return { params, batch };
}
type Run = (params: object, batch: object) => { loss: number; grads: Record<string, AnyMat> };

describe("numbers and broadcasts in a model", () => {
  const run = valueAndGrad(model as never, sizes as never) as unknown as Run;

  it("its gradients match central finite differences (1e-6)", () => {
    const { params, batch } = fixture(2);
    const { grads } = run(params, batch);
    for (const [name, p] of Object.entries(params)) expect(relErr(grads[name]!.data, centralDiff(() => run(params, batch).loss, p.data)), name).toBeLessThan(1e-6);
  });

  it.each(["js", "simd"] as const)("its %s code matches the interpreter (1e-12) and writes the numbers as themselves", async (kernels) => {
    const { source, module } = await generateAndImport(model, sizes, "scalars.ts", kernels);
    // JavaScript writes them into its expressions; WebAssembly as constant vectors of its elementwise kernels.
    const codes = kernels === "js" ? ["= 1 - Sigmoid[", " / 2;", "= 2 * Z[", " + 1;"] : ["(f64x2.sub (v128.const f64x2 1 1)", "(v128.const f64x2 2 2)", "(v128.const f64x2 1 1))"];
    for (const code of codes) expect(source).toContain(code);
    expect(source).not.toMatch(/Float64Array\.of\(/);
    const { params, batch } = fixture(3);
    const oracle = run(params, batch);
    const grads = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, { ...m, data: new Float64Array(m.data.length) }]));
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const k of Object.keys(params)) expect(relErr(grads[k]!.data, oracle.grads[k]!.data), k).toBeLessThan(1e-12);
  });

  it("explain writes the numbers where they stand", () => {
    const ir = traceModel(model, sizes);
    const formulas = ir.nodes.map((n) => nodeFormula(ir, n.id));
    for (const f of ["Z = 1 − σ(A ⊘ 2)", "O = (2 ⊙ Z + k) ⊙ (1 ⊘ (Z ⊙ Z + 1))"]) expect(formulas).toContain(f);
    expect(renderExplanation(explain(ir), "text")).toContain("∂L/∂W");
  });

  it("the generated module is deterministic", async () => {
    const one = await generateSource(model, { sizes, source: "scalars.ts", generator: "test", kernels: "js" });
    const two = await generateSource(model, { sizes, source: "scalars.ts", generator: "test", kernels: "js" });
    expect(one).toBe(two);
  });
});
