import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { tanhGrad } from "./tanh-grad.js";

/** d tanh(A) = (1 − tanh²(A)) ⊙ dA, written with the output H: adjoint G ⊙ (1 − H ⊙ H). */
export function tanhRule<R extends Dim, C extends Dim>(h: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return tanhGrad(h, g);
}

export const tanhOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Tanh", [x!]),
  ...unaryOp("tanh", (m, x) => m.tanh(x), (_inputs, out, g) => [tanhRule(out, g)]),
  explain: {
    rule: { text: "d tanh(A) = (1 − H ⊙ H) ⊙ dA with H = tanh(A), so G : dH = G ⊙ (1 − H ⊙ H) : dA", latex: String.raw`d\tanh(A) = (1 - H \odot H) \odot dA,\ H = \tanh(A):\ G : dH = G \odot (1 - H \odot H) : dA` },
    differential: (_k, [a], d) => ({ text: `(1 − tanh²(${a!.text})) ⊙ ${d.text}`, latex: `(1 - \\tanh^2(${a!.latex})) \\odot ${d.latex}` }),
    print: (args, _attrs, s) => call({ text: "tanh", latex: "\\tanh" }, args, s),
  },
};

/** Hyperbolic tangent, entry by entry. */
export function tanh<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(tanhOp, [a]) as Mat<R, C>;
}
