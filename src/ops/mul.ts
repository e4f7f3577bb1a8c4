import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { hadamard } from "../explain/notation.js";
import { binaryOp, type SameShapeArg } from "./elementwise.js";

/** d(a ⊙ b) = da ⊙ b + a ⊙ db: adjoints G ⊙ b and G ⊙ a. */
export function mulRule<R extends Dim, C extends Dim>(a: Mat<R, C>, b: Mat<R, C>, g: Mat<R, C>): [Mat<R, C>, Mat<R, C>] {
  return [mul(g, b), mul(g, a)];
}

export const mulOp: OpDef<2> = {
  ...binaryOp("mul", "same", (m, x, y) => m.mul(x, y), ([a, b], _out, g) => mulRule(a, b, g)),
  explain: {
    rule: { text: "Hadamard product: d(A ⊙ B) = dA ⊙ B + A ⊙ dB, and G : (C ⊙ dA) = (G ⊙ C) : dA", latex: String.raw`d(A \odot B) = dA \odot B + A \odot dB,\quad G : (C \odot dA) = (G \odot C) : dA` },
    differential: (k, [a, b], d) => (k === 0 ? { text: `${d.text} ⊙ ${b!.text}`, latex: `${d.latex} \\odot ${b!.latex}` } : { text: `${a!.text} ⊙ ${d.text}`, latex: `${a!.latex} \\odot ${d.latex}` }),
    print: ([a, b], _attrs, s) => hadamard(a!, b!, s),
  },
};

/** Elementwise (Hadamard) product. The shapes must be equal. */
export function mul<R extends Dim, C extends Dim, R2 extends Dim, C2 extends Dim>(a: Mat<R, C>, b: SameShapeArg<"mul", R, C, R2, C2>): Mat<R, C> {
  return apply(mulOp, [a, b]) as Mat<R, C>;
}
