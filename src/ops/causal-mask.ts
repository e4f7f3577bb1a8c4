import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, sameDim, type OpDef } from "../op.js";
import { shapeText } from "../shape-error.js";
import { call, operator } from "../explain/notation.js";

/** S's type when it is square (R×R), else the message the editor shows. */
export type SquareArg<R extends Dim, C extends Dim> = SameDim<R, C> extends true ? Mat<R, C> : `causalMask: S is ${R}×${C}; it must be square (${R}×${R})`;

/** The adjoint of a mask is G masked the same way, with 0 where the mask wrote −∞: nothing flows there. */
export function causalMaskRule<R extends Dim>(g: Mat<R, R>): Mat<R, R> {
  return apply(causalMaskOp, [g], { fill: 0 }) as Mat<R, R>;
}

export const causalMaskOp: OpDef<1> = {
  onnx: (b, [x], { fill = NaN }) => {
    const { rows, cols } = b.output;
    const above = Array.from({ length: rows * cols }, (_, k) => k % cols > Math.floor(k / cols));
    return b.node("Where", [b.bools(above, [rows, cols]), b.constant([fill], []), x!]);
  },
  name: "causalMask",
  arity: 1,
  // What the entries above the diagonal become: −Infinity in a model, 0 in its gradient rule.
  attrs: ["fill"],
  shape([s]) {
    if (!sameDim(s.rowDim, s.rows, s.colDim, s.cols)) mismatch("causalMask", `S is ${shapeText(s)}; it must be square (${s.rowDim}×${s.rowDim})`, [s]);
    return { rowDim: s.rowDim, colDim: s.colDim, rows: s.rows, cols: s.cols };
  },
  vjp: (_inputs, _out, g) => [causalMaskRule(g)],
  math: {
    kind: "nest",
    body(n) {
      const [s] = n.inputs;
      const fill = n.num(n.attrs["fill"] ?? NaN);
      n.loop(s!.rows, "i", (i) => n.loop(s!.cols, "j", (j) => n.write(i, j, n.choose(">", n.indexValue(j), n.indexValue(i), fill, n.read(0, i, j)))));
    },
  },
  explain: {
    rule: { text: "causal mask: entries above the diagonal are constant (−∞), so G flows back through the others alone: G : d mask(S) = mask₀(G) : dS", latex: String.raw`G : d\,\operatorname{mask}(S) = \operatorname{mask}_0(G) : dS` },
    differential: (_k, _args, d) => ({ text: `mask₀(${d.text})`, latex: `\\operatorname{mask}_0(${d.latex})` }),
    print: (args, { fill = NaN }, s) => call(operator(fill === 0 ? "mask₀" : "mask"), args, s),
  },
};

/**
 * Entries of a square S above the diagonal (column j > row i) set to `fill` (−∞), the rest kept:
 * what a causal attention's scores go through before their row softmax, so row i attends to rows
 * ≤ i. Its gradient is zero above the diagonal.
 */
export function causalMask<R extends Dim, C extends Dim>(s: SquareArg<R, C>, fill = -Infinity): Mat<R, C> {
  if (typeof fill !== "number") throw new TypeError(`causalMask: fill must be a number, got ${typeof fill}`);
  return apply(causalMaskOp, [s], { fill }) as Mat<R, C>;
}
