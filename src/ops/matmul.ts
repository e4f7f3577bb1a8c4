import type { Dim, SameDim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, mismatch, sameDim, type LoopContext, type OpDef } from "../op.js";
import { shapeText, type Shape } from "../shape-error.js";
import { juxtapose } from "../explain/notation.js";
import { loop } from "./loop-code.js";
import { simdProductLoops } from "./matmul-simd.js";
import { transpose } from "./transpose.js";
import { eagerProduct } from "./matmul-eager.js";
import { productKernelTexts } from "../wasm/product.js";

/** b's type when the inner dims agree, else the message the editor shows at b. */
export type MatmulRight<N extends Dim, K extends Dim, K2 extends Dim, M extends Dim> =
  SameDim<K, K2> extends true ? Mat<K2, M> : `matmul: a is ${N}×${K} but b is ${K2}×${M}; inner dims ${K} and ${K2} differ`;

/** d(A·B) = dA·B + A·dB, so G:(dA·B) = (G·Bᵀ):dA and G:(A·dB) = (Aᵀ·G):dB. */
export function matmulRule<N extends Dim, K extends Dim, M extends Dim>(a: Mat<N, K>, b: Mat<K, M>, g: Mat<N, M>): [Mat<N, K>, Mat<K, M>] {
  return [matmul(g, transpose(b)), matmul(transpose(a), g)];
}

export const matmulOp: OpDef<2> = {
  onnx: (b, [x, y]) => b.node("MatMul", [x!, y!]),
  name: "matmul",
  arity: 2,
  shape([a, b]) {
    if (!sameDim(a.colDim, a.cols, b.rowDim, b.rows)) {
      mismatch("matmul", `a is ${shapeText(a)} but b is ${shapeText(b)}; inner dims ${a.colDim} and ${b.rowDim} differ`, [a, b]);
    }
    return { rowDim: a.rowDim, colDim: b.colDim, rows: a.rows, cols: b.cols };
  },
  vjp: ([a, b], _out, g) => matmulRule(a, b, g),
  // out_ij = Σ_p a_ip·b_pj, summed in p order (i-p-j loops: the innermost walks b and out row-wise).
  math: {
    kind: "nest",
    // Over stacked rows aᵀ·b is Σ_t A_tᵀ·B_t; a·b is aligned with a's rows.
    stacking: (views) => (views[0] && !views[1] ? { kind: "summed" } : views[0] ? undefined : { kind: "aligned", inputs: [0] }),
    // Column j of the output is a·(column j of b), and a₁·b₁ + a₂·b₂ is [a₁ a₂]·[b₁; b₂].
    sideBySide: true,
    summedStacked: true,
    body(n) {
      const [a, b] = n.inputs;
      n.zero();
      n.loop(a!.rows, "i", (i) => n.loop(a!.cols, "p", (p) => n.loop(b!.cols, "j", (j) => n.write(i, j, n.mul(n.read(0, i, p), n.read(1, p, j)), "accumulate"))));
    },
  },
  schedule: {
    // The same loops without the per-entry calls, or WebAssembly kernels above a measured size
    // (see matmul-eager.ts): the eager library's speed.
    eager: (out, [a, b]) => eagerProduct(out, a, b),
    wasm: productKernelTexts,
    // The loop order follows the memory layout of the operands (a transposed operand is a strided
    // view), so that the innermost loop walks contiguous memory wherever it can; register tiles,
    // repacking and SIMD kernels (see matmulLoops). These sum in another order than the math.
    emit: (ctx) => matmulLoops(ctx),
  },
  explain: {
    rule: {
      text: "product rule: d(A B) = dA B + A dB; moved by the cyclic and transpose identities of A:B = Tr(AᵀB): G : (A dB) = AᵀG : dB, G : (dA B) = G Bᵀ : dA",
      latex: String.raw`\text{product rule: } d(AB) = dA\,B + A\,dB;\ \text{with } A:B = \operatorname{Tr}(A^\top B):\ G : (A\,dB) = A^\top G : dB,\ G : (dA\,B) = G B^\top : dA`,
    },
    differential: (k, [a, b], d) => (k === 0 ? { text: `${d.text} ${b!.text}`, latex: `${d.latex}\\,${b!.latex}` } : { text: `${a!.text} ${d.text}`, latex: `${a!.latex}\\,${d.latex}` }),
    print: ([a, b], _attrs, s) => juxtapose(a!, b!, s),
  },
};

