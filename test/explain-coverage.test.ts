// Explain covers every op of the table, with no list to keep up: every op a model can differentiate
// (it has a vjp) or a rule can use (backward-only) says how it prints, and a model built from the
// table, each forward op applied to parameters of shapes its own shape rule accepts, is explained
// with every printer, and its printed gradients evaluate to the interpreter's.
import { describe, expect, it } from "vitest";
import { explain } from "../src/explain/build.js";
import { evaluateExplanation } from "../src/explain/evaluate.js";
import { nodeFormula } from "../src/explain/formula.js";
import { renderExplanation } from "../src/explain/render.js";
import { interpret } from "../src/interpret.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import { defineModel } from "../src/model.js";
import { apply, named, type Arity, type OpDef } from "../src/op.js";
import { add } from "../src/ops/add.js";
import { mul } from "../src/ops/mul.js";
import { sumAll } from "../src/ops/sum-all.js";
import { allOps } from "../src/ops/table.js";
import type { Shape } from "../src/shape-error.js";
import { traceModel } from "../src/trace-model.js";
import { relErr } from "./support/numeric.js";

describe("every op of the table explains itself", () => {
  const needsPrinter = allOps().filter((op) => op.vjp || op.backwardOnly);
  it.each(needsPrinter.map((op) => [op.name, op] as const))("%s has a printer", (_name, op) => {
    expect(typeof op.explain?.print, `${op.name}: give its explain block a print (see src/explain/notation.ts)`).toBe("function");
  });
  it.each(allOps().filter((op) => op.vjp).map((op) => [op.name, op] as const))("%s states its differential rule", (_name, op) => {
    expect(op.explain?.rule, `${op.name}: its explain block needs a rule`).toBeDefined();
    expect(typeof op.explain?.differential, `${op.name}: its explain block needs a differential`).toBe("function");
  });
});

// The model: dims n and h; each forward op applied to fresh parameters, once per shape of its
// later inputs that its shape rule accepts (add with n×h and with a 1×h row), each result named
// and squared into the loss, so that its adjoint is not constant.
const dims = { n: 3, h: 4 } as const;
type Decl = readonly [keyof typeof dims | 1, keyof typeof dims | 1];
const candidates: readonly Decl[] = [["n", "h"], ["h", "h"], [1, "h"], [1, 1], ["h", "n"]];
const shapeOf = ([r, c]: Decl): Shape => ({ rowDim: r, colDim: c, rows: r === 1 ? 1 : dims[r], cols: c === 1 ? 1 : dims[c] });
const attrsOf = (op: OpDef<Arity>) => Object.fromEntries((op.attrs ?? []).map((a) => [a, 0.75]));
const accepts = (op: OpDef<Arity>, inputs: readonly Decl[]) => {
  try {
    op.shape(inputs.map(shapeOf) as never, attrsOf(op));
    return true;
  } catch {
    return false;
  }
};

interface Use {
  readonly op: OpDef<Arity>;
  readonly params: readonly string[];
}
const params: Record<string, Decl> = {};
const uses: Use[] = [];
for (const op of allOps().filter((o) => !o.backwardOnly && o.vjp)) {
  const tails = op.arity === 1 ? [[]] : candidates.map((c) => [c]);
  const first = candidates.find((c) => tails.some((t) => accepts(op, [c, ...t])));
  for (const tail of first ? tails.filter((t) => accepts(op, [first, ...t])) : []) {
    const names = [first!, ...tail].map((decl, k) => {
      const name = `p${uses.length + 1}x${k + 1}`;
      params[name] = decl;
      return name;
    });
    uses.push({ op, params: names });
  }
}

const model = defineModel({
  name: "everyOp",
  dims,
  params,
  inputs: {},
  targets: {},
  meanOver: ["n"],
  step(p) {
    const ps = p as unknown as Record<string, AnyMat>;
    const terms = uses.map((u, i) => {
      const r = named(`R${i + 1}`, apply(u.op, u.params.map((name) => ps[name]), attrsOf(u.op)));
      return sumAll(mul(r, r as never));
    });
    return { loss: terms.reduce((a, b) => add(a, b as never)) as never };
  },
});

/** Entries in [0.5, 1.5): positive, for log's and div's sake. */
function values(): Record<string, AnyMat> {
  let seed = 7;
  const next = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) + 0.5;
  return Object.fromEntries(Object.entries(params).map(([name, decl]) => {
    const s = shapeOf(decl);
    return [name, makeMat(s.rowDim, s.colDim, s.rows, s.cols, Float64Array.from({ length: s.rows * s.cols }, next))];
  }));
}

describe("a model of every forward op", () => {
  const ir = traceModel(model);
  const x = explain(ir);

  it("uses every forward op, and every backward-only op in its gradients", () => {
    const used = new Set(ir.nodes.map((n) => n.op));
    for (const op of allOps().filter((o) => o.vjp || o.backwardOnly)) expect(used.has(op.name), op.name).toBe(true);
  });

  it("is explained in every format, each node printed as a formula", () => {
    for (const format of ["text", "markdown", "latex"] as const) {
      const text = renderExplanation(x, format);
      for (const name of Object.keys(params)) expect(text).toContain(format === "text" ? `∂L/∂${name} = ` : `\\partial ${name}}`);
      expect(text).not.toMatch(/undefined|NaN/);
    }
    for (const p of x.params) expect(p.through, p.name).toBeDefined();
    for (const n of ir.nodes) expect(nodeFormula(ir, n.id)).not.toMatch(/undefined|NaN|^$/);
  });

  it("states gradients that evaluate to the interpreter's (1e-12)", () => {
    const p = values();
    const stated = evaluateExplanation(ir, x, p, {});
    const { grads } = interpret(ir, p, {}, true);
    for (const name of Object.keys(params)) expect(relErr(stated[name]!.data, grads![name]!.data), name).toBeLessThan(1e-12);
  });
});
