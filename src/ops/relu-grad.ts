import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { atom, hadamard, pick, wrap } from "../explain/notation.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

export const reluGradOp: OpDef<2> = {
  name: "reluGrad",
  arity: 2,
  backwardOnly: true,
  shape: sameShapeRule("reluGrad"),
  // G where A > 0, else 0: at exactly 0 (and for NaN) the gradient is 0.
  math: { kind: "map", entry: (m) => (a, g) => m.choose(">", a, m.num(0), g, m.num(0)) },
  explain: { print: ([a, g], _attrs, s) => hadamard(g!, atom(`${pick(s, "[", "[")}${wrap(a!, "atom", s)} > 0${pick(s, "]", "]")}`), s) },
};

/** relu's backward: `G ⊙ [A > 0]`, 0 where A is 0 or less. */
export function reluGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, g: SameShapeArg<"reluGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(reluGradOp, [a, g]) as Mat<R, C>;
}
