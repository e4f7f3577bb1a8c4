import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { pick, product, wrap } from "../explain/notation.js";

/** d(s·A) = s·dA: adjoint s·G. */
export function scaleRule<R extends Dim, C extends Dim>(g: Mat<R, C>, s: number): Mat<R, C> {
  return scale(g, s);
}

export const scaleOp: OpDef<1> = {
  onnx: (b, [x], { s = NaN }) => b.node("Mul", [x!, b.constant([s], [])]),
  name: "scale",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.rowDim, colDim: a.colDim, rows: a.rows, cols: a.cols }),
  attrs: ["s"],
  vjp: (_inputs, _out, g, { s = NaN }) => [scaleRule(g, s)],
  math: { kind: "map", entry: (m, { s = NaN }) => (x) => m.mul(m.num(s), x) },
  explain: {
    rule: { text: "scale: d(s·A) = s·dA, and G : s·dA = s·G : dA", latex: String.raw`d(s\,A) = s\,dA,\quad G : s\,dA = s\,G : dA` },
    differential: (_k, _args, d, { s = NaN }) => ({ text: `${s}·${d.text}`, latex: `${s}\\,${d.latex}` }),
    print: ([a], { s = NaN }, style) => product(`${s}${pick(style, "·", "\\,")}${wrap(a!, "atom", style)}`),
  },
};

/** Every entry times the scalar `s`. */
export function scale<R extends Dim, C extends Dim>(a: Mat<R, C>, s: number): Mat<R, C> {
  if (typeof s !== "number") throw new TypeError(`scale: the factor must be a number, got ${typeof s}`);
  return apply(scaleOp, [a], { s }) as Mat<R, C>;
}
