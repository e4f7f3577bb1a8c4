// What deployment and sampling run: every step's declared output for given inputs and initial
// states, no targets. The interpreter computes it (the targets it would read are zeros that no
// output depends on); an exported ONNX model computes the same (codegen/onnx-graph.ts).
import { batchKeys } from "./batch-names.js";
import { interpret } from "./interpret.js";
import type { ModelIR } from "./ir/graph.js";
import { makeMat, type AnyMat } from "./mat.js";
import { ModelError } from "./model-error.js";

export interface Prediction {
  /** The step's declared output for every step, stacked time-major as the module stacks rows (Tn × v). */
  readonly output: AnyMat;
  /** The final value of each state, by result key (`hT`). */
  readonly final: Readonly<Record<string, AnyMat>>;
}

/** Runs the model forward on `inputs` (its batch without targets: `xs`, `h0`) and gives every step's output. */
export function predict(ir: ModelIR, params: Readonly<Record<string, unknown>>, inputs: Readonly<Record<string, unknown>>): Prediction {
  if (ir.outputs.output === undefined) throw new ModelError(`model ${ir.name} names no output in its step (return { loss, output })`);
  const targets = new Set(ir.targets.map((d) => d.name));
  const batch: Record<string, unknown> = { ...inputs };
  for (const k of batchKeys(ir).data) {
    if (!targets.has(k.name)) continue;
    if (Object.hasOwn(inputs, k.key)) throw new ModelError(`predict takes no targets; remove ${k.key}`);
    batch[k.key] = makeMat(k.shape.rowDim, k.shape.colDim, k.shape.rows, k.shape.cols, new Float64Array(k.shape.rows * k.shape.cols));
  }
  const r = interpret(ir, params, batch, false);
  const first = r.outputs[0]!;
  const data = new Float64Array(r.outputs.length * first.data.length);
  r.outputs.forEach((m, t) => data.set(m.data, t * first.data.length));
  const rows = r.outputs.length * first.rows;
  return { output: makeMat(ir.sequence ? ir.sequence.stacked : first.rowDim, first.colDim, rows, first.cols, data), final: r.final };
}
