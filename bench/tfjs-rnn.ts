// The RNN's loss and gradients with TensorFlow.js (float32: its CPU and WASM backends have no
// float64), a peer of bench/rnn-peers.ts, which runs this file as its own process, once per config
// and backend, like bench/rnn.c:
//
//   npx tsx bench/tfjs-rnn.ts cpu|wasm INPUT OUTPUT BUDGET_SECONDS MIN_CALLS
//
// with the file formats of bench/rnn-io.ts, printing one JSON line {"ms", "calls", "warmup", "note"}.
// A process of its own, because loading the WASM backend detaches ArrayBuffers (WebAssembly memory
// growth), which slows all typed-array code in that process from then on (see bench/rnn-peers.ts),
// the CPU backend's included; here each backend is timed in a process that loaded only it.
//
// The packages live in bench/package.json, not in the root package, so this file never imports
// them statically: they are loaded at run time from bench/node_modules (installed by
// bench/rnn-peers.ts on first use), and typed here by the few members used. That keeps
// `tsc -p tsconfig.json` and the root `npm ci` independent of them.
//
// The backward pass is written with explicit ops (BPTT, the formulas in bench/hand-rnn.ts) rather
// than tf.grad: tfjs-core's Node bundle registers no gradient functions (only the @tensorflow/tfjs
// union package does, with layers, converter and data besides), so tf.grad over these ops throws
// "gradient function not found". Explicit ops are also what a careful tfjs user writes for speed.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RnnSizes } from "./hand-rnn.js";
import { readInputFile, timeCalls, writeOutputFile, type RnnInputs } from "./rnn-io.js";

/** The members of a tfjs Tensor used here. */
export interface Tensor {
  readonly shape: readonly number[];
  dataSync(): Float32Array;
  dispose(): void;
}

/** The members of tfjs-core used here. */
export interface Tf {
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  scalar(value: number): Tensor;
  matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  tanh(a: Tensor): Tensor;
  exp(a: Tensor): Tensor;
  logSoftmax(a: Tensor): Tensor;
  sum(a: Tensor, axis?: number, keepDims?: boolean): Tensor;
  concat(tensors: Tensor[], axis?: number): Tensor;
  slice(a: Tensor, begin: number[], size: number[]): Tensor;
  tidy<T extends Tensor | Tensor[]>(fn: () => T): T;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  enableProdMode(): void;
  env(): { getAsync(flag: string): Promise<unknown> };
  readonly version_core: string;
}

interface WasmBackend {
  setWasmPaths(prefix: string): void;
  getThreadsCount(): number;
}

/** What bench/package.json installs. */
export const tfjsPackages = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm"] as const;

export type Backend = "cpu" | "wasm";

/**
 * tfjs-core with one backend, from benchDir's node_modules, and a note on the backend for the
 * table. Loaded with require from bench/package.json: the backends' Node builds require
 * "@tensorflow/tfjs-core" themselves, and one resolution from the same place gives them and us the
 * same instance (one engine, one kernel registry).
 */
export async function loadTfjs(benchDir: string, backend: Backend): Promise<{ tf: Tf; note: string }> {
  const require = createRequire(join(benchDir, "package.json"));
  const tf = require("@tensorflow/tfjs-core") as Tf;
  // Production mode: no debug checks, and no console advice to install tfjs-node.
  tf.enableProdMode();
  if (backend === "cpu") {
    require("@tensorflow/tfjs-backend-cpu");
    if (!(await tf.setBackend("cpu"))) throw new Error("setBackend('cpu') failed");
    await tf.ready();
    return { tf, note: `tfjs ${tf.version_core} CPU backend (plain JS), float32` };
  }
  // Emscripten's glue adds process listeners that rethrow any uncaught exception and print the
  // whole minified glue source with it; they are removed again once the backend is up.
  const before = { uncaughtException: process.listeners("uncaughtException"), unhandledRejection: process.listeners("unhandledRejection") };
  try {
    const wasm = require("@tensorflow/tfjs-backend-wasm") as WasmBackend;
    // The .wasm binaries ship in the package's dist folder, beside its main file; in Node the prefix is a path.
    wasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + "/");
    if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') failed");
    await tf.ready();
    const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
    return { tf, note: `tfjs ${tf.version_core} WASM backend (XNNPACK${simd ? ", SIMD" : ", no SIMD"}, ${wasm.getThreadsCount()} thread), float32` };
  } finally {
    for (const listener of process.listeners("uncaughtException")) {
      if (!before.uncaughtException.includes(listener)) process.removeListener("uncaughtException", listener);
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!before.unhandledRejection.includes(listener)) process.removeListener("unhandledRejection", listener);
    }
  }
}

/** The loss and gradients as float32 arrays, in the order dU, dW, db, dV, dc, dh0. */
export interface TfjsResult {
  readonly loss: number;
  readonly grads: readonly Float32Array[];
}

export interface TfjsRnn {
  lossAndGrad(): TfjsResult;
  dispose(): void;
}

