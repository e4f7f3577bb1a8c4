import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { atom, wrap } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { mul } from "./mul.js";
import { scale } from "./scale.js";

/** d(A ⊙ A) = 2A ⊙ dA: adjoint G ⊙ 2A. */
export function squareRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return mul(g, scale(a, 2));
}

export const squareOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Mul", [x!, x!]),
  ...unaryOp("square", (m, x) => m.mul(x, x), ([a], _out, g) => [squareRule(a, g)]),
  explain: {
    rule: { text: "d(A²) = 2A ⊙ dA, so G : d(A²) = 2G ⊙ A : dA", latex: String.raw`d(A^2) = 2A \odot dA:\ G : d(A^2) = 2\,G \odot A : dA` },
    differential: (_k, [a], d) => ({ text: `2${a!.text} ⊙ ${d.text}`, latex: `2${a!.latex} \\odot ${d.latex}` }),
    print: ([a], _attrs, s) => atom(s === "text" ? `${wrap(a!, "atom", s)}²` : `{${wrap(a!, "atom", s)}}^2`),
  },
};

/** x², entry by entry (A ⊙ A in one op). */
export function square<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(squareOp, [a]) as Mat<R, C>;
}
