// `npx tsx bench/lstm-peers.ts [--quick]` (`npm run bench:lstm`): milliseconds per lossAndGrad call
// of the LSTM of issue 15 (dsl/lstm.ts; forward and backward through all T steps) for shapegrad's
// generated code beside its peers, in one run, on the same inputs:
//
//   I = σ(X Ui + H Wi + bi)   F = σ(X Uf + H Wf + bf)   O = σ(X Uo + H Wo + bo)   G = tanh(X Ug + H Wg + bg)
//   C' = F ⊙ C + I ⊙ G        H' = O ⊙ tanh(C')         L = mean over T·n rows of softmax cross-entropy of H' V + c
//
// with gradients for every parameter, h0 and cell0, at two sizes: L1 (n=1, d=v=65, h=128, T=25) and
// L2 (n=32, d=v=65, h=256, T=32). The peers:
//   - shapegrad generated: specialize(dsl/lstm.ts), products as WebAssembly SIMD kernels (the
//     default; the reference of every check and ratio);
//   - shapegrad generated, 2 threads (L2: n ≥ 2): specialize(dsl/lstm.ts, { threads: 2 }), the
//     batch's rows as fixed chunks over two threads (codegen/threaded.ts); on both cores, not pinned;
//   - shapegrad generated, JS: the same with every loop in JavaScript (kernels: "js");
//   - numpy: bench/lstm_numpy.py (float64, packed gates, hand-written BPTT), run as a subprocess
//     twice: with OPENBLAS_NUM_THREADS=1 (one thread, as every other peer here) and with the threads
//     its BLAS picks (both cores here);
//   - torch.nn.LSTM: bench/lstm_torch.py module, float64, autograd, one thread.
// Each Python peer runs under the first Python that imports its modules, of $PYTHON, python3 on PATH
// and /usr/bin/python3 (Debian's python3-torch is for Debian's Python), as bench/lstm-peers-check.ts
// does; where none does, the peer is skipped with a one-line message. The file formats are
// bench/lstm-io.ts's; the Python peers were checked against test/support/lstm-reference.ts by
// bench/lstm-peers-check.ts.
//
// Every peer's loss and gradients are checked against shapegrad generated's (max|a−b|/max|b| over the
// loss and each gradient, 1e-9) before it is timed. A peer that disagrees, or one that is present and
// fails, is an error, not a row: it is reported, no results file is written, and the run exits 1.
//
// As in bench/rnn-peers.ts (see its header), specialize() runs in a child process, so that this
// process, which times the JavaScript peers, never sees a detached ArrayBuffer (ts-morph detaches
// one, and every typed-array access is slower afterwards); this process imports the modules it wrote.
//
// Timing: the in-process peers first settle (called until five calls in a row are none 10% faster
// than the best before them, at most 15 s, 5 s with --quick: V8 takes many calls to optimize the
// LSTM's large generated functions), then bench/rnn-io.ts's timeCalls per config and peer (the
// Python peers repeat it): warm-up for a fifth of the budget (at least three calls), then calls timed
// one by one until the budget is spent and at least a minimum were timed; the median is reported.
// Budget 1 s (0.25 s with --quick), minimum 5 calls (3 with --quick). The load average at start and
// end goes into the report. Prints a table per config; writes bench/results/lstm-peers.json.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LoadedModule } from "../codegen/import-module.js";
import { chunksOf } from "../codegen/row-split.js";
import { specialize } from "../codegen/specialize.js";
import lstm from "../dsl/lstm.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import { dim, mat, relativeError, rng } from "../src/index.js";
import { gradNames, inputNames, lengthOf, paramNames, readOutputFile, writeInputFile, type LstmInputs, type LstmResult, type LstmSizes } from "./lstm-io.js";
import { timeCalls } from "./rnn-io.js";

const thisFile = fileURLToPath(import.meta.url);
const benchDir = dirname(thisFile);
const quick = process.argv.includes("--quick");
const budgetSeconds = quick ? 0.25 : 1;
/** The most time spent letting V8 optimize an in-process peer before its warm-up (see settle). */
const settleSeconds = quick ? 5 : 15;
const seed = 1;
const tolerance = 1e-9;

interface Config extends LstmSizes {
  readonly name: string;
  readonly minCalls: number;
}

