import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply } from "../op.js";
import { binaryOp, type BroadcastArg } from "./elementwise.js";

export const addOp = binaryOp("add", "broadcast", (x, y) => x + y);

/** Sum, entry by entry. `b` may be a 1×C row, added to every row of `a`. */
export function add<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: BroadcastArg<"add", R, C, R2, C2>): Mat<R, C> {
  return apply(addOp, [a, b]) as Mat<R, C>;
}
