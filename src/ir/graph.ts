// The IR: what tracing a model yields, as plain immutable records. One step of the model is one
// graph; its forward nodes come first, then the backward nodes that reverse mode derived from the
// ops' rules (which may refer to forward nodes by id). Running the model means running this graph
// once per time step, forward in t, then backward in t. Everything downstream (validate,
// interpret, print, generate code, explain) is a function of these records.
import type { Attrs } from "../op.js";
import type { Shape } from "../shape-error.js";

/**
 * What a leaf stands for: a trained parameter, per-step data, the recurrent state, a constant (with
 * its values; "zeros" needs none, so a zero gradient of any size costs nothing to record), or an
 * adjoint fed in from outside the step.
 */
export type LeafKind = "param" | "input" | "target" | "state" | "const" | "zeros" | "stateAdjoint" | "lossAdjoint";

export interface Node {
  /** Its index in `nodes`. */
  readonly id: number;
  /** An op-table name, or "leaf". */
  readonly op: string;
  /** Ids of earlier nodes. */
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
  readonly shape: Shape;
  readonly phase: "forward" | "backward";
  /** Where the op was called (`file:line:column`); a backward node carries its forward node's. */
  readonly loc?: string;
  /** A name the model gave the value (see `named`), for explanations. */
  readonly label?: string;
  /** For a backward node: the forward node whose adjoint (the gradient of L with respect to it) this is. */
  readonly adjointOf?: number;
  /** For leaves: what they stand for and their declared name (or a constant's values). */
  readonly leaf?: { readonly kind: LeafKind; readonly name: string; readonly value?: readonly number[] };
}

export interface StepOutputs {
  /** This step's loss term, 1×1. */
  readonly loss: number;
  /** The step's prediction, when the model names one (what sampling reads). */
  readonly output?: number;
  /** The next value of each recurrent state. */
  readonly state: Readonly<Record<string, number>>;
  /** Each parameter's adjoint contribution from this step (summed over steps). */
  readonly paramGrads: Readonly<Record<string, number>>;
  /** The adjoint of each state as it came into this step (fed to the previous step). */
  readonly stateGrads: Readonly<Record<string, number>>;
}

export interface Declared {
  readonly name: string;
  readonly shape: Shape;
  /** An input given as class indices: one per row, standing for the one-hot rows of `shape`. */
  readonly oneHot?: boolean;
}

export interface ModelIR {
  readonly name: string;
  /** The model's file, relative to the working directory, when known. */
  readonly source?: string;
  readonly sizes: Readonly<Record<string, number>>;
  /** For a recurrent model: the dim counting steps, and the name of the stacked (steps × rows) dim. */
  readonly sequence?: { readonly steps: string; readonly count: number; readonly stacked: string; readonly rows: number };
  /** L = factor · Σ_t loss_t, with factor = 1 / Π sizes[over]. */
  readonly lossScale: { readonly factor: number; readonly over: readonly string[] };
  readonly params: readonly Declared[];
  readonly inputs: readonly Declared[];
  readonly targets: readonly Declared[];
  readonly state: readonly Declared[];
  readonly nodes: readonly Node[];
  readonly outputs: StepOutputs;
}

/** Deep-freezes a value built of plain records and arrays, so an IR cannot change once made. */
export function freeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) freeze(v);
  }
  return value;
}
