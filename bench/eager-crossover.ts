// `taskset -c 1 npx tsx bench/eager-crossover.ts [--maps | --softmax | --reductions]`: where the eager library's WebAssembly kernels
// start to beat its JavaScript loops, measured, not guessed. For each shape, the JavaScript kernel
// and the WebAssembly one (packing, kernel and copy out included, as the op runs them) on the same
// operands, interleaved in rounds, fastest of five rounds each; a ratio > 1 means WebAssembly is
// faster. The thresholds in src/ops/matmul-eager.ts (and the maps') come from this table.
import { productJs } from "../src/ops/matmul-eager.js";
import { productWasm, type Operand } from "../src/wasm/product.js";
import { wasmAvailable } from "../src/wasm/instance.js";
import { mapWasm } from "../src/wasm/maps.js";
import { runMapVectorized } from "../src/kernel/vector.js";
import { makeMat } from "../src/mat.js";
import { opNamed } from "../src/ops/table.js";
import { softmaxJs, softmaxWasm } from "../src/ops/softmax-eager.js";
import { sumRowsJs, sumRowsWasm } from "../src/ops/sum-rows-eager.js";

if (!wasmAvailable()) throw new Error("WebAssembly kernels unavailable here");

function random(length: number): Float64Array {
  return Float64Array.from({ length }, () => Math.random() - 0.5);
}

/** Nanoseconds per call of `f`, fastest of five rounds of ~20 ms, interleaved with `g`'s rounds. */
function timePair(f: () => void, g: () => void): [number, number] {
  let calls = 1;
  for (;;) {
    const t = performance.now();
    for (let c = 0; c < calls; c++) f(), g();
    if (performance.now() - t > 10) break;
    calls *= 2;
  }
  const best = [Infinity, Infinity];
  for (let round = 0; round < 5; round++) {
    [f, g].forEach((h, w) => {
      const t = performance.now();
      for (let c = 0; c < calls; c++) h();
      best[w] = Math.min(best[w]!, ((performance.now() - t) * 1e6) / calls);
    });
  }
  return [best[0]!, best[1]!];
}

function product(n: number, k: number, m: number, aT = false, bT = false): string {
  const a: Operand = { data: random(n * k), transposed: aT }, b: Operand = { data: random(k * m), transposed: bT };
  const [js, wasm] = timePair(
    () => productJs(new Float64Array(n * m), a, b, n, k, m),
    () => productWasm(new Float64Array(n * m), a, b, n, k, m),
  );
  return `| ${n}×${k}·${k}×${m}${aT ? " (aᵀ)" : ""}${bT ? " (bᵀ)" : ""} | ${n * k * m} | ${js.toFixed(0)} | ${wasm.toFixed(0)} | ${(js / wasm).toFixed(2)} |`;
}

const only = process.argv.find((a) => a.startsWith("--"));
if (!only) {
console.log("matmul: JavaScript loops against the WebAssembly kernel (ns per call; ratio > 1: WebAssembly faster)\n");
console.log("| shape | n·k·m | JS ns | wasm ns | JS/wasm |\n|---|---|---|---|---|");
for (const s of [2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64]) console.log(product(s, s, s));
for (const s of [4, 8, 16, 32, 64, 128, 256]) console.log(product(1, s, s));
for (const s of [4, 8, 16, 32, 64, 128, 256]) console.log(product(s, s, 1));
for (const s of [4, 8, 16, 32, 64, 128, 256]) console.log(product(s, 1, s));
for (const n of [2, 3, 4, 8]) for (const s of [64, 256]) console.log(product(n, s, s));
for (const s of [8, 16, 32, 64]) console.log(product(s, s, s, true, false));
for (const s of [8, 16, 32, 64]) console.log(product(s, s, s, false, true));
}

