import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { binaryOp, type SameShapeArg } from "./elementwise.js";

export const mulOp = binaryOp("mul", "same", (x, y) => x * y);

/** Elementwise (Hadamard) product, entry by entry. The shapes must be equal. */
export function mul<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: SameShapeArg<"mul", R, C, R2, C2>): Mat<R, C> {
  return apply(mulOp, [a, b]) as Mat<R, C>;
}
