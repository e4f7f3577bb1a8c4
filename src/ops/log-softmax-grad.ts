import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";
import { call, hadamard, minus, operator } from "../explain/notation.js";

export const logSoftmaxGradOp: OpDef<2> = {
  name: "logSoftmaxGrad",
  arity: 2,
  shape: sameShapeRule("logSoftmaxGrad"),
  backwardOnly: true,
  math: {
    kind: "nest",
    stacking: () => ({ kind: "aligned", inputs: [0, 1] }),
    body(n) {
      const [y] = n.inputs;
      n.loop(y!.rows, "i", (i) => {
        const total = n.sum(y!.cols, "total", (j) => n.read(1, i, j));
        n.loop(y!.cols, "j", (j) => n.write(i, j, n.sub(n.read(1, i, j), n.mul(n.exp(n.read(0, i, j)), total))));
      });
    },
  },
  explain: {
    print: ([y, g], _attrs, s) => minus(g!, hadamard(call({ text: "exp", latex: "\\exp" }, [y!], s), call(operator("rowsum"), [g!], s), s), s),
  },
};

/** logSoftmax's backward, row by row: `G − exp(Y) ⊙ rowsum(G)` where Y = logSoftmax(O). */
export function logSoftmaxGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(y: Mat<R, C>, g: SameShapeArg<"logSoftmaxGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(logSoftmaxGradOp, [y, g]) as Mat<R, C>;
}
