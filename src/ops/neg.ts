import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { minusSign, product, wrap } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";

/** d(−A) = −dA: adjoint −G. */
export function negRule<R extends Dim, C extends Dim>(g: Mat<R, C>): Mat<R, C> {
  return neg(g);
}

export const negOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Neg", [x!]),
  ...unaryOp("neg", (m, x) => m.neg(x), (_inputs, _out, g) => [negRule(g)]),
  explain: {
    rule: { text: "d(−A) = −dA, so G : d(−A) = −G : dA", latex: String.raw`d(-A) = -dA:\ G : d(-A) = -G : dA` },
    differential: (_k, _args, d) => ({ text: `−${d.text}`, latex: `-${d.latex}` }),
    print: ([a], _attrs, s) => product(`${minusSign(s)}${wrap(a!, "atom", s)}`),
  },
};

/** −x, entry by entry. */
export function neg<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(negOp, [a]) as Mat<R, C>;
}
