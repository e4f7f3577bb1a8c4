import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, sameDim, type OpDef } from "../op.js";
import { shapeText } from "../shape-error.js";
import { atom, juxtapose, onesT } from "../explain/notation.js";

/** `like`'s type when `col` is an R×1 column of the same R, else the message the editor shows. */
export type BroadcastColsLike<R extends Dim, R2 extends Dim, C2 extends Dim> =
  SameDim<R, R2> extends true ? Mat<R2, C2> : `broadcastCols: the column is ${R}×1 but like is ${R2}×${C2}; their rows must agree`;

export const broadcastColsOp: OpDef<2> = {
  name: "broadcastCols",
  arity: 2,
  backwardOnly: true,
  shape([col, like]) {
    if (col.colDim !== 1 || col.cols !== 1 || !sameDim(col.rowDim, col.rows, like.rowDim, like.rows)) {
      mismatch("broadcastCols", `the column is ${shapeText(col)} but like is ${shapeText(like)}; it must be a ${like.rowDim}×1 column`, [col, like]);
    }
    return { rowDim: like.rowDim, colDim: like.colDim, rows: like.rows, cols: like.cols };
  },
  // `like` lends only its shape; the column is read at column 0 of every row.
  math: { kind: "map", entry: () => (col) => col, shapeOnly: [1] },
  explain: { print: ([col], _attrs, s) => juxtapose(col!, atom(onesT(s)), s) },
};

/** Copies an R×1 column onto every column of a matrix shaped like `like` (R×C). */
export function broadcastCols<R extends Dim, R2 extends Dim, C2 extends Dim>(col: Mat<R, 1>, like: BroadcastColsLike<R, R2, C2>): Mat<R2, C2> {
  return apply(broadcastColsOp, [col, like]) as Mat<R2, C2>;
}
