// `npx tsx bench/rnn-peers.ts [--quick] [--no-tfjs]`: milliseconds per lossAndGrad call of the RNN
// (forward and backward through all T steps) for shapegrad's generated code beside its peers, in
// one run, on the same inputs:
//
//   A_t = X_t U + H_{t−1} W + b    H_t = tanh(A_t)    O_t = H_t V + c
//   L   = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(O_t)[i,j]
//
// with gradients for U, W, b, V, c and h0, at three sizes (C1 is the trainer's default, C2 a
// batch, C3 a large model). The peers:
//   - shapegrad generated: specialize(dsl/rnn.ts), dense one-hot X, products as WebAssembly SIMD
//     kernels (specialize's default; the reference of every check and ratio);
//   - shapegrad generated, chunks, 1 thread / 2 threads (C2, C3: n ≥ 2): specialize(dsl/rnn.ts,
//     { threads }), the batch's rows as fixed chunks, each run by a module specialized for its rows,
//     one after another on the calling thread, or over two threads (codegen/threaded.ts); the
//     issue's target is 2 threads at least 1.7× faster than "shapegrad generated". Run this bench
//     on both cores (not pinned to one) for these rows to mean anything;
//   - shapegrad generated, JS: the same with every loop in JavaScript (kernels: "js");
//   - shapegrad generated, one-hot input: specialize(dsl/char-rnn.ts), X given as class indices;
//   - shapegrad eager: the typed library step by step (eagerLossAndGrad, bench/eager-rnn-training.ts);
//   - hand-written JS: bench/hand-rnn.ts, the bar generated code must clear;
//   - C: bench/rnn.c, compiled here with cc -O3 -march=native, run as a subprocess;
//   - numpy: bench/rnn_numpy.py (float64, BLAS matmuls), run as a subprocess twice: with the BLAS
//     threads numpy picks (both cores) and with one thread, as every other peer here runs;
//   - TensorFlow.js CPU and WASM backends (float32; bench/tfjs-rnn.ts), from bench/package.json,
//     installed into bench/node_modules on first run, each in a subprocess; --no-tfjs leaves them out.
// Every peer's loss and gradients are checked against the generated code's before it is timed
// (max|a−b|/max|b| per array: 1e-9 for float64 peers, 1e-3 for float32 ones); a peer that
// disagrees is reported and not timed, and the run exits non-zero. A peer whose tool is missing
// (cc, python3/numpy, the tfjs install) is skipped with the reason.
//
// The process that times the JavaScript peers must stay clean of one thing: a detached
// ArrayBuffer. The first one anywhere in a V8 isolate (ArrayBuffer transfer, WebAssembly memory
// growth, and, as it happens, loading ts-morph) invalidates a global assumption of the optimizing
// compiler, after which every typed-array access checks for detachment: generated code then runs
// about 1.5× slower at C1, and hand-written code 1.25×, for the rest of the process. Both
// codegen/specialize.ts (through ts-morph) and tfjs's WASM backend do it. So this process calls
// specialize() in a child process (the same function, the same cache directory) and imports the
// modules it wrote, as specialize() itself does; and tfjs runs in child processes, one backend each.
// (The threaded rows call specialize() here, once the child has filled the cache: it then only
// reads the cache, imports the modules and starts the workers.)
//
// Timing: per config and peer, warm-up for a fifth of the budget (at least three calls; the JIT
// needs it), then calls timed one by one until the budget is spent and at least a minimum were
// timed; the median is reported. Budget 1 s (0.25 s with --quick), minimum 5 calls (3 with
// --quick, and 3 for C3, whose calls take seconds). Subprocess peers time themselves the same way.
// Timings are only as good as the machine is quiet: the load average at start and end goes into
// the report. Prints a table per config; writes bench/results/rnn-peers.json.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LoadedModule } from "../codegen/import-module.js";
import { chunksOf } from "../codegen/row-split.js";
import { specialize } from "../codegen/specialize.js";
import rnn from "../dsl/rnn.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import { dim, mat, relativeError, rng, type Mat } from "../src/index.js";
import { eagerLossAndGrad, rnnDims } from "./eager-rnn-training.js";
import { handRnn, type RnnSizes } from "./hand-rnn.js";
import { gradNames, readOutputFile, timeCalls, writeInputFile, type Result, type RnnInputs } from "./rnn-io.js";
// Only the package list: bench/tfjs-rnn.ts loads tfjs itself, in its own processes.
import { tfjsPackages } from "./tfjs-rnn.js";

