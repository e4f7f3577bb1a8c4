// Sizes bound late: generate a model's module as JavaScript at sizes known only at run time, keep it
// in a cache keyed by everything that determines its text, and import it. A second run at the same
// sizes generates nothing.
import { availableParallelism } from "node:os";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AnyModel } from "../src/model.js";
import type { ModelIR } from "../src/ir/graph.js";
import { userOps } from "../src/ops/table.js";
import { traceModel } from "../src/trace-model.js";
import { checkThreadedBudget, GenerateError, planWithinBudget } from "./budget.js";
import { generate, type GenerationJob } from "./generate-in-child.js";
import type { Kernels } from "./generate.js";
import type { LoadedModule } from "./import-module.js";
import { chunksOf, chunkWeights, rowSplit, sameStepBut } from "./row-split.js";
import { threadLayout, type ThreadLayout } from "./thread-layout.js";
import { startThreads } from "./threaded.js";

export interface SpecializeOptions {
  /** Where generated modules are kept (default: $SHAPEGRAD_CACHE_DIR, else .cache/shapegrad under the working directory). */
  readonly cacheDir?: string;
  /** "simd" (the default): the step in WebAssembly SIMD kernels (products, elementwise ops, softmax and reductions); "js": every loop in JavaScript. */
  readonly kernels?: Kernels;
  /** Products that share an operand, or are only added together, run as one (the default), or each on its own (false: to measure the difference). */
  readonly sideBySide?: boolean;
  /**
   * Threads for a batch of n ≥ 2 independent rows (default: os.availableParallelism()). The rows
   * run as the same fixed chunks whatever this is, so 1, 2 or more threads give the same bits.
   */
  readonly threads?: number;
}

export interface Specialized<M = LoadedModule> {
  readonly module: M;
  /** The cached JavaScript file. */
  readonly path: string;
  /** False when the cache already held it. */
  readonly generated: boolean;
  /** The cache key: a hash of the model's IR, the generator's and op table's sources, and the sizes. */
  readonly key: string;
  /** The threads the module's forward and lossAndGrad run on (at most the chunks of rows). */
  readonly threads: number;
  /** Why the module runs on one thread whatever was asked, when it must (its rows are not independent, or there is one). */
  readonly why?: string;
  /** Stops the module's worker threads (they never keep a program alive). */
  close(): Promise<void>;
}

let generatorHash: string | undefined;

/** A hash of the generator's and op table's own files (compiled or source, whichever is running). */
function generatorFingerprint(): string {
  if (generatorHash) return generatorHash;
  const here = fileURLToPath(new URL("./", import.meta.url));
  const dirs = [here, resolve(here, "../src"), resolve(here, "../src/ops"), resolve(here, "../src/ir"), resolve(here, "../src/kernel")];
  const hash = createHash("sha256");
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts")).sort()) {
      hash.update(file).update("\0").update(readFileSync(join(dir, file))).update("\0");
    }
  }
  generatorHash = hash.digest("hex");
  return generatorHash;
}

/** The cache directory in force. */
export function cacheDirectory(options: SpecializeOptions = {}): string {
  return resolve(options.cacheDir ?? process.env["SHAPEGRAD_CACHE_DIR"] ?? ".cache/shapegrad");
}

/**
 * The generated module of `model` at `sizes`, loaded. The IR (every op, shape, constant and source
 * location) stands for the model source, so that the key changes exactly when the code would.
 *
 * A batch of n ≥ 2 independent rows (see row-split.ts) runs split: the rows are cut into fixed
 * chunks, each run by a module specialized for its rows, spread over `threads` threads; the result's
 * `module` has the same exports, and any thread count gives the same bits. A model that cannot be
 * split runs the full module on one thread and says why (`threads: 1, why`).
 */
