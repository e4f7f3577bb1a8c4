// `npm run bench:library` (pinned: `taskset -c 1 npm run bench:library`): the eager library as a
// user meets it, against its peers, in one run. Eager matmul of two s×s matrices at 64², 128²,
// 256², 512², 1024², and the elementwise chain tanh(a⊙b + c)⊙a − b on 512² entries, for
// shapegrad (its WebAssembly kernels, and its JavaScript loops alone), ml-matrix, mathjs (sizes it
// finishes in reasonable time), TensorFlow.js's WebAssembly backend (float32: it has no float64)
// and numpy with OpenBLAS on one thread. Each peer runs in a process of its own
// (bench/library-peer.ts, bench/library_numpy.py) on the same operands; a table of median ms per
// call, GFLOP/s for the products (2s³ flops), and each peer's time over shapegrad's.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const sizes = [64, 128, 256, 512, 1024];
const chainSize = 512;
const budget = process.env.BENCH_BUDGET ?? "1";

interface Line {
  readonly note?: string;
  readonly case?: string;
  readonly ms?: number;
  readonly calls?: number;
  readonly sum?: number;
  readonly skipped?: string;
}

interface Peer {
  readonly name: string;
  readonly note: string;
  readonly float32: boolean;
  readonly cases: ReadonlyMap<string, Line>;
}

function run(name: string, command: string, args: readonly string[], float32: boolean, env: NodeJS.ProcessEnv = process.env): Peer {
  process.stderr.write(`${name}…\n`);
  const out = spawnSync(command, args, { encoding: "utf8", env, maxBuffer: 1 << 24 });
  if (out.error || out.status !== 0) {
    const why = out.error?.message ?? out.stderr.trim().split("\n").slice(-3).join(" ");
    return { name, note: `failed: ${why}`, float32, cases: new Map() };
  }
  const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as Line);
  return { name, note: lines.find((l) => l.note)?.note ?? "", float32, cases: new Map(lines.filter((l) => l.case).map((l) => [l.case!, l])) };
}

const tsx = join(benchDir, "..", "node_modules", ".bin", "tsx");
const peerArgs = (peer: string) => [join(benchDir, "library-peer.ts"), peer, sizes.join(","), String(chainSize), budget];
const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const peers: Peer[] = [
  run("shapegrad", tsx, peerArgs("shapegrad"), false),
  run("shapegrad, JS only", tsx, peerArgs("shapegrad-js"), false),
  run("ml-matrix", tsx, peerArgs("ml-matrix"), false),
  run("mathjs", tsx, peerArgs("mathjs"), false),
  run("tfjs wasm (float32)", tsx, peerArgs("tfjs-wasm"), true),
  run("numpy 1 thread", python, [join(benchDir, "library_numpy.py"), sizes.join(","), String(chainSize), budget], false, { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }),
];

const ours = peers[0]!;
const cases = [...sizes.map((s) => `matmul ${s}`), `chain ${chainSize}`];
const flops = (c: string) => (c.startsWith("matmul") ? 2 * Number(c.split(" ")[1]) ** 3 : undefined);

console.log(`\nbench:library, ${new Date().toISOString()}, ${cpus()[0]?.model ?? "?"}, node ${process.version}; median ms per call (GFLOP/s for products; ×: peer time / shapegrad time)\n`);
console.log(`| case | ${peers.map((p) => p.name).join(" | ")} |`);
console.log(`|---|${peers.map(() => "---").join("|")}|`);
const problems: string[] = [];
for (const c of cases) {
  const base = ours.cases.get(c);
  const cells = peers.map((p) => {
    const line = p.cases.get(c);
    if (!line) return "—";
    if (line.skipped) return `skipped (${line.skipped})`;
    const ms = line.ms!;
    const f = flops(c);
    const rate = f ? `, ${(f / ms / 1e6).toFixed(2)} GFLOP/s` : "";
    const ratio = p === ours || !base?.ms ? "" : `, ${(ms / base.ms).toFixed(2)}×`;
    // Every peer computes the same numbers: the sums of the results agree (float32 to about 1e-3 of the entries' scale).
    if (base?.sum !== undefined && line.sum !== undefined) {
      const tolerance = (p.float32 ? 1e-3 : 1e-9) * Math.max(1, Math.abs(base.sum));
      if (Math.abs(line.sum - base.sum) > tolerance * (c.startsWith("matmul") ? Number(c.split(" ")[1]) : 1)) problems.push(`${p.name}, ${c}: sum ${line.sum} against shapegrad's ${base.sum}`);
    }
    return `${ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0)} ms${rate}${ratio}`;
  });
  console.log(`| ${c.startsWith("chain") ? `chain ${chainSize}²: tanh(a⊙b + c)⊙a − b` : `matmul ${c.split(" ")[1]}²`} | ${cells.join(" | ")} |`);
}
console.log("");
for (const p of peers) console.log(`- ${p.name}: ${p.note}`);
for (const line of problems) console.log(`! results disagree: ${line}`);
