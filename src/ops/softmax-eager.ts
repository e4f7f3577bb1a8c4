// softmax's eager kernel: a JavaScript loop for small matrices, a WebAssembly kernel (f64x2, exp and
// log through the vector functions of the exp and log ops) above the measured crossover. Both
// compute what the op's math computes in its order, bit for bit: the row's maximum (Math.max and
// f64.max agree on every input, NaN and ±0 included, whatever the order), Σ_j exp(x_j − max)
// summed in j order, lse = log of it, then exp((x_j − max) − lse); exp's and log's vector entries
// state 0 ulp from Math (src/ops/exp.ts, log.ts), and test/schedules.test.ts holds this to the math.
import type { AnyMat } from "../mat.js";
import { wasmScratch } from "../wasm/instance.js";
import { expOp } from "./exp.js";
import { logOp } from "./log.js";

/**
 * The fewest entries a softmax runs on WebAssembly with. Measured with
 * `taskset -c 1 npx tsx bench/eager-crossover.ts --softmax` (2 Dec 2026, shared 2-core EPYC, load
 * 4–5): JavaScript's time over WebAssembly's 0.43–1.22 up to 256 entries (one row of 256: 0.43),
 * 1.20–1.25 at 512, 1.21–1.41 from 1024 to 65536. (Both are far ahead of the math run through the
 * nest interpreter, about 55 ns an entry at 512², which this kernel replaces.)
 */
export const softmaxMinEntries = 512;

const kernelName = "softmax_rows";

/** out (rows×cols) = softmax of each row of a, on WebAssembly above the crossover, else in JavaScript. */
export function eagerSoftmax(out: AnyMat, a: AnyMat): void {
  if (a.rows * a.cols >= softmaxMinEntries && softmaxWasm(out.data, a.data, a.rows, a.cols)) return;
  softmaxJs(out.data, a.data, a.rows, a.cols);
}

export function softmaxJs(O: Float64Array, A: Float64Array, rows: number, cols: number): void {
  for (let i = 0, at = 0; i < rows; i++, at += cols) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, A[at + j]!);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(A[at + j]! - max);
    const lse = Math.log(sum);
    for (let j = 0; j < cols; j++) O[at + j] = Math.exp(A[at + j]! - max - lse);
  }
}

type Kernel = (o: number, a: number, rows: number, rowBytes: number) => void;

/** The same on the WebAssembly kernel; false (O untouched) where it cannot run. */
export function softmaxWasm(O: Float64Array, A: Float64Array, rows: number, cols: number): boolean {
  const count = rows * cols, outAt = count + (count % 2);
  const scratch = wasmScratch((outAt + count) * 8);
  const kernel = scratch?.exports[kernelName] as Kernel | undefined;
  if (!scratch || typeof kernel !== "function") return false;
  const memory = scratch.f64;
  memory.set(A, 0);
  kernel(outAt * 8, 0, rows, cols * 8);
  O.set(memory.subarray(outAt, outAt + count));
  return true;
}

/** The kernel's WebAssembly text; it calls the exp and log ops' vector functions, which the module includes. */
export function softmaxKernelText(): string {
  const exp = expOp.vector!.name, log = logOp.vector!.name;
  const x = (pairs: boolean) => `(${pairs ? "v128.load" : "v128.load64_zero"} (i32.add (local.get $a) (local.get $j)))`;
  const shifted = (pairs: boolean) => `(f64x2.sub ${x(pairs)} (local.get $max2))`;
  const loop = (name: string, body: readonly string[]) => [
    `(local.set $j (i32.const 0))`,
    `(if (local.get $whole) (then (loop $${name}`,
    ...body.map((l) => `  ${l}`),
    `  (local.set $j (i32.add (local.get $j) (i32.const 16)))`,
    `  (br_if $${name} (i32.lt_u (local.get $j) (local.get $whole))))))`,
  ];
  const odd = (body: readonly string[]) => [`(if (i32.ne (local.get $whole) (local.get $rowBytes)) (then`, ...body.map((l) => `  ${l}`), `))`];
  const row = [
    // The maximum: lanes, then the odd entry (its zero lane is left out).
    `(local.set $m (v128.const f64x2 -inf -inf))`,
    ...loop("max", [`(local.set $m (f64x2.max (local.get $m) ${x(true)}))`]),
    `(local.set $max (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))`,
    ...odd([`(local.set $max (f64.max (local.get $max) (f64.load (i32.add (local.get $a) (local.get $j)))))`]),
    `(local.set $max2 (f64x2.splat (local.get $max)))`,
    // Σ exp(x − max), two exponentials at a time, summed one by one in j order.
    `(local.set $sum (f64.const 0))`,
    ...loop("sum", [
      `(local.set $e (call $${exp} ${shifted(true)}))`,
      `(local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $e))) (f64x2.extract_lane 1 (local.get $e))))`,
    ]),
    ...odd([`(local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 0 (call $${exp} ${shifted(false)}))))`]),
    `(local.set $lse2 (call $${log} (f64x2.splat (local.get $sum))))`,
    `(local.set $lse2 (f64x2.splat (f64x2.extract_lane 0 (local.get $lse2))))`,
    // exp((x − max) − lse).
    ...loop("out", [`(v128.store (i32.add (local.get $o) (local.get $j)) (call $${exp} (f64x2.sub ${shifted(true)} (local.get $lse2))))`]),
    ...odd([`(v128.store64_lane 0 (i32.add (local.get $o) (local.get $j)) (call $${exp} (f64x2.sub ${shifted(false)} (local.get $lse2))))`]),
  ];
  return [
    `;; softmax of each of \`rows\` rows of \`rowBytes\` bytes at a, into o: the op's math in its order (see src/ops/softmax-eager.ts).`,
    `(func $${kernelName} (export "${kernelName}") (param $o i32) (param $a i32) (param $rows i32) (param $rowBytes i32)`,
    `  (local $i i32) (local $j i32) (local $whole i32) (local $m v128) (local $max f64) (local $max2 v128) (local $sum f64) (local $e v128) (local $lse2 v128)`,
    `  (local.set $whole (i32.and (local.get $rowBytes) (i32.const -16)))`,
    `  (loop $rows`,
    ...row.map((l) => `    ${l}`),
    `    (local.set $a (i32.add (local.get $a) (local.get $rowBytes)))`,
    `    (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))`,
    `    (local.set $i (i32.add (local.get $i) (i32.const 1)))`,
    `    (br_if $rows (i32.lt_u (local.get $i) (local.get $rows))))`,
    `)`,
  ].join("\n");
}
