import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { hadamard, minusSign, parens, wrap } from "../explain/notation.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

// One op, as tanhGrad is: the generated loop reads S once and needs no constant.
export const sigmoidGradOp: OpDef<2> = {
  name: "sigmoidGrad",
  arity: 2,
  backwardOnly: true,
  shape: sameShapeRule("sigmoidGrad"),
  math: { kind: "map", entry: (m) => (s, g) => m.mul(g, m.mul(s, m.sub(m.num(1), s))) },
  explain: {
    print([s, g], _attrs, style) {
      const S = wrap(s!, "atom", style);
      return hadamard(hadamard(g!, s!, style), parens(`1 ${minusSign(style)} ${S}`, style), style);
    },
  },
};

/** sigmoid's backward: `G ⊙ S ⊙ (1 − S)` where S = σ(A) is the forward output. */
export function sigmoidGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(s: Mat<R, C>, g: SameShapeArg<"sigmoidGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(sigmoidGradOp, [s, g]) as Mat<R, C>;
}
