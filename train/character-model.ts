// What training a declared model on characters needs from it, checked: one one-hot input and one
// target over the vocabulary, the dims its `trainable` declaration names (the vocabulary, the width
// --hidden sets, a window for a model without steps), and the layout of a batch: n parallel streams
// of T characters each for a recurrent model (`sequence`), one window of T characters for a model
// without steps. Every refusal is one line naming what is missing.
import type { Declared, ModelIR } from "../src/ir/graph.js";
import type { AnyModel, Trainable } from "../src/model.js";
import { resolveSizes } from "../src/trace-model.js";
import { TrainingInputError } from "./corpus.js";

/** The sizes asked for: --hidden, --seq, --batch and --dim (each optional; the model's defaults fill in). */
export interface SizeRequest {
  readonly hidden?: number | undefined;
  readonly seq?: number | undefined;
  readonly batch?: number | undefined;
  readonly dims?: Readonly<Record<string, number>> | undefined;
}

/** The dims a character model's options set. */
export interface CharacterDims {
  readonly vocab: readonly string[];
  readonly hidden: string;
  /** The characters per stream per step: the sequence's steps, or the window. */
  readonly length: string;
  /** The parallel streams (the input's row dim) of a recurrent model; none for a window model. */
  readonly streams?: string;
  /** Adagrad's learning rate the model declares (trainable.lr), if it does. */
  readonly lr?: number;
}

function declared(spec: AnyModel["spec"], group: "inputs" | "targets"): [string, readonly unknown[]][] {
  return Object.entries((spec[group] ?? {}) as Record<string, readonly unknown[]>);
}

/** Checks that `model` can be trained on characters and names its dims; one line if it cannot. */
export function characterDims(model: AnyModel): CharacterDims {
  const spec = model.spec;
  const where = `${model.source ?? "the model"}: model ${spec.name}`;
  const refuse = (what: string): never => {
    throw new TrainingInputError(`${where} ${what}`);
  };
  const t = spec.trainable as Trainable | undefined;
  if (t === undefined || typeof t !== "object") {
    return refuse(`declares no trainable dims (add trainable: { vocab: [...], hidden: "..." } to defineModel: see "Training a character-level model" in the README)`);
  }
  const dims = Object.keys(spec.dims);
  const vocab = typeof t.vocab === "string" ? [t.vocab] : Array.isArray(t.vocab) ? [...(t.vocab as readonly string[])] : [];
  if (vocab.length === 0) refuse("declares no trainable.vocab (the dim or dims the vocabulary's size sets)");
  for (const [what, d] of [...vocab.map((v) => ["trainable.vocab", v] as const), ["trainable.hidden", t.hidden] as const, ...(t.window === undefined ? [] : [["trainable.window", t.window] as const])]) {
    if (typeof d !== "string" || !dims.includes(d)) refuse(`has ${what} ${JSON.stringify(d)}, which is not one of its dims (${dims.join(", ")})`);
  }
  if (t.lr !== undefined && !(typeof t.lr === "number" && t.lr > 0 && Number.isFinite(t.lr))) refuse(`has trainable.lr ${JSON.stringify(t.lr)}; a learning rate is a positive number`);
  const lr = t.lr === undefined ? {} : { lr: t.lr };
  if (vocab.includes(t.hidden)) refuse(`has trainable.hidden "${t.hidden}" among its vocabulary dims`);
  const inputs = declared(spec, "inputs"), targets = declared(spec, "targets");
  if (inputs.length !== 1 || targets.length !== 1) refuse(`has ${inputs.length} inputs and ${targets.length} targets; a character model reads one input and predicts one target`);
  const [[inputName, inputShape], [targetName, targetShape]] = [inputs[0]!, targets[0]!];
  if (!(spec.oneHot ?? []).includes(inputName)) refuse(`has a dense input ${inputName}; a character model's input is one-hot (declare oneHot: ["${inputName}"])`);
  for (const [what, name, shape] of [["input", inputName, inputShape], ["target", targetName, targetShape]] as const) {
    if (!vocab.includes(shape[1] as string)) refuse(`has ${what} ${name} of width ${JSON.stringify(shape[1])}, which is not a trainable.vocab dim (${vocab.join(", ")})`);
  }
  const rows = inputShape[0];
  if (targetShape[0] !== rows) refuse(`has input ${inputName} and target ${targetName} with different rows (${JSON.stringify(rows)}, ${JSON.stringify(targetShape[0])})`);
  if (spec.sequence !== undefined) {
    if (t.window !== undefined) refuse("declares both steps (sequence) and trainable.window; a recurrent model reads T steps, a window model T rows");
    return { vocab, hidden: t.hidden, length: spec.sequence.steps, ...(typeof rows === "string" && { streams: rows }), ...lr };
  }
  if (t.window === undefined) refuse("has no steps (sequence) and no trainable.window (the dim of the characters it reads at once)");
  if (rows !== t.window) refuse(`reads its input ${inputName} in rows of ${JSON.stringify(rows)}, not of its window ${t.window}`);
  if (typeof spec.state === "object" && spec.state !== null && Object.keys(spec.state).length > 0) refuse("has a state but no steps (sequence)");
  return { vocab, hidden: t.hidden, length: t.window!, ...lr };
}

/** The sizes to train at: the vocabulary's size, the options, --dim, and the model's defaults for the rest. */
export function characterSizes(model: AnyModel, dims: CharacterDims, vocabSize: number, request: SizeRequest): Record<string, number> {
  const given = { ...(request.dims ?? {}) };
  const fail = (what: string): never => {
    throw new TrainingInputError(what);
  };
  for (const v of dims.vocab) {
    if (given[v] !== undefined && given[v] !== vocabSize) fail(`--dim ${v}=${given[v]}: ${v} is the vocabulary's size, which the text sets (${vocabSize})`);
    given[v] = vocabSize;
  }
  const option = (flag: string, value: number | undefined, dim: string | undefined) => {
    if (value === undefined) return;
    if (dim === undefined) {
      if (value !== 1) fail(`${flag} ${value}: model ${model.spec.name} reads one window per step, so it takes no ${flag} (only 1)`);
      return;
    }
    if (request.dims?.[dim] !== undefined && request.dims[dim] !== value) fail(`${flag} ${value} and --dim ${dim}=${request.dims[dim]} disagree`);
    given[dim] = value;
  };
  option("--hidden", request.hidden, dims.hidden);
  option("--seq", request.seq, dims.length);
  option("--batch", request.batch, dims.streams);
  try {
    return resolveSizes(model, given);
  } catch (e) {
    throw e instanceof Error ? new TrainingInputError(e.message) : e;
  }
}

/** The traced model's parts a trainer feeds: its input, target and states. */
export interface CharacterLayout {
  readonly input: Declared;
  readonly target: Declared;
  readonly states: readonly Declared[];
  /** n: parallel streams (1 for a window model). */
  readonly streams: number;
  /** T: characters per stream per step. */
  readonly length: number;
  readonly recurrent: boolean;
}

export function characterLayout(ir: ModelIR, dims: CharacterDims): CharacterLayout {
  if (ir.outputs.output === undefined) throw new TrainingInputError(`model ${ir.name} names no output in its step (return { loss, output }), so it cannot be sampled`);
  return {
    input: ir.inputs[0]!,
    target: ir.targets[0]!,
    states: ir.state,
    streams: ir.sequence !== undefined ? ir.inputs[0]!.shape.rows : 1,
    length: ir.sizes[dims.length]!,
    recurrent: ir.sequence !== undefined,
  };
}
