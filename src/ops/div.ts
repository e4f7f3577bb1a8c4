import type { AnyMat } from "../mat.js";
import type { OpDef } from "../op.js";
import { hadamard, pick } from "../explain/notation.js";
import { binaryOp } from "./elementwise.js";
import { applyElementwise, sumTo, type ElementwiseArg, type ElementwiseResult, type Operand } from "./broadcast.js";
import { mul } from "./mul.js";
import { scale } from "./scale.js";

/** d(a / b) = da / b − (a / b) ⊙ db / b: adjoints G / b and −(G / b) ⊙ (a / b), each summed back over the dims its operand was read along. */
export function divRule(a: AnyMat, b: AnyMat, out: AnyMat, g: AnyMat, swapped: boolean): [AnyMat, AnyMat] {
  // Swapped, out = b ⊘ a: adjoints −(G ⊘ a) ⊙ out and G ⊘ a, summed back to b's shape.
  if (swapped) {
    const gOverA = div(g, a);
    return [scale(mul(gOverA, out), -1), sumTo(gOverA, b)];
  }
  const gOverB = div(g, b);
  return [gOverB, sumTo(scale(mul(gOverB, out), -1), b)];
}

export const divOp: OpDef<2> = {
  onnx: (b, [x, y], { swapped = 0 }) => b.node("Div", swapped ? [y!, x!] : [x!, y!]),
  ...binaryOp("div", "broadcast", (m, { swapped = 0 }) => (swapped ? (x, y) => m.div(y, x) : (x, y) => m.div(x, y)), ([a, b], out, g, { swapped = 0 }) => divRule(a, b, out, g, swapped !== 0)),
  optionalAttrs: ["swapped"],
  explain: {
    rule: {
      text: "quotient: d(A ⊘ B) = dA ⊘ B − (A ⊘ B) ⊙ dB ⊘ B, so the adjoints are G ⊘ B and −(G ⊘ B) ⊙ (A ⊘ B)",
      latex: String.raw`d(A \oslash B) = dA \oslash B - (A \oslash B) \odot dB \oslash B`,
    },
    // Swapped (a number on the left: b ⊘ a) input 0 is the denominator.
    differential: (k, [a, b], d, attrs) => {
      const [num, den, ofNum] = attrs?.["swapped"] ? [b!, a!, k === 1] : [a!, b!, k === 0];
      return ofNum ? { text: `${d.text} ⊘ ${den.text}`, latex: `${d.latex} \\oslash ${den.latex}` } : { text: `−(${num.text} ⊘ ${den.text}) ⊙ ${d.text} ⊘ ${den.text}`, latex: `-(${num.latex} \\oslash ${den.latex}) \\odot ${d.latex} \\oslash ${den.latex}` };
    },
    print: ([a, b], { swapped = 0 }, s) => (swapped ? hadamard(b!, a!, s, pick(s, "⊘", "\\oslash")) : hadamard(a!, b!, s, pick(s, "⊘", "\\oslash"))),
  },
};

/**
 * Elementwise quotient (IEEE: x/0 is ±Infinity or NaN). `b` may be a's shape, a 1×C row, an R×1
 * column or a number; `a` may be a number too (`div(1, x)`).
 */
export function div<A extends Operand, B extends Operand>(a: A, b: ElementwiseArg<"div", A, B>): ElementwiseResult<A, B> {
  return applyElementwise(divOp, a, b) as ElementwiseResult<A, B>;
}
