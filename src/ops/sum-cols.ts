import type { Dim } from "../dims.js";
import type { AnyMat, Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call, operator } from "../explain/notation.js";
import { broadcastCols } from "./broadcast-cols.js";

/** The adjoint of a sum over columns copies G's one column back onto every column of A. */
export function sumColsRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, 1>): Mat<R, C> {
  return broadcastCols(g, a);
}

export const sumColsOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("ReduceSum", [x!, b.ints([1], [1])], { keepdims: 1 }),
  name: "sumCols",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.rowDim, colDim: 1, rows: a.rows, cols: 1 }),
  vjp: ([a], _out, g) => [sumColsRule(a, g as Mat<Dim, 1>)],
  math: {
    kind: "nest",
    stacking: (views) => (views[0] ? undefined : { kind: "aligned", inputs: [0] }),
    body(n) {
      const [a] = n.inputs;
      n.loop(a!.rows, "i", (i) => n.write(i, 0, n.sum(a!.cols, "sum", (j) => n.read(0, i, j))));
    },
  },
  // The same sums in the same order without the nest's per-entry calls. Each row's sum is one chain
  // of additions, which vectors could only shorten by reordering it: no WebAssembly kernel.
  schedule: {
    eager: (out, [a]) => rowSumsInto(out, a!),
  },
  explain: {
    rule: { text: "column sum: d(A 1) = dA 1, and G : dA 1 = G 1ᵀ : dA: its adjoint copies G onto every column", latex: String.raw`d(A\mathbf{1}) = dA\,\mathbf{1},\quad G : dA\,\mathbf{1} = G\,\mathbf{1}^\top : dA` },
    differential: (_k, _args, d) => ({ text: `rowsum(${d.text})`, latex: `\\operatorname{rowsum}(${d.latex})` }),
    print: (args, _attrs, s) => call(operator("rowsum"), args, s),
  },
};

/** Sum over columns, `R×C → R×1`: one value per row. */
export function sumCols<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, 1> {
  return apply(sumColsOp, [a]) as Mat<R, 1>;
}

/** Each row of a summed in order into out's entry (divided by `over` when given: a mean). */
export function rowSumsInto(out: AnyMat, a: AnyMat, over?: number): void {
  const A = a.data, O = out.data, cols = a.cols;
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0, at = i * cols; j < cols; j++) s += A[at + j]!;
    O[i] = over === undefined ? s : s / over;
  }
}
