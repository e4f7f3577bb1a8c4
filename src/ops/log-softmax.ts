import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop, rowLogSumExp } from "./loop-code.js";
import { logSoftmaxGrad } from "./log-softmax-grad.js";
import { forEachRowLogSumExp } from "./row-reductions.js";

/** d logsoftmax(O) = dO − rowsum(softmax(O) ⊙ dO): adjoint G − exp(Y) ⊙ rowsum(G), with Y the output. */
export function logSoftmaxRule<R extends Dim, C extends Dim>(y: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return logSoftmaxGrad(y, g);
}

export const logSoftmaxOp: OpDef<1> = {
  name: "logSoftmax",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols }),
  eager(out, [a]) {
    const cols = a.cols;
    forEachRowLogSumExp(a, (i, max, lse) => {
      for (let j = 0; j < cols; j++) out.data[i * cols + j] = a.data[i * cols + j]! - max - lse;
    });
  },
  vjp: (_inputs, out, g) => [logSoftmaxRule(out, g)],
  lower: {
    kind: "loops",
    stacking: { kind: "aligned", inputs: [0] },
    emit(ctx) {
      const [a] = ctx.inputs;
      const i = ctx.index("i", a!.rows), j = ctx.index("j", a!.cols), max = ctx.local("max"), lse = ctx.local("lse"), sum = ctx.local("sum");
      const x = (jj: string) => ctx.read(0, i, jj);
      return loop(i, a!.rows, [...rowLogSumExp(x, a!.cols, { j, max, lse, sum }), ...loop(j, a!.cols, [`${ctx.at(i, j)} ${ctx.assign} ${x(j)} - ${max} - ${lse};`])]);
    },
  },
};

/** Row-wise log-softmax: x − max − log Σ exp(x − max); finite for huge logits. */
export function logSoftmax<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(logSoftmaxOp, [a]) as Mat<R, C>;
}
