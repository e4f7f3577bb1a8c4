import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop } from "./loop-code.js";
import { broadcastRows } from "./broadcast-rows.js";

/** The adjoint of a sum over rows copies G's one row back onto every row of A. */
export function sumRowsRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<1, C>): Mat<R, C> {
  return broadcastRows(g, a);
}

export const sumRowsOp: OpDef<1> = {
  name: "sumRows",
  arity: 1,
  shape: ([a]) => ({ rowDim: 1, colDim: a.colDim, rows: 1, cols: a.cols }),
  vjp: ([a], _out, g) => [sumRowsRule(a, g as Mat<1, Dim>)],
  math: {
    kind: "nest",
    stacking: (views) => (views[0] ? undefined : { kind: "summed" }),
    body(n) {
      const [a] = n.inputs;
      n.zero();
      n.loop(a!.rows, "i", (i) => n.loop(a!.cols, "j", (j) => n.write(0, j, n.read(0, i, j), "accumulate")));
    },
  },
};

/** Sum over rows, `R×C → 1×C`: the adjoint of broadcasting a 1×C row. */
export function sumRows<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<1, C> {
  return apply(sumRowsOp, [a]) as Mat<1, C>;
}
