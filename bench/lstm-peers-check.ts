// `npx tsx bench/lstm-peers-check.ts [--sizes n,d,h,v,T] [--budget SECONDS]`: checks the LSTM
// benchmark's Python peers against the independent TypeScript reference, by hand, before
// `npm run bench:lstm` times them. Writes one input file in the format of bench/lstm-io.ts (seeded
// random weights, dense normal inputs, distribution targets, random h0 and cell0), runs each peer on
// it as a subprocess, and prints, per peer, the largest relative error (max|a−b|/max|b|) of the loss
// and of each gradient against test/support/lstm-reference.ts, and the median ms the peer reported.
// Peers:
//   - numpy: bench/lstm_numpy.py, with the BLAS threads it picks and with OPENBLAS_NUM_THREADS=1;
//   - torch.nn.LSTM: bench/lstm_torch.py (module), float64, autograd, one thread;
//   - torch ops: bench/lstm_torch.py ops, the same equations from torch ops (checks the gate mapping).
// Each runs under the first Python that imports its modules, of $PYTHON, python3 on PATH and
// /usr/bin/python3 (Debian's python3-torch is for Debian's Python, which need not be first on PATH);
// where none does, the peer is skipped with a message, and the script still exits 0. It exits 1 when
// a peer that ran disagrees by more than 1e-9 or fails.
//
// Default sizes n=3, d=5, h=4, v=6, T=4 and a 0.2 s budget (a quick check). With --sizes 1,65,128,65,25
// (L1) or 32,65,256,65,32 (L2) and a longer budget it also gives a rough timing of each peer.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { relativeError, rng } from "../src/index.js";
import { lstmReference, type LstmParams } from "../test/support/lstm-reference.js";
import { gradNames, inputNames, lengthOf, paramNames, readOutputFile, writeInputFile, type LstmInputs, type LstmSizes } from "./lstm-io.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const TOLERANCE = 1e-9;

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function parseSizes(text: string | undefined): LstmSizes {
  if (text === undefined) return { n: 3, d: 5, h: 4, v: 6, T: 4 };
  const parts = text.split(",").map(Number);
  if (parts.length !== 5 || !parts.every((x) => Number.isInteger(x) && x > 0)) throw new Error(`--sizes takes n,d,h,v,T as five positive integers, not ${text}`);
  const [n, d, h, v, T] = parts as [number, number, number, number, number];
  return { n, d, h, v, T };
}

/** Seeded inputs: gate weights ~ N(0, 1/(d+h)), V ~ N(0, 1/h), biases ~ N(0, 0.1²), h0 and cell0 ~ N(0, 0.5²), xs ~ N(0, 1): no gate saturates at any size. */
function makeInputs(s: LstmSizes, seed: number): LstmInputs {
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

/** The first Python that imports every module, or undefined. */
function findPython(modules: readonly string[]): { python: string; versions: string } | undefined {
  const candidates = [...new Set([process.env.PYTHON, "python3", "/usr/bin/python3"].filter((x): x is string => x !== undefined && x !== ""))];
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", `import ${modules.join(", ")}; print(" ".join(m.__name__ + " " + m.__version__ for m in (${modules.join(", ")},)))`], { encoding: "utf8" });
    if (!probe.error && probe.status === 0) return { python, versions: probe.stdout.trim() };
  }
  return undefined;
}

interface Peer {
  readonly name: string;
  readonly modules: readonly string[];
  readonly script: string;
  readonly extra: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

const peers: Peer[] = [
  { name: "numpy", modules: ["numpy"], script: "lstm_numpy.py", extra: [] },
  { name: "numpy, 1 thread", modules: ["numpy"], script: "lstm_numpy.py", extra: [], env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" } },
  { name: "torch.nn.LSTM", modules: ["numpy", "torch"], script: "lstm_torch.py", extra: ["module"] },
  { name: "torch ops", modules: ["numpy", "torch"], script: "lstm_torch.py", extra: ["ops"] },
];

function main(): number {
  const sizes = parseSizes(option("--sizes"));
  const budget = Number(option("--budget") ?? "0.2");
  const inputs = makeInputs(sizes, 1);
  const p = Object.fromEntries(paramNames.map((name) => [name, inputs[name]])) as unknown as LstmParams;
  const t0 = performance.now();
  const ref = lstmReference(sizes, p, { xs: inputs.xs, ys: inputs.ys, h0: inputs.h0, cell0: inputs.cell0 });
  const refMs = performance.now() - t0;
  const refGrads = gradNames.map((name) => ref.grads[name]);
  console.log(`LSTM peers against test/support/lstm-reference.ts at n=${sizes.n} d=${sizes.d} h=${sizes.h} v=${sizes.v} T=${sizes.T} (loss ${ref.loss}; the reference took ${refMs.toFixed(0)} ms)`);

  const work = mkdtempSync(join(tmpdir(), "lstm-peers-check-"));
  let failed = false;
  try {
    const input = join(work, "lstm.in");
    writeInputFile(input, sizes, inputs);
    const pythons = new Map<string, ReturnType<typeof findPython>>();
    for (const peer of peers) {
      const key = peer.modules.join(",");
      if (!pythons.has(key)) pythons.set(key, findPython(peer.modules));
      const found = pythons.get(key);
      if (found === undefined) {
        console.log(`\n${peer.name}: skipped, no Python here imports ${peer.modules.join(" and ")} (tried $PYTHON, python3, /usr/bin/python3)`);
        continue;
      }
      const output = join(work, `${peer.name.replace(/\W+/g, "-")}.out`);
      const run = spawnSync(found.python, [join(benchDir, peer.script), input, output, String(budget), "3", ...peer.extra], { encoding: "utf8", env: peer.env ?? process.env, timeout: 600_000 });
      if (run.error || run.status !== 0) {
        failed = true;
        console.log(`\n${peer.name}: FAILED (${run.error ? String(run.error) : `exit ${run.status ?? run.signal}`}): ${run.stderr.trim().split("\n").slice(-3).join(" | ")}`);
        continue;
      }
      const timing = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as { ms: number; calls: number; blas?: string | null };
      const result = readOutputFile(output, sizes);
      const errors: [string, number][] = [["loss", relativeError([result.loss], [ref.loss])], ...gradNames.map((name, k): [string, number] => [name, relativeError(result.grads[k]!, refGrads[k]!)])];
      const worst = Math.max(...errors.map(([, e]) => e));
      const ok = worst <= TOLERANCE;
      if (!ok) failed = true;
      const blas = typeof timing.blas === "string" ? `, ${timing.blas}` : "";
      console.log(`\n${peer.name} (${found.python}: ${found.versions}${blas}): ${timing.ms.toFixed(3)} ms median of ${timing.calls} calls; max rel. error ${worst.toExponential(2)} ${ok ? "OK" : `DISAGREES (> ${TOLERANCE})`}`);
      console.log("  " + errors.map(([name, e]) => `${name} ${e.toExponential(1)}`).join("  "));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
