// `shapegrad explain`: the derivations are golden files in three formats, and every printed
// gradient is executable: evaluated with the eager library (with the printed recursion for the
// adjoints), it must equal what the generated lossAndGrad returns (1e-12), for both models. One
// node's formula (what codegen writes above its loops) reads as the derivation does; an op that
// gives no explanation prints as name(args). test/explain-coverage.test.ts covers the op table.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import mlp from "../dsl/mlp.js";
import rnn from "../dsl/rnn.js";
import { explain } from "../src/explain/build.js";
import { evaluateExplanation } from "../src/explain/evaluate.js";
import { nodeFormula } from "../src/explain/formula.js";
import { renderExplanation } from "../src/explain/render.js";
import { apply, defineModel, defineOp, mul, scale, sumAll, traceModel, type AnyMat, type Mat } from "../src/index.js";
import { interpret } from "../src/interpret.js";
import { generateAndImport } from "./support/generated-module.js";
import { relErr } from "./support/numeric.js";
import { mlpFixture, rnnFixture } from "./support/rnn-fixture.js";

describe("explain, golden", () => {
  const x = explain(traceModel(rnn));
  it.each(["text", "markdown", "latex"] as const)("the RNN in %s", async (format) => {
    const ext = { text: "txt", markdown: "md", latex: "tex" }[format];
    await expect(renderExplanation(x, format)).toMatchFileSnapshot(`golden/rnn.explain.${ext}`);
  });
  it("answers the source's question for U", () => {
    const text = renderExplanation(x, "text", "U");
    expect(text).toContain("dL = G_A : X dU = Xᵀ G_A : dU");
    expect(text).toContain("∂L/∂U = Σ_t X_tᵀ G_{A_t}");
    expect(text).toContain("G_{A_t} = (G_{A_{t+1}} Wᵀ + G_{O_t} Vᵀ) ⊙ (1 − H_t ⊙ H_t)");
    expect(text).toContain("G_{O_t} = (Ŷ_t − Y_t)/(T·n)");
    expect(text).toContain("shapes: X_tᵀ: d×n, G_{A_t}: n×h, result d×h");
    expect(() => renderExplanation(x, "text", "Q")).toThrow(/has no parameter "Q"; its parameters are U, W, b, V, c, h0/);
  });
  it("the LaTeX fragment compiles, when a TeX engine is present", (ctx) => {
    const engine = ["pdflatex", "lualatex", "xelatex"].find((e) => spawnSync("which", [e]).status === 0);
    if (!engine) {
      console.log("explain: no TeX engine here (pdflatex, lualatex or xelatex); the LaTeX compile check is skipped");
      ctx.skip();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "shapegrad-tex-"));
    writeFileSync(join(dir, "doc.tex"), `\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}\n${renderExplanation(x, "latex")}\n\\end{document}\n`);
    const r = spawnSync(engine, ["-interaction=nonstopmode", "-halt-on-error", "doc.tex"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
  });
});

function gradsLike(shapes: Readonly<Record<string, AnyMat>>): Record<string, AnyMat> {
  return Object.fromEntries(Object.entries(shapes).map(([k, m]) => [k, { ...m, data: new Float64Array(m.data.length) }]));
}

describe("explain is executable", () => {
  it.each([
    { n: 1, d: 5, h: 4, v: 5, T: 3 },
    { n: 3, d: 4, h: 6, v: 3, T: 5 },
  ])("every printed RNN gradient equals the generated code's (1e-12) at %o", async (sizes) => {
    const ir = traceModel(rnn, sizes);
    const { params, batch } = rnnFixture(sizes, { seed: 31, targets: "distribution", inputs: "dense" });
    const stated = evaluateExplanation(ir, explain(ir), params, batch);
    const { module } = await generateAndImport(rnn, sizes);
    const grads = gradsLike({ ...params, h0: batch.h0 });
    module.lossAndGrad(params, batch, grads);
    for (const key of ["U", "W", "b", "V", "c", "h0"]) expect(relErr(stated[key]!.data, grads[key]!.data), key).toBeLessThan(1e-12);
  });
  it("every printed MLP gradient equals the generated code's (1e-12)", async () => {
    const sizes = { n: 5, d: 3, h: 4, v: 3 };
    const ir = traceModel(mlp, sizes);
    const { params, batch } = mlpFixture(sizes, { seed: 32, targets: "oneHot" });
    const stated = evaluateExplanation(ir, explain(ir), params, batch);
    const { module } = await generateAndImport(mlp, sizes);
    const grads = gradsLike(params);
    module.lossAndGrad(params, batch, grads);
    for (const key of ["W1", "b1", "W2", "b2"]) expect(relErr(stated[key]!.data, grads[key]!.data), key).toBeLessThan(1e-12);
  });
});

describe("nodeFormula: one node's value as explain writes it", () => {
  const ir = traceModel(rnn);
  const formula = (id: number | undefined) => nodeFormula(ir, id!);
  const labelled = (label: string) => ir.nodes.find((n) => n.label === label)!.id;
  const adjointOf = (id: number) => ir.nodes.find((n) => n.adjointOf === id)!.id;
  it("names forward values by the model's names, with their steps", () => {
    expect(formula(labelled("A"))).toBe("A_t = X_t U + H_{t−1} W + b");
    expect(formula(ir.outputs.state["h"])).toBe("H_t = tanh(A_t)");
    expect(formula(labelled("O"))).toBe("O_t = H_t V + c");
    expect(formula(ir.outputs.loss)).toBe("loss_t = −Σ Y_t ⊙ log softmax(O_t)");
  });
  it("writes a backward node as the adjoint it is, as the derivation's equations do", () => {
    expect(formula(adjointOf(labelled("A")))).toBe("G_{A_t} = (G_{A_{t+1}} Wᵀ + G_{O_t} Vᵀ) ⊙ (1 − H_t ⊙ H_t)");
    expect(formula(adjointOf(labelled("O")))).toBe("G_{O_t} = (Ŷ_t − Y_t)/(T·n)");
    expect(formula(ir.outputs.paramGrads["U"])).toBe("G_U = X_tᵀ G_{A_t}");
    expect(formula(ir.outputs.stateGrads["h"])).toBe("G_{H_{t−1}} = G_{A_t} Wᵀ");
  });
  it("gives every node of both models a formula, and a model without steps no subscripts", () => {
    for (const n of ir.nodes) expect(formula(n.id)).toMatch(/\S/);
    const plain = traceModel(mlp);
    expect(nodeFormula(plain, plain.nodes.find((n) => n.label === "Z")!.id)).toBe("Z = X W1 + b1");
    expect(() => nodeFormula(plain, plain.nodes.length)).toThrow(/has no node/);
  });
});

describe("an op explain has never heard of", () => {
  // A user's op that gives no explanation: printed as name(args), evaluated by its own math.
  const cubeOp = defineOp({
    name: "cubeForExplain",
    arity: 1,
    shape: ([a]) => a,
    math: { kind: "map", entry: (m) => (x) => m.mul(x, m.mul(x, x)) },
    vjp: ([a], _out, g) => [mul(g, scale(mul(a, a as never), 3) as never)],
  });
  const cube = <R extends string | number, C extends string | number>(a: Mat<R, C>) => apply(cubeOp, [a]) as Mat<R, C>;
  const model = defineModel({
    name: "cubed",
    dims: { n: 3, h: 2 },
    params: { P: ["n", "h"], Q: ["n", "h"] },
    inputs: {},
    targets: {},
    meanOver: ["n"],
    step: ({ P, Q }) => ({ loss: sumAll(mul(cube(P), Q)) }),
  });
  it("prints as name(args), and its model's printed gradients still evaluate to the interpreter's", () => {
    const ir = traceModel(model);
    const x = explain(ir);
    const text = renderExplanation(x, "text");
    expect(text).toContain("∂L/∂Q = 1 (1/n) 1ᵀ ⊙ cubeForExplain(P)");
    expect(renderExplanation(x, "latex")).toContain("\\operatorname{cubeForExplain}(P)");
    const params = { P: { rowDim: "n", colDim: "h", rows: 3, cols: 2, data: Float64Array.of(0.5, -1, 2, 0.25, 1.5, -0.75) }, Q: { rowDim: "n", colDim: "h", rows: 3, cols: 2, data: Float64Array.of(1, 2, -1, 0.5, 3, -2) } };
    const stated = evaluateExplanation(ir, x, params, {});
    const { grads } = interpret(ir, params, {}, true);
    for (const k of ["P", "Q"]) expect(relErr(stated[k]!.data, grads![k]!.data), k).toBeLessThan(1e-12);
  });
});

describe("shapegrad graph", () => {
  it("writes a well-formed SVG whose nodes are the model's ops, backward edges dashed", async () => {
    const { renderGraph, toDot } = await import("../codegen/graph.js");
    const ir = traceModel(rnn);
    const svg = await renderGraph(ir, { backward: true });
    expect(svg).toMatch(/<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    // Every element that opens also closes (a small stack check of the tags).
    const stack: string[] = [];
    for (const m of svg.replace(/<\?xml[^>]*>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, "").matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
      if (m[3] === "/") continue;
      if (m[1] === "/") expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    const titles = [...svg.matchAll(/<title>(n\d+)<\/title>/g)].map((m) => Number(m[1]!.slice(1)));
    expect(new Set(titles)).toEqual(new Set(ir.nodes.map((n) => n.id)));
    for (const op of ["matmul", "tanh", "softmaxCrossEntropy"]) expect(svg).toContain(`>${op}</text>`);
    expect(svg).toContain(">A = add</text>");
    expect(svg).toContain(">G_A = tanhGrad</text>");
    expect(svg).toContain(">∂L/∂U = matmul</text>");
    expect(svg).toMatch(/stroke-dasharray/);
    expect(toDot(ir, { backward: false })).not.toContain("tanhGrad");
  });
});
