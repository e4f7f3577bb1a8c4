import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop } from "./loop-code.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

export const softmaxCrossEntropyGradOp: OpDef<2> = {
  name: "softmaxCrossEntropyGrad",
  arity: 2,
  shape: sameShapeRule("softmaxCrossEntropyGrad"),
  // Ŷ·rowsum(Y) − Y as exp(o − max) · (rowsum(Y) / Σ exp(o − max)) − y: the eager kernel and the
  // loops compute it the same way, so that generated code agrees with the interpreter to the last
  // bits, and the loops can keep the exponentials and call Math.exp once per entry.
  eager(out, [o, y]) {
    const cols = o.cols;
    for (let i = 0; i < o.rows; i++) {
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, o.data[i * cols + j]!);
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += Math.exp(o.data[i * cols + j]! - max);
      let rowTotal = 0;
      for (let j = 0; j < cols; j++) rowTotal += y.data[i * cols + j]!;
      const scale = rowTotal / sum;
      for (let j = 0; j < cols; j++) out.data[i * cols + j] = Math.exp(o.data[i * cols + j]! - max) * scale - y.data[i * cols + j]!;
    }
  },
  lower: {
    kind: "loops",
    stacking: { kind: "aligned", inputs: [0, 1] },
    emit(ctx) {
      const [o] = ctx.inputs;
      const i = ctx.index("i", o!.rows), j = ctx.index("j", o!.cols), max = ctx.local("max"), sum = ctx.local("sum"), rowTotal = ctx.local("rowTotal");
      const scale = ctx.local("rowScale"), e = ctx.local("e");
      const x = (jj: string) => ctx.read(0, i, jj);
      const rowStart = [`let ${max} = -Infinity;`, ...loop(j, o!.cols, [`${max} = Math.max(${max}, ${x(j)});`]), `let ${sum} = 0;`];
      const targetTotal = [`let ${rowTotal} = 0;`, ...loop(j, o!.cols, [`${rowTotal} += ${ctx.read(1, i, j)};`]), `const ${scale} = ${rowTotal} / ${sum};`];
      if (ctx.assign === "+=") {
        return loop(i, o!.rows, [
          ...rowStart,
          ...loop(j, o!.cols, [`${sum} += Math.exp(${x(j)} - ${max});`]),
          ...targetTotal,
          ...loop(j, o!.cols, [`${ctx.at(i, j)} += Math.exp(${x(j)} - ${max}) * ${scale} - ${ctx.read(1, i, j)};`]),
        ]);
      }
      // The output row keeps the exponentials until the scale is known.
      return loop(i, o!.rows, [
        ...rowStart,
        ...loop(j, o!.cols, [`const ${e} = Math.exp(${x(j)} - ${max});`, `${ctx.at(i, j)} = ${e};`, `${sum} += ${e};`]),
        ...targetTotal,
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
