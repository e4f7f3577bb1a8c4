// The threaded runner of a split module: the same forward and lossAndGrad as the generated module
// at the full batch, computed as fixed chunks of rows (row-split.ts) spread over worker threads.
// The call stays synchronous: the caller's thread copies the parameters and the batch into shared
// memory, wakes the workers (Atomics.notify), runs its own chunks, waits for the workers
// (Atomics.wait), then reduces every chunk's loss and gradients in chunk order with fixed weights.
// Which thread ran a chunk changes nothing in what it computed, so any number of threads gives the
// same bits. The optimizer steps are a chunk module's (they read the parameters alone, whatever the
// rows), and `sizes` are the full batch's.
import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { ThreadChunks, type BatchSource, type ChunkModule, type MatLike } from "./thread-chunks.js";
import { callKind, chunksOfThread, control, errorBytes, regionsOf, type ThreadLayout } from "./thread-layout.js";
import type { WorkerData } from "./thread-worker.js";

export interface ThreadedRunner<M> {
  /** The module: a generated module's exports, with the full batch's sizes, and forward and lossAndGrad split over the threads. */
  readonly module: M;
  /** Stops the workers; the module's forward and lossAndGrad throw afterwards. */
  close(): Promise<void>;
}

type Mats = Readonly<Record<string, MatLike>>;

/** Where a worker starts: the compiled worker, or from TypeScript sources a bootstrap that registers tsx first. */
function workerEntry(): { entry: URL; script?: string } {
  const fromSources = import.meta.url.endsWith(".ts");
  if (!fromSources) return { entry: new URL("./thread-worker.js", import.meta.url) };
  return { entry: new URL("./thread-bootstrap.mjs", import.meta.url), script: new URL("./thread-worker.ts", import.meta.url).href };
}

