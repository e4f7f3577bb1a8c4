// Using a saved character model: sample text from it, or run it forward on a text, from nothing
// but its checkpoint (the checkpoint names the model and its sizes).
import charRnn from "../dsl/char-rnn.js";
import { dataKey, initialKey } from "../src/batch-names.js";
import { interpret } from "../src/interpret.js";
import { makeMat } from "../src/mat.js";
import type { AnyModel } from "../src/model.js";
import { rng } from "../src/random.js";
import { traceModel } from "../src/trace-model.js";
import { join } from "node:path";
import { expectModel, readCheckpoint, type Checkpoint } from "./checkpoint.js";
import { encode, TrainingInputError } from "./corpus.js";
import { sampleText, samplingIR } from "./sample.js";
import { characterModelSizes, modelIdentity } from "./trainer.js";

function checked(dir: string, model: AnyModel): { checkpoint: Checkpoint; sizes: Record<string, number> } {
  const checkpoint = readCheckpoint(dir);
  const o = checkpoint.options;
  const sizes = characterModelSizes(Array.from(checkpoint.vocab).length, { hidden: Number(o["hidden"]), seq: Number(o["seq"]), batch: Number(o["batch"]) });
  // The checkpoint must belong to this model at these sizes: readCheckpoint verified its bytes, this its meaning.
  expectModel(checkpoint, modelIdentity(traceModel(model, sizes)), join(dir, "checkpoint.json"));
  return { checkpoint, sizes };
}

export function sampleFromCheckpoint(dir: string, options: { length: number; temperature: number; seed: number; prime?: string }, model: AnyModel = charRnn): string {
  const { checkpoint, sizes } = checked(dir, model);
  return sampleText(samplingIR(model, sizes), checkpoint.params, checkpoint.vocab, {
    length: options.length,
    temperature: options.temperature,
    random: rng(options.seed),
    ...(options.prime !== undefined && { prime: options.prime }),
  });
}

/** The mean cross-entropy per character (nats) of the saved model on `text`, read one sequence at a time from a zero state. */
export function forwardFromCheckpoint(dir: string, text: string, model: AnyModel = charRnn): number {
  const { checkpoint, sizes } = checked(dir, model);
  const indices = encode(text, checkpoint.vocab, "the text");
  const T = sizes["T"]!, v = sizes["v"]!;
  const ir = traceModel(model, { ...sizes, n: 1 });
  if (indices.length < T + 1) throw new TrainingInputError(`the text has ${indices.length} characters; the model reads sequences of ${T + 1}`);
  const params = Object.fromEntries(ir.params.map((d) => [d.name, makeMat(d.shape.rowDim, d.shape.colDim, d.shape.rows, d.shape.cols, checkpoint.params[d.name]!)]));
  let total = 0, count = 0;
  for (let p = 0; p + T + 1 <= indices.length; p += T) {
    const oneHot = ir.inputs[0]!.oneHot === true;
    const xs = new Float64Array(oneHot ? T : T * v), ys = new Float64Array(T * v);
    for (let t = 0; t < T; t++) {
      if (oneHot) xs[t] = indices[p + t]!;
      else xs[t * v + indices[p + t]!] = 1;
      ys[t * v + indices[p + t + 1]!] = 1;
    }
    const h = ir.state[0]!.shape;
    const batch = {
      [dataKey(ir.inputs[0]!.name, true)]: makeMat("Tn", oneHot ? 1 : "d", T, oneHot ? 1 : v, xs),
      [dataKey(ir.targets[0]!.name, true)]: makeMat("Tn", "v", T, v, ys),
      [initialKey(ir.state[0]!.name)]: makeMat(h.rowDim, h.colDim, h.rows, h.cols, new Float64Array(h.rows * h.cols)),
    };
    const r = interpret(ir, params, batch, false);
    total += r.loss;
    count++;
  }
  return total / count;
}
