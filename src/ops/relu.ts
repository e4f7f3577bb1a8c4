import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call, operator } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { reluGrad } from "./relu-grad.js";

/** d relu(A) = [A > 0] ⊙ dA: adjoint G ⊙ [A > 0], taken as 0 at A = 0 (relu has no derivative there). */
export function reluRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return reluGrad(a, g);
}

// max(x, 0): relu(−0) is 0, and NaN stays NaN.
export const reluOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Relu", [x!]),
  ...unaryOp("relu", (m, x) => m.max(x, m.num(0)), ([a], _out, g) => [reluRule(a, g)]),
  explain: {
    rule: { text: "d relu(A) = [A > 0] ⊙ dA (0 where A = 0), so G : d relu(A) = G ⊙ [A > 0] : dA", latex: String.raw`d\operatorname{relu}(A) = [A > 0] \odot dA:\ G : d\operatorname{relu}(A) = G \odot [A > 0] : dA` },
    differential: (_k, [a], d) => ({ text: `[${a!.text} > 0] ⊙ ${d.text}`, latex: `[${a!.latex} > 0] \\odot ${d.latex}` }),
    print: (args, _attrs, s) => call(operator("relu"), args, s),
  },
};

/** max(x, 0), entry by entry. Its gradient is 1 where x > 0 and 0 elsewhere, 0 at exactly x = 0. */
export function relu<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(reluOp, [a]) as Mat<R, C>;
}
