// What the LSTM benchmark (`npm run bench:lstm`) shares with the peers it runs as separate processes
// (bench/lstm_numpy.py, bench/lstm_torch.py): the file formats of a config's inputs and of a peer's
// results. The LSTM of issue 15 (dsl/lstm.ts; test/support/lstm-reference.ts):
//
//   I = σ(X Ui + H Wi + bi)   F = σ(X Uf + H Wf + bf)   O = σ(X Uo + H Wo + bo)   G = tanh(X Ug + H Wg + bg)
//   C' = F ⊙ C + I ⊙ G        H' = O ⊙ tanh(C')         L = mean over T·n rows of softmax cross-entropy of H' V + c
//
// Input file: int32 n, d, h, v, T and three int32 zeros (32 bytes, as bench/rnn-io.ts), then float64
// Ui (d·h), Wi (h·h), bi (h), Uf, Wf, bf, Uo, Wo, bo, Ug, Wg, bg (likewise), V (h·v), c (v),
// xs (T·n·d), ys (T·n·v), h0 (n·h), cell0 (n·h); all row-major, xs and ys stacked time-major (rows
// t·n … t·n+n−1 are step t). Output file: float64 loss, then the gradients of Ui Wi bi Uf Wf bf Uo
// Wo bo Ug Wg bg V c h0 cell0, each in its array's shape. Both little-endian: the typed arrays here
// use the host's byte order, so the writers check that it is little-endian.
//
// Like bench/rnn-io.ts, imports nothing but node:fs and node:os, so a process timing typed-array code
// can load it cheaply; the timing loop (timeCalls, median) is bench/rnn-io.ts's and is not repeated.
import { readFileSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";

export interface LstmSizes {
  readonly n: number;
  readonly d: number;
  readonly h: number;
  readonly v: number;
  readonly T: number;
}

/** The parameters in the order of the file (and of dsl/lstm.ts). */
export const paramNames = ["Ui", "Wi", "bi", "Uf", "Wf", "bf", "Uo", "Wo", "bo", "Ug", "Wg", "bg", "V", "c"] as const;
/** Every array of the input file, in order. */
export const inputNames = [...paramNames, "xs", "ys", "h0", "cell0"] as const;
/** Every gradient of the output file, in order (after the loss). */
export const gradNames = [...paramNames, "h0", "cell0"] as const;

export type ParamName = (typeof paramNames)[number];
export type InputName = (typeof inputNames)[number];
export type GradName = (typeof gradNames)[number];

/** Float64 inputs of one config. */
export type LstmInputs = { readonly [K in InputName]: Float64Array };

/** The loss and the gradients, in the order of gradNames. */
export interface LstmResult {
  readonly loss: number;
  readonly grads: readonly ArrayLike<number>[];
}

/** How many numbers each named array holds. */
export function lengthOf(name: InputName, s: LstmSizes): number {
  switch (name) {
    case "V":
      return s.h * s.v;
    case "c":
      return s.v;
    case "xs":
      return s.T * s.n * s.d;
    case "ys":
      return s.T * s.n * s.v;
    case "h0":
    case "cell0":
      return s.n * s.h;
    default:
      return name.startsWith("U") ? s.d * s.h : name.startsWith("W") ? s.h * s.h : s.h;
  }
}

function checkLittleEndian(): void {
  if (endianness() !== "LE") throw new Error("bench/lstm-io.ts: the peer files are little-endian, and this host is not");
}

export function writeInputFile(path: string, s: LstmSizes, inputs: LstmInputs): void {
  checkLittleEndian();
  for (const name of inputNames) {
    if (inputs[name].length !== lengthOf(name, s)) throw new RangeError(`writeInputFile: ${name} has ${inputs[name].length} numbers, expected ${lengthOf(name, s)}`);
  }
  const count = inputNames.reduce((total, name) => total + inputs[name].length, 0);
  const bytes = new ArrayBuffer(32 + 8 * count);
  new Int32Array(bytes, 0, 8).set([s.n, s.d, s.h, s.v, s.T, 0, 0, 0]);
  const doubles = new Float64Array(bytes, 32);
  let at = 0;
  for (const name of inputNames) {
    doubles.set(inputs[name], at);
    at += inputs[name].length;
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

export function readInputFile(path: string): { sizes: LstmSizes; inputs: LstmInputs } {
  checkLittleEndian();
  const bytes = readBytes(path);
  const [n, d, h, v, T] = Array.from(new Int32Array(bytes, 0, 5));
  const sizes: LstmSizes = { n: n!, d: d!, h: h!, v: v!, T: T! };
  const all = new Float64Array(bytes, 32);
  const expected = inputNames.reduce((total, name) => total + lengthOf(name, sizes), 0);
  if (all.length !== expected) throw new Error(`${path}: ${all.length} numbers, not the ${expected} its header implies`);
  let at = 0;
  const inputs = {} as Record<InputName, Float64Array>;
  for (const name of inputNames) inputs[name] = all.subarray(at, (at += lengthOf(name, sizes)));
  return { sizes, inputs };
}

export function writeOutputFile(path: string, result: LstmResult): void {
  checkLittleEndian();
  const out = Float64Array.from([result.loss, ...result.grads.flatMap((g) => Array.from(g))]);
  writeFileSync(path, new Uint8Array(out.buffer));
}

export function readOutputFile(path: string, s: LstmSizes): LstmResult {
  checkLittleEndian();
  const all = new Float64Array(readBytes(path));
  const lengths = gradNames.map((name) => lengthOf(name, s));
  const expected = 1 + lengths.reduce((a, b) => a + b, 0);
  if (all.length !== expected) throw new Error(`${path}: ${all.length} numbers, not the expected ${expected}`);
  let at = 1;
  return { loss: all[0]!, grads: lengths.map((length) => all.subarray(at, (at += length))) };
}
