// Products that share an operand run as one product over their other operands side by side
// (codegen/side-by-side.ts), and products only added together as one over their operands side by
// side and stacked (codegen/summed-products.ts): which products the plan joins (the LSTM's four
// input and four recurrent products, their gradients' products, the four products added into the
// adjoint of H; the GRU's three, two and two), a product whose other operand is computed from the
// first of its group stays on its own, and the generated code with products joined against the
// same model generated with each product on its own and against
// the interpreter (1e-12), both kernel kinds, at sizes on and off the tiles' edges (n = 17 takes
// the JavaScript products' repacking path, n = 1 their matrix-vector path).
import { describe, expect, it } from "vitest";
import gru from "../dsl/gru.js";
import lstm from "../dsl/lstm.js";
import { planModel, type Kernel, type Plan } from "../codegen/plan.js";
import { randomArguments } from "../cli/random-arguments.js";
import { add, defineModel, matmul, softmaxCrossEntropy, tanh, transpose, valueAndGrad, type AnyMat, type AnyModel } from "../src/index.js";
import { traceModel } from "../src/trace-model.js";
import { generateAndImport } from "./support/generated-module.js";
import { relErr } from "./support/numeric.js";

/** Each side-by-side (or summed) kernel of a list, as its members' names. */
function groups(plan: Plan, kernels: readonly Kernel[], kind: "sideBySide" | "summed" = "sideBySide"): string[][] {
  return kernels.filter((k) => k.kind === kind).map((k) => (k as { nodes: readonly number[] }).nodes.map((id) => plan.names.names[id]!));
}

/** Whether any kernel of the plan runs several nodes as one. */
function joins(plan: Plan): boolean {
  const lists = [plan.forward, plan.backward].flatMap((p) => [p.before, p.loop, p.after]);
  return [...lists, plan.afterBackward].some((list) => list.some((k) => k.kind === "sideBySide" || k.kind === "summed"));
}

const small = { n: 3, d: 4, h: 5, v: 6, T: 3 };

