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
  vjp: ([a], _out, g) => [sumAllRule(a, g as Mat<1, 1>)],
  math: {
    kind: "nest",
    stacking: (views) => (views[0] ? undefined : { kind: "summed" }),
    body(n) {
      const [a] = n.inputs;
      const total = n.cell("total", n.num(0));
      n.loop(a!.rows, "i", (i) => n.loop(a!.cols, "j", (j) => n.set(total, n.add(total.value, n.read(0, i, j)))));
      n.write(0, 0, total.value);
    },
  },
};

/** Sum of every entry, `R×C → 1×1`. */
export function sumAll<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<1, 1> {
  return apply(sumAllOp, [a]) as Mat<1, 1>;
}
