import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { plus } from "../explain/notation.js";
import { binaryOp, isRowBroadcast, type BroadcastArg } from "./elementwise.js";
import { sumRows } from "./sum-rows.js";

/** d(a + b) = da + db: both adjoints are G; a broadcast row's adjoint sums G over the rows. */
export function addRule<R extends Dim, C extends Dim>(g: Mat<R, C>): [Mat<R, C>, Mat<R, C>] {
  return [g, g];
}
export function addRowRule<R extends Dim, C extends Dim>(g: Mat<R, C>): [Mat<R, C>, Mat<1, C>] {
  return [g, sumRows(g)];
}

export const addOp: OpDef<2> = {
  ...binaryOp("add", "broadcast", (m, x, y) => m.add(x, y), ([a, b], _out, g) => (isRowBroadcast(a, b) ? addRowRule(g) : addRule(g))),
  explain: {
    rule: {
      text: "sum: d(A + B) = dA + dB; a bias b broadcast onto every row is 1b, and G : 1 db = 1ᵀG : db: its adjoint sums G over the rows",
      latex: String.raw`\text{sum: } d(A + B) = dA + dB;\ \text{a bias broadcast onto the rows is } \mathbf{1}b:\ G : \mathbf{1}\,db = \mathbf{1}^\top G : db`,
    },
    differential: (_k, _args, d) => d,
    print: ([a, b]) => plus(a!, b!),
    passesAdjoint: [0, 1],
  },
};

/** Sum, entry by entry. `b` may be a 1×C row, added to every row of `a`. */
export function add<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: BroadcastArg<"add", R, C, R2, C2>): Mat<R, C> {
  return apply(addOp, [a, b]) as Mat<R, C>;
}
