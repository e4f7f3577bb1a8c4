// What bench/rnn-peers.ts shares with the peers it runs as separate processes (bench/rnn.c,
// bench/rnn_numpy.py, bench/tfjs-rnn.ts): the file formats of a config's inputs and of a peer's
// results, and the timing loop. Imports nothing but node:fs, so that a process timing typed-array
// code can load it without loading anything that would slow that code (see bench/rnn-peers.ts).
//
// Input file: int32 n, d, h, v, T and three int32 zeros (32 bytes), then float64 U (d·h), W (h·h),
// b (h), V (h·v), c (v), xs (T·n·d), ys (T·n·v), h0 (n·h), all row-major, xs and ys stacked
// time-major (rows t·n … t·n+n−1 are step t). Output file: float64 loss, then dU, dW, db, dV, dc,
// dh0 in the shapes of U, W, b, V, c, h0. Both little-endian: the typed arrays here use the host's
// byte order, so the writers check that it is little-endian.
import { readFileSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";
import type { RnnSizes } from "./hand-rnn.js";

/** Float64 inputs of one config. */
export interface RnnInputs {
  readonly U: Float64Array;
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly V: Float64Array;
  readonly c: Float64Array;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly h0: Float64Array;
}

/** The loss and the gradients, in the order of gradNames. */
export interface Result {
  readonly loss: number;
  readonly grads: readonly ArrayLike<number>[];
}

export const gradNames = ["U", "W", "b", "V", "c", "h0"] as const;

function checkLittleEndian(): void {
  if (endianness() !== "LE") throw new Error("bench/rnn-io.ts: the peer files are little-endian, and this host is not");
}

/** The gradients' lengths, in the order of gradNames. */
const gradLengths = (s: RnnSizes): number[] => [s.d * s.h, s.h * s.h, s.h, s.h * s.v, s.v, s.n * s.h];

export function writeInputFile(path: string, s: RnnSizes, inputs: RnnInputs): void {
  checkLittleEndian();
  const arrays = [inputs.U, inputs.W, inputs.b, inputs.V, inputs.c, inputs.xs, inputs.ys, inputs.h0];
  const count = arrays.reduce((total, a) => total + a.length, 0);
  const bytes = new ArrayBuffer(32 + 8 * count);
  new Int32Array(bytes, 0, 8).set([s.n, s.d, s.h, s.v, s.T, 0, 0, 0]);
  const doubles = new Float64Array(bytes, 32);
  let at = 0;
  for (const a of arrays) {
    doubles.set(a, at);
    at += a.length;
  }
  writeFileSync(path, new Uint8Array(bytes));
}

/** A copy of the file's bytes in a fresh, aligned ArrayBuffer (a Buffer may share a pool at any offset). */
function readBytes(path: string): ArrayBuffer {
  const buffer = readFileSync(path);
  const copy = new ArrayBuffer(buffer.byteLength);
  new Uint8Array(copy).set(buffer);
  return copy;
}

export function readInputFile(path: string): { sizes: RnnSizes; inputs: RnnInputs } {
  checkLittleEndian();
  const bytes = readBytes(path);
  const [n, d, h, v, T] = Array.from(new Int32Array(bytes, 0, 5));
  const sizes = { n: n!, d: d!, h: h!, v: v!, T: T! };
  const lengths = [d! * h!, h! * h!, h!, h! * v!, v!, T! * n! * d!, T! * n! * v!, n! * h!];
  const all = new Float64Array(bytes, 32);
  if (all.length !== lengths.reduce((a, b) => a + b, 0)) throw new Error(`${path}: ${all.length} numbers, not the count its header implies`);
  let at = 0;
  const [U, W, b, V, c, xs, ys, h0] = lengths.map((length) => all.subarray(at, (at += length)));
  return { sizes, inputs: { U: U!, W: W!, b: b!, V: V!, c: c!, xs: xs!, ys: ys!, h0: h0! } };
}

export function writeOutputFile(path: string, result: Result): void {
  checkLittleEndian();
  const out = Float64Array.from([result.loss, ...result.grads.flatMap((g) => Array.from(g))]);
  writeFileSync(path, new Uint8Array(out.buffer));
}

export function readOutputFile(path: string, s: RnnSizes): Result {
  checkLittleEndian();
  const all = new Float64Array(readBytes(path));
  const lengths = gradLengths(s);
  if (all.length !== 1 + lengths.reduce((a, b) => a + b, 0)) throw new Error(`${path}: ${all.length} numbers, not the expected count`);
  let at = 1;
  return { loss: all[0]!, grads: lengths.map((length) => all.subarray(at, (at += length))) };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * The timing loop of every JavaScript peer (bench/rnn.c and bench/rnn_numpy.py repeat it): warm-up
 * for a fifth of the budget, at least three calls (the JIT compiles the hot code meanwhile, and at
C3's size, where a call takes half a second, one call left V8 optimizing mid-run), then calls
 * timed one by one until the budget is spent and at least minCalls were timed. Returns the median.
 */
export function timeCalls(call: () => void, budgetSeconds: number, minCalls: number): { ms: number; calls: number; warmup: number } {
  const budgetMs = budgetSeconds * 1e3;
  let warmup = 0;
  const warmStart = process.hrtime.bigint();
  do {
    call();
    warmup++;
  } while (warmup < 3 || msSince(warmStart) < budgetMs / 5);
  const times: number[] = [];
  const start = process.hrtime.bigint();
  while (times.length < minCalls || msSince(start) < budgetMs) {
    const t0 = process.hrtime.bigint();
    call();
    times.push(msSince(t0));
  }
  return { ms: median(times), calls: times.length, warmup };
}