/**
 * The RNN on tfjs's current backend: the inputs become float32 tensors once (not timed), and each
 * lossAndGrad call builds the forward and backward ops in a tidy scope and reads every result back
 * with dataSync, so that a call's time includes all the work it asked for.
 */
export function tfjsRnn(tf: Tf, sizes: RnnSizes, inputs: RnnInputs): TfjsRnn {
  const { n, d, h, v, T } = sizes;
  const t2 = (data: Float64Array, rows: number, cols: number) => tf.tensor2d(Float32Array.from(data), [rows, cols]);
  const U = t2(inputs.U, d, h), W = t2(inputs.W, h, h), b = t2(inputs.b, 1, h);
  const V = t2(inputs.V, h, v), c = t2(inputs.c, 1, v), h0 = t2(inputs.h0, n, h);
  const xsAll = t2(inputs.xs, T * n, d), ysAll = t2(inputs.ys, T * n, v);
  const xs = Array.from({ length: T }, (_, t) => tf.slice(xsAll, [t * n, 0], [n, d]));
  const ys = Array.from({ length: T }, (_, t) => tf.slice(ysAll, [t * n, 0], [n, v]));
  const inputTensors = [U, W, b, V, c, h0, xsAll, ysAll, ...xs, ...ys];
  const scale = tf.scalar(1 / (T * n));
  const one = tf.scalar(1);

  const compute = (): Tensor[] => {
    // Forward: keep H_t and G_O_t of every step for the backward pass.
    const hs: Tensor[] = [h0];
    const gos: Tensor[] = [];
    let total = tf.scalar(0);
    for (let t = 0; t < T; t++) {
      const x = xs[t]!, y = ys[t]!;
      const hNext = tf.tanh(tf.add(tf.add(tf.matMul(x, U), tf.matMul(hs[t]!, W)), b));
      const logp = tf.logSoftmax(tf.add(tf.matMul(hNext, V), c));
      total = tf.add(total, tf.sum(tf.mul(y, logp)));
      // G_O = (softmax · Σ_j Y − Y) · s
      gos.push(tf.mul(tf.sub(tf.mul(tf.exp(logp), tf.sum(y, 1, true)), y), scale));
      hs.push(hNext);
    }
    // Backward through the recurrence.
    const gas: Tensor[] = new Array<Tensor>(T);
    let carry: Tensor | undefined;
    for (let t = T - 1; t >= 0; t--) {
      const hCur = hs[t + 1]!;
      const gh = tf.matMul(gos[t]!, V, false, true);
      const ga = tf.mul(carry === undefined ? gh : tf.add(gh, carry), tf.sub(one, tf.mul(hCur, hCur)));
      gas[t] = ga;
      carry = tf.matMul(ga, W, false, true);
    }
    // Weight gradients: one product over all T·n rows each, as the other peers do.
    const gaAll = tf.concat(gas, 0), goAll = tf.concat(gos, 0);
    const hPrevAll = tf.concat(hs.slice(0, T), 0), hCurAll = tf.concat(hs.slice(1), 0);
    const dU = tf.matMul(xsAll, gaAll, true, false);
    const dW = tf.matMul(hPrevAll, gaAll, true, false);
    const db = tf.sum(gaAll, 0, true);
    const dV = tf.matMul(hCurAll, goAll, true, false);
    const dc = tf.sum(goAll, 0, true);
    const loss = tf.mul(tf.mul(total, scale), tf.scalar(-1));
    return [loss, dU, dW, db, dV, dc, carry!];
  };

  return {
    lossAndGrad(): TfjsResult {
      const out = tf.tidy(compute);
      const data = out.map((t) => t.dataSync());
      for (const t of out) t.dispose();
      return { loss: data[0]![0]!, grads: data.slice(1) };
    },
    dispose(): void {
      for (const t of [...inputTensors, scale, one]) t.dispose();
    },
  };
}

/** The command line: time one backend on one input file, as bench/rnn.c does. */
async function main(args: readonly string[]): Promise<void> {
  const [backend, input, output, budget, minCalls] = args;
  if ((backend !== "cpu" && backend !== "wasm") || !input || !output || !budget || !minCalls) {
    throw new Error("usage: tfjs-rnn.ts cpu|wasm INPUT OUTPUT BUDGET_SECONDS MIN_CALLS");
  }
  const { tf, note } = await loadTfjs(dirname(fileURLToPath(import.meta.url)), backend);
  const { sizes, inputs } = readInputFile(input);
  const model = tfjsRnn(tf, sizes, inputs);
  // Copied: the CPU backend hands out its own storage, which later calls might reuse.
  const first = model.lossAndGrad();
  const result = { loss: first.loss, grads: first.grads.map((g) => Float32Array.from(g)) };
  const { ms, calls, warmup } = timeCalls(() => model.lossAndGrad(), Number(budget), Number(minCalls));
  model.dispose();
  writeOutputFile(output, result);
  console.log(JSON.stringify({ ms, calls, warmup, note }));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await main(process.argv.slice(2));
}
