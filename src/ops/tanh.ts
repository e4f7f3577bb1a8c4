import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { unaryOp } from "./elementwise.js";
import { tanhGrad } from "./tanh-grad.js";

/** d tanh(A) = (1 − tanh²(A)) ⊙ dA, written with the output H: adjoint G ⊙ (1 − H ⊙ H). */
export function tanhRule<R extends Dim, C extends Dim>(h: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return tanhGrad(h, g);
}

export const tanhOp = unaryOp("tanh", Math.tanh, ([x]) => `Math.tanh(${x})`, (_inputs, out, g) => [tanhRule(out, g)]);

/** Hyperbolic tangent, entry by entry. */
export function tanh<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(tanhOp, [a]) as Mat<R, C>;
}
