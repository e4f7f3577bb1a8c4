// The names a caller sees for a model's data and states, formed in this one place: a per-step input
// or target `x` of a sequence model arrives stacked over the steps as `xs` (a model without steps
// takes `x` itself), a state `h` starts from `h0` (in the batch, and its gradient in the grads) and
// ends as `hT` (in the result). The interpreter, the generated modules, the trainer and the CLI all
// ask here. (The same rule at the type level is in model.ts: BatchOf, GradsOf, FinalStateOf.)
//
// The suffix rule: a state whose name ends in a digit takes an underscore before its suffix, so
// that the suffix cannot be read as part of the name: `h1` starts from `h1_0` and ends as `h1_T`
// (plain `h10` would read as step 10 of `h`). Every other state takes the suffix directly, as
// before: `h` → `h0`, `hT`; `cell` → `cell0`, `cellT`; `h_` → `h_0`. Two states whose keys still
// meet (`h1` and `h1_` both give `h1_0`), or a key that meets a parameter's or input's name, are
// refused when the model is traced (traceModel's duplicate check), never silently merged.
import type { ModelIR } from "./ir/graph.js";
import type { Shape } from "./shape-error.js";

/** The batch key of a per-step input or target: `xs` in a sequence model, else `x`. */
export function dataKey(name: string, sequence: boolean): string {
  return sequence ? `${name}s` : name;
}

/** The separator before a state's suffix: `_` when the name ends in a digit (`h1` → `h1_0`), else none. */
function suffixSeparator(state: string): string {
  return /[0-9]$/.test(state) ? "_" : "";
}

/** The key of a state's initial value, in the batch and in the gradients: `h0` (`h1_0` for a state `h1`). */
export function initialKey(state: string): string {
  return `${state}${suffixSeparator(state)}0`;
}

/** The key of a state's final value in the result: `hT` (`h1_T` for a state `h1`). */
export function finalKey(state: string): string {
  return `${state}${suffixSeparator(state)}T`;
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
