import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";
import { call, hadamard, minus, operator, parens } from "../explain/notation.js";

export const softmaxGradOp: OpDef<2> = {
  name: "softmaxGrad",
  arity: 2,
  shape: sameShapeRule("softmaxGrad"),
  backwardOnly: true,
  math: {
    kind: "nest",
    stacking: () => ({ kind: "aligned", inputs: [0, 1] }),
    body(n) {
      const [y] = n.inputs;
      n.loop(y!.rows, "i", (i) => {
        const dot = n.sum(y!.cols, "dot", (j) => n.mul(n.read(1, i, j), n.read(0, i, j)));
        n.loop(y!.cols, "j", (j) => n.write(i, j, n.mul(n.read(0, i, j), n.sub(n.read(1, i, j), dot))));
      });
    },
  },
  explain: {
    print: ([y, g], _attrs, s) => hadamard(y!, parens(minus(g!, call(operator("rowsum"), [hadamard(g!, y!, s)], s), s).code, s), s),
  },
};

/** softmax's backward, row by row: `Y ⊙ (G − rowsum(G ⊙ Y))` where Y = softmax(O). */
export function softmaxGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(y: Mat<R, C>, g: SameShapeArg<"softmaxGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(softmaxGradOp, [y, g]) as Mat<R, C>;
}