export async function specialize<M = LoadedModule>(model: AnyModel, sizes: Readonly<Record<string, number>> = {}, options: SpecializeOptions = {}): Promise<Specialized<M>> {
  const threads = threadsOption(options.threads);
  const ir = traceModel(model, sizes);
  const kernels = options.kernels ?? "simd";
  const sideBySide = options.sideBySide ?? true;
  // Users' ops: the child imports the files that define them, and their text is part of the key.
  const opFiles = userOpFiles(ir);
  const kind = sideBySide ? kernels : `${kernels}-separate`;
  const pathOf = (traced: ModelIR) => {
    const keyHash = createHash("sha256").update(JSON.stringify(traced)).update("\0").update(generatorFingerprint()).update("\0").update(kernels).update(sideBySide ? "" : "\0separate");
    for (const file of opFiles) keyHash.update("\0").update(file).update("\0").update(readFileSync(file));
    const key = keyHash.digest("hex").slice(0, 20);
    return { key, path: join(cacheDirectory(options), `${traced.name}-${key}.mjs`) };
  };
  const { key, path } = pathOf(ir);
  const split = splitPlan(model, ir, threads);
  const chunkPaths: Record<number, string> = {};
  const jobs: GenerationJob[] = [{ ir, path, kind }];
  if (split.chunks) {
    for (const [rows, chunk] of split.chunks.irs) {
      chunkPaths[rows] = pathOf(chunk).path;
      jobs.push({ ir: chunk, path: chunkPaths[rows]!, kind });
    }
    checkThreadedBudget(ir, split.chunks.irs, split.chunks.layout(chunkPaths), { sideBySide });
  }
  const missing = jobs.filter((job) => !existsSync(job.path));
  for (const job of missing) planWithinBudget(job.ir, { sideBySide }); // refuse oversized buffers here, with the model's own message
  const outcomes = await Promise.allSettled(missing.map((job) => generate(job, opFiles)));
  const refused = outcomes.find((o) => o.status === "rejected");
  if (refused) {
    // A refusal leaves nothing in the cache: the chunk modules written beside a refused module go too.
    missing.forEach((job, i) => outcomes[i]!.status === "fulfilled" && rmSync(job.path, { force: true }));
    throw refused.reason;
  }
  const generated = missing.some((job) => job.path === path);
  if (!split.chunks) {
    const module = (await import(pathToFileURL(path).href)) as M;
    return { module, path, generated, key, threads: 1, ...(split.why !== undefined && { why: split.why }), close: async () => {} };
  }
  // The full module's file is written (it is `path`), but not loaded: its buffers would go unused.
  const runner = await startThreads<M>(split.chunks.layout(chunkPaths), ir.sizes);
  return { module: runner.module, path, generated, key, threads: split.chunks.threads, close: runner.close };
}

function threadsOption(threads: number | undefined): number {
  if (threads === undefined) return availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`specialize: threads must be a whole number from 1 up, got ${String(threads)}`);
  return threads;
}

/** How `ir` runs: split into chunks (their IRs, the threads that run them, the layout), or whole and why. */
function splitPlan(model: AnyModel, ir: ModelIR, threads: number): { chunks?: { dim: string; irs: Map<number, ModelIR>; threads: number; layout: (paths: Record<number, string>) => ThreadLayout }; why?: string } {
  const rows = rowSplit(ir);
  if ("why" in rows) return { why: `its rows cannot run apart: ${rows.why}` };
  if (rows.n < 2) return { why: `one row (${rows.dim} = 1)` };
  const chunks = chunksOf(rows.n);
  const irs = new Map<number, ModelIR>();
  for (const size of new Set(chunks.map((c) => c.rows))) {
    const chunk = traceModel(model, { ...ir.sizes, [rows.dim]: size });
    const differs = sameStepBut(ir, chunk, rows.dim);
    if (differs) return { why: `its rows cannot run apart: ${differs}` };
    irs.set(size, chunk);
  }
  const used = Math.min(threads, chunks.length);
  const weights = chunkWeights(ir, rows.dim, chunks);
  return { chunks: { dim: rows.dim, irs, threads: used, layout: (paths) => threadLayout(ir, chunks, weights, used, paths) } };
}

/** The files that define the users' ops that `ir` uses, each once, sorted. */
function userOpFiles(ir: ModelIR): string[] {
  const files = new Set<string>();
  for (const node of ir.nodes) {
    const user = userOps().get(node.op);
    if (!user) continue;
    if (!user.file || !existsSync(user.file)) throw new GenerateError(`specialize: the op ${node.op} was defined at ${user.at || "an unknown place"}, not in a file this process can import; define it with defineOp in a module of its own`);
    files.add(user.file);
  }
  return [...files].sort();
}
