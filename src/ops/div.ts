import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { hadamard, pick } from "../explain/notation.js";
import { binaryOp, type SameShapeArg } from "./elementwise.js";
import { mul } from "./mul.js";
import { scale } from "./scale.js";

/** d(a / b) = da / b − (a / b) ⊙ db / b: adjoints G / b and −(G / b) ⊙ (a / b). */
export function divRule<R extends Dim, C extends Dim>(a: Mat<R, C>, b: Mat<R, C>, g: Mat<R, C>): [Mat<R, C>, Mat<R, C>] {
  const gOverB = div(g, b);
  return [gOverB, scale(mul(gOverB, div(a, b)), -1)];
}

export const divOp: OpDef<2> = {
  ...binaryOp("div", "same", (m, x, y) => m.div(x, y), ([a, b], _out, g) => divRule(a, b, g)),
  explain: {
    rule: {
      text: "quotient: d(A ⊘ B) = dA ⊘ B − (A ⊘ B) ⊙ dB ⊘ B, so the adjoints are G ⊘ B and −(G ⊘ B) ⊙ (A ⊘ B)",
      latex: String.raw`d(A \oslash B) = dA \oslash B - (A \oslash B) \odot dB \oslash B`,
    },
    differential: (k, [a, b], d) =>
      k === 0 ? { text: `${d.text} ⊘ ${b!.text}`, latex: `${d.latex} \\oslash ${b!.latex}` } : { text: `−(${a!.text} ⊘ ${b!.text}) ⊙ ${d.text} ⊘ ${b!.text}`, latex: `-(${a!.latex} \\oslash ${b!.latex}) \\odot ${d.latex} \\oslash ${b!.latex}` },
    print: ([a, b], _attrs, s) => hadamard(a!, b!, s, pick(s, "⊘", "\\oslash")),
  },
};

/** Elementwise quotient (IEEE: x/0 is ±Infinity or NaN). The shapes must be equal. */
export function div<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: SameShapeArg<"div", R, C, R2, C2>): Mat<R, C> {
  return apply(divOp, [a, b]) as Mat<R, C>;
}
