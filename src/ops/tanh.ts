import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { unaryOp } from "./elementwise.js";

export const tanhOp = unaryOp("tanh", Math.tanh);

/** Hyperbolic tangent, entry by entry. */
export function tanh<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(tanhOp, [a]) as Mat<R, C>;
}
