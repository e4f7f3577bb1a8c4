// Sizes bound late: generate a model's module as JavaScript at sizes known only at run time, keep it
// in a cache keyed by everything that determines its text, and import it. A second run at the same
// sizes generates nothing.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AnyModel } from "../src/model.js";
import type { ModelIR } from "../src/ir/graph.js";
import { userOps } from "../src/ops/table.js";
import { traceModel } from "../src/trace-model.js";
import { GenerateError, planWithinBudget } from "./budget.js";
import type { Kernels } from "./generate.js";
import type { LoadedModule } from "./import-module.js";
import { irToJson } from "./ir-json.js";

export interface SpecializeOptions {
  /** Where generated modules are kept (default: $SHAPEGRAD_CACHE_DIR, else .cache/shapegrad under the working directory). */
  readonly cacheDir?: string;
  /** "simd" (the default): products as WebAssembly SIMD kernels; "js": every loop in JavaScript. */
  readonly kernels?: Kernels;
  /** Products that share an operand, or are only added together, run as one (the default), or each on its own (false: to measure the difference). */
  readonly sideBySide?: boolean;
}

export interface Specialized<M = LoadedModule> {
  readonly module: M;
  /** The cached JavaScript file. */
  readonly path: string;
  /** False when the cache already held it. */
  readonly generated: boolean;
  /** The cache key: a hash of the model's IR, the generator's and op table's sources, and the sizes. */
  readonly key: string;
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
 */
export async function specialize<M = LoadedModule>(model: AnyModel, sizes: Readonly<Record<string, number>> = {}, options: SpecializeOptions = {}): Promise<Specialized<M>> {
  const ir = traceModel(model, sizes);
  const kernels = options.kernels ?? "simd";
  const sideBySide = options.sideBySide ?? true;
  // Users' ops: the child imports the files that define them, and their text is part of the key.
  const opFiles = userOpFiles(ir);
  const keyHash = createHash("sha256").update(JSON.stringify(ir)).update("\0").update(generatorFingerprint()).update("\0").update(kernels).update(sideBySide ? "" : "\0separate");
  for (const file of opFiles) keyHash.update("\0").update(file).update("\0").update(readFileSync(file));
  const key = keyHash.digest("hex").slice(0, 20);
  const path = join(cacheDirectory(options), `${ir.name}-${key}.mjs`);
  let generated = false;
  if (!existsSync(path)) {
    planWithinBudget(ir, { sideBySide }); // refuse oversized buffers here, with the model's own message
    generateInChild(irToJson(ir), path, sideBySide ? kernels : `${kernels}-separate`, opFiles);
    generated = true;
  }
  const module = (await import(pathToFileURL(path).href)) as M;
  return { module, path, generated, key };
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

/** How specialize-child marks a GenerateError on its stderr. */
export const refusalPrefix = "shapegrad refusal: ";

/**
 * Runs codegen/specialize-child in a fresh Node process: ts-morph, which the writer needs, slows
 * every typed-array access of a process that loads it (see specialize-child.ts), and this process
 * is about to run the generated code.
 */
function generateInChild(irJson: string, out: string, kernels: string, opFiles: readonly string[]): void {
  const child = new URL(`./specialize-child.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
  const loader = child.pathname.endsWith(".ts") ? ["--import", "tsx"] : [];
  try {
    execFileSync(process.execPath, [...loader, fileURLToPath(child), out, kernels, ...opFiles], { input: irJson, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 64 << 20 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim();
    const refusal = stderr.split("\n").find((line) => line.startsWith(refusalPrefix));
    if (refusal) throw new GenerateError(refusal.slice(refusalPrefix.length));
    const head = stderr.split("\n").slice(0, 5).join("\n");
    throw new Error(`specialize: generating ${out} failed: ${head || (e as Error).message}`);
  }
}