const thisFile = fileURLToPath(import.meta.url);
const benchDir = dirname(thisFile);
const quick = process.argv.includes("--quick");
const withTfjs = !process.argv.includes("--no-tfjs");
const budgetSeconds = quick ? 0.25 : 1;
const seed = 1;
const tolerance64 = 1e-9, tolerance32 = 1e-3;

interface Config extends RnnSizes {
  readonly name: string;
  readonly minCalls: number;
}

const configs: readonly Config[] = [
  { name: "C1", n: 1, d: 65, h: 100, v: 65, T: 25, minCalls: quick ? 3 : 5 },
  { name: "C2", n: 32, d: 65, h: 128, v: 65, T: 32, minCalls: quick ? 3 : 5 },
  { name: "C3", n: 64, d: 256, h: 512, v: 256, T: 16, minCalls: 3 },
];

/** The sizes alone, as specialize() takes them. */
const sizesOf = ({ n, d, h, v, T }: RnnSizes) => ({ n, d, h, v, T });

// FLOPs of one call: the matmuls only, a multiply-add counted as 2. Per step and row, the forward
// pass has X U (d·h), H W (h·h), H V (h·v) multiply-adds; the backward pass G_O Vᵀ (v·h), H_tᵀ G_O
// (h·v), G_A Wᵀ (h·h, dh0 included), H_{t−1}ᵀ G_A (h·h), X_tᵀ G_A (d·h). Dense X is counted for every
// peer, the one-hot one too (whose gathers skip most of it), so that GFLOP/s compare like with like.
const flopFormula = "2·T·n·(2·d·h + 3·h² + 3·h·v)";
const flopsOf = ({ n, d, h, v, T }: RnnSizes): number => 2 * T * n * (2 * d * h + 3 * h * h + 3 * h * v);

type Precision = "float64" | "float32";

interface PeerRow {
  readonly peer: string;
  readonly note: string;
  readonly precision: Precision;
  /** Median ms per call; null when skipped or disagreeing. */
  readonly ms: number | null;
  readonly gflops: number | null;
  /** ms_peer / ms_generated. */
  readonly ratio: number | null;
  readonly calls: number | null;
  readonly warmup: number | null;
  /** The largest relative error over the loss and every gradient, against the generated code. */
  readonly maxRelativeError: number | null;
  readonly tolerance: number;
  readonly status: "ok" | "skipped" | "disagrees";
  readonly reason?: string;
}

const toleranceOf = (precision: Precision): number => (precision === "float64" ? tolerance64 : tolerance32);

/** The largest relative error over the loss and each gradient (the loss as a 1-vector). */
function disagreement(result: Result, reference: Result): number {
  let worst = relativeError([result.loss], [reference.loss]);
  gradNames.forEach((name, k) => {
    const a = result.grads[k], b = reference.grads[k];
    if (a === undefined || b === undefined || a.length !== b.length) throw new Error(`gradient ${name}: missing or misshapen`);
    worst = Math.max(worst, relativeError(a, b));
  });
  // NaN anywhere must fail the check, and Math.max keeps NaN.
  return Number.isNaN(worst) ? Infinity : worst;
}

function okRow(peer: string, note: string, precision: Precision, error: number, timing: { ms: number; calls: number; warmup: number }): PeerRow {
  return { peer, note, precision, ...timing, gflops: null, ratio: null, maxRelativeError: error, tolerance: toleranceOf(precision), status: "ok" };
}

function skipped(peer: string, note: string, precision: Precision, reason: string): PeerRow {
  return { peer, note, precision, ms: null, gflops: null, ratio: null, calls: null, warmup: null, maxRelativeError: null, tolerance: toleranceOf(precision), status: "skipped", reason };
}

function disagrees(peer: string, note: string, precision: Precision, error: number): PeerRow {
  const tolerance = toleranceOf(precision);
  const reason = `relative error ${error.toExponential(2)} exceeds ${tolerance.toExponential(0)}`;
  return { peer, note, precision, ms: null, gflops: null, ratio: null, calls: null, warmup: null, maxRelativeError: error, tolerance, status: "disagrees", reason };
}

