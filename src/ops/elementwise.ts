// What the elementwise ops share: the equal-shapes rule (the broadcasting one is in broadcast.ts)
// with its type-level message, and the op records of unary and binary maps.
import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { mismatch, sameShape, type OpDef } from "../op.js";
import { shapeText, type Shape } from "../shape-error.js";
import type { Algebra, Scalar } from "../kernel/algebra.js";
import type { MapEntry } from "../kernel/map.js";
import { elementwiseRule } from "./broadcast.js";

/** b's type for an op that needs equal shapes, else the message the editor shows at b. */
export type SameShapeArg<Op extends string, R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim> =
  [SameDim<R, R2>, SameDim<C, C2>] extends [true, true] ? Mat<R2, C2> : `${Op}: a is ${R}×${C} but b is ${R2}×${C2}; the shapes must be equal`;

export function sameShapeRule(op: string) {
  return ([a, b]: readonly [Shape, Shape]) => {
    if (!sameShape(a, b)) mismatch(op, `a is ${shapeText(a)} but b is ${shapeText(b)}; the shapes must be equal`, [a, b]);
    return { rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols };
  };
}

/** An op that maps each entry through `f` (its math, written once: see kernel/map.ts). */
export function unaryOp(name: string, f: (m: Algebra<Scalar>, x: Scalar) => Scalar, vjp?: OpDef<1>["vjp"]): OpDef<1> {
  const entry: MapEntry = (m) => (x) => f(m, x);
  return {
    name,
    arity: 1,
    ...(vjp && { vjp }),
    shape: ([a]) => ({ rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols }),
    math: { kind: "map", entry },
  };
}

/** An op that combines entries pairwise through `entry`, a broadcast operand read along its dim of one. */
export function binaryOp(name: string, rule: "same" | "broadcast", entry: MapEntry, vjp?: OpDef<2>["vjp"]): OpDef<2> {
  return {
    name,
    arity: 2,
    ...(vjp && { vjp }),
    shape: rule === "same" ? sameShapeRule(name) : elementwiseRule(name),
    math: { kind: "map", entry },
  };
}
