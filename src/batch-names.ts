// The names a caller sees for a model's data and states, formed in this one place: a per-step input
// or target `x` of a sequence model arrives stacked over the steps as `xs` (a model without steps
// takes `x` itself), a state `h` starts from `h0` (in the batch, and its gradient in the grads) and
// ends as `hT` (in the result). The interpreter, the generated modules, the trainer and the CLI all
// ask here. (The same rule at the type level is in model.ts: BatchOf, GradsOf, FinalStateOf.)
import type { ModelIR } from "./ir/graph.js";
import type { Shape } from "./shape-error.js";

/** The batch key of a per-step input or target: `xs` in a sequence model, else `x`. */
export function dataKey(name: string, sequence: boolean): string {
  return sequence ? `${name}s` : name;
}

/** The key of a state's initial value, in the batch and in the gradients: `h0`. */
export function initialKey(state: string): string {
  return `${state}0`;
}

/** The key of a state's final value in the result: `hT`. */
export function finalKey(state: string): string {
  return `${state}T`;
}

export interface DataKey {
  readonly key: string;
  /** The declared name (`x` for the key `xs`). */
  readonly name: string;
  /** The shape the caller passes: every step's rows stacked in a sequence model, one column of class indices for a one-hot input. */
  readonly shape: Shape;
  readonly oneHot: boolean;
}

export interface StateKey {
  readonly key: string;
  readonly name: string;
  readonly shape: Shape;
}

/** The batch keys of a model: stacked `xs`/`ys` and initial `h0` for a recurrent one, else the names. */
export function batchKeys(ir: ModelIR): { data: DataKey[]; state: StateKey[] } {
  const seq = ir.sequence;
  const data = [...ir.inputs, ...ir.targets].map((d) => {
    const oneHot = d.oneHot === true;
    const colDim = oneHot ? 1 : d.shape.colDim, cols = oneHot ? 1 : d.shape.cols;
    return {
      key: dataKey(d.name, seq !== undefined),
      name: d.name,
      shape: seq ? { rowDim: seq.stacked, colDim, rows: seq.count * d.shape.rows, cols } : { ...d.shape, colDim, cols },
      oneHot,
    };
  });
  return { data, state: ir.state.map((d) => ({ key: initialKey(d.name), name: d.name, shape: d.shape })) };
}