/** Seeded inputs: weights and h0 0.1·N(0, 1) (biases too, so their gradients are exercised); one-hot rows for X and Y. */
function makeInputs(s: RnnSizes): RnnInputs & { readonly xClasses: Float64Array } {
  const random = rng(seed);
  const normals = (count: number) => Float64Array.from({ length: count }, () => 0.1 * random.normal());
  const U = normals(s.d * s.h), W = normals(s.h * s.h), b = normals(s.h), V = normals(s.h * s.v), c = normals(s.v);
  const h0 = normals(s.n * s.h);
  const rows = s.T * s.n;
  const xClasses = Float64Array.from({ length: rows }, () => Math.floor(random.uniform() * s.d));
  const yClasses = Float64Array.from({ length: rows }, () => Math.floor(random.uniform() * s.v));
  const xs = new Float64Array(rows * s.d), ys = new Float64Array(rows * s.v);
  for (let r = 0; r < rows; r++) {
    xs[r * s.d + xClasses[r]!] = 1;
    ys[r * s.v + yClasses[r]!] = 1;
  }
  return { U, W, b, V, c, xs, ys, h0, xClasses };
}

// ---- In-process peers: each returns a call that computes and returns the loss and gradients.

/** shapegrad's generated module for one model at one config, with its arguments as Mats. */
function generatedCall(module: LoadedModule, s: RnnSizes, inputs: RnnInputs & { readonly xClasses: Float64Array }, oneHot: boolean): () => Result {
  const n = dim("n", s.n), d = dim("d", s.d), h = dim("h", s.h), v = dim("v", s.v), Tn = dim("Tn", s.T * s.n);
  // The one-hot model takes X as a (T·n)×1 column of class indices, the dense one as (T·n)×d.
  const x = oneHot ? mat(Tn, 1, inputs.xClasses) : mat(Tn, d, inputs.xs);
  const params = { U: mat(d, h, inputs.U), W: mat(h, h, inputs.W), b: mat(1, h, inputs.b), V: mat(h, v, inputs.V), c: mat(1, v, inputs.c) };
  const batch = { xs: x, ys: mat(Tn, v, inputs.ys), h0: mat(n, h, inputs.h0) };
  const grads = { U: mat(d, h, inputs.U), W: mat(h, h, inputs.W), b: mat(1, h, inputs.b), V: mat(h, v, inputs.V), c: mat(1, v, inputs.c), h0: mat(n, h, inputs.h0) };
  // The gradients are overwritten by each call: these views always show the latest.
  const views = gradNames.map((k) => grads[k].data);
  return () => ({ loss: module.lossAndGrad(params, batch, grads).loss, grads: views });
}

/** The eager typed library, on per-step Mats made once (the layout its API takes). */
function eagerCall(s: RnnSizes, inputs: RnnInputs): () => Result {
  const dims = rnnDims(s);
  const { n, d, h, v } = dims;
  const p = { U: mat(d, h, inputs.U), W: mat(h, h, inputs.W), b: mat(1, h, inputs.b), V: mat(h, v, inputs.V), c: mat(1, v, inputs.c) };
  const xs: Mat<"n", "d">[] = [], ys: Mat<"n", "v">[] = [];
  for (let t = 0; t < s.T; t++) {
    xs.push(mat(n, d, inputs.xs.subarray(t * s.n * s.d, (t + 1) * s.n * s.d)));
    ys.push(mat(n, v, inputs.ys.subarray(t * s.n * s.v, (t + 1) * s.n * s.v)));
  }
  const h0 = mat(n, h, inputs.h0);
  return () => {
    const { loss, grads } = eagerLossAndGrad(dims, p, xs, ys, h0);
    return { loss, grads: gradNames.map((k) => grads[k].data) };
  };
}

function handCall(s: RnnSizes, inputs: RnnInputs): () => Result {
  const lossAndGrad = handRnn(s);
  const params = { U: inputs.U, W: inputs.W, b: inputs.b, V: inputs.V, c: inputs.c };
  const batch = { xs: inputs.xs, ys: inputs.ys, h0: inputs.h0 };
  const grads = {
    U: new Float64Array(s.d * s.h), W: new Float64Array(s.h * s.h), b: new Float64Array(s.h),
    V: new Float64Array(s.h * s.v), c: new Float64Array(s.v), h0: new Float64Array(s.n * s.h),
  };
  const views = gradNames.map((k) => grads[k]);
  return () => ({ loss: lossAndGrad(params, batch, grads), grads: views });
}

/** One in-process peer: check against the reference, then time. */
function measure(peer: string, note: string, call: () => Result, reference: Result, config: Config): PeerRow {
  const error = disagreement(call(), reference);
  if (!(error <= tolerance64)) return disagrees(peer, note, "float64", error);
  return okRow(peer, note, "float64", error, timeCalls(() => void call(), budgetSeconds, config.minCalls));
}

