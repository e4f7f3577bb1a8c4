import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { binaryOp, type SameShapeArg } from "./elementwise.js";
import { mul } from "./mul.js";
import { scale } from "./scale.js";

/** d(a / b) = da / b − (a / b) ⊙ db / b: adjoints G / b and −(G / b) ⊙ (a / b). */
export function divRule<R extends Dim, C extends Dim>(a: Mat<R, C>, b: Mat<R, C>, g: Mat<R, C>): [Mat<R, C>, Mat<R, C>] {
  const gOverB = div(g, b);
  return [gOverB, scale(mul(gOverB, div(a, b)), -1)];
}

export const divOp = binaryOp("div", "same", (m, x, y) => m.div(x, y), ([a, b], _out, g) => divRule(a, b, g));

/** Elementwise quotient (IEEE: x/0 is ±Infinity or NaN). The shapes must be equal. */
export function div<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: SameShapeArg<"div", R, C, R2, C2>): Mat<R, C> {
  return apply(divOp, [a, b]) as Mat<R, C>;
}
