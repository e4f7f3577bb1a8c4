// One peer of bench/library.ts, in a process of its own (tfjs's WebAssembly backend grows its
// memory and slows every typed array of the process it runs in, see bench/tfjs-rnn.ts):
//
//   npx tsx bench/library-peer.ts PEER SIZES CHAIN_SIZE BUDGET_SECONDS
//
// PEER is shapegrad, shapegrad-js (the same library with WebAssembly removed before it loads: its
// JavaScript kernels), ml-matrix, mathjs or tfjs-wasm. For each size s of SIZES (comma-separated),
// the product of two s×s matrices; then the elementwise chain tanh(a⊙b + c)⊙a − b on CHAIN_SIZE²
// entries. Each case: one warm-up call, then calls until BUDGET_SECONDS have passed (at least three,
// or only the warm-up when it alone took longer than the budget); prints one JSON line per case
// {"case", "ms" (median), "calls", "sum"} (sum: of the result's entries, a check that every peer
// computed the same thing), and first {"note"}. A case whose estimated call (the previous size's ×8)
// exceeds 30 s is skipped with {"case", "skipped"}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTfjs, type Tensor } from "./tfjs-rnn.js";

const [peer, sizesArg, chainArg, budgetArg] = process.argv.slice(2);
if (!peer || !sizesArg || !chainArg) throw new Error("usage: npx tsx bench/library-peer.ts PEER SIZES CHAIN_SIZE BUDGET_SECONDS");
const sizes = sizesArg.split(",").map(Number);
const chainSize = Number(chainArg);
const budgetMs = 1000 * Number(budgetArg ?? "1");
const benchDir = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(benchDir, "package.json"));

/** The same pseudo-random operands in every peer: a 32-bit LCG's values in [-0.5, 0.5). */
function operand(seed: number, length: number): Float64Array {
  const out = new Float64Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 4294967296 - 0.5;
  }
  return out;
}

// The members of ml-matrix and mathjs used here, typed by hand: bench/package.json's packages are
// loaded at run time, so that `tsc -p tsconfig.json` never needs them (as bench/tfjs-rnn.ts does).
interface MlMatrix {
  mmul(b: MlMatrix): MlMatrix;
  clone(): MlMatrix;
  mul(b: MlMatrix): MlMatrix;
  add(b: MlMatrix): MlMatrix;
  sub(b: MlMatrix): MlMatrix;
  tanh(): MlMatrix;
  to1DArray(): number[];
}
interface MathMatrix {
  toArray(): unknown;
}
interface MathJs {
  readonly version: string;
  matrix(rows: number[][]): MathMatrix;
  multiply(a: MathMatrix, b: MathMatrix): MathMatrix;
  dotMultiply(a: MathMatrix, b: MathMatrix): MathMatrix;
  add(a: MathMatrix, b: MathMatrix): MathMatrix;
  subtract(a: MathMatrix, b: MathMatrix): MathMatrix;
  map(a: MathMatrix, f: (x: number) => number): MathMatrix;
}

/** What a peer runs: the product of s×s matrices, the chain; each returns the result's entries. */
interface Runner {
  product(s: number): () => ArrayLike<number>;
  chain(s: number): () => ArrayLike<number>;
}

