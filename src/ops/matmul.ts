import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, sameDim, type LoopContext, type OpDef } from "../op.js";
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
  // view), so that the innermost loop walks contiguous memory wherever it can; the loop over the
  // shared dim, or over output columns, is unrolled by four (see matmulLoops).
  lower: { kind: "loops", emit: (ctx) => matmulLoops(ctx) },
};

/** Matrix product `N×K · K×M → N×M`. The inner dims must be the same dim, not merely equal sizes. */
export function matmul<N extends Dim, K extends Dim, K2 extends Dim, M extends Dim>(a: Mat<N, K>, b: MatmulRight<N, K, K2, M>): Mat<N, M> {
  return apply(matmulOp, [a, b]) as Mat<N, M>;
}

/** How many steps of the unrolled loops run together: four keeps every block in registers. */
const unroll = 4;

/**
 * `for (let v = 0; v < count - count % 4; v += 4) { block(v, [v, v + 1, v + 2, v + 3]) }`, then the
 * remaining (count % 4) steps one at a time: the tile-and-remainder shape every unrolled loop has.
 */
function unrolled(v: string, count: number, block: (indices: readonly string[]) => string[], single: (index: string) => string[]): string[] {
  const end = count - (count % unroll);
  const lines: string[] = [];
  if (end > 0) {
    const offsets = Array.from({ length: unroll }, (_, u) => (u === 0 ? v : `${v} + ${u}`));
    lines.push(`for (let ${v} = 0; ${v} < ${end}; ${v} += ${unroll}) {`, ...block(offsets), "}");
  }
  if (end < count) {
    if (count - end === 1) lines.push("{", ...single(String(end)), "}");
    else lines.push(`for (let ${v} = ${end}; ${v} < ${count}; ${v}++) {`, ...single(v), "}");
  }
  return lines;
}

function matmulLoops(ctx: LoopContext): readonly string[] {
  const [a, b] = ctx.inputs as readonly [Shape, Shape];
  const n = a.rows, k = a.cols, m = b.cols;
  const i = ctx.index("i", n), j = ctx.index("j", m);
  const oneHot = oneHotProduct(ctx, n, k, m, i, j);
  if (oneHot) return oneHot;
  if (ctx.transposed(1) && !ctx.transposed(0)) {
    // Dot products, four output columns at a time: a's row i is read once for four rows of bᵀ.
    const p = ctx.index("p", k), av = ctx.local("a");
    const sums = (count: number) => Array.from({ length: count }, () => ctx.local("s"));
    const block = (cols: readonly string[]) => {
      const s = sums(cols.length);
      return [
        `let ${s.map((x) => `${x} = 0`).join(", ")};`,
        ...loop(p, k, [`const ${av} = ${ctx.read(0, i, p)};`, ...cols.map((c, u) => `${s[u]} += ${av} * ${ctx.read(1, p, c)};`)]),
        ...cols.map((c, u) => `${ctx.at(i, c)} ${ctx.assign} ${s[u]};`),
      ];
    };
    return loop(i, n, unrolled(j, m, block, (c) => block([c])));
  }
  // Sums of rank-one updates, four at a time: each pass over an output row adds four rows of b,
  // so the row is loaded and stored a quarter as often.
  const p = ctx.local("p");
  const xs = Array.from({ length: unroll }, () => ctx.local("x"));
  const update = (rows: readonly string[]) => [
    ...rows.map((r, u) => `const ${xs[u]} = ${ctx.read(0, i, r)};`),
    ...loop(j, m, [`${ctx.at(i, j)} += ${rows.map((r, u) => `${xs[u]} * ${ctx.read(1, r, j)}`).join(" + ")};`]),
  ];
  const overShared = unrolled(p, k, update, (r) => update([r]));
  // aᵀ·b reads aᵀ's column p from a's contiguous row p, so the shared dim is the outer loop.
  if (ctx.transposed(0) && !ctx.transposed(1)) {
    const rank = (rows: readonly string[]) => loop(i, n, update(rows));
    return [...ctx.zero(), ...unrolled(p, k, rank, (r) => rank([r]))];
  }
  return [...ctx.zero(), ...loop(i, n, overShared)];
}

/**
 * Products with a one-hot operand (class indices, as characters are) need no multiplications:
 * X·B gathers rows of B, Xᵀ·G scatter-adds the rows of G, A·X scatter-adds A's columns, A·Xᵀ
 * gathers them. Undefined when neither operand is one-hot.
 */
function oneHotProduct(ctx: LoopContext, n: number, k: number, m: number, i: string, j: string): readonly string[] | undefined {
  const c = ctx.local("c");
  const p = ctx.index("p", k);
  const gatherRows = ctx.transposed(0) ? undefined : ctx.classOf(0, i);
  if (gatherRows) return loop(i, n, [`const ${c} = ${gatherRows};`, ...loop(j, m, [`${ctx.at(i, j)} ${ctx.assign} ${ctx.read(1, c, j)};`])]);
  const scatterRows = ctx.transposed(0) ? ctx.classOf(0, p) : undefined;
  if (scatterRows) return [...ctx.zero(), ...loop(p, k, [`const ${c} = ${scatterRows};`, ...loop(j, m, [`${ctx.at(c, j)} += ${ctx.read(1, p, j)};`])])];
  const scatterColumns = ctx.transposed(1) ? undefined : ctx.classOf(1, p);
  if (scatterColumns) return [...ctx.zero(), ...loop(p, k, [`const ${c} = ${scatterColumns};`, ...loop(i, n, [`${ctx.at(i, c)} += ${ctx.read(0, i, p)};`])])];
  const gatherColumns = ctx.transposed(1) ? ctx.classOf(1, j) : undefined;
  if (gatherColumns) return loop(j, m, [`const ${c} = ${gatherColumns};`, ...loop(i, n, [`${ctx.at(i, j)} ${ctx.assign} ${ctx.read(0, i, c)};`])]);
  return undefined;
}