// ---- Subprocess peers (C, numpy, tfjs): the input file of bench/rnn-io.ts in, its output file out,
// and a JSON line {"ms", "calls", "warmup", ...} on stdout.

function subprocessPeer(
  peer: string,
  note: string,
  precision: Precision,
  command: string,
  args: readonly string[],
  output: string,
  reference: Result,
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): PeerRow {
  // Generous: the budget, the warm-up and the minimum calls at C3's size, several times over.
  const run = spawnSync(command, [...args, output, String(budgetSeconds), String(config.minCalls)], { encoding: "utf8", timeout: 600_000, env });
  if (run.error) return skipped(peer, note, precision, String(run.error));
  if (run.status !== 0) return skipped(peer, note, precision, `exit ${run.status ?? run.signal}: ${run.stderr.trim().split("\n").slice(-3).join(" | ").slice(-400)}`);
  let timing: { ms: number; calls: number; warmup: number; note?: string; blas?: string | null };
  let result: Result;
  try {
    timing = JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as typeof timing;
    result = readOutputFile(output, config);
  } catch (e) {
    return skipped(peer, note, precision, `unreadable results: ${String(e)}`);
  }
  // bench/tfjs-rnn.ts describes its backend; bench/rnn_numpy.py names numpy's BLAS.
  const fullNote = [timing.note ?? note, ...(typeof timing.blas === "string" ? [timing.blas] : [])].join(", ");
  const error = disagreement(result, reference);
  if (!(error <= toleranceOf(precision))) return disagrees(peer, fullNote, precision, error);
  return okRow(peer, fullNote, precision, error, { ms: timing.ms, calls: timing.calls, warmup: timing.warmup });
}

/** Compiles bench/rnn.c into `dir`, or says why not. */
function compileC(dir: string): { binary: string; note: string } | { reason: string } {
  const binary = join(dir, "rnn");
  const version = spawnSync("cc", ["--version"], { encoding: "utf8" });
  if (version.error) return { reason: `no C compiler (cc: ${version.error.message})` };
  const build = spawnSync("cc", ["-O3", "-march=native", "-o", binary, join(benchDir, "rnn.c"), "-lm"], { encoding: "utf8" });
  if (build.error || build.status !== 0) return { reason: `cc failed: ${(build.stderr || String(build.error)).trim().slice(-500)}` };
  return { binary, note: `${version.stdout.split("\n")[0]!.trim()}, -O3 -march=native, no BLAS` };
}

/** Whether python3 with numpy runs here, or why not. */
function checkNumpy(): { note: string } | { reason: string } {
  const probe = spawnSync("python3", ["-c", "import numpy; print(numpy.__version__)"], { encoding: "utf8" });
  if (probe.error) return { reason: `no python3 (${probe.error.message})` };
  if (probe.status !== 0) return { reason: `python3 has no numpy: ${probe.stderr.trim().split("\n").pop()}` };
  return { note: `numpy ${probe.stdout.trim()}` };
}

