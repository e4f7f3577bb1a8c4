import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call, operator } from "../explain/notation.js";
import { broadcastCols } from "./broadcast-cols.js";
import { rowSumsInto } from "./sum-cols.js";
import { scale } from "./scale.js";

/** The adjoint of a mean over C columns copies G / C onto every column of A. */
export function meanColsRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, 1>): Mat<R, C> {
  return broadcastCols(scale(g, 1 / a.cols), a);
}

export const meanColsOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("ReduceMean", [x!], { axes: [1], keepdims: 1 }),
  name: "meanCols",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.rowDim, colDim: 1, rows: a.rows, cols: 1 }),
  vjp: ([a], _out, g) => [meanColsRule(a, g as Mat<Dim, 1>)],
  math: {
    kind: "nest",
    stacking: (views) => (views[0] ? undefined : { kind: "aligned", inputs: [0] }),
    body(n) {
      const [a] = n.inputs;
      n.loop(a!.rows, "i", (i) => n.write(i, 0, n.div(n.sum(a!.cols, "sum", (j) => n.read(0, i, j)), n.num(a!.cols))));
    },
  },
  // The same sums in the same order without the nest's per-entry calls (a chain of additions per
  // row, as sumCols: no WebAssembly kernel).
  schedule: {
    eager: (out, [a]) => rowSumsInto(out, a!, a!.cols),
  },
  explain: {
    rule: { text: "row mean: d(A 1/C) = dA 1/C, and G : dA 1/C = G 1ᵀ/C : dA: its adjoint spreads G/C over the row", latex: String.raw`d(A\mathbf{1}/C) = dA\,\mathbf{1}/C,\quad G : dA\,\mathbf{1}/C = G\,\mathbf{1}^\top/C : dA` },
    differential: (_k, _args, d) => ({ text: `rowmean(${d.text})`, latex: `\\operatorname{rowmean}(${d.latex})` }),
    print: (args, _attrs, s) => call(operator("rowmean"), args, s),
  },
};

/** Mean over columns, `R×C → R×1`: each row's mean (Σ_j a_ij) / C, as a layer norm takes it. */
export function meanCols<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, 1> {
  return apply(meanColsOp, [a]) as Mat<R, 1>;
}
