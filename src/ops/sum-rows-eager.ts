// sumRows's eager kernel: the column sums out_j = Σ_i a_ij, each summed over i in order from zero,
// as the op's math sums them, so the result is the math's bit for bit. In JavaScript for small
// matrices; above the measured crossover on WebAssembly, two columns per f64x2 addition (the order
// of each column's sum is unchanged: lanes are columns, not terms).
import type { AnyMat } from "../mat.js";
import { wasmScratch } from "../wasm/instance.js";

/**
 * The fewest entries a column sum runs on WebAssembly with. Measured with
 * `taskset -c 1 npx tsx bench/eager-crossover.ts --reductions` (2 Dec 2026, shared 2-core EPYC):
 * JavaScript's time over WebAssembly's 1.08 at 16×16, 2.2 at 8×64, 2.5–2.9 at 1024 entries,
 * 3.8–6.4 from 64×64 to 512×512.
 */
export const sumRowsMinEntries = 512;

const kernelName = "sum_rows";

export function eagerSumRows(out: AnyMat, a: AnyMat): void {
  if (a.rows * a.cols >= sumRowsMinEntries && sumRowsWasm(out.data, a.data, a.rows, a.cols)) return;
  sumRowsJs(out.data, a.data, a.rows, a.cols);
}

/** O (cols, zeroed) = the column sums of A (rows × cols). */
export function sumRowsJs(O: Float64Array, A: Float64Array, rows: number, cols: number): void {
  for (let i = 0, at = 0; i < rows; i++, at += cols) for (let j = 0; j < cols; j++) O[j]! += A[at + j]!;
}

type Kernel = (o: number, a: number, rows: number, rowBytes: number) => void;

/** The same on the WebAssembly kernel; false (O untouched) where it cannot run. */
export function sumRowsWasm(O: Float64Array, A: Float64Array, rows: number, cols: number): boolean {
  const count = rows * cols, outAt = count + (count % 2);
  const scratch = wasmScratch((outAt + cols + 1) * 8);
  const kernel = scratch?.exports[kernelName] as Kernel | undefined;
  if (!scratch || typeof kernel !== "function") return false;
  const memory = scratch.f64;
  memory.set(A, 0);
  kernel(outAt * 8, 0, rows, cols * 8);
  O.set(memory.subarray(outAt, outAt + cols));
  return true;
}

/** The kernel's WebAssembly text: o (one row, padded to a whole vector) zeroed, then each row of a added in, in order. */
export function sumRowsKernelText(): string {
  return [
    `;; the column sums of \`rows\` rows of \`rowBytes\` bytes at a, into o: each column summed down the rows in order, two columns per f64x2.`,
    `(func $${kernelName} (export "${kernelName}") (param $o i32) (param $a i32) (param $rows i32) (param $rowBytes i32)`,
    `  (local $i i32) (local $j i32) (local $padded i32)`,
    `  (local.set $padded (i32.and (i32.add (local.get $rowBytes) (i32.const 15)) (i32.const -16)))`,
    `  (loop $zero`,
    `    (v128.store (i32.add (local.get $o) (local.get $j)) (v128.const f64x2 0 0))`,
    `    (local.set $j (i32.add (local.get $j) (i32.const 16)))`,
    `    (br_if $zero (i32.lt_u (local.get $j) (local.get $padded))))`,
    `  (loop $rows`,
    `    (local.set $j (i32.const 0))`,
    `    (loop $cols`,
    `      (v128.store (i32.add (local.get $o) (local.get $j)) (f64x2.add (v128.load (i32.add (local.get $o) (local.get $j))) (v128.load (i32.add (local.get $a) (local.get $j)))))`,
    `      (local.set $j (i32.add (local.get $j) (i32.const 16)))`,
    `      (br_if $cols (i32.lt_u (local.get $j) (local.get $padded))))`,
    `    (local.set $a (i32.add (local.get $a) (local.get $rowBytes)))`,
    `    (local.set $i (i32.add (local.get $i) (i32.const 1)))`,
    `    (br_if $rows (i32.lt_u (local.get $i) (local.get $rows))))`,
    `)`,
  ].join("\n");
}