/** Two products share H; the second's other operand, Hᵀ·P, is computed from the first's result, so it cannot join it. */
const chained = defineModel({
  name: "chained",
  dims: { n: 3, d: 4, h: 5, v: 6, T: 3 },
  params: { U: ["d", "h"], W: ["h", "h"], V: ["h", "v"] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { h: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
  meanOver: ["T", "n"],
  step({ U, W, V }, { x, y }, { h }) {
    const p = matmul(h, W);
    const q = matmul(h, matmul(transpose(h), p));
    const next = tanh(add(add(matmul(x, U), p), q));
    return { loss: softmaxCrossEntropy(matmul(next, V), y), state: { h: next } };
  },
});

describe("which products run side by side", () => {
  it("the LSTM's four input products, four recurrent products, and the eight products of their gradients", () => {
    const plan = planModel(traceModel(lstm, small));
    expect(groups(plan, plan.forward.before)).toEqual([["Matmul_X_Ui", "Matmul_X_Uf", "Matmul_X_Uo", "Matmul_X_Ug"]]);
    expect(groups(plan, plan.forward.loop)).toEqual([["Matmul_Hprev_Wi", "Matmul_Hprev_Wf", "Matmul_Hprev_Wo", "Matmul_Hprev_Wg"]]);
    expect(groups(plan, plan.afterBackward).map((g) => [...g].sort())).toEqual([
      ["dUf", "dUg", "dUi", "dUo"],
      ["dWf", "dWg", "dWi", "dWo"],
    ]);
    const separate = planModel(traceModel(lstm, small), { sideBySide: false });
    expect(joins(separate)).toBe(false);
  });

  it("the LSTM's four products added into the adjoint of H run as one, the sum in the first one's buffer, the others read as 0", () => {
    const plan = planModel(traceModel(lstm, small));
    const summed = groups(plan, plan.backward.loop, "summed");
    expect(summed.map((g) => [...g].sort())).toEqual([["Matmul_G_Af_Wft", "Matmul_G_Ag_Wgt", "Matmul_G_Ai_Wit", "Matmul_G_Ao_Wot"]]);
    const [first, ...rest] = summed[0]!;
    const id = (name: string) => plan.names.names.indexOf(name);
    expect(plan.storage.get(id(first!))!.kind).toBe("buffer");
    for (const name of rest) expect(plan.storage.get(id(name))).toEqual({ kind: "literal", code: "0" });
    expect(plan.buffers.map((b) => b.name)).not.toContain(rest[0]);
  });

  it("the GRU's G_Az·Wzᵀ and G_Ar·Wrᵀ, both added into the adjoint of H, run as one", () => {
    const plan = planModel(traceModel(gru, small));
    expect(groups(plan, plan.backward.loop, "summed").map((g) => [...g].sort())).toEqual([["Matmul_G_Ar_Wrt", "Matmul_G_Az_Wzt"]]);
  });

  it("the GRU's X·Uz, X·Ur, X·Uh and H·Wz, H·Wr; (R ⊙ H)·Wh on its own", () => {
    const plan = planModel(traceModel(gru, small));
    expect(groups(plan, plan.forward.before)).toEqual([["Matmul_X_Uz", "Matmul_X_Ur", "Matmul_X_Uh"]]);
    expect(groups(plan, plan.forward.loop)).toEqual([["Matmul_Hprev_Wz", "Matmul_Hprev_Wr"]]);
  });

  it("a product whose other operand needs the first product's result stays on its own, and is not summed with it", () => {
    const plan = planModel(traceModel(chained, {}));
    const forward = [...plan.forward.before, ...plan.forward.loop, ...plan.forward.after];
    expect(groups(plan, forward)).toEqual([]);
    expect(groups(plan, forward, "summed")).toEqual([]);
  });
});

describe("elementwise consumers computed where a product's result comes out", () => {
  it("with SIMD kernels the LSTM's gates are computed by WebAssembly kernels on H·[Wi Wf Wo Wg] where the product leaves it, whose blocks are then never stored; JavaScript keeps them apart", async () => {
    const plan = planModel(traceModel(lstm, small));
    const name = (id: number) => plan.names.names[id]!;
    const roots = Object.fromEntries([...plan.consumerRoots].map(([p, r]) => [name(p), name(r)]));
    expect(roots).toMatchObject({ Matmul_Hprev_Wi: "I", Matmul_Hprev_Wf: "F", Matmul_Hprev_Wo: "O", Matmul_Hprev_Wg: "G" });
    const simd = (await generateAndImport(lstm, small, "dsl/lstm.ts", "simd")).source;
    const js = (await generateAndImport(lstm, small, "dsl/lstm.ts", "js")).source;
    expect(simd).toMatch(/… and, as each entry comes out: I_t = σ\(Ai_t\)/);
    // The gate's kernel reads the block of the product's output in the kernels' memory: no copy-out.
    expect(simd).toMatch(/kernels\.product_\w+\([^)]*\);\s*kernels\.map_I\(\s*I\.byteOffset[^)]*scratch\.byteOffset,/);
    expect(simd).not.toMatch(/const Matmul_Hprev_Wi = /);
    expect(simd).not.toMatch(/function forward_I\(/);
    expect(js).toMatch(/const Matmul_Hprev_Wi = /);
    expect(js).toMatch(/function forward_I\(/);
  });
});

const cases: readonly { name: string; model: AnyModel; sizes: Record<string, number> }[] = [
  { name: "lstm", model: lstm, sizes: { n: 1, d: 3, h: 5, v: 4, T: 3 } },
  { name: "lstm", model: lstm, sizes: { n: 17, d: 9, h: 7, v: 5, T: 2 } },
  { name: "gru", model: gru, sizes: { n: 2, d: 5, h: 9, v: 3, T: 3 } },
  { name: "gru", model: gru, sizes: { n: 17, d: 3, h: 4, v: 6, T: 2 } },
  { name: "chained", model: chained, sizes: {} },
];

describe.each(cases)("$name at $sizes: side by side against each product on its own and the interpreter", ({ model, sizes }) => {
  const ir = traceModel(model, sizes);
  const { params, batch, grads: shapes } = randomArguments(ir, 17, 0.5);
  const oracle = valueAndGrad(model, sizes as never)(params as never, batch as never) as unknown as { loss: number; grads: Record<string, AnyMat> };
  const fresh = () => Object.fromEntries(Object.entries(shapes).map(([k, m]) => [k, { ...m, data: new Float64Array(m.rows * m.cols).fill(7) }]));

  it.each(["js", "simd"] as const)("%s kernels (1e-12)", async (kernels) => {
    const [together, apart] = await Promise.all([generateAndImport(model, sizes, "dsl/model.ts", kernels, true), generateAndImport(model, sizes, "dsl/model.ts", kernels, false)]);
    expect(together.source !== apart.source, "the sources differ exactly when products are joined").toBe(joins(planModel(ir)));
    const a = fresh(), b = fresh();
    const lossA = together.module.lossAndGrad(params, batch, a).loss;
    const lossB = apart.module.lossAndGrad(params, batch, b).loss;
    expect(Math.abs(lossA - oracle.loss) / Math.abs(oracle.loss)).toBeLessThan(1e-12);
    expect(Math.abs(lossB - oracle.loss) / Math.abs(oracle.loss)).toBeLessThan(1e-12);
    for (const key of Object.keys(oracle.grads)) {
      expect(relErr(a[key]!.data, oracle.grads[key]!.data), `${key}, side by side`).toBeLessThan(1e-12);
      expect(relErr(b[key]!.data, oracle.grads[key]!.data), `${key}, on its own`).toBeLessThan(1e-12);
    }
  });
});
