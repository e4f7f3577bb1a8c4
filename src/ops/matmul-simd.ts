// matmul's lowering when codegen's simd option is on: the product runs as a WebAssembly kernel on
// f64x2 vectors, two columns per instruction, which scalar JavaScript cannot do (a matrix-vector
// product in JavaScript tops out near 2 GMAC/s here; this kernel reaches about 9, see
// bench/wasm-simd-probe). The kernel reads its operands and writes its output where they live in the
// kernels' memory (a caller's parameter copied there once per call): tiles of R rows × 2C columns of
// the output kept in vector registers while the shared dim runs, narrower tiles at the edges.
import type { LoopContext, SimdContext } from "../op.js";
import { inputBlocks, loop, outputColumns, plus } from "./loop-code.js";

/** The tile of a product: R output rows by C vectors of two columns, and which loop runs outermost. */
export interface ProductTile {
  readonly rows: number;
  readonly vectors: number;
  /** Which loop runs outermost: over rows of tiles, or over panels of b's columns. */
  readonly order: "rows" | "panels";
}

/**
 * Eight to ten accumulators and the vectors of b fill the sixteen vector registers of x86-64
 * without spilling. A single row (a matrix-vector product) spends them on columns. Among tile
 * widths that fit, the one that leaves the fewest columns to the narrower edge tile (100 columns:
 * five vectors, none).
 */
export function productTile(n: number, k: number, m: number): ProductTile {
  const rows = n === 1 ? 1 : 2;
  const widths = n === 1 ? [5, 4, 6] : [4];
  let vectors = widths[0]!;
  for (const c of widths) if (m % (2 * c) < m % (2 * vectors)) vectors = c;
  // Measured (kernels alone, this machine, noisy): panels outermost run 6–17% faster when b is
  // 1 MB (its panel of 2C columns stays in cache while every row of a passes), the same within 3%
  // when b is small enough to stay in cache whole (up to 130 KB at the RNN's sizes).
  const order = k * m * 8 > 512 * 1024 ? "panels" : "rows";
  return { rows, vectors, order };
}

/**
 * The kernel `o = a · b` for a (n × k) and b (k × m), row-major at the byte addresses given (a
 * may be given as its transpose instead: aᵀ row-major, its rows `aStride` apart), every size a
 * constant, nothing padded (b's rows may be `bStride` entries apart). Whole tiles of R rows × 2C columns cover what they can; the columns
 * left over run in one narrower tile per row of tiles (an odd last column as one lane: its vector
 * of b reads one entry past the row, whose product is never stored), and the rows left over in
 * tiles of one row. Each tile's accumulators start at zero and are stored once; the loop over the
 * shared dim reads one scalar of a per tile row (splat to both lanes) and the tile's vectors of b.
 */
