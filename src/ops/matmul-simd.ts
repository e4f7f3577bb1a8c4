// matmul's lowering when codegen's simd option is on: the product runs as a WebAssembly kernel on
// f64x2 vectors, two columns per instruction, which scalar JavaScript cannot do (a matrix-vector
// product in JavaScript tops out near 2 GMAC/s here; this kernel reaches about 9, see
// bench/wasm-simd-probe). The operands are copied into the kernel's memory in the layout it wants
// (a parameter once per call), so the kernel is one shape whatever the operands' layouts: a tile of
// R rows × 2C columns of the output kept in vector registers while the shared dim runs.
import type { LoopContext, SimdContext } from "../op.js";
import { inputBlocks, loop, outputColumns, plus } from "./loop-code.js";

/** The tile of a product: R output rows by C vectors of two columns, and the padded sizes it runs on. */
export interface ProductTile {
  readonly rows: number;
  readonly vectors: number;
  /** Rows of a and of the output, rounded up to whole tiles. */
  readonly paddedRows: number;
  /** Columns of b and of the output, rounded up to whole tiles (and off a multiple of 4 KiB). */
  readonly paddedCols: number;
  /** Which loop runs outermost: over rows of tiles, or over panels of b's columns. */
  readonly order: "rows" | "panels";
}

/**
 * Eight to ten accumulators and the vectors of b fill the sixteen vector registers of x86-64
 * without spilling. A single row (a matrix-vector product) spends them on columns. Among tile
 * widths that fit, the one that pads the columns least (100 columns: five vectors, no padding).
 */
export function productTile(n: number, k: number, m: number): ProductTile {
  const rows = n === 1 ? 1 : 2;
  const widths = n === 1 ? [5, 4, 6] : [4];
  const padTo = (count: number, multiple: number) => Math.ceil(count / multiple) * multiple;
  let vectors = widths[0]!;
  for (const c of widths) if (padTo(m, 2 * c) < padTo(m, 2 * vectors)) vectors = c;
  let paddedCols = padTo(m, 2 * vectors);
  // Rows a multiple of 4 KiB apart fall into one set of the L1 cache and evict each other.
  if (paddedCols > 2 * vectors && (paddedCols * 8) % 4096 === 0) paddedCols += 2 * vectors;
  // Measured (kernels alone, this machine, noisy): panels outermost run 6–17% faster when b is
  // 1 MB (its panel of 2C columns stays in cache while every row of a passes), the same within 3%
  // when b is small enough to stay in cache whole (up to 130 KB at the RNN's sizes).
  const order = k * paddedCols * 8 > 512 * 1024 ? "panels" : "rows";
  return { rows, vectors, paddedRows: padTo(n, rows), paddedCols, order };
}

/**
 * The kernel `o = a · b` for a (paddedRows × k) and b (k × paddedCols), row-major at the byte
 * addresses given, every size a constant. Each tile's accumulators start at zero and are stored
 * once; the loop over the shared dim reads one scalar of a per tile row (splat to both lanes) and
 * C vectors of b.
 */
export function productKernel(name: string, k: number, tile: ProductTile): string {
  const { rows: R, vectors: C, paddedRows: M, paddedCols: N } = tile;
  const rs = Array.from({ length: R }, (_, r) => r);
  const cs = Array.from({ length: C }, (_, c) => c);
  const acc = (r: number, c: number) => `$c${r}_${c}`;
  const tileCode = [
    ...rs.flatMap((r) => cs.map((c) => `(local.set ${acc(r, c)} (v128.const f64x2 0 0))`)),
    `(local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (i32.const ${k * 8}))))`,
    `(local.set $end (i32.add (local.get $pa) (i32.const ${k * 8})))`,
    `(local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))`,
    `(loop $depth`,
    ...cs.map((c) => `  (local.set $b${c} (v128.load offset=${16 * c} (local.get $pb)))`),
    ...rs.flatMap((r) => [
      `  (local.set $x (f64x2.splat (f64.load offset=${r * k * 8} (local.get $pa))))`,
      ...cs.map((c) => `  (local.set ${acc(r, c)} (f64x2.add (local.get ${acc(r, c)}) (f64x2.mul (local.get $x) (local.get $b${c}))))`),
    ]),
    `  (local.set $pa (i32.add (local.get $pa) (i32.const 8)))`,
    `  (local.set $pb (i32.add (local.get $pb) (i32.const ${N * 8})))`,
    `  (br_if $depth (i32.lt_u (local.get $pa) (local.get $end))))`,
    `(local.set $po (i32.add (local.get $o) (i32.shl (i32.add (i32.mul (local.get $i) (i32.const ${N})) (local.get $j)) (i32.const 3))))`,
    ...rs.flatMap((r) => cs.map((c) => `(v128.store offset=${r * N * 8 + 16 * c} (local.get $po) (local.get ${acc(r, c)}))`)),
  ];
  const rows = { v: "$i", step: R, end: M }, cols = { v: "$j", step: 2 * C, end: N };
  const [outer, inner] = tile.order === "panels" ? [cols, rows] : [rows, cols];
  return [
    `;; o (${M}×${N}) = a (${M}×${k}) · b (${k}×${N}), row-major at byte addresses a, b, o: tiles of ${R} row${R === 1 ? "" : "s"} × ${2 * C} columns`,
    `;; in ${R * C} vector accumulators, ${tile.order === "panels" ? "panels of b's columns outermost" : "rows outermost"}; one scalar of a (both lanes) and ${C} vectors of b per step of the shared dim.`,
    `(func $${name} (export "${name}") (param $a i32) (param $b i32) (param $o i32)`,
    `  (local $i i32) (local $j i32) (local $pa i32) (local $end i32) (local $pb i32) (local $po i32) (local $x v128)`,
    `  ${cs.map((c) => `(local $b${c} v128)`).join(" ")}`,
    `  ${rs.flatMap((r) => cs.map((c) => `(local ${acc(r, c)} v128)`)).join(" ")}`,
    `  (loop $outer`,
    `    (local.set ${inner.v} (i32.const 0))`,
    `    (loop $inner`,
    ...tileCode.map((line) => `      ${line}`),
    `      (local.set ${inner.v} (i32.add (local.get ${inner.v}) (i32.const ${inner.step})))`,
    `      (br_if $inner (i32.lt_u (local.get ${inner.v}) (i32.const ${inner.end}))))`,
    `    (local.set ${outer.v} (i32.add (local.get ${outer.v}) (i32.const ${outer.step})))`,
    `    (br_if $outer (i32.lt_u (local.get ${outer.v}) (i32.const ${outer.end}))))`,
    `)`,
  ].join("\n");
}

