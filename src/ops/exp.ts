import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { mul } from "./mul.js";

/** d exp(A) = exp(A) ⊙ dA: adjoint G ⊙ E, with E the forward output. */
export function expRule<R extends Dim, C extends Dim>(e: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return mul(g, e);
}

export const expOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Exp", [x!]),
  ...unaryOp("exp", (m, x) => m.exp(x), (_inputs, out, g) => [expRule(out, g)]),
  explain: {
    rule: { text: "d exp(A) = E ⊙ dA with E = exp(A), so G : dE = G ⊙ E : dA", latex: String.raw`d\exp(A) = E \odot dA,\ E = \exp(A):\ G : dE = G \odot E : dA` },
    differential: (_k, [a], d) => ({ text: `exp(${a!.text}) ⊙ ${d.text}`, latex: `\\exp(${a!.latex}) \\odot ${d.latex}` }),
    print: (args, _attrs, s) => call({ text: "exp", latex: "\\exp" }, args, s),
  },
};

/** Exponential, entry by entry. */
export function exp<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(expOp, [a]) as Mat<R, C>;
}
