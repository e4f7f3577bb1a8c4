import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { hadamard, minusSign, odot, parens, wrap } from "../explain/notation.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

// One op rather than mul/sub with a ones matrix: the generated loop reads H once and needs no constant.
export const tanhGradOp: OpDef<2> = {
  name: "tanhGrad",
  arity: 2,
  backwardOnly: true,
  shape: sameShapeRule("tanhGrad"),
  math: { kind: "map", entry: (m) => (h, g) => m.mul(g, m.sub(m.num(1), m.mul(h, h))) },
  explain: {
    print([h, g], _attrs, s) {
      const H = wrap(h!, "atom", s);
      return hadamard(g!, parens(`1 ${minusSign(s)} ${H} ${odot(s)} ${H}`, s), s);
    },
  },
};

/** tanh's backward: `G ⊙ (1 − H ⊙ H)` where H = tanh(A) is the forward output. */
export function tanhGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(h: Mat<R, C>, g: SameShapeArg<"tanhGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(tanhGradOp, [h, g]) as Mat<R, C>;
}
