import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { binaryOp, type BroadcastArg } from "./elementwise.js";

export const subOp = binaryOp("sub", "broadcast", (x, y) => x - y);

/** Difference, entry by entry. `b` may be a 1×C row, subtracted from every row of `a`. */
export function sub<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: BroadcastArg<"sub", R, C, R2, C2>): Mat<R, C> {
  return apply(subOp, [a, b]) as Mat<R, C>;
}
