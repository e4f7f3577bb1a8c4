import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call, minus, operator, parens, sameStep } from "../explain/notation.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";

export const softmaxCrossEntropyGradOp: OpDef<2> = {
  name: "softmaxCrossEntropyGrad",
  arity: 2,
  shape: sameShapeRule("softmaxCrossEntropyGrad"),
  backwardOnly: true,
  // Ŷ·rowsum(Y) − Y as exp(o − max) · (rowsum(Y) / Σ exp(o − max)) − y, with one exponential per
  // entry: the output row keeps the exponentials until the scale is known (an output that
  // accumulates a gradient cannot hold them, and computes them twice).
  math: {
    kind: "nest",
    stacking: () => ({ kind: "aligned", inputs: [0, 1] }),
    body(n) {
      const [o] = n.inputs;
      n.loop(o!.rows, "i", (i) => {
        const x = (j: Parameters<typeof n.read>[1]) => n.read(0, i, j);
        const max = n.maxOver(o!.cols, "max", x);
        const sum = n.cell("sum", n.num(0));
        if (!n.accumulates) {
          n.loop(o!.cols, "j", (j) => {
            const e = n.bind("e", n.exp(n.sub(x(j), max)));
            n.write(i, j, e, "set");
            n.set(sum, n.add(sum.value, e));
          });
        } else {
          n.loop(o!.cols, "j", (j) => n.set(sum, n.add(sum.value, n.exp(n.sub(x(j), max)))));
        }
        const rowTotal = n.sum(o!.cols, "rowTotal", (j) => n.read(1, i, j));
        const scale = n.bind("rowScale", n.div(rowTotal, sum.value));
        n.loop(o!.cols, "j", (j) => {
          const e = n.accumulates ? n.exp(n.sub(x(j), max)) : n.readOut(i, j);
          n.write(i, j, n.sub(n.mul(e, scale), n.read(1, i, j)), n.accumulates ? "write" : "set");
        });
      });
    },
  },
  explain: {
    // Ŷ ⊙ rowsum(Y) − Y is written Ŷ − Y, as target rows sum to 1 (the rule of softmaxCrossEntropy says so).
    print: ([o, y], _attrs, s) => parens(minus(sameStep({ text: "Ŷ", latex: "\\hat Y" }, o!, s, () => call(operator("softmax"), [o!], s)), y!, s).code, s),
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
