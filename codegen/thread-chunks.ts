// One thread's part of a split call, the same on the caller's thread and on a worker: for each of
// its chunks, gather the chunk's rows of the batch into arrays of the chunk's size, call the module
// specialized for that many rows, and put its loss, gradients and final states into the shared
// memory (the caller reduces them, in chunk order, once every thread is done).
import { callKind, chunksOfThread, regionsOf, type Regions, type ThreadLayout } from "./thread-layout.js";

export interface MatLike {
  readonly rowDim: string | number;
  readonly colDim: string | number;
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

type Result = { readonly loss: number } & Readonly<Record<string, unknown>>;

/** What a chunk's module offers: the generated module's two entry points. */
export interface ChunkModule {
  forward(params: object, batch: object): Result;
  lossAndGrad(params: object, batch: object, grads: object): Result;
}

/** Where the batch comes from: the caller's arrays on its own thread, the shared copy on a worker. */
export interface BatchSource {
  readonly data: readonly Float64Array[];
  readonly states: readonly Float64Array[];
}

const mat = (rowDim: string | number, colDim: string | number, rows: number, cols: number, data: Float64Array): MatLike => ({ rowDim, colDim, rows, cols, data });

/** A chunk size's own arrays: its batch and its gradients (the parameters' in order, then the states'). */
interface SizeArrays {
  readonly module: ChunkModule;
  readonly batch: Record<string, MatLike>;
  readonly grads: Record<string, MatLike>;
  /** Every parameter gradient, one after another as in the shared chunk regions. */
  readonly paramGrads: Float64Array;
}

export class ThreadChunks {
  readonly regions: Regions;
  private readonly sizes = new Map<number, SizeArrays>();
  readonly mine: readonly number[];

  constructor(
    private readonly layout: ThreadLayout,
    thread: number,
    modules: ReadonlyMap<number, ChunkModule>,
    private readonly shared: Float64Array,
  ) {
    this.regions = regionsOf(layout);
    this.mine = chunksOfThread(layout, thread);
    for (const k of this.mine) {
      const rows = layout.chunks[k]!.rows;
      if (this.sizes.has(rows)) continue;
      const module = modules.get(rows);
      if (!module) throw new Error(`no module for chunks of ${rows} rows`);
      const batch: Record<string, MatLike> = {};
      for (const d of layout.data) batch[d.key] = mat(d.stackedDim, d.colDim, layout.steps * rows, d.cols, new Float64Array(layout.steps * rows * d.cols));
      for (const s of layout.states) batch[s.key] = mat(s.rowDim, s.colDim, rows, s.cols, new Float64Array(rows * s.cols));
      const paramGrads = new Float64Array(this.regions.paramLength);
      const grads: Record<string, MatLike> = {};
      layout.params.forEach((p, i) => {
        const at = this.regions.params[i]!;
        grads[p.key] = mat(p.rowDim, p.colDim, p.rows, p.cols, paramGrads.subarray(at, at + p.rows * p.cols));
      });
      for (const s of layout.states) grads[s.key] = mat(s.rowDim, s.colDim, rows, s.cols, new Float64Array(rows * s.cols));
      this.sizes.set(rows, { module, batch, grads, paramGrads });
    }
  }

  /** Runs this thread's chunks of one call (`kind`: callKind.forward or lossAndGrad). */
  run(kind: number, params: object, source: BatchSource): void {
    const { layout, regions, shared } = this;
    for (const k of this.mine) {
      const { start, rows } = layout.chunks[k]!;
      const own = this.sizes.get(rows)!;
      layout.data.forEach((d, i) => {
        const from = source.data[i]!, to = own.batch[d.key]!.data, cols = d.cols;
        for (let t = 0; t < layout.steps; t++) to.set(from.subarray((t * layout.n + start) * cols, (t * layout.n + start + rows) * cols), t * rows * cols);
      });
      layout.states.forEach((s, i) => own.batch[s.key]!.data.set(source.states[i]!.subarray(start * s.cols, (start + rows) * s.cols)));
      const result = kind === callKind.lossAndGrad ? own.module.lossAndGrad(params, own.batch, own.grads) : own.module.forward(params, own.batch);
      shared[regions.losses + k] = result.loss;
      layout.states.forEach((s, i) => shared.set((result[s.final] as MatLike).data, regions.finals[i]! + start * s.cols));
      if (kind !== callKind.lossAndGrad) continue;
      shared.set(own.paramGrads, regions.grads + k * regions.paramLength);
      // A state's gradient is per row: the chunk's rows, weighted as the chunk's loss is.
      const weight = layout.weights[k]!;
      layout.states.forEach((s, i) => {
        const g = own.grads[s.key]!.data, at = regions.stateGrads[i]! + start * s.cols;
        for (let e = 0; e < g.length; e++) shared[at + e] = weight * g[e]!;
      });
    }
  }
}
