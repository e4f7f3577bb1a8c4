// Evaluating an explanation with the eager library: every printed gradient, summed over the steps
// with the printed recursion for the adjoints, from the forward values of one run. Tests compare
// the result with the generated code's gradients, so a wrong explanation fails a test.
import { interpret } from "../interpret.js";
import type { ModelIR } from "../ir/graph.js";
import { makeMat, type AnyMat } from "../mat.js";
import { apply } from "../op.js";
import { add } from "../ops/add.js";
import { opNamed } from "../ops/table.js";
import type { Shape } from "../shape-error.js";
import type { Explanation } from "./build.js";
import type { Expr } from "./expr.js";

function filled(shape: Shape, values: ArrayLike<number>): AnyMat {
  return makeMat(shape.rowDim, shape.colDim, shape.rows, shape.cols, Float64Array.from(values));
}

/** The gradients the explanation states, evaluated on `params` and `batch` (keys as valueAndGrad's). */
export function evaluateExplanation(ir: ModelIR, x: Explanation, params: Readonly<Record<string, unknown>>, batch: Readonly<Record<string, unknown>>): Record<string, AnyMat> {
  const forward = interpret(ir, params, batch, false, true).forward!;
  const steps = forward.length;
  const equations = new Map(x.adjoints.map((a) => [a.node, a]));
  const memo = new Map<string, AnyMat>();

  const at = (e: Expr, t: number): AnyMat => {
    switch (e.k) {
      case "value": {
        const step = e.perStep ? t + e.shift : 0;
        // A value of the step after the last (F_{t+1}) only ever multiplies an adjoint from past the last step, which is zero.
        if (step >= steps) return filled(e.shape, new Float64Array(e.shape.rows * e.shape.cols));
        const v = forward[step]?.[e.node];
        if (!v) throw new Error(`explain: no value of ${e.name} at step ${step}`);
        return v;
      }
      case "adjoint": {
        const step = t + e.shift;
        if (step >= steps) return filled(e.shape, new Float64Array(e.shape.rows * e.shape.cols));
        const key = `${e.node}@${step}`;
        if (!memo.has(key)) memo.set(key, at(equations.get(e.node)!.rhs, step));
        return memo.get(key)!;
      }
      case "lossAdjoint":
        return filled(e.shape, [e.factor]);
      case "const":
        return filled(e.shape, e.values ?? new Float64Array(e.shape.rows * e.shape.cols));
      case "op":
        return apply(opNamed(e.op), e.args.map((a) => at(a, t)), e.attrs);
    }
  };

  const result: Record<string, AnyMat> = {};
  for (const p of x.params) {
    if (!p.sumOverSteps) {
      result[p.name] = at(p.term, 0);
      continue;
    }
    let total = at(p.term, steps - 1);
    for (let t = steps - 2; t >= 0; t--) total = add(total, at(p.term, t) as never);
    result[p.name] = total;
  }
  return result;
}
