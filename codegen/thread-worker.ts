// A worker of a split module (see threaded.ts): imports the chunk modules it runs, says it is
// ready, then waits on the shared control words for each call, runs its chunks, and counts itself
// done. An error in a call is written, as one line, where the caller reads it; the worker keeps
// serving. Postmessage per call would cost more than a small call, hence Atomics.wait/notify.
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { ThreadChunks, type ChunkModule, type MatLike } from "./thread-chunks.js";
import { callKind, chunksOfThread, control, errorBytes, type ThreadLayout } from "./thread-layout.js";

export interface WorkerData {
  readonly layout: ThreadLayout;
  readonly thread: number;
  readonly memory: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly errors: SharedArrayBuffer;
}

const data = workerData as WorkerData;
const { layout, thread } = data;
const shared = new Float64Array(data.memory);
const words = new Int32Array(data.control);
const errorText = new Uint8Array(data.errors, (thread - 1) * errorBytes, errorBytes);

// Marks this worker gone, so that a caller waiting on it throws instead of waiting forever.
process.on("exit", () => {
  Atomics.store(words, control.dead(thread), 1);
  Atomics.notify(words, control.pending);
});

const modules = new Map<number, ChunkModule>();
for (const k of chunksOfThread(layout, thread)) {
  const rows = layout.chunks[k]!.rows;
  if (!modules.has(rows)) modules.set(rows, (await import(pathToFileURL(layout.paths[rows]!).href)) as ChunkModule);
}
const chunks = new ThreadChunks(layout, thread, modules, shared);
const { regions } = chunks;

// The parameters, private to this thread: copied from the shared memory once per call.
const paramCopy = new Float64Array(regions.paramLength);
const params: Record<string, MatLike> = {};
layout.params.forEach((p, i) => {
  const at = regions.params[i]!;
  params[p.key] = { rowDim: p.rowDim, colDim: p.colDim, rows: p.rows, cols: p.cols, data: paramCopy.subarray(at, at + p.rows * p.cols) };
});
const source = {
  data: layout.data.map((d, i) => shared.subarray(regions.data[i]!, regions.data[i]! + layout.steps * layout.n * d.cols)),
  states: layout.states.map((s, i) => shared.subarray(regions.states[i]!, regions.states[i]! + layout.n * s.cols)),
};

parentPort!.postMessage("ready");

let seen = 0;
for (;;) {
  Atomics.wait(words, control.generation, seen);
  seen = Atomics.load(words, control.generation);
  const kind = Atomics.load(words, control.kind);
  if (kind === callKind.stop) break;
  try {
    paramCopy.set(shared.subarray(0, regions.paramLength));
    chunks.run(kind, params, source);
  } catch (e) {
    const line = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split("\n")[0]!;
    const bytes = new TextEncoder().encode(line).subarray(0, errorBytes - 1);
    errorText.fill(0);
    errorText.set(bytes);
  }
  if (Atomics.sub(words, control.pending, 1) === 1) Atomics.notify(words, control.pending);
}
