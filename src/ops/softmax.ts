import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { rowLogSumExp } from "./row-reductions.js";
import { apply, type OpDef } from "../op.js";
import { call, operator } from "../explain/notation.js";
import { softmaxGrad } from "./softmax-grad.js";
import { eagerSoftmax, softmaxKernelText } from "./softmax-eager.js";

/** dŶ = Ŷ ⊙ (dO − rowsum(Ŷ ⊙ dO)) row by row, a symmetric Jacobian: adjoint Ŷ ⊙ (G − rowsum(G ⊙ Ŷ)). */
export function softmaxRule<R extends Dim, C extends Dim>(y: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return softmaxGrad(y, g);
}

export const softmaxOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Softmax", [x!], { axis: 1 }),
  name: "softmax",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols }),
  vjp: (_inputs, out, g) => [softmaxRule(out, g)],
  math: {
    kind: "nest",
    stacking: () => ({ kind: "aligned", inputs: [0] }),
    body(n) {
      const [a] = n.inputs;
      n.loop(a!.rows, "i", (i) => {
        const { max, lse } = rowLogSumExp(n, 0, i, a!.cols);
        n.loop(a!.cols, "j", (j) => n.write(i, j, n.exp(n.sub(n.sub(n.read(0, i, j), max), lse))));
      });
    },
  },
  // The same loops without per-entry calls, on WebAssembly above a measured size (softmax-eager.ts).
  schedule: {
    eager: (out, [a]) => eagerSoftmax(out, a),
    wasm: () => [softmaxKernelText()],
  },
  explain: {
    rule: {
      text: "softmax, row-wise: dŶ = Ŷ ⊙ (dO − rowsum(Ŷ ⊙ dO)) with Ŷ = softmax(O), so G : dŶ = Ŷ ⊙ (G − rowsum(G ⊙ Ŷ)) : dO",
      latex: String.raw`d\hat Y = \hat Y \odot (dO - \operatorname{rowsum}(\hat Y \odot dO)),\ \hat Y = \operatorname{softmax}(O):\ G : d\hat Y = \hat Y \odot (G - \operatorname{rowsum}(G \odot \hat Y)) : dO`,
    },
    differential: (_k, [a], d) => ({
      text: `softmax(${a!.text}) ⊙ (${d.text} − rowsum(softmax(${a!.text}) ⊙ ${d.text}))`,
      latex: `\\operatorname{softmax}(${a!.latex}) \\odot (${d.latex} - \\operatorname{rowsum}(\\operatorname{softmax}(${a!.latex}) \\odot ${d.latex}))`,
    }),
    print: (args, _attrs, s) => call(operator("softmax"), args, s),
  },
};

/** Row-wise softmax: each row becomes exp(x − max) / Σ exp(x − max); finite for huge logits. */
export function softmax<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(softmaxOp, [a]) as Mat<R, C>;
}
