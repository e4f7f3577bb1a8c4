import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { logSoftmaxGrad } from "./log-softmax-grad.js";
import { rowLogSumExp } from "./row-reductions.js";
import { call } from "../explain/notation.js";

/** d logsoftmax(O) = dO − rowsum(softmax(O) ⊙ dO): adjoint G − exp(Y) ⊙ rowsum(G), with Y the output. */
export function logSoftmaxRule<R extends Dim, C extends Dim>(y: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return logSoftmaxGrad(y, g);
}

export const logSoftmaxOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("LogSoftmax", [x!], { axis: 1 }),
  name: "logSoftmax",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols }),
  vjp: (_inputs, out, g) => [logSoftmaxRule(out, g)],
  math: {
    kind: "nest",
    stacking: () => ({ kind: "aligned", inputs: [0] }),
    body(n) {
      const [a] = n.inputs;
      n.loop(a!.rows, "i", (i) => {
        const { max, lse } = rowLogSumExp(n, 0, i, a!.cols);
        n.loop(a!.cols, "j", (j) => n.write(i, j, n.sub(n.sub(n.read(0, i, j), max), lse)));
      });
    },
  },
  explain: {
    rule: {
      text: "log-softmax, row-wise: dY = dO − rowsum(Ŷ ⊙ dO) with Y = log softmax(O) and Ŷ = exp(Y), so G : dY = G − Ŷ ⊙ rowsum(G) : dO",
      latex: String.raw`dY = dO - \operatorname{rowsum}(\hat Y \odot dO),\ Y = \log\operatorname{softmax}(O),\ \hat Y = \exp(Y):\ G : dY = G - \hat Y \odot \operatorname{rowsum}(G) : dO`,
    },
    differential: (_k, [a], d) => ({
      text: `${d.text} − rowsum(softmax(${a!.text}) ⊙ ${d.text})`,
      latex: `${d.latex} - \\operatorname{rowsum}(\\operatorname{softmax}(${a!.latex}) \\odot ${d.latex})`,
    }),
    print: (args, _attrs, s) => call({ text: "log softmax", latex: "\\log\\operatorname{softmax}" }, args, s),
  },
};

/** Row-wise log-softmax: x − max − log Σ exp(x − max); finite for huge logits. */
export function logSoftmax<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(logSoftmaxOp, [a]) as Mat<R, C>;
}
