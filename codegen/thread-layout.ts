// What the threads of a split module share: which chunks of rows each thread runs, and where the
// parameters, the batch, each chunk's gradients and loss, the final states and the states'
// gradients sit in the runner's shared memory. Plain data, so that it crosses to a worker as is.
import { batchKeys, finalKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import type { Chunk } from "./row-split.js";

export interface MatEntry {
  readonly key: string;
  readonly rowDim: string | number;
  readonly colDim: string | number;
  /** Columns; the rows follow from where the entry sits (see ThreadLayout). */
  readonly cols: number;
}

export interface ThreadLayout {
  /** Steps stacked in each per-step input (1 for a model without steps). */
  readonly steps: number;
  /** The batch's rows (the batch dim's size). */
  readonly n: number;
  readonly chunks: readonly Chunk[];
  /** The weight of chunk k's loss and gradients in the batch's (see chunkWeights). */
  readonly weights: readonly number[];
  readonly threads: number;
  /** The module file of each chunk size. */
  readonly paths: Readonly<Record<number, string>>;
  /** Parameters, with their rows. */
  readonly params: readonly (MatEntry & { readonly rows: number })[];
  /** Per-step inputs and targets, `steps · rows` rows, time-major. */
  readonly data: readonly (MatEntry & { readonly stackedDim: string | number; readonly classes?: number })[];
  /** States: their initial key (h0), final key (hT); `rows` rows. */
  readonly states: readonly (MatEntry & { readonly final: string })[];
}

export function threadLayout(ir: ModelIR, chunks: readonly Chunk[], weights: readonly number[], threads: number, paths: Readonly<Record<number, string>>): ThreadLayout {
  const keys = batchKeys(ir);
  const n = chunks.reduce((s, c) => s + c.rows, 0);
  return {
    steps: ir.sequence?.count ?? 1,
    n,
    chunks,
    weights,
    threads,
    paths,
    params: ir.params.map((d) => ({ key: d.name, rowDim: d.shape.rowDim, colDim: d.shape.colDim, cols: d.shape.cols, rows: d.shape.rows })),
    data: keys.data.map((k) => ({
      key: k.key,
      rowDim: ir.inputs[0]!.shape.rowDim,
      colDim: k.shape.colDim,
      cols: k.shape.cols,
      stackedDim: k.shape.rowDim,
      // A one-hot input's class indices are checked before any thread reads them.
      ...(k.oneHot && { classes: ir.inputs.find((d) => d.name === k.name)!.shape.cols }),
    })),
    states: keys.state.map((k) => ({ key: k.key, final: finalKey(k.name), rowDim: k.shape.rowDim, colDim: k.shape.colDim, cols: k.shape.cols })),
  };
}

/** The chunks thread j runs: k ≡ j (mod threads); thread 0 is the caller's. */
export function chunksOfThread(layout: ThreadLayout, thread: number): number[] {
  return layout.chunks.map((_, k) => k).filter((k) => k % layout.threads === thread);
}

/** Offsets (in float64s) of the regions of the shared memory. */
export interface Regions {
  readonly paramLength: number;
  readonly params: readonly number[];
  readonly data: readonly number[];
  readonly states: readonly number[];
  readonly finals: readonly number[];
  readonly stateGrads: readonly number[];
  /** Chunk k's parameter gradients start at grads + k · paramLength, in the parameters' order. */
  readonly grads: number;
  readonly losses: number;
  readonly total: number;
}

export function regionsOf(layout: ThreadLayout): Regions {
  let at = 0;
  const take = (length: number) => {
    const start = at;
    at += length;
    return start;
  };
  const params = layout.params.map((p) => take(p.rows * p.cols));
  const paramLength = at;
  const data = layout.data.map((d) => take(layout.steps * layout.n * d.cols));
  const states = layout.states.map((s) => take(layout.n * s.cols));
  const finals = layout.states.map((s) => take(layout.n * s.cols));
  const stateGrads = layout.states.map((s) => take(layout.n * s.cols));
  const grads = take(layout.chunks.length * paramLength);
  const losses = take(layout.chunks.length);
  return { paramLength, params, data, states, finals, stateGrads, grads, losses, total: at };
}

/** The control words (Int32) the threads synchronize on. */
export const control = {
  /** Bumped by the caller for each call; workers wait for it to change. */
  generation: 0,
  /** What the call is: forward, lossAndGrad or stop. */
  kind: 1,
  /** Workers still running their share of the call; the caller waits for 0. */
  pending: 2,
  /** Per worker j (1-based): 1 once it has exited. */
  dead: (j: number) => 2 + j,
  length: (threads: number) => 3 + threads,
} as const;

export const callKind = { forward: 1, lossAndGrad: 2, stop: 3 } as const;

/** Bytes per worker for the first line of an error it met. */
export const errorBytes = 1024;