/**
 * The product as generated code: a copied in row-major, b copied into rows padded to whole tiles
 * (once per call when b is a parameter), the kernel, and the output read back with the target's
 * own assignment (a gradient summed over steps adds). Padded rows of a and columns of b hold
 * whatever was there (zeros, or another kernel's scratch): they only reach padded rows and
 * columns of the output, which are never read.
 */
export function simdProductLoops(ctx: LoopContext, simd: SimdContext, n: number, k: number, m: number): string[] {
  const tile = productTile(n, k, m);
  const N = tile.paddedCols;
  const i = ctx.index("i", n);
  // A parameter can be a of one product and b of another, or b of products with other tiles: each
  // layout is a copy of its own.
  // Block by block: several products' operands side by side or stacked are one a or b (LoopContext.blocks).
  const copy = (input: number, stride: number) => (array: string) =>
    inputBlocks(ctx, input).flatMap((block) => {
      const r = ctx.index(input === 0 ? "i" : "p", block.rows), c = ctx.index(input === 0 ? "p" : "j", block.cols);
      return loop(r, block.rows, loop(c, block.cols, [`${array}[${flat(plus(r, block.row), stride, plus(c, block.col))}] = ${block.read(r, c)};`]));
    });
  // Operands and output that live in the kernels' memory in the kernel's layout are used in place:
  // a row-major a (its padded rows read past its end, at most a row, into the spare memory after
  // it: they reach only padded output rows), a b whose columns need no padding, an output of whole
  // tiles.
  const inPlaceA = simd.address?.(0);
  const inPlaceB = N === m ? simd.address?.(1) : undefined;
  const inPlaceO = !ctx.outputColumns && N === m && tile.paddedRows === n ? simd.outputAddress?.() : undefined;
  const a = inPlaceA === undefined || (tile.paddedRows !== n && k * 8 > 65536) ? ctx.copyOf(0, tile.paddedRows * k, copy(0, k), "_a") : undefined;
  const b = inPlaceB === undefined ? ctx.copyOf(1, k * N, copy(1, N), `_b${N}`) : undefined;
  const out = inPlaceO === undefined ? simd.scratch(tile.paddedRows * N) : undefined;
  const kernel = simd.kernel(`product_${tile.paddedRows}x${k}x${N}`, (name) => productKernel(name, k, tile));
  const address = (copy: { array: string } | undefined, inPlace: string | undefined) => (copy ? `${copy.array}.byteOffset` : inPlace!);
  return [
    ...(a?.lines ?? []),
    ...(b?.lines ?? []),
    `${kernel}(${address(a, inPlaceA)}, ${address(b, inPlaceB)}, ${out === undefined ? inPlaceO : `${out}.byteOffset`});`,
    ...(out === undefined ? [] : outputColumns(ctx)).flatMap((block) => {
      const inPlace = block.inPlace?.(`${out}.byteOffset${block.col === 0 ? "" : ` + ${8 * block.col}`}`, N);
      if (inPlace) return inPlace;
      const jb = ctx.index("j", block.cols);
      return loop(i, n, loop(jb, block.cols, [...block.write(i, jb, `${out}[${flat(i, N, plus(jb, block.col))}]!`)]));
    }),
  ];
}

function flat(i: string, cols: number, j: string): string {
  const row = i === "0" ? "" : `${/^\w+$/.test(i) ? i : `(${i})`} * ${cols}`;
  return [row, j === "0" ? "" : j].filter(Boolean).join(" + ") || "0";
}
