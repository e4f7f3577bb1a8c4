import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, sameDim, type OpDef } from "../op.js";
import { shapeText } from "../shape-error.js";
import { atom, juxtapose, ones } from "../explain/notation.js";

/** `like`'s type when `row` is a 1×C row of the same C, else the message the editor shows. */
export type BroadcastRowsLike<C extends Dim, R2 extends Dim, C2 extends Dim> =
  SameDim<C, C2> extends true ? Mat<R2, C2> : `broadcastRows: the row is 1×${C} but like is ${R2}×${C2}; their columns must agree`;

export const broadcastRowsOp: OpDef<2> = {
  name: "broadcastRows",
  arity: 2,
  shape([row, like]) {
    if (row.rowDim !== 1 || row.rows !== 1 || !sameDim(row.colDim, row.cols, like.colDim, like.cols)) {
      mismatch("broadcastRows", `the row is ${shapeText(row)} but like is ${shapeText(like)}; it must be a 1×${like.colDim} row`, [row, like]);
    }
    return { rowDim: like.rowDim, colDim: like.colDim, rows: like.rows, cols: like.cols };
  },
  backwardOnly: true,
  // `like` lends only its shape.
  math: { kind: "map", entry: () => (row) => row, shapeOnly: [1] },
  // 1b: the column of ones times the row.
  explain: { print: ([row], _attrs, s) => juxtapose(atom(ones(s)), row!, s) },
};

/** Copies a 1×C row onto every row of a matrix shaped like `like` (R×C). */
export function broadcastRows<C extends Dim, R2 extends Dim, C2 extends Dim>(row: Mat<1, C>, like: BroadcastRowsLike<C, R2, C2>): Mat<R2, C2> {
  return apply(broadcastRowsOp, [row, like]) as Mat<R2, C2>;
}
