import type { AnyMat } from "../mat.js";
import type { OpDef } from "../op.js";
import { plus } from "../explain/notation.js";
import { binaryOp } from "./elementwise.js";
import { applyElementwise, sumTo, type ElementwiseArg, type ElementwiseResult, type Operand } from "./broadcast.js";

/** d(a + b) = da + db: both adjoints are G, b's summed back over the dims it was read along. */
export function addRule(b: AnyMat, g: AnyMat): [AnyMat, AnyMat] {
  return [g, sumTo(g, b)];
}

export const addOp: OpDef<2> = {
  onnx: (b, [x, y], { swapped = 0 }) => b.node("Add", swapped ? [y!, x!] : [x!, y!]),
  ...binaryOp("add", "broadcast", (m, { swapped = 0 }) => (swapped ? (x, y) => m.add(y, x) : (x, y) => m.add(x, y)), ([, b], _out, g) => addRule(b, g)),
  optionalAttrs: ["swapped"],
  explain: {
    rule: {
      text: "sum: d(A + B) = dA + dB; a bias b broadcast onto every row is 1b, and G : 1 db = 1ᵀG : db: its adjoint sums G over the rows",
      latex: String.raw`\text{sum: } d(A + B) = dA + dB;\ \text{a bias broadcast onto the rows is } \mathbf{1}b:\ G : \mathbf{1}\,db = \mathbf{1}^\top G : db`,
    },
    differential: (_k, _args, d) => d,
    print: ([a, b], { swapped = 0 }) => (swapped ? plus(b!, a!) : plus(a!, b!)),
    passesAdjoint: [0, 1],
  },
};

/**
 * Sum, entry by entry. `b` may be a's shape, a 1×C row (added to every row), an R×1 column (to
 * every column) or a number; `a` may be a number too (`add(1, x)`).
 */
export function add<A extends Operand, B extends Operand>(a: A, b: ElementwiseArg<"add", A, B>): ElementwiseResult<A, B> {
  return applyElementwise(addOp, a, b) as ElementwiseResult<A, B>;
}