const configs: readonly Config[] = [
  { name: "L1", n: 1, d: 65, h: 128, v: 65, T: 25, minCalls: quick ? 3 : 5 },
  { name: "L2", n: 32, d: 65, h: 256, v: 65, T: 32, minCalls: quick ? 3 : 5 },
];

const sizesOf = ({ n, d, h, v, T }: LstmSizes) => ({ n, d, h, v, T });

// FLOPs of one call: the matmuls only, a multiply-add counted as 2. Per step and row, the forward pass
// has X [Ui Uf Uo Ug] (4·d·h), H [Wi …] (4·h²), H V (h·v); the backward pass G_Out Vᵀ (v·h), Hᵀ G_Out
// (h·v), G_A Wᵀ (4·h², dh0 included), Hᵀ G_A (4·h²), Xᵀ G_A (4·d·h). No X gradient is taken.
const flopFormula = "2·T·n·(8·d·h + 12·h² + 3·h·v)";
const flopsOf = ({ n, d, h, v, T }: LstmSizes): number => 2 * T * n * (8 * d * h + 12 * h * h + 3 * h * v);

interface PeerRow {
  readonly peer: string;
  readonly note: string;
  /** Median ms per call. */
  readonly ms: number;
  readonly gflops: number | null;
  /** ms_peer / ms_generated (SIMD). */
  readonly ratio: number | null;
  readonly calls: number;
  readonly warmup: number;
  /** The largest relative error over the loss and every gradient, against shapegrad generated. */
  readonly maxRelativeError: number;
}

interface Skip {
  readonly peer: string;
  readonly reason: string;
}

/** Seeded inputs, as bench/lstm-peers-check.ts's: gate weights ~ N(0, 1/(d+h)), V ~ N(0, 1/h), biases ~ N(0, 0.1²), h0 and cell0 ~ N(0, 0.5²), xs ~ N(0, 1), target rows distributions: no gate saturates. */
function makeInputs(s: LstmSizes): LstmInputs {
  const random = rng(seed);
  const normals = (length: number, std: number): Float64Array => Float64Array.from({ length }, () => std * random.normal());
  const out = {} as Record<(typeof inputNames)[number], Float64Array>;
  for (const name of inputNames) {
    const length = lengthOf(name, s);
    if (name === "ys") {
      const ys = new Float64Array(length);
      for (let r = 0; r < s.T * s.n; r++) {
        let sum = 0;
        for (let j = 0; j < s.v; j++) sum += ys[r * s.v + j] = 0.1 + random.uniform();
        for (let j = 0; j < s.v; j++) ys[r * s.v + j] = ys[r * s.v + j]! / sum;
      }
      out.ys = ys;
    } else if (name === "xs") out.xs = normals(length, 1);
    else if (name === "V") out.V = normals(length, 1 / Math.sqrt(s.h));
    else if (name === "h0" || name === "cell0") out[name] = normals(length, 0.5);
    else if (name.startsWith("U") || name.startsWith("W")) out[name] = normals(length, 1 / Math.sqrt(s.d + s.h));
    else out[name] = normals(length, 0.1);
  }
  return out;
}

/** The largest relative error over the loss and each gradient (the loss as a 1-vector); NaN counts as Infinity. */
function disagreement(result: LstmResult, reference: LstmResult): number {
  let worst = relativeError([result.loss], [reference.loss]);
  gradNames.forEach((name, k) => {
    const a = result.grads[k], b = reference.grads[k];
    if (a === undefined || b === undefined || a.length !== b.length) throw new Error(`gradient ${name}: missing or misshapen`);
    worst = Math.max(worst, relativeError(a, b));
  });
  return Number.isNaN(worst) ? Infinity : worst;
}

class PeerError extends Error {}

// ---- shapegrad's generated modules.

