import type { AnyMat } from "../mat.js";
import type { OpDef } from "../op.js";
import { hadamard } from "../explain/notation.js";
import { binaryOp } from "./elementwise.js";
import { applyElementwise, sumTo, type ElementwiseArg, type ElementwiseResult, type Operand } from "./broadcast.js";

/** d(a ⊙ b) = da ⊙ b + a ⊙ db: adjoints G ⊙ b and G ⊙ a, each summed back over the dims its operand was read along. */
export function mulRule(a: AnyMat, b: AnyMat, g: AnyMat): [AnyMat, AnyMat] {
  return [mul(g, b), sumTo(mul(g, a), b)];
}

export const mulOp: OpDef<2> = {
  onnx: (b, [x, y], { swapped = 0 }) => b.node("Mul", swapped ? [y!, x!] : [x!, y!]),
  ...binaryOp("mul", "broadcast", (m, { swapped = 0 }) => (swapped ? (x, y) => m.mul(y, x) : (x, y) => m.mul(x, y)), ([a, b], _out, g) => mulRule(a, b, g)),
  optionalAttrs: ["swapped"],
  explain: {
    rule: { text: "Hadamard product: d(A ⊙ B) = dA ⊙ B + A ⊙ dB, and G : (C ⊙ dA) = (G ⊙ C) : dA", latex: String.raw`d(A \odot B) = dA \odot B + A \odot dB,\quad G : (C \odot dA) = (G \odot C) : dA` },
    differential: (k, [a, b], d) => (k === 0 ? { text: `${d.text} ⊙ ${b!.text}`, latex: `${d.latex} \\odot ${b!.latex}` } : { text: `${a!.text} ⊙ ${d.text}`, latex: `${a!.latex} \\odot ${d.latex}` }),
    print: ([a, b], { swapped = 0 }, s) => (swapped ? hadamard(b!, a!, s) : hadamard(a!, b!, s)),
  },
};

/**
 * Elementwise (Hadamard) product. `b` may be a's shape, a 1×C row (scaling each column), an R×1
 * column (scaling each row) or a number; `a` may be a number too.
 */
export function mul<A extends Operand, B extends Operand>(a: A, b: ElementwiseArg<"mul", A, B>): ElementwiseResult<A, B> {
  return applyElementwise(mulOp, a, b) as ElementwiseResult<A, B>;
}
