import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, type OpDef } from "../op.js";
import { shapeText } from "../shape-error.js";
import { scaledBy } from "../explain/notation.js";
import { mul } from "./mul.js";
import { sumAll } from "./sum-all.js";

/** d(s·A) = ds·A + s·dA with s a 1×1 matrix: adjoints s·G and Σ(G ⊙ A). */
export function mulScalarRule<R extends Dim, C extends Dim>(a: Mat<R, C>, s: Mat<1, 1>, g: Mat<R, C>): [Mat<R, C>, Mat<1, 1>] {
  return [mulScalar(g, s), sumAll(mul(g, a))];
}

export const mulScalarOp: OpDef<2> = {
  onnx: (b, [x, s]) => b.node("Mul", [x!, s!]),
  name: "mulScalar",
  arity: 2,
  shape([a, s]) {
    if (s.rows !== 1 || s.cols !== 1 || s.rowDim !== 1 || s.colDim !== 1) mismatch("mulScalar", `a is ${shapeText(a)} but s is ${shapeText(s)}; s must be 1×1`, [a, s]);
    return { rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols };
  },
  vjp: ([a, s], _out, g) => mulScalarRule(a, s as Mat<1, 1>, g),
  math: { kind: "map", entry: (m) => (x, s) => m.mul(x, s) },
  explain: {
    rule: { text: "scalar product: d(s·A) = ds·A + s·dA with s 1×1, so the adjoints are s·G and Σ G ⊙ A", latex: String.raw`d(s\,A) = ds\,A + s\,dA,\quad s \in \mathbb{R}^{1\times 1}` },
    differential: (k, [a, f], d) => (k === 0 ? { text: `${f!.text}·${d.text}`, latex: `${f!.latex}\\,${d.latex}` } : { text: `${d.text}·${a!.text}`, latex: `${d.latex}\\,${a!.latex}` }),
    // The loss's adjoint is 1/(T·n): a product with it prints as the quotient G/(T·n).
    print: ([a, f], _attrs, s) => scaledBy(f!, a!, s),
  },
};

/** Every entry of `a` times the 1×1 matrix `s` (a scale whose factor is itself computed). */
export function mulScalar<R extends Dim, C extends Dim>(a: Mat<R, C>, s: Mat<1, 1>): Mat<R, C> {
  return apply(mulScalarOp, [a, s]) as Mat<R, C>;
}
