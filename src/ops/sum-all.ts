import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { loop } from "./loop-code.js";
import { expandScalar } from "./expand-scalar.js";

/** The adjoint of a total spreads G's one entry over every entry of A. */
export function sumAllRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<1, 1>): Mat<R, C> {
  return expandScalar(g, a);
}

export const sumAllOp: OpDef<1> = {
  name: "sumAll",
  arity: 1,
  shape: () => ({ rowDim: 1, colDim: 1, rows: 1, cols: 1 }),
  eager(out, [a]) {
    let s = 0;
    for (const x of a.data) s += x;
    out.data[0] = s;
  },
  vjp: ([a], _out, g) => [sumAllRule(a, g as Mat<1, 1>)],
  lower: {
    kind: "loops",
    stacking: { kind: "summed" },
    emit(ctx) {
      const [a] = ctx.inputs;
      const i = ctx.index("i", a!.rows), j = ctx.index("j", a!.cols), s = ctx.local("s");
      return [`let ${s} = 0;`, ...loop(i, a!.rows, loop(j, a!.cols, [`${s} += ${ctx.read(0, i, j)};`])), `${ctx.at("0", "0")} ${ctx.assign} ${s};`];
    },
  },
};

/** Sum of every entry, `R×C → 1×1`. */
export function sumAll<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<1, 1> {
  return apply(sumAllOp, [a]) as Mat<1, 1>;
}
