import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { binaryOp, type SameShapeArg } from "./elementwise.js";

/** d(a ⊙ b) = da ⊙ b + a ⊙ db: adjoints G ⊙ b and G ⊙ a. */
export function mulRule<R extends Dim, C extends Dim>(a: Mat<R, C>, b: Mat<R, C>, g: Mat<R, C>): [Mat<R, C>, Mat<R, C>] {
  return [mul(g, b), mul(g, a)];
}

export const mulOp = binaryOp("mul", "same", (x, y) => x * y, ([x, y]) => `${x} * ${y}`, ([a, b], _out, g) => mulRule(a, b, g));

/** Elementwise (Hadamard) product. The shapes must be equal. */
export function mul<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: SameShapeArg<"mul", R, C, R2, C2>): Mat<R, C> {
  return apply(mulOp, [a, b]) as Mat<R, C>;
}
