import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop } from "./loop-code.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

export const logSoftmaxGradOp: OpDef<2> = {
  name: "logSoftmaxGrad",
  arity: 2,
  shape: sameShapeRule("logSoftmaxGrad"),
  eager(out, [y, g]) {
    const cols = y.cols;
    for (let i = 0; i < y.rows; i++) {
      let total = 0;
      for (let j = 0; j < cols; j++) total += g.data[i * cols + j]!;
      for (let j = 0; j < cols; j++) out.data[i * cols + j] = g.data[i * cols + j]! - Math.exp(y.data[i * cols + j]!) * total;
    }
  },
  lower: {
    kind: "loops",
    stacking: { kind: "aligned", inputs: [0, 1] },
    emit(ctx) {
      const [y] = ctx.inputs;
      const i = ctx.index("i", y!.rows), j = ctx.index("j", y!.cols), total = ctx.local("total");
      return loop(i, y!.rows, [
        `let ${total} = 0;`,
        ...loop(j, y!.cols, [`${total} += ${ctx.read(1, i, j)};`]),
        ...loop(j, y!.cols, [`${ctx.at(i, j)} ${ctx.assign} ${ctx.read(1, i, j)} - Math.exp(${ctx.read(0, i, j)}) * ${total};`]),
      ]);
    },
  },
};

/** logSoftmax's backward, row by row: `G − exp(Y) ⊙ rowsum(G)` where Y = logSoftmax(O). */
export function logSoftmaxGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(y: Mat<R, C>, g: SameShapeArg<"logSoftmaxGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(logSoftmaxGradOp, [y, g]) as Mat<R, C>;
}
