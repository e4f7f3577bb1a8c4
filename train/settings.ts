// The settings of a training run: the options as given, or, on --resume, as the checkpoint
// recorded them (an option given explicitly that disagrees is refused, naming both), the model and
// its file, the sizes, and the split of the text into training and validation characters.
import { resolve } from "node:path";
import { optimizerDefaults, type OptimizerName } from "../codegen/optimizers.js";
import type { AnyModel } from "../src/model.js";
import type { Checkpoint, ModelFile } from "./checkpoint.js";
import { characterDims, characterSizes, type CharacterDims } from "./character-model.js";
import { TrainingInputError, type Corpus } from "./corpus.js";
import { defaultModelFile, expectModelFile, loadModelFile, sourceFileOf } from "./model-file.js";

export interface RunSettings {
  readonly model: AnyModel;
  readonly modelFile: ModelFile | undefined;
  readonly dims: CharacterDims;
  readonly sizes: Record<string, number>;
  readonly optimizer: OptimizerName;
  readonly lr: number | undefined;
  readonly clip: number;
  /** Adagrad's ε. */
  readonly epsilon: number;
  readonly seed: number;
  /** The fraction of the text held out for validation, from its end. */
  readonly val: number;
}

export interface SettingsRequest {
  readonly model?: AnyModel | string | undefined;
  readonly hidden?: number | undefined;
  readonly seq?: number | undefined;
  readonly batch?: number | undefined;
  readonly dims?: Readonly<Record<string, number>> | undefined;
  readonly optimizer: OptimizerName;
  readonly lr?: number | undefined;
  readonly clip: number;
  readonly epsilon?: number | undefined;
  readonly seed: number;
  readonly val?: number | undefined;
  readonly explicit?: readonly string[] | undefined;
}

export const defaultVal = 0.1;
/** Adagrad's ε when none is given: the generated step's default. */
export const defaultEpsilon: number = optimizerDefaults.adagrad.epsilon;

async function modelOf(choice: AnyModel | string): Promise<{ model: AnyModel; file: ModelFile | undefined }> {
  if (typeof choice === "string") return loadModelFile(choice);
  return { model: choice, file: sourceFileOf(choice) };
}

/** The run's settings; `resumed` is the checkpoint to continue, `checkpointPath` names it in refusals. */
export async function runSettings(o: SettingsRequest, vocabSize: number, resumed: Checkpoint | undefined, checkpointPath: string): Promise<RunSettings> {
  if (o.epsilon !== undefined && !(o.epsilon > 0 && o.epsilon < 1)) throw new TrainingInputError(`--epsilon ${o.epsilon}: Adagrad's ε must be a positive number below 1`);
  if (o.epsilon !== undefined && o.optimizer !== "adagrad") throw new TrainingInputError(`--epsilon is Adagrad's; --optimizer ${o.optimizer} takes none`);
  if (o.val !== undefined && !(o.val >= 0 && o.val < 1)) throw new TrainingInputError(`--val ${o.val}: the held-out fraction must be at least 0 and less than 1`);
  if (!resumed) {
    const { model, file } = await modelOf(o.model ?? defaultModelFile());
    const dims = characterDims(model);
    const sizes = characterSizes(model, dims, vocabSize, o);
    // Adagrad's rate: --lr, else the model's declared one (trainable.lr), else Adagrad's default.
    const lr = o.lr ?? (o.optimizer === "adagrad" ? dims.lr : undefined);
    return { model, modelFile: file, dims, sizes, optimizer: o.optimizer, lr, clip: o.clip, epsilon: o.epsilon ?? defaultEpsilon, seed: o.seed, val: o.val ?? defaultVal };
  }
  // A version 1 checkpoint names no file: it was made with dsl/char-rnn.ts, on the whole text.
  const recorded = resumed.modelFile;
  const explicit = new Set(o.explicit ?? []);
  if (recorded && typeof o.model === "string" && resolve(o.model) !== recorded.path) {
    throw new TrainingInputError(`${checkpointPath} was made with --model ${recorded.path}, not --model ${resolve(o.model)}; drop --model to resume it`);
  }
  if (recorded && typeof o.model !== "object") expectModelFile(recorded, checkpointPath);
  const { model, file } = await modelOf(o.model ?? recorded?.path ?? defaultModelFile());
  const dims = characterDims(model);
  const sizes = { ...resumed.model.sizes };
  const c = resumed.options;
  const saved = {
    hidden: sizes[dims.hidden],
    seq: sizes[dims.length],
    batch: dims.streams === undefined ? 1 : sizes[dims.streams],
    optimizer: c["optimizer"] as OptimizerName,
    lr: Number(c["lr"]),
    clip: Number(c["clip"]),
    epsilon: c["epsilon"] === undefined ? optimizerDefaults.adagrad.epsilon : Number(c["epsilon"]),
    seed: Number(c["seed"]),
    val: c["val"] === undefined ? 0 : Number(c["val"]),
  };
  const given = { hidden: o.hidden, seq: o.seq, batch: o.batch, optimizer: o.optimizer, lr: o.lr, clip: o.clip, epsilon: o.epsilon, seed: o.seed, val: o.val };
  const conflicts: [string, unknown, unknown][] = (Object.keys(saved) as (keyof typeof saved)[]).filter((k) => explicit.has(k) && given[k] !== saved[k]).map((k) => [`--${k}`, saved[k], given[k]]);
  for (const [name, size] of Object.entries(o.dims ?? {})) if (sizes[name] !== size) conflicts.push([`--dim`, `${name}=${sizes[name] ?? "(none)"}`, `${name}=${size}`]);
  if (conflicts.length > 0) {
    const show = (i: 1 | 2) => conflicts.map((c) => `${c[0]} ${String(c[i])}`).join(" ");
    throw new TrainingInputError(`${checkpointPath} was made with ${show(1)}, not ${show(2)}; drop those options to resume it`);
  }
  return { model, modelFile: file, dims, sizes, optimizer: saved.optimizer, lr: saved.lr, clip: saved.clip, epsilon: saved.epsilon, seed: saved.seed, val: saved.val };
}