/** Matrix product `N×K · K×M → N×M`. The inner dims must be the same dim, not merely equal sizes. */
export function matmul<N extends Dim, K extends Dim, K2 extends Dim, M extends Dim>(a: Mat<N, K>, b: MatmulRight<N, K, K2, M>): Mat<N, M> {
  return apply(matmulOp, [a, b]) as Mat<N, M>;
}

/**
 * `for (let v = 0; v < count - count % factor; v += factor) { block([v, v + 1, ...]) }`, then the
 * remaining steps one at a time: the tile-and-remainder shape of every unrolled loop.
 */
function unrolled(v: string, count: number, factor: number, block: (indices: readonly string[]) => string[]): string[] {
  if (v === "0") return block(["0"]);
  const end = count - (count % factor);
  const lines: string[] = [];
  if (end > 0) {
    const offsets = Array.from({ length: factor }, (_, u) => (u === 0 ? v : `${v} + ${u}`));
    lines.push(factor === 1 ? `for (let ${v} = 0; ${v} < ${end}; ${v}++) {` : `for (let ${v} = 0; ${v} < ${end}; ${v} += ${factor}) {`, ...block(offsets), "}");
  }
  if (end === count - 1) lines.push("{", ...block([String(end)]), "}");
  else if (end < count) lines.push(`for (let ${v} = ${end}; ${v} < ${count}; ${v}++) {`, ...block([v]), "}");
  return lines;
}

/**
 * The generator knows every size, so each product is tiled for registers: four output rows at a
 * time (each loaded value of b serves all four), and eight steps of the shared dim (or eight
 * output columns, for dot products) at a time, with loops for the remainders. Measured on the RNN
 * (bench/rnn-peers.ts configurations): untiled 2.1 / 95 ms at C1 / C2; rows×depth 2×4 1.24 / 56;
 * 4×4 1.16 / 48; 2×8 1.09 / 53; 8×4 1.13 / 45; 4×8 1.03 / 43 ms (kept).
 */
const rowsPerTile = 4;
const depthPerTile = 8;
/** Dot-product tiles keep rows × cols sums live at once, so they stay smaller. */
const dotRowsPerTile = 4;
const dotColsPerTile = 4;

function matmulLoops(ctx: LoopContext): readonly string[] {
  const [a, b] = ctx.inputs as readonly [Shape, Shape];
  const n = a.rows, k = a.cols, m = b.cols;
  const i = ctx.index("i", n), j = ctx.index("j", m), p = ctx.index("p", k);
  const oneHot = oneHotProduct(ctx, n, k, m, i, j);
  if (oneHot) return oneHot;
  if (ctx.simd) return simdProductLoops(ctx, ctx.simd, n, k, m);
  if (n >= packRows) return packedProduct(ctx, n, k, m, i, j, p);
  if (ctx.transposed(1) && !ctx.transposed(0)) {
    // Dot products: a tile of rows × four columns of the output accumulates in locals while p runs
    // along a's rows and bᵀ's rows, both contiguous.
    const tile = (rows: readonly string[], cols: readonly string[]) => {
      const sums = rows.map(() => cols.map(() => ctx.local("s")));
      const as = rows.map(() => ctx.local("a"));
      const bs = cols.map(() => ctx.local("b"));
      return [
        `let ${sums.flat().map((x) => `${x} = 0`).join(", ")};`,
        ...loop(p, k, [
          ...rows.map((r, ri) => `const ${as[ri]} = ${ctx.read(0, r, p)};`),
          ...cols.map((c, ci) => `const ${bs[ci]} = ${ctx.read(1, p, c)};`),
          ...rows.flatMap((_, ri) => cols.map((_c, ci) => `${sums[ri]![ci]} += ${as[ri]} * ${bs[ci]};`)),
        ]),
        ...rows.flatMap((r, ri) => cols.map((c, ci) => `${ctx.at(r, c)} ${ctx.assign} ${sums[ri]![ci]};`)),
      ];
    };
    // With a single row (a matrix-vector product) the tile spends its registers on columns instead.
    const cols = n === 1 ? dotRowsPerTile * dotColsPerTile / 2 : dotColsPerTile;
    return unrolled(i, n, dotRowsPerTile, (rows) => unrolled(j, m, cols, (cs) => tile(rows, cs)));
  }
  // Sums of rank-one updates: for a tile of rows × four steps of p, each row of the output is
  // loaded and stored once while four rows of b are added, each b value used by every row.
  const tile = (rows: readonly string[], ps: readonly string[]) => rankUpdateTile(ctx, rows, ps, j, m, (q) => ctx.read(1, q, j));
  // aᵀ·b reads aᵀ's column p from a's contiguous row p, so the shared dim is the outer loop.
  if (ctx.transposed(0) && !ctx.transposed(1)) {
    return [...ctx.zero(), ...unrolled(p, k, depthPerTile, (ps) => unrolled(i, n, rowsPerTile, (rows) => tile(rows, ps)))];
  }
  return [...ctx.zero(), ...unrolled(i, n, rowsPerTile, (rows) => unrolled(p, k, depthPerTile, (ps) => tile(rows, ps)))];
}

