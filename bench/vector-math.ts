// `npm run bench:vector-math`: the ops' vector entries (OpDef.vector, WebAssembly f64x2) against
// Math's function in a JavaScript loop, in one process, over the same 10^4-entry array per function
// (uniform in the range shown: arguments an RNN's nonlinearities see; the last row, a function that
// returns its argument, is the loop's own cost): first their agreement (the largest distance in ulp
// on these inputs), then rounds alternating between the two, each pass over the array repeated for
// --ms, and the median ns per value. Options: --ms 200 --rounds 7
import { parseArgs } from "node:util";
import type { VectorEntry } from "../src/op.js";
import { expOp } from "../src/ops/exp.js";
import { logOp } from "../src/ops/log.js";
import { sigmoidOp } from "../src/ops/sigmoid.js";
import { sqrtOp } from "../src/ops/sqrt.js";
import { tanhOp } from "../src/ops/tanh.js";
import { rng } from "../src/random.js";
import { vectorRunner } from "../test/support/vector-module.js";
import { ulpDistance } from "../test/support/vector-samples.js";

const { values } = parseArgs({ options: { ms: { type: "string", default: "200" }, rounds: { type: "string", default: "7" } } });
const ms = Number(values.ms), rounds = Number(values.rounds);
if (!(ms > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error("bench:vector-math: --ms must be a positive number and --rounds a positive integer");
const length = 10_000;

type Loop = (input: Float64Array, output: Float64Array) => void;
// One loop per function, each its own call site for Math's function.
const cases: readonly { name: string; vector: VectorEntry | undefined; range: [number, number]; math: Loop }[] = [
  { name: "exp", vector: expOp.vector, range: [-10, 10], math: (a, o) => { for (let i = 0; i < a.length; i++) o[i] = Math.exp(a[i]!); } },
  { name: "log", vector: logOp.vector, range: [0, 10], math: (a, o) => { for (let i = 0; i < a.length; i++) o[i] = Math.log(a[i]!); } },
  { name: "tanh", vector: tanhOp.vector, range: [-5, 5], math: (a, o) => { for (let i = 0; i < a.length; i++) o[i] = Math.tanh(a[i]!); } },
  { name: "sigmoid", vector: sigmoidOp.vector, range: [-10, 10], math: (a, o) => { for (let i = 0; i < a.length; i++) o[i] = 1 / (1 + Math.exp(-a[i]!)); } },
  { name: "sqrt", vector: sqrtOp.vector, range: [0, 10], math: (a, o) => { for (let i = 0; i < a.length; i++) o[i] = Math.sqrt(a[i]!); } },
  // The loop, the call and the copy alone: what every row above pays besides its function.
  { name: "(copy)", vector: { name: "copy", ulp: 0, text: "(func $copy (param $x v128) (result v128) (local.get $x))" }, range: [0, 1], math: (a, o) => { for (let i = 0; i < a.length; i++) o[i] = a[i]!; } },
];

/** Nanoseconds per value of `call` (one pass over the array), calls repeated for `ms`. */
function nsPerValue(call: () => void): number {
  let calls = 0;
  const start = process.hrtime.bigint(), end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 10; i++) call();
    calls += 10;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / (calls * length);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = ["| function | inputs | Math, JS loop (ns/value) | vector entry (ns/value) | Math / vector | max ulp apart |", "|---|---|---:|---:|---:|---:|"];
const r = rng(1);
for (const { name, vector, range, math } of cases) {
  if (!vector) throw new Error(`bench:vector-math: ${name} has no vector entry`);
  const runner = await vectorRunner(vector, length);
  const input = runner.input.subarray(0, length);
  for (let i = 0; i < length; i++) input[i] = range[0] + (range[1] - range[0]) * r.uniform();
  const mathOut = new Float64Array(length);
  math(input, mathOut);
  runner.run(length);
  let worst = 0;
  for (let i = 0; i < length; i++) worst = Math.max(worst, ulpDistance(runner.output[i]!, mathOut[i]!));
  const times = { math: [] as number[], vector: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    times.math.push(nsPerValue(() => math(input, mathOut)));
    times.vector.push(nsPerValue(() => runner.run(length)));
  }
  const m = median(times.math), v = median(times.vector);
  rows.push(`| ${name} | uniform in [${range[0]}, ${range[1]}) | ${m.toFixed(2)} | ${v.toFixed(2)} | ${(m / v).toFixed(2)} | ${worst} |`);
}
console.log(rows.join("\n"));
