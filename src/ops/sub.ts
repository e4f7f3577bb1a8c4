import type { AnyMat } from "../mat.js";
import type { OpDef } from "../op.js";
import { minus } from "../explain/notation.js";
import { binaryOp } from "./elementwise.js";
import { applyElementwise, sumTo, type ElementwiseArg, type ElementwiseResult, type Operand } from "./broadcast.js";
import { scale } from "./scale.js";

/**
 * d(a − b) = da − db: adjoints G and −G, b's summed back over the dims it was read along; swapped
 * (b − a, a number on the left), −G and G.
 */
export function subRule(b: AnyMat, g: AnyMat, swapped: boolean): [AnyMat, AnyMat] {
  return swapped ? [scale(g, -1), sumTo(g, b)] : [g, sumTo(scale(g, -1), b)];
}

export const subOp: OpDef<2> = {
  onnx: (b, [x, y], { swapped = 0 }) => b.node("Sub", swapped ? [y!, x!] : [x!, y!]),
  ...binaryOp("sub", "broadcast", (m, { swapped = 0 }) => (swapped ? (x, y) => m.sub(y, x) : (x, y) => m.sub(x, y)), ([, b], _out, g, { swapped = 0 }) => subRule(b, g, swapped !== 0)),
  optionalAttrs: ["swapped"],
  explain: {
    rule: { text: "difference: d(A − B) = dA − dB (a broadcast row's adjoint sums −G over the rows)", latex: String.raw`\text{difference: } d(A - B) = dA - dB` },
    // Swapped (b − a, a number on the left) the signs trade places.
    differential: (k, _args, d, attrs) => ((k === 0) === !attrs?.["swapped"] ? d : { text: `−${d.text}`, latex: `-${d.latex}` }),
    print: ([a, b], { swapped = 0 }, s) => (swapped ? minus(b!, a!, s) : minus(a!, b!, s)),
    passesAdjoint: [0],
  },
};

/**
 * Difference, entry by entry. `b` may be a's shape, a 1×C row, an R×1 column or a number; `a` may
 * be a number too (`sub(1, z)`).
 */
export function sub<A extends Operand, B extends Operand>(a: A, b: ElementwiseArg<"sub", A, B>): ElementwiseResult<A, B> {
  return applyElementwise(subOp, a, b) as ElementwiseResult<A, B>;
}
