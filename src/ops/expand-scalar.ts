import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, type OpDef } from "../op.js";
import { shapeText } from "../shape-error.js";
import { ones, onesT, pick, product, wrap } from "../explain/notation.js";

export const expandScalarOp: OpDef<2> = {
  name: "expandScalar",
  arity: 2,
  shape([s, like]) {
    if (s.rows !== 1 || s.cols !== 1 || s.rowDim !== 1 || s.colDim !== 1) mismatch("expandScalar", `the scalar is ${shapeText(s)}; it must be 1×1`, [s, like]);
    return { rowDim: like.rowDim, colDim: like.colDim, rows: like.rows, cols: like.cols };
  },
  backwardOnly: true,
  math: { kind: "map", entry: () => (s) => s, shapeOnly: [1] },
  // 1 s 1ᵀ: the scalar between columns of ones, on every entry.
  explain: { print: ([s], _attrs, style) => product(`${ones(style)}${pick(style, " ", "\\,")}${wrap(s!, "atom", style)}${pick(style, " ", "\\,")}${onesT(style)}`) },
};

/** A matrix shaped like `like` whose every entry is the 1×1 `s`. */
export function expandScalar<R extends Dim, C extends Dim>(s: Mat<1, 1>, like: Mat<R, C>): Mat<R, C> {
  return apply(expandScalarOp, [s, like]) as Mat<R, C>;
}