/** Starts thread 1 … threads − 1 and resolves once each has loaded its modules; rejects with one line when one cannot. */
function startWorker(data: WorkerData): Promise<Worker> {
  const { entry, script } = workerEntry();
  const worker = new Worker(entry, { workerData: { ...data, script } });
  return new Promise((resolve, reject) => {
    const failed = (what: string) => {
      void worker.terminate();
      reject(new Error(`specialize: thread ${data.thread} could not start: ${what.split("\n")[0]}`));
    };
    worker.once("message", () => {
      worker.removeAllListeners("error").removeAllListeners("exit");
      // Later errors reach the caller through the dead flag (see thread-worker.ts), not as an event.
      worker.on("error", () => {});
      worker.unref();
      resolve(worker);
    });
    worker.once("error", (e) => failed(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
    worker.once("exit", (code) => failed(`it exited with code ${code}`));
  });
}

/** Imports a chunk module as an instance of its own (a query string), apart from any other import of the same file. */
async function importChunk(path: string): Promise<ChunkModule> {
  return (await import(`${pathToFileURL(path).href}?chunks`)) as ChunkModule;
}

export async function startThreads<M>(layout: ThreadLayout, sizes: Readonly<Record<string, number>>): Promise<ThreadedRunner<M>> {
  const regions = regionsOf(layout);
  const memory = new SharedArrayBuffer(8 * regions.total);
  const controlMemory = new SharedArrayBuffer(4 * control.length(layout.threads));
  const errors = new SharedArrayBuffer(errorBytes * Math.max(1, layout.threads - 1));
  const shared = new Float64Array(memory);
  const words = new Int32Array(controlMemory);

  const modules = new Map<number, ChunkModule>();
  for (const k of chunksOfThread(layout, 0)) {
    const rows = layout.chunks[k]!.rows;
    if (!modules.has(rows)) modules.set(rows, await importChunk(layout.paths[rows]!));
  }
  const own = new ThreadChunks(layout, 0, modules, shared);
  const started = await Promise.allSettled(Array.from({ length: layout.threads - 1 }, (_, i) => startWorker({ layout, thread: i + 1, memory, control: controlMemory, errors })));
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const refused = started.find((s) => s.status === "rejected");
  if (refused) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw refused.reason;
  }
  const finals = layout.states.map((s) => ({ rowDim: s.rowDim, colDim: s.colDim, rows: layout.n, cols: s.cols, data: new Float64Array(layout.n * s.cols) }));
  let closed = false;

  /** Wakes the workers with the call's parameters and batch in the shared memory. */
  const wake = (kind: number, params: Mats, batch: Mats) => {
    layout.params.forEach((p, i) => shared.set(params[p.key]!.data, regions.params[i]!));
    layout.data.forEach((d, i) => shared.set(batch[d.key]!.data, regions.data[i]!));
    layout.states.forEach((s, i) => shared.set(batch[s.key]!.data, regions.states[i]!));
    new Uint8Array(errors).fill(0);
    Atomics.store(words, control.kind, kind);
    Atomics.store(words, control.pending, workers.length);
    Atomics.add(words, control.generation, 1);
    Atomics.notify(words, control.generation);
  };

  /** Waits until every worker is done with the call; throws, after they are, the first error one met. */
  const join = (fn: string) => {
    for (let left = Atomics.load(words, control.pending); left !== 0; left = Atomics.load(words, control.pending)) {
      const dead = workers.findIndex((_, i) => Atomics.load(words, control.dead(i + 1)) === 1);
      if (dead >= 0) {
        closed = true;
        throw new Error(`${fn}: thread ${dead + 1} exited during the call; this module cannot run again (specialize it anew)`);
      }
      Atomics.wait(words, control.pending, left, 1000);
    }
    for (let j = 1; j < layout.threads; j++) {
      const bytes = Uint8Array.from(new Uint8Array(errors, (j - 1) * errorBytes, errorBytes));
      const end = bytes.indexOf(0);
      if (end !== 0) throw new Error(`${fn}: thread ${j} failed: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end))}`);
    }
  };

  const call = (fn: "forward" | "lossAndGrad", params: Mats, batch: Mats, grads?: Mats) => {
    if (closed) throw new Error(`${fn}: this module was closed`);
    checkArguments(fn, layout, params, batch, grads);
    const kind = grads ? callKind.lossAndGrad : callKind.forward;
    if (workers.length > 0) wake(kind, params, batch);
    let failure: unknown;
    try {
      const source: BatchSource = { data: layout.data.map((d) => batch[d.key]!.data), states: layout.states.map((s) => batch[s.key]!.data) };
      own.run(kind, params, source);
    } catch (e) {
      failure = e;
    }
    if (workers.length > 0) join(fn);
    if (failure !== undefined) throw failure;
    let loss = 0;
    layout.weights.forEach((w, k) => (loss += w * shared[regions.losses + k]!));
    layout.states.forEach((s, i) => finals[i]!.data.set(shared.subarray(regions.finals[i]!, regions.finals[i]! + layout.n * s.cols)));
    if (grads) reduceGradients(layout, shared, grads);
    return { loss, ...Object.fromEntries(layout.states.map((s, i) => [s.final, finals[i]!])) };
  };

  const module = {
    ...modules.get(layout.chunks[0]!.rows)!,
    sizes: Object.freeze({ ...sizes }),
    forward: (params: Mats, batch: Mats) => call("forward", params, batch),
    lossAndGrad: (params: Mats, batch: Mats, grads: Mats) => call("lossAndGrad", params, batch, grads),
  } as unknown as M;
  const close = async () => {
    if (closed && workers.length === 0) return;
    closed = true;
    Atomics.store(words, control.kind, callKind.stop);
    Atomics.add(words, control.generation, 1);
    Atomics.notify(words, control.generation);
    await Promise.all(workers.map((w) => w.terminate()));
    workers.length = 0;
  };
  return { module, close };
}

/** Each parameter's gradient: Σ_k w_k · (chunk k's), summed in chunk order; each state's, row by row. */
function reduceGradients(layout: ThreadLayout, shared: Float64Array, grads: Mats): void {
  const regions = regionsOf(layout);
  layout.params.forEach((p, i) => {
    const out = grads[p.key]!.data, length = p.rows * p.cols;
    layout.weights.forEach((w, k) => {
      const at = regions.grads + k * regions.paramLength + regions.params[i]!;
      if (k === 0) for (let e = 0; e < length; e++) out[e] = w * shared[at + e]!;
      else for (let e = 0; e < length; e++) out[e] = out[e]! + w * shared[at + e]!;
    });
  });
  layout.states.forEach((s, i) => grads[s.key]!.data.set(shared.subarray(regions.stateGrads[i]!, regions.stateGrads[i]! + layout.n * s.cols)));
}

/** The generated module's argument checks, with its messages: shapes, class indices, and gradients apart from everything else. */
function checkArguments(fn: string, layout: ThreadLayout, params: Mats, batch: Mats, grads?: Mats): void {
  const entries: { what: string; m: MatLike | undefined; rows: number; cols: number; dims: string }[] = [
    ...layout.params.map((p) => ({ what: `params.${p.key}`, m: params[p.key], rows: p.rows, cols: p.cols, dims: `${p.rowDim}×${p.colDim}` })),
    ...layout.data.map((d) => ({ what: `batch.${d.key}`, m: batch[d.key], rows: layout.steps * layout.n, cols: d.cols, dims: `${d.stackedDim}×${d.colDim}` })),
    ...layout.states.map((s) => ({ what: `batch.${s.key}`, m: batch[s.key], rows: layout.n, cols: s.cols, dims: `${s.rowDim}×${s.colDim}` })),
  ];
  const written = grads
    ? [
        ...layout.params.map((p) => ({ what: `grads.${p.key}`, m: grads[p.key], rows: p.rows, cols: p.cols, dims: `${p.rowDim}×${p.colDim}` })),
        ...layout.states.map((s) => ({ what: `grads.${s.key}`, m: grads[s.key], rows: layout.n, cols: s.cols, dims: `${s.rowDim}×${s.colDim}` })),
      ]
    : [];
  for (const e of [...entries, ...written]) expectShape(fn, e.what, e.m, e.rows, e.cols, e.dims);
  for (const d of layout.data) {
    if (d.classes === undefined) continue;
    const indices = batch[d.key]!.data;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      if (!(k >= 0 && k < d.classes && k === Math.floor(k))) throw new RangeError(`${fn}: batch.${d.key} entry ${i} is ${k}, not a class index from 0 to ${d.classes - 1}`);
    }
  }
  const all = [...written, ...entries];
  for (let a = 0; a < written.length; a++) {
    const w = all[a]!.m!.data;
    for (let b = a + 1; b < all.length; b++) {
      const r = all[b]!.m!.data;
      if (r.buffer === w.buffer && r.byteOffset < w.byteOffset + w.byteLength && w.byteOffset < r.byteOffset + r.byteLength) {
        throw new TypeError(`${fn}: ${all[a]!.what} shares memory with ${all[b]!.what}; ${fn} writes ${all[a]!.what}, so it must be an array of its own`);
      }
    }
  }
}

function expectShape(fn: string, what: string, m: MatLike | undefined, rows: number, cols: number, dims: string): void {
  if (typeof m !== "object" || m === null || !(m.data instanceof Float64Array)) throw new TypeError(`${fn}: ${what} must be a ${dims} matrix (${rows}×${cols}) of float64`);
  if (typeof m.rows !== "number" || typeof m.cols !== "number") {
    throw new TypeError(`${fn}: ${what} must be ${dims} = ${rows}×${cols}; its rows and cols are ${JSON.stringify(m.rows)} and ${JSON.stringify(m.cols)}, and sizes must be numbers`);
  }
  if (m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols) throw new RangeError(`${fn}: ${what} must be ${dims} = ${rows}×${cols}, got ${m.rows}×${m.cols} with ${m.data.length} numbers`);
}
