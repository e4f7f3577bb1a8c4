// The math of an op that maps entries: one output entry from the inputs' entries at the same
// place (an input of one row or one column is read along it, a 1×1 input everywhere).
import type { Attrs } from "../op.js";
import type { Algebra } from "./algebra.js";

/** The output entry from input 0's entry `x` and input 1's `y` (NaN for a unary op). */
export type MapEntry = <V>(m: Algebra<V>, x: V, y: V, attrs: Attrs) => V;
