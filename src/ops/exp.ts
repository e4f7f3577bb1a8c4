import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { unaryOp } from "./elementwise.js";

export const expOp = unaryOp("exp", Math.exp);

/** Exponential, entry by entry. */
export function exp<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(expOp, [a]) as Mat<R, C>;
}
