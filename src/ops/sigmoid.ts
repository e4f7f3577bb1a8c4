import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef, type VectorEntry } from "../op.js";
import { call } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { expVector } from "./exp.js";
import { f64x2 } from "./vector-code.js";
import { sigmoidGrad } from "./sigmoid-grad.js";

/** dσ(A) = σ(A) ⊙ (1 − σ(A)) ⊙ dA, written with the output S: adjoint G ⊙ S ⊙ (1 − S). */
export function sigmoidRule<R extends Dim, C extends Dim>(s: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return sigmoidGrad(s, g);
}

// 1 / (1 + e^−x): for x below about −709 e^−x is +Infinity and the result 0, its limit; never NaN.
// The same operations on both lanes, with exp's vector entry, which gives Math.exp's results.
export const sigmoidVector: VectorEntry = {
  name: "sigmoid",
  uses: [expVector],
  ulp: 0,
  text: `(func $sigmoid (param $x v128) (result v128)
  (f64x2.div ${f64x2(1)} (f64x2.add ${f64x2(1)} (call $exp (f64x2.neg (local.get $x))))))`,
};

export const sigmoidOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Sigmoid", [x!]),
  ...unaryOp("sigmoid", (m, x) => m.div(m.num(1), m.add(m.num(1), m.exp(m.neg(x)))), (_inputs, out, g) => [sigmoidRule(out, g)]),
  explain: {
    rule: { text: "dσ(A) = S ⊙ (1 − S) ⊙ dA with S = σ(A), so G : dS = G ⊙ S ⊙ (1 − S) : dA", latex: String.raw`d\sigma(A) = S \odot (1 - S) \odot dA,\ S = \sigma(A):\ G : dS = G \odot S \odot (1 - S) : dA` },
    differential: (_k, [a], d) => ({ text: `σ(${a!.text}) ⊙ (1 − σ(${a!.text})) ⊙ ${d.text}`, latex: `\\sigma(${a!.latex}) \\odot (1 - \\sigma(${a!.latex})) \\odot ${d.latex}` }),
    print: (args, _attrs, s) => call({ text: "σ", latex: "\\sigma" }, args, s),
  },
  vector: sigmoidVector,
};

/** The logistic function σ(x) = 1 / (1 + e^−x), entry by entry. */
export function sigmoid<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(sigmoidOp, [a]) as Mat<R, C>;
}
