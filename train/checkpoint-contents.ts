// What a checkpoint's contents must be for the model it belongs to, checked before any of it is
// used: its checksum proves the bytes are the ones written, not that whoever wrote them (an edit
// with the checksum recomputed, another program) wrote sense. Every parameter of the model and no
// other, each of its size and finite; the optimizer's state likewise; every carried state; a
// vocabulary of distinct characters, as many as the model's vocabulary dim. One line if not.
import type { ModelIR } from "../src/ir/graph.js";
import { CheckpointError, type Checkpoint } from "./checkpoint.js";

export interface ExpectedContents {
  /** The vocabulary's size, as the model's sizes give it (undefined: not checked against a size). */
  readonly vocabSize?: number | undefined;
  /** The optimizer state arrays the run resumes with: `memory.U` and so on. */
  readonly optimizerState?: readonly string[];
  /** The states carried from step to step, with their sizes. */
  readonly carried?: readonly { readonly name: string; readonly size: number }[];
  /** The streams' positions in the text: how many, each a whole number below `below`. */
  readonly positions?: { readonly count: number; readonly below: number };
}

export function expectContents(c: Checkpoint, ir: ModelIR, expected: ExpectedContents, source: string): void {
  const invalid = (what: string): never => {
    throw new CheckpointError(`${source} is not a valid checkpoint for model ${ir.name}: ${what}`);
  };
  const finite = (data: Float64Array, at: string, nonNegative = false): void => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) invalid(`${at} entry ${i} is ${v}, not a finite number`);
      if (nonNegative && v < 0) invalid(`${at} entry ${i} is ${v}, below zero`);
    }
  };
  const sized = (data: Float64Array | undefined, size: number, at: string): Float64Array => {
    if (data === undefined) return invalid(`${at} is missing`);
    if (data.length !== size) invalid(`${at} holds ${data.length} numbers, not ${size}`);
    return data;
  };
  const names = new Set(ir.params.map((d) => d.name));
  for (const name of Object.keys(c.params)) if (!names.has(name)) invalid(`it holds a parameter ${JSON.stringify(name)} that the model does not declare`);
  for (const d of ir.params) finite(sized(c.params[d.name], d.shape.rows * d.shape.cols, `parameter ${d.name}`), `parameter ${d.name}`);
  for (const group of expected.optimizerState ?? []) {
    for (const d of ir.params) {
      const at = `optimizer state ${group}.${d.name}`;
      // Adagrad's memory and Adam's second moment are sums of squares.
      finite(sized(c.optimizer.state[`${group}.${d.name}`], d.shape.rows * d.shape.cols, at), at, group === "memory" || group === "v");
    }
  }
  for (const s of expected.carried ?? []) finite(sized(c.carried[s.name], s.size, `carried state ${s.name}`), `carried state ${s.name}`);
  if (expected.positions) {
    const positions = sized(c.carried["positions"], expected.positions.count, "the streams' positions");
    positions.forEach((p, i) => {
      if (!(Number.isInteger(p) && p >= 0 && p < expected.positions!.below)) invalid(`stream ${i}'s position is ${p}, not a place in the text (0 to ${expected.positions!.below - 1})`);
    });
  }
  const characters = Array.from(c.vocab);
  if (new Set(characters).size !== characters.length) {
    const twice = characters.find((ch, i) => characters.indexOf(ch) !== i)!;
    invalid(`its vocabulary holds ${JSON.stringify(twice)} twice`);
  }
  if (expected.vocabSize !== undefined && characters.length !== expected.vocabSize) invalid(`its vocabulary has ${characters.length} characters, but the model's is ${expected.vocabSize}`);
  if (!Number.isNaN(c.smoothLoss) && !Number.isFinite(c.smoothLoss)) invalid(`its smoothed loss is ${c.smoothLoss}`);
}
