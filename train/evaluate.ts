// The mean loss of a model on held-out text, with its generated forward pass at the training
// sizes: the text cut into the n streams of a training batch, each read T characters at a time
// from a zero state (a recurrent model carries its state along its stream), every character but
// the last of each stream predicted once. Nothing here touches the training run's own buffers.
import { finalKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import type { AnyMat } from "../src/mat.js";
import { characterBatch, segments } from "./batch.js";
import type { CharacterLayout } from "./character-model.js";

export interface ForwardModule {
  /** The result holds each final state under its key (`hT`, see finalKey). */
  forward(params: object, batch: object): { readonly loss: number } & Readonly<Record<string, AnyMat | number>>;
}

/** The characters of held-out text that `evaluator` reads: each stream's whole sequences. */
export function evaluatedSteps(length: number, layout: CharacterLayout): number {
  const size = Math.floor(length / layout.streams);
  return size < layout.length + 1 ? 0 : Math.floor((size - 1) / layout.length);
}

/** A function giving the mean loss per character (nats) of `params` on `indices`. */
export function evaluator(module: ForwardModule, ir: ModelIR, layout: CharacterLayout, indices: Int32Array): (params: object) => number {
  const b = characterBatch(ir, layout);
  const streams = segments(indices.length, layout.streams);
  const steps = evaluatedSteps(indices.length, layout);
  const positions = new Float64Array(layout.streams);
  return (params) => {
    for (const s of Object.values(b.states)) s.data.fill(0);
    streams.forEach((s, k) => (positions[k] = s.start));
    let total = 0;
    for (let step = 0; step < steps; step++) {
      b.fill(indices, positions);
      const r = module.forward(params, b.batch);
      total += r.loss; // every step's loss is a mean over the same T·n characters
      for (const s of layout.states) b.states[s.name]!.data.set((r[finalKey(s.name)] as AnyMat).data);
      for (let k = 0; k < positions.length; k++) positions[k]! += layout.length;
    }
    return steps === 0 ? NaN : total / steps;
  };
}
