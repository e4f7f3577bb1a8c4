// The math of an op that maps entries: one output entry from the inputs' entries at the same
// place (an input of one row or one column is read along it, a 1×1 input everywhere).
import type { Attrs } from "../op.js";
import type { Algebra, Scalar } from "./algebra.js";

/**
 * From the algebra and the node's attributes (read once, not at every entry), the function from
 * input 0's entry `x` and input 1's `y` (NaN for a unary op) to the output entry.
 */
export type MapEntry = (m: Algebra<Scalar>, attrs: Attrs) => (x: Scalar, y: Scalar) => Scalar;
