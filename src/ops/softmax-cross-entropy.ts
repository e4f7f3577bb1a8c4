import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { rowLogSumExp } from "./row-reductions.js";
import { apply, type OpDef } from "../op.js";
import { call, hadamard, minusSign, pick, sum } from "../explain/notation.js";
import { sameShapeRule, type SameShapeArg } from "./elementwise.js";
import { logSoftmax } from "./log-softmax.js";
import { mulScalar } from "./mul-scalar.js";
import { scale } from "./scale.js";
import { softmaxCrossEntropyGrad } from "./softmax-cross-entropy-grad.js";

/**
 * L = −Σ Y ⊙ logsoftmax(O), so dL = (Ŷ ⊙ rowsum(Y) − Y):dO − logsoftmax(O):dY. With the scalar
 * adjoint G: G·(Ŷ ⊙ rowsum(Y) − Y) for the logits, −G·logsoftmax(O) for the targets.
 */
export function softmaxCrossEntropyRule<R extends Dim, C extends Dim>(o: Mat<R, C>, y: Mat<R, C>, g: Mat<1, 1>): [Mat<R, C>, Mat<R, C>] {
  return [mulScalar(softmaxCrossEntropyGrad(o, y), g), scale(mulScalar(logSoftmax(o), g), -1)];
}

export const softmaxCrossEntropyOp: OpDef<2> = {
  name: "softmaxCrossEntropy",
  arity: 2,
  shape(inputs) {
    sameShapeRule("softmaxCrossEntropy")(inputs);
    return { rowDim: 1, colDim: 1, rows: 1, cols: 1 };
  },
  vjp: ([o, y], _out, g) => softmaxCrossEntropyRule(o, y, g as Mat<1, 1>),
  explain: {
    rule: {
      text: "softmax cross-entropy: L = −Σ Y ⊙ log Ŷ with Ŷ = softmax(O) row-wise gives dL = (Ŷ ⊙ rowsum(Y) − Y) : dO, that is (Ŷ − Y) : dO when each row of Y sums to 1; no softmax Jacobian",
      latex: String.raw`L = -\textstyle\sum Y \odot \log \hat Y,\ \hat Y = \operatorname{softmax}(O):\ dL = (\hat Y \odot \operatorname{rowsum}(Y) - Y) : dO = (\hat Y - Y) : dO`,
    },
    differential: (k, _args, d) => (k === 0 ? { text: `(Ŷ − Y) : ${d.text}`, latex: `(\\hat Y - Y) : ${d.latex}` } : { text: `−log Ŷ : ${d.text}`, latex: `-\\log \\hat Y : ${d.latex}` }),
    print: ([o, y], _attrs, s) => sum(`${minusSign(s)}${pick(s, "Σ", "\\sum")} ${hadamard(y!, call({ text: "log softmax", latex: "\\log\\operatorname{softmax}" }, [o!], s), s).code}`),
  },
  // Σ_ij Y_ij·log softmax(O)_ij with log softmax = O − max − lse: never forms exp(O), so huge logits
  // stay finite. A zero target contributes nothing, even where its log-probability underflows to −∞
  // (0·−∞ would be NaN); a NaN target still propagates.
  math: {
    kind: "nest",
    stacking: () => ({ kind: "summed" }),
    body(n) {
      const [o] = n.inputs;
      const total = n.cell("total", n.num(0));
      n.loop(o!.rows, "i", (i) => {
        const { max, lse } = rowLogSumExp(n, 0, i, o!.cols);
        n.loop(o!.cols, "j", (j) => {
          const target = n.bind("target", n.read(1, i, j));
          n.set(total, n.add(total.value, n.choose("!==", target, n.num(0), n.mul(target, n.sub(n.sub(n.read(0, i, j), max), lse)), n.num(0))));
        });
      });
      n.write(0, 0, n.neg(total.value));
    },
  },
};

/**
 * Cross-entropy of row-wise softmax(O) against targets Y (one-hot rows or distributions), summed
 * over all rows: `−Σ Y ⊙ logSoftmax(O)`, a 1×1 matrix. Divide by the row count for a mean.
 */
export function softmaxCrossEntropy<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(
  logits: Mat<R, C>,
  targets: SameShapeArg<"softmaxCrossEntropy", R, C, R2, C2>,
): Mat<1, 1> {
  return apply(softmaxCrossEntropyOp, [logits, targets]) as Mat<1, 1>;
}
