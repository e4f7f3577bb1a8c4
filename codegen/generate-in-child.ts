// Writing generated modules in child processes, for specialize(): the jobs asked for in one turn of
// the event loop (a split module's chunks beside the full module; Promise.all over several
// specialize calls) share the child processes, one per core, since starting one (tsx and ts-morph)
// costs more than generating a small module.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { ModelIR } from "../src/ir/graph.js";
import { GenerateError } from "./budget.js";
import { irToJson } from "./ir-json.js";

/** How specialize-child marks a GenerateError on its stderr. */
export const refusalPrefix = "shapegrad refusal: ";

/** One module to write: its IR, its file, and the kernels ("js" or "simd", with "-separate"). */
export interface GenerationJob {
  readonly ir: ModelIR;
  readonly path: string;
  readonly kind: string;
}

/** Jobs asked for in this turn of the event loop: one child process writes them all (see generate). */
let queued: { job: GenerationJob; opFiles: readonly string[]; done: (error?: Error) => void }[] = [];

/** Writes `job`'s module, in a child process shared with the other jobs of this turn of the event loop. */
export function generate(job: GenerationJob, opFiles: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (queued.length === 0) setImmediate(() => void runQueued());
    queued.push({ job, opFiles, done: (error) => (error ? reject(error) : resolve()) });
  });
}

async function runQueued(): Promise<void> {
  const batch = queued;
  queued = [];
  const jobs = [...new Map(batch.map((q) => [q.job.path, q.job])).values()];
  const opFiles = [...new Set(batch.flatMap((q) => q.opFiles))].sort();
  const children = Math.min(availableParallelism(), jobs.length);
  const groups = Array.from({ length: children }, (_, c) => jobs.filter((_, i) => i % children === c));
  const outcomes = await Promise.all(groups.map((group) => generateInChild(group, opFiles).catch((e: unknown) => new Map(group.map((job) => [job.path, e as Error])))));
  const outcome = new Map(outcomes.flatMap((m) => [...m]));
  for (const q of batch) q.done(outcome.get(q.job.path));
}

/**
 * Runs codegen/specialize-child in a fresh Node process: ts-morph, which the writer needs, slows
 * every typed-array access of a process that loads it (see specialize-child.ts), and this process
 * is about to run the generated code. Each job's refusal (a GenerateError) is its own; any other
 * failure fails them all.
 */
async function generateInChild(jobs: readonly GenerationJob[], opFiles: readonly string[]): Promise<Map<string, Error | undefined>> {
  const child = new URL(`./specialize-child.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url);
  const loader = child.pathname.endsWith(".ts") ? ["--import", "tsx"] : [];
  const input = JSON.stringify(jobs.map((job) => ({ out: job.path, kind: job.kind, ir: irToJson(job.ir) })));
  const outcome = new Map<string, Error | undefined>(jobs.map((job) => [job.path, undefined]));
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const run = spawn(process.execPath, [...loader, fileURLToPath(child), ...opFiles], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    run.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    run.on("error", reject);
    run.on("close", (status) => resolve({ code: status, stderr: err.trim() }));
    run.stdin.end(input);
  });
  if (code === 0) return outcome;
  const refusals = stderr.split("\n").filter((line) => line.startsWith(refusalPrefix));
  if (refusals.length === 0) {
    const head = stderr.split("\n").slice(0, 5).join("\n");
    throw new Error(`specialize: generating ${jobs.map((job) => job.path).join(", ")} failed: ${head || `exit code ${code}`}`);
  }
  for (const line of refusals) {
    const text = line.slice(refusalPrefix.length);
    outcome.set(jobs[Number(text.split(" ", 1)[0])]!.path, new GenerateError(text.replace(/^\d+ /, "")));
  }
  return outcome;
}