/** A call of the generated module at one config, with its arguments as Mats made once. */
function generatedCall(module: LoadedModule, s: LstmSizes, inputs: LstmInputs): () => LstmResult {
  const n = dim("n", s.n), d = dim("d", s.d), h = dim("h", s.h), v = dim("v", s.v), Tn = dim("Tn", s.T * s.n);
  const shapeOf = (name: (typeof paramNames)[number]) =>
    name === "V" ? ([h, v] as const) : name === "c" ? ([1, v] as const) : name.startsWith("U") ? ([d, h] as const) : name.startsWith("W") ? ([h, h] as const) : ([1, h] as const);
  const params: Record<string, unknown> = {}, grads: Record<string, { data: Float64Array }> = {};
  for (const name of paramNames) {
    const [r, c] = shapeOf(name);
    params[name] = mat(r as never, c as never, inputs[name]);
    grads[name] = mat(r as never, c as never, new Float64Array(inputs[name].length));
  }
  grads.h0 = mat(n, h, new Float64Array(s.n * s.h));
  grads.cell0 = mat(n, h, new Float64Array(s.n * s.h));
  const batch = { xs: mat(Tn, d, inputs.xs), ys: mat(Tn, v, inputs.ys), h0: mat(n, h, inputs.h0), cell0: mat(n, h, inputs.cell0) };
  // The gradients are overwritten by each call: these views always show the latest.
  const views = gradNames.map((k) => grads[k]!.data);
  return () => ({ loss: module.lossAndGrad(params, batch, grads).loss, grads: views });
}

/** This file run as a child with the loader this process runs under (tsx). */
const tsChild = (args: readonly string[]): [string, string[]] => [process.execPath, [...process.execArgv, thisFile, ...args]];

interface GeneratedFiles {
  readonly simd: string;
  readonly js: string;
}

