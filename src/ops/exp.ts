import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { unaryOp } from "./elementwise.js";
import { mul } from "./mul.js";

/** d exp(A) = exp(A) ⊙ dA: adjoint G ⊙ E, with E the forward output. */
export function expRule<R extends Dim, C extends Dim>(e: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return mul(g, e);
}

export const expOp = unaryOp("exp", (m, x) => m.exp(x), (_inputs, out, g) => [expRule(out, g)]);

/** Exponential, entry by entry. */
export function exp<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(expOp, [a]) as Mat<R, C>;
}
