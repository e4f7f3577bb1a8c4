// Using a saved character model: sample text from it, or run it forward on a text, from nothing
// but its checkpoint. The checkpoint names the model's file (refused if its text changed since)
// and its sizes; a version 1 checkpoint, from before files were recorded, is dsl/char-rnn.ts's.
import { join } from "node:path";
import { interpret } from "../src/interpret.js";
import { makeMat } from "../src/mat.js";
import type { AnyModel } from "../src/model.js";
import { rng } from "../src/random.js";
import { traceModel } from "../src/trace-model.js";
import { characterBatch } from "./batch.js";
import { characterDims, characterLayout } from "./character-model.js";
import { expectModel, readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { expectContents } from "./checkpoint-contents.js";
import { encode, TrainingInputError } from "./corpus.js";
import { evaluatedSteps } from "./evaluate.js";
import { defaultModelFile, expectModelFile, loadModelFile } from "./model-file.js";
import { sampleText, samplingIR } from "./sample.js";
import { modelIdentity } from "./model-identity.js";

/** The checkpoint in `dir` and its model (`model`, or the file the checkpoint names), checked to belong together. */
export async function checkpointModel(dir: string, model?: AnyModel): Promise<{ checkpoint: Checkpoint; model: AnyModel; sizes: Readonly<Record<string, number>> }> {
  const checkpoint = readCheckpoint(dir);
  const path = join(dir, "checkpoint.json");
  if (model === undefined) {
    if (checkpoint.modelFile) expectModelFile(checkpoint.modelFile, path);
    model = (await loadModelFile(checkpoint.modelFile?.path ?? defaultModelFile())).model;
  }
  const sizes = checkpoint.model.sizes;
  // readCheckpoint verified the bytes; this, their meaning: this model at these sizes.
  const ir = traceModel(model, sizes);
  expectModel(checkpoint, modelIdentity(ir), path);
  expectContents(checkpoint, ir, { vocabSize: sizes[characterDims(model).vocab[0]!] }, path);
  return { checkpoint, model, sizes };
}

export async function sampleFromCheckpoint(dir: string, options: { length: number; temperature: number; seed: number; prime?: string }, model?: AnyModel): Promise<string> {
  const c = await checkpointModel(dir, model);
  return sampleText(samplingIR(c.model, c.sizes), c.checkpoint.params, c.checkpoint.vocab, {
    length: options.length,
    temperature: options.temperature,
    random: rng(options.seed),
    ...(options.prime !== undefined && { prime: options.prime }),
  });
}

/** The mean cross-entropy per character (nats) of the saved model on `text`, read one stream of T characters at a time from a zero state (the interpreter). */
export async function forwardFromCheckpoint(dir: string, text: string, model?: AnyModel): Promise<number> {
  const c = await checkpointModel(dir, model);
  const indices = Int32Array.from(encode(text, c.checkpoint.vocab, "the text"));
  const dims = characterDims(c.model);
  const ir = traceModel(c.model, { ...c.sizes, ...(dims.streams !== undefined && { [dims.streams]: 1 }) });
  const layout = characterLayout(ir, dims);
  const steps = evaluatedSteps(indices.length, layout);
  if (steps === 0) throw new TrainingInputError(`the text has ${indices.length} characters; the model reads sequences of ${layout.length + 1}`);
  const params = Object.fromEntries(ir.params.map((d) => [d.name, makeMat(d.shape.rowDim, d.shape.colDim, d.shape.rows, d.shape.cols, c.checkpoint.params[d.name]!)]));
  const b = characterBatch(ir, layout);
  let total = 0;
  for (let k = 0; k < steps; k++) {
    b.fill(indices, [k * layout.length]);
    total += interpret(ir, params, b.batch, false).loss;
  }
  return total / steps;
}
