import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { unaryOp } from "./elementwise.js";

export const logOp = unaryOp("log", Math.log);

/** Natural logarithm (log of a negative entry is NaN, of 0 is -Infinity, as in IEEE arithmetic), entry by entry. */
export function log<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(logOp, [a]) as Mat<R, C>;
}
