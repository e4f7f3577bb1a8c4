import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { eagerSumRows, sumRowsKernelText } from "./sum-rows-eager.js";
import { broadcastRows } from "./broadcast-rows.js";
import { onesT, product, wrap } from "../explain/notation.js";

/** The adjoint of a sum over rows copies G's one row back onto every row of A. */
export function sumRowsRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<1, C>): Mat<R, C> {
  return broadcastRows(g, a);
}

export const sumRowsOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("ReduceSum", [x!, b.ints([0], [1])], { keepdims: 1 }),
  name: "sumRows",
  arity: 1,
  shape: ([a]) => ({ rowDim: 1, colDim: a.colDim, rows: 1, cols: a.cols }),
  vjp: ([a], _out, g) => [sumRowsRule(a, g as Mat<1, Dim>)],
  math: {
    kind: "nest",
    stacking: (views) => (views[0] ? undefined : { kind: "summed" }),
    body(n) {
      const [a] = n.inputs;
      n.zero();
      n.loop(a!.rows, "i", (i) => n.loop(a!.cols, "j", (j) => n.write(0, j, n.read(0, i, j), "accumulate")));
    },
  },
  // The same sums in the same order, as a loop or on WebAssembly above a measured size (sum-rows-eager.ts).
  schedule: {
    eager: (out, [a]) => eagerSumRows(out, a),
    wasm: () => [sumRowsKernelText()],
  },
  explain: {
    rule: { text: "row sum: d(1ᵀA) = 1ᵀ dA, and G : 1ᵀ dA = 1 G : dA: its adjoint copies G onto every row", latex: String.raw`d(\mathbf{1}^\top A) = \mathbf{1}^\top dA,\quad G : \mathbf{1}^\top dA = \mathbf{1}\,G : dA` },
    differential: (_k, _args, d) => ({ text: `1ᵀ ${d.text}`, latex: `\\mathbf{1}^\\top ${d.latex}` }),
    print: ([a], _attrs, s) => product(`${onesT(s)} ${wrap(a!, "atom", s)}`),
  },
};

/** Sum over rows, `R×C → 1×C`: the adjoint of broadcasting a 1×C row. */
export function sumRows<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<1, C> {
  return apply(sumRowsOp, [a]) as Mat<1, C>;
}