/** Installs bench/package.json's packages into bench/node_modules if any is missing; the reason if that fails. */
function ensureTfjsInstalled(): string | undefined {
  const missing = tfjsPackages.filter((p) => !existsSync(join(benchDir, "node_modules", p, "package.json")));
  if (missing.length === 0) return undefined;
  console.log(`Installing ${missing.join(", ")} into bench/node_modules (bench/package.json)…`);
  const install = spawnSync("npm", ["install", "--prefix", benchDir, "--no-audit", "--no-fund"], { encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
  if (install.error) return `npm install failed: ${install.error.message}`;
  if (install.status !== 0) return `npm install failed (exit ${install.status}): ${install.stderr.trim().slice(-500)}`;
  return undefined;
}

/** This same TypeScript file (or another beside it) run as a child with the loader this process runs under (tsx). */
const tsChild = (file: string, args: readonly string[]): [string, string[]] => [process.execPath, [...process.execArgv, file, ...args]];

/**
 * The generated modules' files, written by specialize() in a child process (see the top of this
 * file): for each config, the dense model's and the one-hot model's.
 */
function specializeInChild(cacheDir: string): Record<string, GeneratedFiles> {
  const [command, args] = tsChild(thisFile, ["--specialize-into", cacheDir]);
  const run = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.error || run.status !== 0) throw new Error(`specialize() in a child process failed: ${String(run.error ?? `exit ${run.status}`)}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as Record<string, GeneratedFiles>;
}

interface GeneratedFiles {
  readonly rnn: string;
  readonly rnnJs: string;
  readonly charRnn: string;
}

/** The child's side: specialize both models at every config into cacheDir and print the files. */
async function specializeAll(cacheDir: string): Promise<void> {
  const charRnn = (await import("../dsl/char-rnn.js")).default;
  const paths: Record<string, GeneratedFiles> = {};
  // On one thread: no workers here; this also writes the chunk modules the threaded rows run. All in one turn, so the generation shares child processes.
  const all = await Promise.all(
    configs.map(async (config) => {
      const [dense, denseJs, oneHot] = await Promise.all([
        specialize(rnn, sizesOf(config), { cacheDir, threads: 1 }),
        specialize(rnn, sizesOf(config), { cacheDir, kernels: "js", threads: 1 }),
        specialize(charRnn, sizesOf(config), { cacheDir, threads: 1 }),
      ]);
      return [config.name, { rnn: dense.path, rnnJs: denseJs.path, charRnn: oneHot.path }] as const;
    }),
  );
  for (const [name, files] of all) paths[name] = files;
  console.log(JSON.stringify(paths));
}

// ---- The table.

const fmt = (x: number | null, digits: number): string => (x === null ? "—" : x >= 100 ? x.toFixed(Math.max(0, digits - 2)) : x.toPrecision(digits));

function printTable(config: Config, flops: number, rows: readonly PeerRow[]): void {
  console.log(`\n${config.name}: n=${config.n} d=${config.d} h=${config.h} v=${config.v} T=${config.T}, ${(flops / 1e6).toFixed(1)} MFLOP per call`);
  const header = ["peer", "ms/call", "GFLOP/s", "× generated", "max rel err", "calls", "notes"];
  const body = rows.map((r) => [
    r.peer,
    fmt(r.ms, 4),
    fmt(r.gflops, 3),
    r.ratio === null ? "—" : r.ratio.toFixed(2),
    r.maxRelativeError === null ? "—" : r.maxRelativeError.toExponential(1),
    r.calls === null ? "—" : String(r.calls),
    r.status === "ok" ? r.note : `${r.status.toUpperCase()}: ${r.reason ?? ""}`,
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => row[k]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, k) => (k === 0 || k === cells.length - 1 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
}

// ---- Main.

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "shapegrad-rnn-peers-"));
  try {
    console.log(`RNN lossAndGrad per call, median after warm-up; budget ${budgetSeconds} s per config and peer${quick ? " (--quick)" : ""}.`);
    console.log(`FLOPs per call = ${flopFormula} (matmul multiply-adds of forward and backward, 2 FLOPs each; dense X for every peer).`);
    console.log(`× generated = ms_peer / ms_generated. Agreement with the generated code: max|a−b|/max|b| over the loss and each gradient.`);
    const loadAtStart = loadavg()[0]!;
    console.log(`Load average (1 min) at start: ${loadAtStart.toFixed(2)} on ${cpus().length} cores (other processes on them slow every peer).`);

    const c = compileC(work);
    const numpy = checkNumpy();
    const tfjsProblem = withTfjs ? ensureTfjsInstalled() : "left out (--no-tfjs)";
    const modules = specializeInChild(join(work, "cache"));

    const results = [];
    for (const config of configs) {
      const flops = flopsOf(config);
      const inputs = makeInputs(config);
      const files = modules[config.name]!;
      const rows: PeerRow[] = [];

      // The reference: generated code for the dense model. Its result is copied, since the module's
      // gradient buffers are overwritten by each call.
      const dense = (await import(pathToFileURL(files.rnn).href)) as LoadedModule;
      const generatedRun = generatedCall(dense, config, inputs, false);
      const first = generatedRun();
      const reference: Result = { loss: first.loss, grads: first.grads.map((g) => Float64Array.from(g)) };
      rows.push(measure("shapegrad generated", "specialize(dsl/rnn.ts), dense X, SIMD products (WebAssembly f64x2)", generatedRun, reference, config));
      // The batch's rows split over threads (n ≥ 2): the same fixed chunks on 1 thread (what the
      // split itself costs) and on 2; from the cache the child wrote, so nothing is generated here.
      if (config.n >= 2) {
        for (const threads of [1, 2]) {
          const split = await specialize<LoadedModule>(rnn, sizesOf(config), { cacheDir: join(work, "cache"), threads });
          const note = `specialize(dsl/rnn.ts, { threads: ${threads} }): ${chunksOf(config.n).length} chunks of ${chunksOf(config.n)[0]!.rows} rows${threads === 1 ? " one after another" : ""}`;
          rows.push(measure(`shapegrad generated, ${threads === 1 ? "chunks, 1 thread" : `${split.threads} threads`}`, note, generatedCall(split.module, config, inputs, false), reference, config));
          await split.close();
        }
      }
      const denseJs = (await import(pathToFileURL(files.rnnJs).href)) as LoadedModule;
      rows.push(measure("shapegrad generated, JS", "specialize(dsl/rnn.ts, { kernels: \"js\" }), every loop in JavaScript", generatedCall(denseJs, config, inputs, false), reference, config));
      const oneHot = (await import(pathToFileURL(files.charRnn).href)) as LoadedModule;
      rows.push(measure("shapegrad one-hot input", "specialize(dsl/char-rnn.ts), X as class indices", generatedCall(oneHot, config, inputs, true), reference, config));
      rows.push(measure("hand-written JS", "bench/hand-rnn.ts", handCall(config, inputs), reference, config));
      rows.push(measure("shapegrad eager", "typed library step by step: eagerLossAndGrad (bench/eager-rnn-training.ts)", eagerCall(config, inputs), reference, config));

      const input = join(work, `${config.name}.in`);
      writeInputFile(input, config, inputs);
      const output = (peer: string) => join(work, `${config.name}.${peer}.out`);
      if ("reason" in c) rows.push(skipped("C", "bench/rnn.c", "float64", c.reason));
      else rows.push(subprocessPeer("C", c.note, "float64", c.binary, [input], output("c"), reference, config));

      // numpy twice: with the threads its BLAS picks (all cores), and with one thread like every
      // other peer here. Only the thread count is set, in the child's environment; the rest of the
      // environment (OPENBLAS_CORETYPE included) is passed on as found.
      for (const oneThread of [false, true]) {
        const peer = oneThread ? "numpy, 1 thread" : "numpy";
        if ("reason" in numpy) {
          rows.push(skipped(peer, "bench/rnn_numpy.py", "float64", numpy.reason));
          continue;
        }
        const env = oneThread ? { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" } : process.env;
        const note = `${numpy.note}, ${oneThread ? "OPENBLAS_NUM_THREADS=1" : `BLAS threads: its default (${cpus().length} cores)`}`;
        rows.push(subprocessPeer(peer, note, "float64", "python3", [join(benchDir, "rnn_numpy.py"), input], output(oneThread ? "numpy1" : "numpy"), reference, config, env));
      }

      for (const backend of ["cpu", "wasm"] as const) {
        const peer = `tfjs ${backend}`;
        if (tfjsProblem !== undefined) {
          rows.push(skipped(peer, "bench/tfjs-rnn.ts", "float32", tfjsProblem));
          continue;
        }
        const [command, args] = tsChild(join(benchDir, "tfjs-rnn.ts"), [backend, input]);
        rows.push(subprocessPeer(peer, `bench/tfjs-rnn.ts, ${backend}`, "float32", command, args, output(`tfjs-${backend}`), reference, config));
      }

      const base = rows[0]!.ms!;
      const finished = rows.map((r) => (r.ms === null ? r : { ...r, gflops: flops / (r.ms * 1e6), ratio: r.ms / base }));
      printTable(config, flops, finished);
      results.push({ config: config.name, sizes: sizesOf(config), flops, peers: finished });
    }

    const loadAtEnd = loadavg()[0]!;
    console.log(`\nLoad average (1 min) at end: ${loadAtEnd.toFixed(2)}.`);
    const report = {
      benchmark: "bench/rnn-peers.ts",
      date: new Date().toISOString(),
      quick,
      budgetSeconds,
      seed,
      node: process.version,
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      loadAverage1min: { start: loadAtStart, end: loadAtEnd },
      flopFormula,
      ratio: "ms_peer / ms_generated (shapegrad generated: dense X, SIMD kernels)",
      agreement: { metric: "max|a−b|/max|b| over the loss and each gradient, against shapegrad generated", float64: tolerance64, float32: tolerance32 },
      configs: results,
    };
    const out = join(benchDir, "results", "rnn-peers.json");
    writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Wrote ${out}`);
    if (results.some((r) => r.peers.some((p) => p.status === "disagrees"))) {
      console.error("Some peers disagree with the generated code: see the tables.");
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const specializeInto = process.argv.indexOf("--specialize-into");
if (specializeInto >= 0) await specializeAll(process.argv[specializeInto + 1]!);
else await main();
