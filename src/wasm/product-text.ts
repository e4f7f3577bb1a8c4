// The eager product's WebAssembly kernel, in text, for sizes known only at run time: the register
// tile of the generator's constant-size kernels (src/ops/matmul-simd.ts productKernel: R output rows
// × C vectors of two columns held in f64x2 accumulators while the shared dim runs), with the sizes
// and strides as parameters. The operands come packed (see product.ts): a as row tiles, each R
// rows interleaved so that one step of the shared dim reads R consecutive values; b as panels of
// 2C columns, each step reading 2C consecutive values. Each output entry is summed in the order
// of the shared dim, from zero, one product and one sum at a time (no fused multiply-add), as the
// op's math is, so the result is the JavaScript kernel's, bit for bit.

/** The tile of the eager product kernel: rows of a and vectors of b per step of the shared dim. */
export interface EagerTile {
  readonly rows: number;
  readonly vectors: number;
}

/**
 * `name(a, b, o, rowTiles, panels, depth, aStride, bStride, oStride, accumulate)`: for each of
 * `panels` panels of b (byte stride bStride) and each of `rowTiles` row tiles of a (stride
 * aStride), `depth` steps of the shared dim; the tile's R rows × 2C columns of o (rows oStride
 * bytes apart) are set, or added to when `accumulate` is 1 (a later block of the shared dim).
 */
export function eagerProductText(name: string, tile: EagerTile): string {
  const { rows: R, vectors: C } = tile;
  const rs = Array.from({ length: R }, (_, r) => r);
  const cs = Array.from({ length: C }, (_, c) => c);
  const acc = (r: number, c: number) => `$c${r}_${c}`;
  const each = (f: (r: number, c: number) => string) => rs.flatMap((r) => cs.map((c) => f(r, c)));
  const out = (r: number, c: number) => `(i32.add (local.get $po) (i32.add (i32.mul (local.get $oStride) (i32.const ${r})) (i32.const ${16 * c})))`;
  return [
    `;; o += or = a · b on packed operands: tiles of ${R} row${R === 1 ? "" : "s"} × ${2 * C} columns in ${R * C} f64x2 accumulators, panels of b outermost.`,
    `(func $${name} (export "${name}") (param $a i32) (param $b i32) (param $o i32) (param $rowTiles i32) (param $panels i32) (param $depth i32)`,
    `    (param $aStride i32) (param $bStride i32) (param $oStride i32) (param $accumulate i32)`,
    `  (local $s i32) (local $t i32) (local $pa i32) (local $pb i32) (local $end i32) (local $po i32) (local $x v128)`,
    `  ${cs.map((c) => `(local $b${c} v128)`).join(" ")}`,
    `  ${each((r, c) => `(local ${acc(r, c)} v128)`).join(" ")}`,
    `  (block $done`,
    `  (br_if $done (i32.or (i32.eqz (local.get $panels)) (i32.or (i32.eqz (local.get $rowTiles)) (i32.eqz (local.get $depth)))))`,
    `  (loop $panel`,
    `    (local.set $t (i32.const 0))`,
    `    (loop $tile`,
    `      (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $aStride))))`,
    `      (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $s) (local.get $bStride))))`,
    `      (local.set $end (i32.add (local.get $pa) (i32.mul (local.get $depth) (i32.const ${R * 8}))))`,
    `      (local.set $po (i32.add (local.get $o) (i32.add (i32.mul (i32.mul (local.get $t) (i32.const ${R})) (local.get $oStride)) (i32.mul (local.get $s) (i32.const ${16 * C})))))`,
    `      (if (local.get $accumulate)`,
    `        (then ${each((r, c) => `(local.set ${acc(r, c)} (v128.load ${out(r, c)}))`).join(" ")})`,
    `        (else ${each((r, c) => `(local.set ${acc(r, c)} (v128.const f64x2 0 0))`).join(" ")}))`,
    `      (loop $depth`,
    ...cs.map((c) => `        (local.set $b${c} (v128.load offset=${16 * c} (local.get $pb)))`),
    ...rs.flatMap((r) => [
      `        (local.set $x (v128.load64_splat offset=${8 * r} (local.get $pa)))`,
      ...cs.map((c) => `        (local.set ${acc(r, c)} (f64x2.add (local.get ${acc(r, c)}) (f64x2.mul (local.get $x) (local.get $b${c}))))`),
    ]),
    `        (local.set $pa (i32.add (local.get $pa) (i32.const ${R * 8})))`,
    `        (local.set $pb (i32.add (local.get $pb) (i32.const ${C * 16})))`,
    `        (br_if $depth (i32.lt_u (local.get $pa) (local.get $end))))`,
    ...each((r, c) => `      (v128.store ${out(r, c)} (local.get ${acc(r, c)}))`),
    `      (local.set $t (i32.add (local.get $t) (i32.const 1)))`,
    `      (br_if $tile (i32.lt_u (local.get $t) (local.get $rowTiles))))`,
    `    (local.set $s (i32.add (local.get $s) (i32.const 1)))`,
    `    (br_if $panel (i32.lt_u (local.get $s) (local.get $panels)))))`,
    `)`,
  ].join("\n");
}
