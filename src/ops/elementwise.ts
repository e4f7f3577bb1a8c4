// What the elementwise ops share: their shape rules (equal shapes, or a 1×C row broadcast onto every
// row), the matching type-level messages, and the op records of unary and binary maps.
import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { mismatch, sameDim, sameShape, type OpDef } from "../op.js";
import { shapeText, type Shape } from "../shape-error.js";
import type { MapEntry } from "../kernel/map.js";

/** b's type for an op that needs equal shapes, else the message the editor shows at b. */
export type SameShapeArg<Op extends string, R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim> =
  [SameDim<R, R2>, SameDim<C, C2>] extends [true, true] ? Mat<R2, C2> : `${Op}: a is ${R}×${C} but b is ${R2}×${C2}; the shapes must be equal`;

/** b's type for add/sub: a's shape, or a 1×C row broadcast onto a's rows; else the message. */
export type BroadcastArg<Op extends string, R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim> =
  [SameDim<C, C2>, SameDim<R, R2> extends true ? true : SameDim<R2, 1>] extends [true, true]
    ? Mat<R2, C2>
    : `${Op}: a is ${R}×${C} but b is ${R2}×${C2}; b must be ${R}×${C} or a 1×${C} row`;

export function sameShapeRule(op: string) {
  return ([a, b]: readonly [Shape, Shape]) => {
    if (!sameShape(a, b)) mismatch(op, `a is ${shapeText(a)} but b is ${shapeText(b)}; the shapes must be equal`, [a, b]);
    return { rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols };
  };
}

/** True when b is added to every row of a rather than entry by entry. */
export function isRowBroadcast(a: { rows: number; rowDim: Dim }, b: { rows: number; rowDim: Dim }): boolean {
  return b.rowDim === 1 && b.rows === 1 && !(a.rowDim === 1 && a.rows === 1);
}

export function broadcastRule(op: string) {
  return ([a, b]: readonly [Shape, Shape]) => {
    const rowsOk = sameDim(a.rowDim, a.rows, b.rowDim, b.rows) || (b.rowDim === 1 && b.rows === 1);
    if (!rowsOk || !sameDim(a.colDim, a.cols, b.colDim, b.cols)) {
      mismatch(op, `a is ${shapeText(a)} but b is ${shapeText(b)}; b must be ${a.rowDim}×${a.colDim} or a 1×${a.colDim} row`, [a, b]);
    }
    return { rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols };
  };
}

/** An op that maps each entry through `entry` (its math, written once: see kernel/map.ts). */
export function unaryOp(name: string, entry: MapEntry, vjp?: OpDef<1>["vjp"]): OpDef<1> {
  return {
    name,
    arity: 1,
    ...(vjp && { vjp }),
    shape: ([a]) => ({ rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols }),
    math: { kind: "map", entry },
  };
}

/** An op that combines entries pairwise through `entry`, b's single row repeating when it broadcasts. */
export function binaryOp(name: string, rule: "same" | "broadcast", entry: MapEntry, vjp?: OpDef<2>["vjp"]): OpDef<2> {
  return {
    name,
    arity: 2,
    ...(vjp && { vjp }),
    shape: rule === "same" ? sameShapeRule(name) : broadcastRule(name),
    math: { kind: "map", entry },
  };
}