/** One map op on `count` entries (a 1×count row), every input an array of the output's shape. */
function map(name: string, count: number): string {
  const op = opNamed(name);
  if (op.math.kind !== "map") throw new Error(`${name} is not a map`);
  const entry = op.math.entry;
  // Inputs in (0.1, 2): inside every op's domain (log, sqrt), where tanh and exp are not saturated.
  const inputs = Array.from({ length: op.arity }, () => makeMat(1, count, 1, count, Float64Array.from({ length: count }, () => 0.1 + 1.9 * Math.random())));
  const fresh = () => makeMat(1, count, 1, count, new Float64Array(count));
  const [js, wasm] = timePair(
    () => runMapVectorized(entry, fresh(), inputs, {}, []),
    () => {
      if (!mapWasm(name, fresh(), inputs, {})) throw new Error(`${name}: no WebAssembly kernel`);
    },
  );
  return `| ${name} | ${count} | ${js.toFixed(0)} | ${wasm.toFixed(0)} | ${(js / wasm).toFixed(2)} |`;
}

if (!only || only === "--maps") {
console.log("\nmaps: JavaScript (the eager op's node-by-node loops) against the WebAssembly kernel (ns per call)\n");
console.log("| op | entries | JS ns | wasm ns | JS/wasm |\n|---|---|---|---|---|");
// The maps that have kernels (codegen/eager-maps.ts says which, and why the others have none).
for (const name of ["tanh", "exp", "log", "sigmoid", "sqrt", "tanhGrad", "sigmoidGrad"]) {
  for (const count of [16, 32, 64, 128, 256, 512, 1024, 65536]) console.log(map(name, count));
}
}

/** softmax of a rows×cols matrix, each row on its own. */
function softmaxRow(rows: number, cols: number): string {
  const a = Float64Array.from({ length: rows * cols }, () => 4 * Math.random() - 2);
  const [js, wasm] = timePair(
    () => softmaxJs(new Float64Array(rows * cols), a, rows, cols),
    () => {
      if (!softmaxWasm(new Float64Array(rows * cols), a, rows, cols)) throw new Error("softmax: no WebAssembly kernel");
    },
  );
  return `| softmax | ${rows}×${cols} | ${rows * cols} | ${js.toFixed(0)} | ${wasm.toFixed(0)} | ${(js / wasm).toFixed(2)} |`;
}

if (!only || only === "--softmax") {
  console.log("\nsoftmax: the JavaScript loop against the WebAssembly kernel (ns per call)\n");
  console.log("| op | shape | entries | JS ns | wasm ns | JS/wasm |\n|---|---|---|---|---|---|");
  for (const [rows, cols] of [[1, 16], [1, 64], [4, 16], [1, 128], [2, 64], [1, 256], [16, 16], [1, 512], [8, 64], [32, 32], [64, 65], [256, 256]] as const) console.log(softmaxRow(rows, cols));
}

/** sumRows (column sums) of a rows×cols matrix: its JavaScript loop against its WebAssembly kernel. */
function columnSums(rows: number, cols: number): string {
  const a = Float64Array.from({ length: rows * cols }, () => Math.random());
  const [js, wasm] = timePair(
    () => sumRowsJs(new Float64Array(cols), a, rows, cols),
    () => {
      if (!sumRowsWasm(new Float64Array(cols), a, rows, cols)) throw new Error("sumRows: no WebAssembly kernel");
    },
  );
  return `| sumRows | ${rows}×${cols} | ${rows * cols} | ${js.toFixed(0)} | ${wasm.toFixed(0)} | ${(js / wasm).toFixed(2)} |`;
}

if (!only || only === "--reductions") {
  console.log("\nsumRows (column sums): the JavaScript loop against the WebAssembly kernel (ns per call)\n");
  console.log("| op | shape | entries | JS ns | wasm ns | JS/wasm |\n|---|---|---|---|---|---|");
  for (const [rows, cols] of [[16, 16], [8, 64], [32, 32], [64, 16], [16, 64], [64, 64], [100, 101], [256, 256], [512, 512]] as const) console.log(columnSums(rows, cols));
}
