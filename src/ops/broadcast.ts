// What add, sub, mul and div share: their operands may be a matrix or a plain number, and b may be
// a's shape, a 1×C row (one value per column), an R×1 column (one value per row) or 1×1, read
// along its dim of one. The type-level rule with its one message, the run-time rule worded the
// same, numbers as 1×1 constants, and the rule's other half: an adjoint summed back to the shape
// of the operand that was broadcast.
import type { Dim, SameDim } from "../dims.js";
import { makeMat, type AnyMat, type Mat } from "../mat.js";
import { apply, mismatch, sameDim, type OpDef } from "../op.js";
import { shapeText, type Shape } from "../shape-error.js";
import { sumAll } from "./sum-all.js";
import { sumCols } from "./sum-cols.js";
import { sumRows } from "./sum-rows.js";

/** An operand of an elementwise op: a matrix, or a number that stands for the same value everywhere. */
export type Operand = Mat<Dim, Dim> | number;

type Fits<D, D2> = SameDim<D, D2> extends true ? true : SameDim<D2, 1>;

/** b's type when it fits a (a's shape, a 1×C row, an R×1 column or a number), else the message the editor shows at b. */
export type ElementwiseArg<Op extends string, A, B> =
  A extends Mat<infer R, infer C>
    ? B extends Mat<infer R2, infer C2>
      ? [Fits<R, R2>, Fits<C, C2>] extends [true, true]
        ? B
        : `${Op}: a is ${R}×${C} but b is ${R2}×${C2}; b must be ${R}×${C}, 1×${C} (a row), ${R}×1 (a column) or a number`
      : B
    : B extends number
      ? `${Op}: a and b are both numbers; at least one must be a matrix`
      : B;

/** The result's type: a's, or b's when a is a number. */
export type ElementwiseResult<A, B> = A extends number ? B : A;

const isOne = (dim: Dim, size: number) => dim === 1 && size === 1;

/** The run-time rule, worded as the type-level one (a number on the left arrives as b: see applyElementwise). */
export function elementwiseRule(op: string) {
  return ([a, b]: readonly [Shape, Shape]): Shape => {
    const rowsOk = sameDim(a.rowDim, a.rows, b.rowDim, b.rows) || isOne(b.rowDim, b.rows);
    const colsOk = sameDim(a.colDim, a.cols, b.colDim, b.cols) || isOne(b.colDim, b.cols);
    if (!rowsOk || !colsOk) {
      mismatch(op, `a is ${shapeText(a)} but b is ${shapeText(b)}; b must be ${a.rowDim}×${a.colDim}, 1×${a.colDim} (a row), ${a.rowDim}×1 (a column) or a number`, [a, b]);
    }
    return { rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols };
  };
}

/**
 * Applies an elementwise op to a and b, either of which may be a number. A number becomes a 1×1
 * constant; on the left it is passed second, with the attribute `swapped`, so that the matrix is
 * always the op's first input and its shape the result's (`sub(1, z)` is z's shape, computed 1 − z).
 */
export function applyElementwise(op: OpDef<2>, a: unknown, b: unknown): AnyMat {
  if (typeof a === "number") {
    if (typeof b === "number") throw new TypeError(`${op.name}: a and b are both numbers; at least one must be a matrix`);
    return apply(op, [b, operand(a)], { swapped: 1 });
  }
  return apply(op, [a, operand(b)]);
}

/** A number as the 1×1 constant it stands for; a matrix as it is. */
function operand(x: unknown): unknown {
  if (typeof x !== "number") return x;
  return makeMat(1, 1, 1, 1, Float64Array.of(x));
}

/**
 * The adjoint of an operand read along a dim of one: G summed over that dim (over both for a
 * 1×1), since every entry of the result read the same value. G itself otherwise.
 */
export function sumTo(g: AnyMat, like: Shape): AnyMat {
  const rows = isOne(like.rowDim, like.rows) && !isOne(g.rowDim, g.rows);
  const cols = isOne(like.colDim, like.cols) && !isOne(g.colDim, g.cols);
  if (rows && cols) return sumAll(g);
  if (rows) return sumRows(g);
  if (cols) return sumCols(g);
  return g;
}