/**
 * One register tile of a sum of rank-one updates: the rows × ps values of a in locals, then for
 * every column j the ps values of b (`bAt(q)` for the row q of b) added into each of the rows.
 */
function rankUpdateTile(ctx: LoopContext, rows: readonly string[], ps: readonly string[], j: string, m: number, bAt: (q: string, u: number) => string): string[] {
  const xs = rows.map(() => ps.map(() => ctx.local("x")));
  const bs = ps.map(() => ctx.local("b"));
  return [
    ...rows.flatMap((r, ri) => ps.map((q, u) => `const ${xs[ri]![u]} = ${ctx.read(0, r, q)};`)),
    ...loop(j, m, [
      ...ps.map((q, u) => `const ${bs[u]} = ${bAt(q, u)};`),
      ...rows.map((r, ri) => `${ctx.at(r, j)} += ${ps.map((_q, u) => `${xs[ri]![u]} * ${bs[u]}`).join(" + ")};`),
    ]),
  ];
}

/**
 * A product with enough rows that b is worth repacking first: b's rows are copied, eight at a
 * time, into a panel where the eight values that a tile's inner loop reads for one column j sit
 * side by side. The tiles then read one contiguous stream instead of eight rows a row-length apart,
 * which matters most when that length is a multiple of 4 KiB (h = 512: the eight rows and the
 * output's rows all fall into one set of the L1 cache and evict each other). Whatever b's layout
 * (a transpose view included), the product then runs as the rank-update tiles below, so the
 * copy (k·m values, against n·k·m multiply-adds) also spares A·Bᵀ its dot-product form.
 * Measured at bench/rnn-peers.ts's C3: 665 → 475 ms per lossAndGrad.
 */
const packRows = 16;

function packedProduct(ctx: LoopContext, n: number, k: number, m: number, i: string, j: string, p: string): string[] {
  const end = k - (k % depthPerTile);
  const q = ctx.local("q");
  // Row p + d of a group of eight starting at p sits at p·m + j·8 + d; the rows past the last
  // whole group stay as they are (p·m + j).
  const at = (panel: string, p0: string, width: number, jj: string, d: number) => `${panel}[${p0 === "0" ? "" : `${p0} * ${m} + `}${jj}${width === 1 ? "" : ` * ${width}`}${d === 0 ? "" : ` + ${d}`}]`;
  const packInto = (array: string) => [
    `// b, repacked: eight rows interleaved per group (see matmul's packedProduct)`,
    ...(end > 0
      ? [`for (let ${q} = 0; ${q} < ${end}; ${q} += ${depthPerTile}) {`, ...loop(j, m, Array.from({ length: depthPerTile }, (_, d) => `${at(array, q, depthPerTile, j, d)} = ${ctx.read(1, d === 0 ? q : `${q} + ${d}`, j)};`)), "}"]
      : []),
    ...(end < k ? [`for (let ${q} = ${end}; ${q} < ${k}; ${q}++) {`, ...loop(j, m, [`${at(array, q, 1, j, 0)} = ${ctx.read(1, q, j)};`]), "}"] : []),
  ];
  const { array: panel, lines: pack } = ctx.copyOf(1, k * m, packInto);
  const tile = (rows: readonly string[], ps: readonly string[]) => rankUpdateTile(ctx, rows, ps, j, m, (_q, u) => `${at(panel, ps[0]!, ps.length, j, u)}!`);
  return [...pack, ...ctx.zero(), ...unrolled(i, n, rowsPerTile, (rows) => unrolled(p, k, depthPerTile, (ps) => tile(rows, ps)))];
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