async function runner(): Promise<{ run: Runner; note: string }> {
  if (peer === "shapegrad" || peer === "shapegrad-js") {
    if (peer === "shapegrad-js") delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
    const sg = await import("../src/index.js");
    const m = (s: number, seed: number) => sg.mat(sg.dim("s", s), sg.dim("s", s), operand(seed, s * s));
    return {
      note: peer === "shapegrad" ? "float64, eager ops (WebAssembly kernels above the crossover)" : "float64, eager ops with WebAssembly removed (JavaScript loops)",
      run: {
        product(s) {
          const a = m(s, 1), b = m(s, 2);
          return () => sg.matmul(a, b).data;
        },
        chain(s) {
          const a = m(s, 1), b = m(s, 2), c = m(s, 3);
          return () => sg.sub(sg.mul(sg.tanh(sg.add(sg.mul(a, b), c)), a), b).data;
        },
      },
    };
  }
  if (peer === "ml-matrix") {
    const { Matrix } = require("ml-matrix") as { Matrix: new (rows: number[][]) => MlMatrix };
    const version = (JSON.parse(readFileSync(join(benchDir, "node_modules", "ml-matrix", "package.json"), "utf8")) as { version: string }).version;
    const m = (s: number, seed: number) => new Matrix(Array.from({ length: s }, (_, i) => Array.from(operand(seed, s * s).subarray(i * s, (i + 1) * s))));
    const flat = (x: MlMatrix) => x.to1DArray();
    return {
      note: `ml-matrix ${version}, float64 (mmul; the chain in place on one clone)`,
      run: {
        product(s) {
          const a = m(s, 1), b = m(s, 2);
          return () => flat(a.mmul(b));
        },
        chain(s) {
          const a = m(s, 1), b = m(s, 2), c = m(s, 3);
          return () => flat(a.clone().mul(b).add(c).tanh().mul(a).sub(b));
        },
      },
    };
  }
  if (peer === "mathjs") {
    const math = require("mathjs") as MathJs;
    const m = (s: number, seed: number) => math.matrix(Array.from({ length: s }, (_, i) => Array.from(operand(seed, s * s).subarray(i * s, (i + 1) * s))));
    const flat = (x: MathMatrix) => (x.toArray() as number[][]).flat();
    return {
      note: `mathjs ${math.version}, float64 (multiply; the chain with dotMultiply, add, map(tanh), subtract)`,
      run: {
        product(s) {
          const a = m(s, 1), b = m(s, 2);
          return () => flat(math.multiply(a, b));
        },
        chain(s) {
          const a = m(s, 1), b = m(s, 2), c = m(s, 3);
          return () => flat(math.subtract(math.dotMultiply(math.map(math.add(math.dotMultiply(a, b), c), (x: number) => Math.tanh(x)), a), b));
        },
      },
    };
  }
  if (peer === "tfjs-wasm") {
    const { tf, note } = await loadTfjs(benchDir, "wasm");
    const m = (s: number, seed: number) => tf.tensor2d(Float32Array.from(operand(seed, s * s)), [s, s]);
    const read = (f: () => Tensor) => () => {
      const t = tf.tidy(f);
      const out = t.dataSync();
      t.dispose();
      return out;
    };
    return {
      note: `${note} (matMul; the chain with mul, add, tanh, sub; each call reads its result back with dataSync)`,
      run: {
        product(s) {
          const a = m(s, 1), b = m(s, 2);
          return read(() => tf.matMul(a, b));
        },
        chain(s) {
          const a = m(s, 1), b = m(s, 2), c = m(s, 3);
          return read(() => tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(a, b), c)), a), b));
        },
      },
    };
  }
  throw new Error(`library-peer: unknown peer ${peer} (shapegrad, shapegrad-js, ml-matrix, mathjs, tfjs-wasm)`);
}

function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

function time(name: string, call: () => ArrayLike<number>): number {
  let t = performance.now();
  const result = call();
  const warm = performance.now() - t;
  const times: number[] = [];
  if (warm < budgetMs) {
    const start = performance.now();
    while (times.length < 3 || performance.now() - start < budgetMs) {
      t = performance.now();
      call();
      times.push(performance.now() - t);
    }
  } else times.push(warm);
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)]!;
  console.log(JSON.stringify({ case: name, ms, calls: times.length, sum: sum(result) }));
  return ms;
}

const { run, note } = await runner();
console.log(JSON.stringify({ note }));
let previous: number | undefined;
for (const s of sizes) {
  if (previous !== undefined && previous * 8 > 30000) {
    console.log(JSON.stringify({ case: `matmul ${s}`, skipped: `the ${s / 2}² product took ${(previous / 1000).toFixed(1)} s` }));
    continue;
  }
  previous = time(`matmul ${s}`, run.product(s));
}
time(`chain ${chainSize}`, run.chain(chainSize));
