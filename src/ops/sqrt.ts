import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef, type VectorEntry } from "../op.js";
import { atom } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { div } from "./div.js";
import { scale } from "./scale.js";

/** d√A = dA ⊘ (2√A), written with the output S: adjoint G ⊘ (2S). */
export function sqrtRule<R extends Dim, C extends Dim>(s: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return div(g, scale(s, 2));
}

// Math.sqrt: √−x is NaN, √0 is 0 (its gradient there +Infinity, as the derivative's limit).
// f64x2.sqrt is IEEE 754's square root, correctly rounded as Math.sqrt is, −0 kept: the same results.
export const sqrtVector: VectorEntry = {
  name: "sqrt",
  provides: "sqrt",
  ulp: 0,
  text: `(func $sqrt (param $x v128) (result v128)
  (f64x2.sqrt (local.get $x)))`,
};

export const sqrtOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Sqrt", [x!]),
  ...unaryOp("sqrt", (m, x) => m.sqrt(x), (_inputs, out, g) => [sqrtRule(out, g)]),
  explain: {
    rule: { text: "d√A = dA ⊘ (2S) with S = √A, so G : dS = G ⊘ (2S) : dA", latex: String.raw`d\sqrt{A} = dA \oslash (2S),\ S = \sqrt{A}:\ G : dS = G \oslash (2S) : dA` },
    differential: (_k, [a], d) => ({ text: `${d.text} ⊘ (2√(${a!.text}))`, latex: `${d.latex} \\oslash (2\\sqrt{${a!.latex}})` }),
    print: ([a], _attrs, s) => atom(s === "text" ? `√(${a!.code})` : `\\sqrt{${a!.code}}`),
  },
  vector: sqrtVector,
};

/** Square root, entry by entry. */
export function sqrt<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(sqrtOp, [a]) as Mat<R, C>;
}
