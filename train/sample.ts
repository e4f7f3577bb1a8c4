// Sampling text from a trained character model: one character at a time, the model run forward by
// the interpreter (a recurrent model: one row, one step, its state carried; a window model: the
// last T characters, the output read at the newest one), its output turned into probabilities
// with a temperature, and the next character drawn from them with a seeded generator.
import { dataKey, finalKey, initialKey } from "../src/batch-names.js";
import { predict } from "../src/predict.js";
import type { ModelIR } from "../src/ir/graph.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import type { AnyModel } from "../src/model.js";
import type { Rng } from "../src/random.js";
import { traceModel } from "../src/trace-model.js";
import { encode, TrainingInputError } from "./corpus.js";

export interface SampleOptions {
  readonly length: number;
  readonly temperature: number;
  readonly random: Rng;
  /** Text to run through the model first; sampling continues from it. */
  readonly prime?: string;
  /** The recurrent state to start from (zeros when absent), by state name. */
  readonly state?: Readonly<Record<string, Float64Array>>;
}

/** What sampling runs: a recurrent model's IR at one step of one row; a window model's as trained. */
export function samplingIR(model: AnyModel, sizes: Readonly<Record<string, number>>): ModelIR {
  const full = traceModel(model, sizes);
  if (full.sequence === undefined && model.spec.trainable?.window !== undefined) {
    if (full.outputs.output === undefined) throw new TrainingInputError(`model ${full.name} names no output in its step, so it cannot be sampled`);
    return full;
  }
  const seq = full.sequence;
  const rowDim = full.inputs[0]?.shape.rowDim;
  const one: Record<string, number> = { ...sizes };
  if (seq) one[seq.steps] = 1;
  if (typeof rowDim === "string") one[rowDim] = 1;
  const ir = traceModel(model, one);
  if (ir.outputs.output === undefined) throw new TrainingInputError(`model ${ir.name} names no output in its step, so it cannot be sampled`);
  return ir;
}

/** Draws an index from softmax(logits / temperature). */
export function drawFrom(logits: Float64Array, temperature: number, random: Rng): number {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x / temperature);
  let total = 0;
  const weights = Array.from(logits, (x) => {
    const w = Math.exp(x / temperature - max);
    total += w;
    return w;
  });
  let u = random.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

export function sampleText(ir: ModelIR, params: Readonly<Record<string, Float64Array>>, vocab: string, options: SampleOptions): string {
  const chars = Array.from(vocab);
  const input = ir.inputs[0];
  if (!input || !input.oneHot) throw new TrainingInputError(`model ${ir.name} is not a character model (its input is not one-hot)`);
  if (ir.sequence === undefined) return sampleWindow(ir, params, chars, options);
  const matOf = (shape: ModelIR["params"][number]["shape"], data: Float64Array): AnyMat => makeMat(shape.rowDim, shape.colDim, shape.rows, shape.cols, data);
  const p = Object.fromEntries(ir.params.map((d) => [d.name, matOf(d.shape, params[d.name]!)]));
  let state = Object.fromEntries(ir.state.map((d) => [d.name, options.state?.[d.name]?.slice(0, d.shape.rows * d.shape.cols) ?? new Float64Array(d.shape.rows * d.shape.cols)]));
  const row = new Float64Array(input.oneHot ? 1 : input.shape.cols);
  const run = (index: number): Float64Array => {
    // A one-hot input takes the index itself; a dense one, the one-hot row.
    row.fill(0);
    if (input.oneHot) row[0] = index;
    else row[index] = 1;
    const batch: Record<string, AnyMat> = { [dataKey(input.name, ir.sequence !== undefined)]: makeMat(1, input.oneHot ? 1 : input.shape.colDim, 1, row.length, row) };
    for (const s of ir.state) batch[initialKey(s.name)] = matOf(s.shape, state[s.name]!);
    const r = predict(ir, p, batch);
    state = Object.fromEntries(ir.state.map((d) => [d.name, Float64Array.from(r.final[finalKey(d.name)]!.data)]));
    return r.output.data;
  };
  const primer = options.prime ? encode(options.prime, vocab, "--prime") : [options.random.uniform() * chars.length | 0];
  let logits: Float64Array = new Float64Array(chars.length);
  for (const i of primer) logits = run(i);
  let out = "";
  for (let k = 0; k < options.length; k++) {
    const next = drawFrom(logits, options.temperature, options.random);
    out += chars[next];
    logits = run(next);
  }
  return (options.prime ?? "") + out;
}

/**
 * A model without steps reads a window of T characters (its input's rows) and, being causal, its
 * output row t predicts the character after row t: the context is the last T characters at most,
 * in rows 0.., and the next character is drawn from the row of the newest one.
 */
function sampleWindow(ir: ModelIR, params: Readonly<Record<string, Float64Array>>, chars: readonly string[], options: SampleOptions): string {
  const input = ir.inputs[0]!;
  const T = input.shape.rows;
  const p = Object.fromEntries(ir.params.map((d) => [d.name, makeMat(d.shape.rowDim, d.shape.colDim, d.shape.rows, d.shape.cols, params[d.name]!)]));
  const rows = new Float64Array(T);
  const batch: Record<string, AnyMat> = { [dataKey(input.name, false)]: makeMat(input.shape.rowDim, 1, T, 1, rows) };
  const v = chars.length;
  const context = options.prime ? encode(options.prime, chars.join(""), "--prime") : [options.random.uniform() * v | 0];
  let out = "";
  for (let k = 0; k < options.length; k++) {
    const window = context.slice(-T);
    rows.fill(0);
    rows.set(window);
    const logits = predict(ir, p, batch).output.data.subarray((window.length - 1) * v, window.length * v);
    const next = drawFrom(logits, options.temperature, options.random);
    out += chars[next];
    context.push(next);
  }
  return (options.prime ?? "") + out;
}
