import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, sameDim, type OpDef } from "../op.js";
import { shapeText, type Shape } from "../shape-error.js";
import { loop } from "./loop-code.js";
import { transpose } from "./transpose.js";

/** b's type when the inner dims agree, else the message the editor shows at b. */
export type MatmulRight<N extends Dim, K extends Dim, K2 extends Dim, M extends Dim> =
  SameDim<K, K2> extends true ? Mat<K2, M> : `matmul: a is ${N}×${K} but b is ${K2}×${M}; inner dims ${K} and ${K2} differ`;

/** d(A·B) = dA·B + A·dB, so G:(dA·B) = (G·Bᵀ):dA and G:(A·dB) = (Aᵀ·G):dB. */
export function matmulRule<N extends Dim, K extends Dim, M extends Dim>(a: Mat<N, K>, b: Mat<K, M>, g: Mat<N, M>): [Mat<N, K>, Mat<K, M>] {
  return [matmul(g, transpose(b)), matmul(transpose(a), g)];
}

export const matmulOp: OpDef<2> = {
  name: "matmul",
  arity: 2,
  shape([a, b]) {
    if (!sameDim(a.colDim, a.cols, b.rowDim, b.rows)) {
      mismatch("matmul", `a is ${shapeText(a)} but b is ${shapeText(b)}; inner dims ${a.colDim} and ${b.rowDim} differ`, [a, b]);
    }
    return { rowDim: a.rowDim, colDim: b.colDim, rows: a.rows, cols: b.cols };
  },
  // i-k-j order: the innermost loop walks b and out row-wise, contiguous in memory.
  eager(out, [a, b]) {
    const n = a.rows, k = a.cols, m = b.cols;
    const A = a.data, B = b.data, O = out.data;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < k; p++) {
        const aip = A[i * k + p]!;
        for (let j = 0; j < m; j++) O[i * m + j]! += aip * B[p * m + j]!;
      }
    }
  },
  vjp: ([a, b], _out, g) => matmulRule(a, b, g),
  // The loop order follows the memory layout of the operands (a transposed operand is a strided
  // view), so that the innermost loop walks contiguous memory wherever it can.
  lower: {
    kind: "loops",
    emit(ctx) {
      const [a, b] = ctx.inputs as readonly [Shape, Shape];
      const n = a.rows, k = a.cols, m = b.cols;
      const i = ctx.index("i", n), p = ctx.index("p", k), j = ctx.index("j", m), x = ctx.local("x");
      if (ctx.transposed(1) && !ctx.transposed(0)) {
        // Dot products: a's row i and bᵀ's row j are both contiguous.
        const s = ctx.local("s");
        const dot = loop(p, k, [`${s} += ${ctx.read(0, i, p)} * ${ctx.read(1, p, j)};`]);
        return loop(i, n, loop(j, m, [`let ${s} = 0;`, ...dot, `${ctx.at(i, j)} ${ctx.assign} ${s};`]));
      }
      const axpy = [`const ${x} = ${ctx.read(0, i, p)};`, ...loop(j, m, [`${ctx.at(i, j)} += ${x} * ${ctx.read(1, p, j)};`])];
      // aᵀ·b: aᵀ's column p is a's contiguous row p, so p is the outer loop (sums of outer products).
      if (ctx.transposed(0) && !ctx.transposed(1)) return [...ctx.zero(), ...loop(p, k, loop(i, n, axpy))];
      return [...ctx.zero(), ...loop(i, n, loop(p, k, axpy))];
    },
  },
};

/** Matrix product `N×K · K×M → N×M`. The inner dims must be the same dim, not merely equal sizes. */
export function matmul<N extends Dim, K extends Dim, K2 extends Dim, M extends Dim>(a: Mat<N, K>, b: MatmulRight<N, K, K2, M>): Mat<N, M> {
  return apply(matmulOp, [a, b]) as Mat<N, M>;
}
