import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop, rowLogSumExp } from "./loop-code.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";
import { forEachRowLogSumExp } from "./row-reductions.js";

export const softmaxCrossEntropyGradOp: OpDef<2> = {
  name: "softmaxCrossEntropyGrad",
  arity: 2,
  shape: sameShapeRule("softmaxCrossEntropyGrad"),
  eager(out, [o, y]) {
    const cols = o.cols;
    forEachRowLogSumExp(o, (i, max, lse) => {
      let rowTotal = 0;
      for (let j = 0; j < cols; j++) rowTotal += y.data[i * cols + j]!;
      for (let j = 0; j < cols; j++) out.data[i * cols + j] = Math.exp(o.data[i * cols + j]! - max - lse) * rowTotal - y.data[i * cols + j]!;
    });
  },
  lower: {
    kind: "loops",
    stacking: { kind: "aligned", inputs: [0, 1] },
    emit(ctx) {
      const [o] = ctx.inputs;
      const i = ctx.index("i", o!.rows), j = ctx.index("j", o!.cols), max = ctx.local("max"), lse = ctx.local("lse"), sum = ctx.local("sum"), rowTotal = ctx.local("rowTotal");
      const x = (jj: string) => ctx.read(0, i, jj);
      const targetTotal = [`let ${rowTotal} = 0;`, ...loop(j, o!.cols, [`${rowTotal} += ${ctx.read(1, i, j)};`])];
      if (ctx.assign === "+=") {
        return loop(i, o!.rows, [
          ...rowLogSumExp(x, o!.cols, { j, max, lse, sum }),
          ...targetTotal,
          ...loop(j, o!.cols, [`${ctx.at(i, j)} += Math.exp(${x(j)} - ${max} - ${lse}) * ${rowTotal} - ${ctx.read(1, i, j)};`]),
        ]);
      }
      // The exponentials of the row's sum are kept in the output row and scaled there, so each
      // entry takes one Math.exp instead of two (one call in ten of them at the RNN's C1).
      const scale = ctx.local("scale"), e = ctx.local("e");
      return loop(i, o!.rows, [
        `let ${max} = -Infinity;`,
        ...loop(j, o!.cols, [`${max} = Math.max(${max}, ${x(j)});`]),
        `let ${sum} = 0;`,
        ...loop(j, o!.cols, [`const ${e} = Math.exp(${x(j)} - ${max});`, `${ctx.at(i, j)} = ${e};`, `${sum} += ${e};`]),
        ...targetTotal,
        `const ${scale} = ${rowTotal} / ${sum};`,
        ...loop(j, o!.cols, [`${ctx.at(i, j)} = ${ctx.at(i, j)} * ${scale} - ${ctx.read(1, i, j)};`]),
      ]);
    },
  },
};

/**
 * The fused adjoint of softmax cross-entropy with respect to the logits: `Ŷ ⊙ rowsum(Y) − Y`
 * with Ŷ = softmax(O) (that is Ŷ − Y for one-hot or distribution rows). No softmax Jacobian.
 */
export function softmaxCrossEntropyGrad<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(
  logits: Mat<R, C>,
  targets: SameShapeArg<"softmaxCrossEntropyGrad", R, C, R2, C2>,
): Mat<R, C> {
  return apply(softmaxCrossEntropyGradOp, [logits, targets]) as Mat<R, C>;
}
