import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef } from "../op.js";
import { transposed } from "../explain/notation.js";

/** d(Aᵀ) = (dA)ᵀ, and G:(dA)ᵀ = Gᵀ:dA: adjoint Gᵀ. */
export function transposeRule<R extends Dim, C extends Dim>(g: Mat<C, R>): Mat<R, C> {
  return transpose(g);
}

export const transposeOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Transpose", [x!], { perm: [1, 0] }),
  name: "transpose",
  arity: 1,
  shape: ([a]) => ({ rowDim: a.colDim, colDim: a.rowDim, rows: a.cols, cols: a.rows }),
  vjp: (_inputs, _out, g) => [transposeRule(g)],
  // Eagerly the result is a row-major Mat whose data is made when first read (apply's lazy view), so
  // that a product reads a transposed operand where it lies (matmul-eager.ts); generated code folds
  // it into indexing.
  math: {
    kind: "view",
    body(n) {
      const [a] = n.inputs;
      n.loop(a!.rows, "i", (i) => n.loop(a!.cols, "j", (j) => n.write(j, i, n.read(0, i, j))));
    },
  },
  explain: {
    rule: { text: "transpose: d(Aᵀ) = (dA)ᵀ, and G : (dA)ᵀ = Gᵀ : dA", latex: String.raw`d(A^\top) = (dA)^\top,\quad G : (dA)^\top = G^\top : dA` },
    differential: (_k, _args, d) => ({ text: `(${d.text})ᵀ`, latex: `(${d.latex})^\\top` }),
    print: ([a], _attrs, s) => transposed(a!, s),
  },
};

/**
 * `R×C → C×R`. Its data is made when first read, from a's data as it is then: matmul reads a
 * transpose in place and never makes the copy.
 */
export function transpose<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<C, R> {
  return apply(transposeOp, [a]) as Mat<C, R>;
}
