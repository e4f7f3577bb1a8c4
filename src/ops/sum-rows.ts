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
  eager(out, [a]) {
    const { rows, cols, data } = a;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.data[j]! += data[i * cols + j]!;
  },
  vjp: ([a], _out, g) => [sumRowsRule(a, g as Mat<1, Dim>)],
  lower: {
    kind: "loops",
    stacking: { kind: "summed" },
    emit(ctx) {
      const [a] = ctx.inputs;
      const i = ctx.index("i", a!.rows), j = ctx.index("j", a!.cols);
      return [...ctx.zero(), ...loop(i, a!.rows, loop(j, a!.cols, [`${ctx.at("0", j)} += ${ctx.read(0, i, j)};`]))];
    },
  },
};

/** Sum over rows, `R×C → 1×C`: the adjoint of broadcasting a 1×C row. */
export function sumRows<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<1, C> {
  return apply(sumRowsOp, [a]) as Mat<1, C>;
}
