import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { expandScalar } from "./expand-scalar.js";
import { ones, onesT, pick, product, wrap } from "../explain/notation.js";

/** The adjoint of a total spreads G's one entry over every entry of A. */
export function sumAllRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<1, 1>): Mat<R, C> {
  return expandScalar(g, a);
}

export const sumAllOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("ReduceSum", [x!, b.ints([0, 1], [2])], { keepdims: 1 }),
  name: "sumAll",
  arity: 1,
  shape: () => ({ rowDim: 1, colDim: 1, rows: 1, cols: 1 }),
  vjp: ([a], _out, g) => [sumAllRule(a, g as Mat<1, 1>)],
  math: {
    kind: "nest",
    stacking: (views) => (views[0] ? undefined : { kind: "summed" }),
    body(n) {
      const [a] = n.inputs;
      const total = n.cell("total", n.num(0));
      n.loop(a!.rows, "i", (i) => n.loop(a!.cols, "j", (j) => n.set(total, n.add(total.value, n.read(0, i, j)))));
      n.write(0, 0, total.value);
    },
  },
  // The same sum in the same order without the nest's per-entry calls (one chain of additions: no
  // WebAssembly kernel).
  schedule: {
    eager(out, [a]) {
      const A = a.data;
      let s = 0;
      for (let e = 0; e < A.length; e++) s += A[e]!;
      out.data[0] = s;
    },
  },
  explain: {
    rule: { text: "total: d(1ᵀ A 1) = 1ᵀ dA 1, and for a 1×1 G, G : 1ᵀ dA 1 = 1 G 1ᵀ : dA: its adjoint puts G on every entry", latex: String.raw`d(\mathbf{1}^\top A\,\mathbf{1}) = \mathbf{1}^\top dA\,\mathbf{1},\quad G : \mathbf{1}^\top dA\,\mathbf{1} = \mathbf{1}\,G\,\mathbf{1}^\top : dA` },
    differential: (_k, _args, d) => ({ text: `1ᵀ ${d.text} 1`, latex: `\\mathbf{1}^\\top ${d.latex}\\,\\mathbf{1}` }),
    print: ([a], _attrs, s) => product(`${onesT(s)} ${wrap(a!, "atom", s)}${pick(s, " ", "\\,")}${ones(s)}`),
  },
};

/** Sum of every entry, `R×C → 1×1`. */
export function sumAll<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<1, 1> {
  return apply(sumAllOp, [a]) as Mat<1, 1>;
}
