import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { call } from "../explain/notation.js";
import { div } from "./div.js";
import { unaryOp } from "./elementwise.js";

/** d log(A) = dA / A: adjoint G / A. */
export function logRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return div(g, a);
}

export const logOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Log", [x!]),
  ...unaryOp("log", (m, x) => m.log(x), ([a], _out, g) => [logRule(a, g)]),
  explain: {
    rule: { text: "d log(A) = dA ⊘ A, so G : d log(A) = G ⊘ A : dA", latex: String.raw`d\log(A) = dA \oslash A,\quad G : d\log(A) = G \oslash A : dA` },
    differential: (_k, [a], d) => ({ text: `${d.text} ⊘ ${a!.text}`, latex: `${d.latex} \\oslash ${a!.latex}` }),
    print: (args, _attrs, s) => call({ text: "log", latex: "\\log" }, args, s),
  },
};

/** Natural logarithm (log of a negative entry is NaN, of 0 is -Infinity, as in IEEE arithmetic), entry by entry. */
export function log<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(logOp, [a]) as Mat<R, C>;
}
