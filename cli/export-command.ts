// `shapegrad export FILE --onnx out.onnx`: the model's forward computation as an ONNX model, its
// parameters from a checkpoint (with its sizes and vocabulary) or seeded, written atomically. Every
// check runs before anything is written: an op without an ONNX form, a --dim that disagrees with
// the checkpoint, a checkpoint of another model.
import { loadModel, UsageError } from "../codegen/load-model.js";
import { onnxModel } from "../codegen/onnx-graph.js";
import { encodeOnnx } from "../codegen/onnx-write.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import { traceModel } from "../src/trace-model.js";
import { checkpointModel } from "../train/from-checkpoint.js";
import { modelIdentity } from "../train/model-identity.js";
import { randomArguments } from "./random-arguments.js";

export interface ExportOptions {
  readonly onnx: string;
  readonly checkpoint?: string;
  readonly dim?: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly dtype: "f64" | "f32";
}

/** The standard deviation of seeded parameters (normal, mean 0) when no checkpoint is given. */
export const seededStd = 0.1;

export async function exportCommand(file: string, options: ExportOptions, producerVersion: string): Promise<string> {
  const model = await loadModel(file);
  let sizes: Readonly<Record<string, number>> = options.dim ?? {};
  let params: Readonly<Record<string, ArrayLike<number>>> | undefined;
  let vocabulary: string | undefined;
  if (options.checkpoint !== undefined) {
    const c = await checkpointModel(options.checkpoint, model);
    for (const [name, size] of Object.entries(options.dim ?? {})) {
      if (c.sizes[name] !== size) throw new UsageError(`--dim ${name}=${size} disagrees with the checkpoint in ${options.checkpoint}, whose ${name} is ${c.sizes[name] ?? "not a dim of the model"}`);
    }
    sizes = c.sizes;
    params = c.checkpoint.params;
    vocabulary = c.checkpoint.vocab;
  }
  const ir = traceModel(model, sizes);
  params ??= Object.fromEntries(Object.entries(randomArguments(ir, options.seed, seededStd).params).map(([name, m]) => [name, m.data]));
  const identity = modelIdentity(ir);
  const metadata: [string, string][] = [
    ["shapegrad.model", ir.name],
    ["shapegrad.identity", identity.hash],
    ["shapegrad.sizes", JSON.stringify(ir.sizes)],
    ["shapegrad.dtype", options.dtype],
    ...(vocabulary !== undefined ? [["shapegrad.vocabulary", vocabulary] as [string, string]] : []),
    ...(ir.sequence ? [["shapegrad.sequence", JSON.stringify({ steps: ir.sequence.steps, stacked: ir.sequence.stacked })] as [string, string]] : []),
  ];
  const bytes = encodeOnnx(onnxModel(ir, { dtype: options.dtype, params, metadata }), producerVersion);
  writeFileAtomic(options.onnx, bytes);
  return options.onnx;
}
