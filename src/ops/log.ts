import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { div } from "./div.js";
import { unaryOp } from "./elementwise.js";

/** d log(A) = dA / A: adjoint G / A. */
export function logRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return div(g, a);
}

export const logOp = unaryOp("log", (m, x) => m.log(x), ([a], _out, g) => [logRule(a, g)]);

/** Natural logarithm (log of a negative entry is NaN, of 0 is -Infinity, as in IEEE arithmetic), entry by entry. */
export function log<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(logOp, [a]) as Mat<R, C>;
}