/** The generated modules' files, written by specialize() in a child process (see the top of this file). */
function specializeInChild(cacheDir: string): Record<string, GeneratedFiles> {
  const [command, args] = tsChild(["--specialize-into", cacheDir]);
  const run = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.error || run.status !== 0) throw new Error(`specialize() in a child process failed: ${String(run.error ?? `exit ${run.status}`)}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as Record<string, GeneratedFiles>;
}

/** The child's side: specialize dsl/lstm.ts at every config, both kernel kinds, and print the files. */
async function specializeAll(cacheDir: string): Promise<void> {
  const paths: Record<string, GeneratedFiles> = {};
  // On one thread: no workers here; this also writes the chunk modules the threaded row runs.
  for (const config of configs) {
    const simd = await specialize(lstm, sizesOf(config), { cacheDir, threads: 1 });
    const js = await specialize(lstm, sizesOf(config), { cacheDir, kernels: "js", threads: 1 });
    paths[config.name] = { simd: simd.path, js: js.path };
  }
  console.log(JSON.stringify(paths));
}

/**
 * Calls until V8 has optimized the generated code: until five calls in a row are none of them 10%
 * faster than the fastest before them, or settleSeconds have passed. The LSTM's generated functions
 * are large, and V8 takes many calls to optimize them (the JS kind at L1: hundreds of ms a call for
 * the first few, then about 35 ms, then under 3), which timeCalls' warm-up of a fifth of the budget
 * does not cover. Returns the number of calls.
 */
function settle(call: () => void): number {
  let best = Infinity, calm = 0, calls = 0;
  const start = performance.now();
  while (calm < 5 && performance.now() - start < settleSeconds * 1e3) {
    const t0 = performance.now();
    call();
    const ms = performance.now() - t0;
    calls++;
    if (ms < 0.9 * best) calm = 0;
    else calm++;
    best = Math.min(best, ms);
  }
  return calls;
}

/** An in-process peer: check against the reference, settle, then time. */
function measure(peer: string, note: string, call: () => LstmResult, reference: LstmResult, config: Config): PeerRow {
  const error = disagreement(call(), reference);
  if (!(error <= tolerance)) throw new PeerError(`${config.name}, ${peer}: relative error ${error.toExponential(2)} against shapegrad generated exceeds ${tolerance}`);
  const settled = settle(() => void call());
  const timing = timeCalls(() => void call(), budgetSeconds, config.minCalls);
  // The check is repeated after timing: an optimized function must give the same numbers.
  const after = disagreement(call(), reference);
  if (!(after <= tolerance)) throw new PeerError(`${config.name}, ${peer}: after timing, relative error ${after.toExponential(2)} against shapegrad generated exceeds ${tolerance}`);
  return { peer, note, ...timing, warmup: timing.warmup + settled, gflops: null, ratio: null, maxRelativeError: Math.max(error, after) };
}

// ---- Python peers.

/** The first Python that imports every module, or undefined. */
function findPython(modules: readonly string[]): { python: string; versions: string } | undefined {
  const candidates = [...new Set([process.env.PYTHON, "python3", "/usr/bin/python3"].filter((x): x is string => x !== undefined && x !== ""))];
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", `import ${modules.join(", ")}; print(" ".join(m.__name__ + " " + m.__version__ for m in (${modules.join(", ")},)))`], { encoding: "utf8" });
    if (!probe.error && probe.status === 0) return { python, versions: probe.stdout.trim() };
  }
  return undefined;
}

interface PythonPeer {
  readonly name: string;
  readonly modules: readonly string[];
  readonly script: string;
  readonly extra: readonly string[];
  readonly note: string;
  readonly env: NodeJS.ProcessEnv;
}

// numpy's default: the environment as found, less any thread count, so its BLAS picks (all cores).
const { OPENBLAS_NUM_THREADS: _o, OMP_NUM_THREADS: _m, ...defaultThreadsEnv } = process.env;
const pythonPeers: readonly PythonPeer[] = [
  { name: "numpy, 1 thread", modules: ["numpy"], script: "lstm_numpy.py", extra: [], note: "bench/lstm_numpy.py, OPENBLAS_NUM_THREADS=1", env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" } },
  { name: "numpy", modules: ["numpy"], script: "lstm_numpy.py", extra: [], note: `bench/lstm_numpy.py, BLAS threads: its default (${cpus().length} cores)`, env: defaultThreadsEnv },
  { name: "torch.nn.LSTM", modules: ["numpy", "torch"], script: "lstm_torch.py", extra: ["module"], note: "bench/lstm_torch.py", env: process.env },
];

function pythonPeer(peer: PythonPeer, python: { python: string; versions: string }, input: string, output: string, reference: LstmResult, config: Config): PeerRow {
  const run = spawnSync(python.python, [join(benchDir, peer.script), input, output, String(budgetSeconds), String(config.minCalls), ...peer.extra], { encoding: "utf8", timeout: 600_000, env: peer.env });
  if (run.error || run.status !== 0) throw new PeerError(`${config.name}, ${peer.name}: failed (${run.error ? String(run.error) : `exit ${run.status ?? run.signal}`}): ${run.stderr.trim().split("\n").slice(-3).join(" | ").slice(-400)}`);
  const timing = JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as { ms: number; calls: number; warmup: number; note?: string; blas?: string | null };
  const result = readOutputFile(output, config);
  const error = disagreement(result, reference);
  if (!(error <= tolerance)) throw new PeerError(`${config.name}, ${peer.name}: relative error ${error.toExponential(2)} against shapegrad generated exceeds ${tolerance}`);
  const note = [timing.note ? `${peer.note}, ${timing.note}` : peer.note, `${python.python}: ${python.versions}`, ...(typeof timing.blas === "string" ? [timing.blas] : [])].join(", ");
  return { peer: peer.name, note, ms: timing.ms, calls: timing.calls, warmup: timing.warmup, gflops: null, ratio: null, maxRelativeError: error };
}

// ---- The table.

const fmt = (x: number | null, digits: number): string => (x === null ? "—" : x >= 100 ? x.toFixed(Math.max(0, digits - 2)) : x.toPrecision(digits));

function printTable(config: Config, flops: number, rows: readonly PeerRow[], skips: readonly Skip[]): void {
  console.log(`\n${config.name}: n=${config.n} d=${config.d} h=${config.h} v=${config.v} T=${config.T}, ${(flops / 1e6).toFixed(1)} MFLOP per call`);
  const header = ["peer", "ms/call", "GFLOP/s", "× SIMD", "max rel err", "calls", "notes"];
  const body = rows.map((r) => [
    r.peer,
    fmt(r.ms, 4),
    fmt(r.gflops, 3),
    r.ratio === null ? "—" : r.ratio.toFixed(2),
    r.maxRelativeError.toExponential(1),
    String(r.calls),
    r.note,
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => row[k]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, k) => (k === 0 || k === cells.length - 1 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
  for (const skip of skips) console.log(`${skip.peer}: skipped, ${skip.reason}`);
}

// ---- Main.

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), "shapegrad-lstm-peers-"));
  try {
    console.log(`LSTM lossAndGrad per call, median after warm-up; budget ${budgetSeconds} s per config and peer${quick ? " (--quick)" : ""}.`);
    console.log(`FLOPs per call = ${flopFormula} (matmul multiply-adds of forward and backward, 2 FLOPs each).`);
    console.log(`× SIMD = ms_peer / ms_shapegrad_generated (SIMD kernels). Every peer agrees with it to ${tolerance} (max|a−b|/max|b| over the loss and each gradient) before it is timed.`);
    const loadAtStart = loadavg()[0]!;
    console.log(`Load average (1 min) at start: ${loadAtStart.toFixed(2)} on ${cpus().length} cores (other processes on them slow every peer).`);

    const pythons = new Map<string, ReturnType<typeof findPython>>();
    for (const peer of pythonPeers) {
      const key = peer.modules.join(",");
      if (!pythons.has(key)) pythons.set(key, findPython(peer.modules));
    }
    const modules = specializeInChild(join(work, "cache"));

    const results = [];
    for (const config of configs) {
      const flops = flopsOf(config);
      const inputs = makeInputs(config);
      const files = modules[config.name]!;
      const rows: PeerRow[] = [];
      const skips: Skip[] = [];

      // The reference: the generated code with SIMD kernels. Its result is copied, since the module's
      // gradient buffers are overwritten by each call.
      const simd = (await import(pathToFileURL(files.simd).href)) as LoadedModule;
      const simdRun = generatedCall(simd, config, inputs);
      const first = simdRun();
      const referenceGrads = first.grads.map((g) => Float64Array.from(g));
      const reference: LstmResult = { loss: first.loss, grads: referenceGrads };
      if (!Number.isFinite(reference.loss) || referenceGrads.some((g) => g.some((x) => !Number.isFinite(x)))) throw new PeerError(`${config.name}: shapegrad generated gives a non-finite loss or gradient`);
      rows.push(measure("shapegrad generated", "specialize(dsl/lstm.ts), SIMD products (WebAssembly f64x2)", simdRun, reference, config));
      // The batch's rows split over two threads (n ≥ 2), from the cache the child wrote.
      if (config.n >= 2) {
        const split = await specialize<LoadedModule>(lstm, sizesOf(config), { cacheDir: join(work, "cache"), threads: 2 });
        const chunks = chunksOf(config.n);
        rows.push(measure(`shapegrad generated, ${split.threads} threads`, `specialize(dsl/lstm.ts, { threads: 2 }): ${chunks.length} chunks of ${chunks[0]!.rows} rows`, generatedCall(split.module, config, inputs), reference, config));
        await split.close();
      }
      const js = (await import(pathToFileURL(files.js).href)) as LoadedModule;
      rows.push(measure("shapegrad generated, JS", 'specialize(dsl/lstm.ts, { kernels: "js" }), every loop in JavaScript', generatedCall(js, config, inputs), reference, config));

      const input = join(work, `${config.name}.in`);
      writeInputFile(input, config, inputs);
      for (const peer of pythonPeers) {
        const python = pythons.get(peer.modules.join(","));
        if (python === undefined) {
          skips.push({ peer: peer.name, reason: `no Python here imports ${peer.modules.join(" and ")} (tried $PYTHON, python3, /usr/bin/python3)` });
          continue;
        }
        rows.push(pythonPeer(peer, python, input, join(work, `${config.name}.${peer.name.replace(/\W+/g, "-")}.out`), reference, config));
      }

      const base = rows[0]!.ms;
      const finished = rows.map((r) => ({ ...r, gflops: flops / (r.ms * 1e6), ratio: r.ms / base }));
      printTable(config, flops, finished, skips);
      results.push({ config: config.name, sizes: sizesOf(config), flops, peers: finished, skipped: skips });
    }

    const loadAtEnd = loadavg()[0]!;
    console.log(`\nLoad average (1 min) at end: ${loadAtEnd.toFixed(2)}.`);
    const report = {
      benchmark: "bench/lstm-peers.ts",
      date: new Date().toISOString(),
      quick,
      budgetSeconds,
      seed,
      node: process.version,
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      loadAverage1min: { start: loadAtStart, end: loadAtEnd },
      flopFormula,
      ratio: "ms_peer / ms_generated (shapegrad generated, SIMD kernels)",
      agreement: { metric: "max|a−b|/max|b| over the loss and each gradient, against shapegrad generated (SIMD)", tolerance },
      configs: results,
    };
    const out = join(benchDir, "results", "lstm-peers.json");
    writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Wrote ${out}`);
    return 0;
  } catch (e) {
    if (!(e instanceof PeerError)) throw e;
    console.error(`\nERROR: ${e.message}. No results written.`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const specializeInto = process.argv.indexOf("--specialize-into");
if (specializeInto >= 0) await specializeAll(process.argv[specializeInto + 1]!);
else process.exitCode = await main();