export function productKernel(name: string, n: number, k: number, m: number, tile: ProductTile, aStride?: number, bStride = m): string {
  const { rows: R, vectors: C } = tile;
  // a row-major: row r of a tile at r·k entries, the shared dim one entry a step. Given as its
  // transpose (aᵀ row-major, rows aStride apart): row r at r entries, the shared dim a row a step.
  const rowBytes = aStride === undefined ? k * 8 : 8, depthBytes = aStride === undefined ? 8 : aStride * 8;
  const fullRows = n - (n % R), fullCols = m - (m % (2 * C));
  const edgeCols = m - fullCols, edgeVectors = Math.ceil(edgeCols / 2), half = edgeCols % 2 === 1;
  const acc = (r: number, c: number) => `$c${r}_${c}`;
  // One tile of `rt` rows × `ct` vectors at ($i, $j); with `last` half, its last vector stores one lane.
  const tileCode = (rt: number, ct: number, lastHalf: boolean): string[] => {
    const rs = Array.from({ length: rt }, (_, r) => r), cs = Array.from({ length: ct }, (_, c) => c);
    const store = (r: number, c: number) =>
      lastHalf && c === ct - 1 ? `(v128.store64_lane offset=${r * m * 8 + 16 * c} 0 (local.get $po) (local.get ${acc(r, c)}))` : `(v128.store offset=${r * m * 8 + 16 * c} (local.get $po) (local.get ${acc(r, c)}))`;
    return [
      ...rs.flatMap((r) => cs.map((c) => `(local.set ${acc(r, c)} (v128.const f64x2 0 0))`)),
      `(local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (i32.const ${rowBytes}))))`,
      `(local.set $end (i32.add (local.get $pa) (i32.const ${k * depthBytes})))`,
      `(local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))`,
      `(loop $depth`,
      ...cs.map((c) => `  (local.set $b${c} (v128.load offset=${16 * c} (local.get $pb)))`),
      ...rs.flatMap((r) => [
        `  (local.set $x (f64x2.splat (f64.load offset=${r * rowBytes} (local.get $pa))))`,
        ...cs.map((c) => `  (local.set ${acc(r, c)} (f64x2.add (local.get ${acc(r, c)}) (f64x2.mul (local.get $x) (local.get $b${c}))))`),
      ]),
      `  (local.set $pa (i32.add (local.get $pa) (i32.const ${depthBytes})))`,
      `  (local.set $pb (i32.add (local.get $pb) (i32.const ${bStride * 8})))`,
      `  (br_if $depth (i32.lt_u (local.get $pa) (local.get $end))))`,
      `(local.set $po (i32.add (local.get $o) (i32.shl (i32.add (i32.mul (local.get $i) (i32.const ${m})) (local.get $j)) (i32.const 3))))`,
      ...rs.flatMap((r) => cs.map((c) => store(r, c))),
    ];
  };
  // `body` for v = from, from + step, … below end (nothing when the range is empty).
  const range = (v: string, from: number, step: number, end: number, body: readonly string[]): string[] =>
    end <= from ? [] : [`(local.set ${v} (i32.const ${from}))`, `(loop ${v}_loop`, ...body.map((l) => `  ${l}`), `  (local.set ${v} (i32.add (local.get ${v}) (i32.const ${step})))`, `  (br_if ${v}_loop (i32.lt_u (local.get ${v}) (i32.const ${end}))))`];
  const at = (v: string, value: number, body: readonly string[]) => [`(local.set ${v} (i32.const ${value}))`, ...body];
  const whole =
    tile.order === "panels" ? range("$j", 0, 2 * C, fullCols, range("$i", 0, R, fullRows, tileCode(R, C, false))) : range("$i", 0, R, fullRows, range("$j", 0, 2 * C, fullCols, tileCode(R, C, false)));
  const rightEdge = edgeCols === 0 ? [] : range("$i", 0, R, fullRows, at("$j", fullCols, tileCode(R, edgeVectors, half)));
  const bottomEdge = fullRows === n ? [] : at("$i", fullRows, [...range("$j", 0, 2 * C, fullCols, tileCode(n - fullRows, C, false)), ...(edgeCols === 0 ? [] : at("$j", fullCols, tileCode(n - fullRows, edgeVectors, half)))]);
  const cs = Array.from({ length: C }, (_, c) => c), rs = Array.from({ length: R }, (_, r) => r);
  return [
    `;; o (${n}×${m}) = a (${n}×${k}) · b (${k}×${m}), ${aStride === undefined ? "row-major" : `a given as aᵀ (rows ${aStride} apart), b and o row-major,`}${bStride === m ? "" : ` b's rows ${bStride} apart,`} at byte addresses a, b, o: tiles of ${R} row${R === 1 ? "" : "s"} × ${2 * C} columns`,
    `;; in ${R * C} vector accumulators, ${tile.order === "panels" ? "panels of b's columns outermost" : "rows outermost"}; one scalar of a (both lanes) and ${C} vectors of b per step of the shared dim${edgeCols > 0 ? `; the last ${edgeCols} column${edgeCols === 1 ? "" : "s"} in tiles of ${edgeVectors} vector${edgeVectors === 1 ? "" : "s"}` : ""}${fullRows < n ? "; the last row in tiles of one row" : ""}.`,
    `(func $${name} (export "${name}") (param $a i32) (param $b i32) (param $o i32)`,
    `  (local $i i32) (local $j i32) (local $pa i32) (local $end i32) (local $pb i32) (local $po i32) (local $x v128)`,
    `  ${cs.map((c) => `(local $b${c} v128)`).join(" ")}`,
    `  ${rs.flatMap((r) => cs.map((c) => `(local ${acc(r, c)} v128)`)).join(" ")}`,
    ...[...whole, ...rightEdge, ...bottomEdge].map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

/**
 * The product as generated code: the kernel on a, b and the output where they live in the kernels'
 * memory, or on copies there (a caller's array copied once per call, a block of operands joined
 * with others' copied block by block), and the output read back with the target's own assignment
 * (a gradient summed over steps adds) when it cannot be written in place.
 */
export function simdProductLoops(ctx: LoopContext, simd: SimdContext, n: number, k: number, m: number): string[] {
  const tile = productTile(n, k, m);
  const i = ctx.index("i", n);
  // A parameter can be a of one product and b of another: each layout is a copy of its own.
  // Block by block: several products' operands side by side or stacked are one a or b (LoopContext.blocks).
  const copy = (input: number, stride: number) => (array: string) =>
    inputBlocks(ctx, input).flatMap((block) => {
      const r = ctx.index(input === 0 ? "i" : "p", block.rows), c = ctx.index(input === 0 ? "p" : "j", block.cols);
      return loop(r, block.rows, loop(c, block.cols, [`${array}[${flat(plus(r, block.row), stride, plus(c, block.col))}] = ${block.read(r, c)};`]));
    });
  const inPlaceA = simd.address?.(0);
  // A transposed a that lives in the kernels' memory (Hᵀ·G) is read down its columns in place.
  const transposedA = inPlaceA === undefined && ctx.transposed(0) ? simd.transposedAddress?.(0) : undefined;
  const inPlaceB = simd.address?.(1);
  const inPlaceO = ctx.outputColumns ? undefined : simd.outputAddress?.();
  // A caller's a or b is copied whole (a memory copy, not a loop).
  const callerA = simd.callerArray?.(0), callerB = simd.callerArray?.(1);
  const a = inPlaceA === undefined && transposedA === undefined ? ctx.copyOf(0, n * k, callerA === undefined ? copy(0, k) : (array) => [`${array}.set(${callerA});`], "_a") : undefined;
  // A copy of b has its rows apart by more than m where m·8 bytes is a multiple of 4 KiB: rows that
  // far apart fall into one set of the L1 cache and evict each other (a 1×128·128×512 product ran
  // 1.14× slower without; bench/ab-model.ts on the LSTM at h = 128).
  const bStride = (m * 8) % 4096 === 0 ? m + 2 * tile.vectors : m;
  const b = inPlaceB === undefined ? ctx.copyOf(1, k * bStride, callerB === undefined || bStride !== m ? copy(1, bStride) : (array) => [`${array}.set(${callerB});`], `_b${bStride === m ? "" : bStride}`) : undefined;
  const out = inPlaceO === undefined ? simd.scratch(n * m) : undefined;
  const kernel = transposedA
    ? simd.kernel(`product_${n}x${k}x${m}_at${transposedA.stride}${b && bStride !== m ? `_b${bStride}` : ""}`, (name) => productKernel(name, n, k, m, tile, transposedA.stride, b ? bStride : m))
    : simd.kernel(`product_${n}x${k}x${m}${b && bStride !== m ? `_b${bStride}` : ""}`, (name) => productKernel(name, n, k, m, tile, undefined, b ? bStride : m));
  const address = (copy: { array: string } | undefined, inPlace: string | undefined) => (copy ? `${copy.array}.byteOffset` : inPlace!);
  return [
    ...(transposedA?.lines ?? []),
    ...(a?.lines ?? []),
    ...(b?.lines ?? []),
    `${kernel}(${address(a, inPlaceA ?? transposedA?.address)}, ${address(b, inPlaceB)}, ${out === undefined ? inPlaceO : `${out}.byteOffset`});`,
    ...(out === undefined ? [] : outputColumns(ctx)).flatMap((block) => {
      const inPlace = block.inPlace?.(`${out}.byteOffset${block.col === 0 ? "" : ` + ${8 * block.col}`}`, m);
      if (inPlace) return inPlace;
      const jb = ctx.index("j", block.cols);
      return loop(i, n, loop(jb, block.cols, [...block.write(i, jb, `${out}[${flat(i, m, plus(jb, block.col))}]!`)]));
    }),
  ];
}

function flat(i: string, cols: number, j: string): string {
  const row = i === "0" ? "" : `${/^\w+$/.test(i) ? i : `(${i})`} * ${cols}`;
  return [row, j === "0" ? "" : j].filter(Boolean).join(" + ") || "0";
}
