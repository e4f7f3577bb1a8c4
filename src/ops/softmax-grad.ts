import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop } from "./loop-code.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

export const softmaxGradOp: OpDef<2> = {
  name: "softmaxGrad",
  arity: 2,
  shape: sameShapeRule("softmaxGrad"),
  eager(out, [y, g]) {
    const cols = y.cols;
    for (let i = 0; i < y.rows; i++) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += g.data[i * cols + j]! * y.data[i * cols + j]!;
      for (let j = 0; j < cols; j++) out.data[i * cols + j] = y.data[i * cols + j]! * (g.data[i * cols + j]! - dot);
    }
  },
  lower: {
    kind: "loops",
    stacking: { kind: "aligned", inputs: [0, 1] },
    emit(ctx) {
      const [y] = ctx.inputs;
      const i = ctx.index("i", y!.rows), j = ctx.index("j", y!.cols), dot = ctx.local("dot");
      return loop(i, y!.rows, [
        `let ${dot} = 0;`,
        ...loop(j, y!.cols, [`${dot} += ${ctx.read(1, i, j)} * ${ctx.read(0, i, j)};`]),
        ...loop(j, y!.cols, [`${ctx.at(i, j)} ${ctx.assign} ${ctx.read(0, i, j)} * (${ctx.read(1, i, j)} - ${dot});`]),
      ]);
    },
  },
};

/** softmax's backward, row by row: `Y ⊙ (G − rowsum(G ⊙ Y))` where Y = softmax(O). */
export function softmaxGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(y: Mat<R, C>, g: SameShapeArg<"softmaxGrad", R, C, R2, C2>): Mat<R, C> {
  return apply(softmaxGradOp, [y, g]) as Mat<R, C>;
}
