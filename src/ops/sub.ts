import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { minus } from "../explain/notation.js";
import { binaryOp, isRowBroadcast, type BroadcastArg } from "./elementwise.js";
import { scale } from "./scale.js";
import { sumRows } from "./sum-rows.js";

/** d(a − b) = da − db: adjoints G and −G; a broadcast row's adjoint is −Σ_rows G. */
export function subRule<R extends Dim, C extends Dim>(g: Mat<R, C>): [Mat<R, C>, Mat<R, C>] {
  return [g, scale(g, -1)];
}
export function subRowRule<R extends Dim, C extends Dim>(g: Mat<R, C>): [Mat<R, C>, Mat<1, C>] {
  return [g, scale(sumRows(g), -1)];
}

export const subOp: OpDef<2> = {
  ...binaryOp("sub", "broadcast", (m, x, y) => m.sub(x, y), ([a, b], _out, g) => (isRowBroadcast(a, b) ? subRowRule(g) : subRule(g))),
  explain: {
    rule: { text: "difference: d(A − B) = dA − dB (a broadcast row's adjoint sums −G over the rows)", latex: String.raw`\text{difference: } d(A - B) = dA - dB` },
    differential: (k, _args, d) => (k === 0 ? d : { text: `−${d.text}`, latex: `-${d.latex}` }),
    print: ([a, b], _attrs, s) => minus(a!, b!, s),
    passesAdjoint: [0],
  },
};

/** Difference, entry by entry. `b` may be a 1×C row, subtracted from every row of `a`. */
export function sub<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: BroadcastArg<"sub", R, C, R2, C2>): Mat<R, C> {
  return apply(subOp, [a, b]) as Mat<R, C>;
}
