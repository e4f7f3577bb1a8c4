// `npx tsx bench/codegen-scale.ts [--quick] [--kernels simd]`: how code generation scales. For the flagship RNN at
// several sequence lengths (and one wide hidden layer): generation time, generated source size,
// and lossAndGrad time per call and per step. The time loop wraps one fixed step body, so the
// source should not grow with T and the per-step time should stay flat if V8 keeps the generated
// functions optimized over long loops. Then, against model size: synthetic MLPs of L tanh layers,
// ops in the IR vs generation time and source size. Prints two tables and writes the figures to
// bench/results/codegen-scale.json (codegen-scale-simd.json with --kernels simd: products as
// WebAssembly kernels, whose generation also assembles them).
import { resolve } from "node:path";
import { generateSource } from "../codegen/generate.js";
import { importGenerated } from "../codegen/import-module.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import { randomArguments } from "../cli/random-arguments.js";
import rnn from "../dsl/rnn.js";
import { add, defineModel, interpret, matmul, softmaxCrossEntropy, tanh, traceModel, type AnyModel } from "../src/index.js";

const quick = process.argv.includes("--quick");
const kernels = process.argv[process.argv.indexOf("--kernels") + 1] === "simd" ? "simd" : "js";
/** Nanoseconds of lossAndGrad calls to time per config (after warm-up), and the fewest calls timed. */
const budgetNs = quick ? 100_000_000n : 500_000_000n;
const minCalls = quick ? 3 : 5;
const options = (source: string) => ({ source, generator: "shapegrad bench", kernels } as const);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Median wall time of three generateSource runs (each traces, plans, emits, writes and formats). */
async function timeGeneration(model: AnyModel, sizes: Record<string, number>, source: string): Promise<{ ms: number; text: string }> {
  const times: number[] = [];
  let text = "";
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    text = await generateSource(model, { ...options(source), sizes });
    times.push(msSince(start));
  }
  return { ms: median(times), text };
}

/** Times `call` one call at a time: warm-up first (so V8 has optimized it), then until the budget is spent. */
function timeCalls(call: () => void): { ms: number; calls: number } {
  const warmEnd = process.hrtime.bigint() + budgetNs / 5n;
  for (let i = 0; i < minCalls || process.hrtime.bigint() < warmEnd; i++) call();
  const samples: number[] = [];
  const end = process.hrtime.bigint() + budgetNs;
  while (samples.length < minCalls || process.hrtime.bigint() < end) {
    const start = process.hrtime.bigint();
    call();
    samples.push(msSince(start));
  }
  return { ms: median(samples), calls: samples.length };
}

interface RnnRow {
  readonly T: number;
  readonly h: number;
  readonly generateMs: number;
  readonly sourceBytes: number;
  readonly sourceLines: number;
  readonly callMs: number;
  readonly calls: number;
  readonly stepUs: number;
  readonly loss: number;
}

async function measureRnn(T: number, h: number): Promise<RnnRow> {
  const sizes = { T, h };
  const { ms, text } = await timeGeneration(rnn, sizes, "dsl/rnn.ts");
  // A fresh module per config: its buffers and V8's type feedback are its own.
  const generated = await importGenerated(text);
  const args = randomArguments(traceModel(rnn, sizes), 1);
  let loss = NaN;
  const timed = timeCalls(() => (loss = generated.lossAndGrad(args.params, args.batch, args.grads).loss));
  const sourceBytes = Buffer.byteLength(text, "utf8");
  return { T, h, generateMs: ms, sourceBytes, sourceLines: lineCount(text), callMs: timed.ms, calls: timed.calls, stepUs: (timed.ms * 1000) / T, loss };
}

/** An MLP of `layers` tanh layers, each `tanh(x W_l + b_l)` with its own h×h weights, then a softmax readout. */
function deepMlp(layers: number): AnyModel {
  type Params = { readonly [k: `W${number}`]: readonly ["h", "h"] } & { readonly [k: `b${number}`]: readonly [1, "h"] } & { readonly V: readonly ["h", "v"]; readonly c: readonly [1, "v"] };
  const params = { V: ["h", "v"], c: [1, "v"] } as Record<string, readonly ["h", "h"] | readonly [1, "h"] | readonly ["h", "v"] | readonly [1, "v"]>;
  for (let l = 0; l < layers; l++) {
    params[`W${l}`] = ["h", "h"];
    params[`b${l}`] = [1, "h"];
  }
  // Bound to a const first: returned directly, AnyModel as the contextual type would spoil inference of the model's types.
  const model = defineModel({
    name: `mlp${layers}`,
    dims: { n: 1, h: 100, v: 10 },
    params: params as Params,
    inputs: { x: ["n", "h"] },
    targets: { y: ["n", "v"] },
    meanOver: ["n"],
    step(p, { x, y }) {
      let hidden = x;
      for (let l = 0; l < layers; l++) hidden = tanh(add(matmul(hidden, p[`W${l}`]!), p[`b${l}`]!));
      return { loss: softmaxCrossEntropy(add(matmul(hidden, p.V), p.c), y) };
    },
  });
  return model;
}

interface MlpRow {
  readonly layers: number;
  readonly irNodes: number;
  readonly generateMs: number;
  readonly sourceBytes: number;
  readonly sourceLines: number;
}

async function measureMlp(layers: number): Promise<MlpRow> {
  const model = deepMlp(layers);
  const { ms, text } = await timeGeneration(model, {}, `bench/codegen-scale.ts (mlp${layers})`);
  return { layers, irNodes: traceModel(model).nodes.length, generateMs: ms, sourceBytes: Buffer.byteLength(text, "utf8"), sourceLines: lineCount(text) };
}

const cell = (v: string | number, width: number) => String(v).padStart(width);

// Loading ts-morph and prettier and their JIT warm-up would otherwise land in the first configs' timings
// (with a single warm-up run, generation still looked ~2× slower at T=25 than at T=1000).
for (let i = 0; i < 5; i++) await generateSource(rnn, options("dsl/rnn.ts"));

const rnnRows: RnnRow[] = [];
for (const [T, h] of [[25, 100], [100, 100], [1000, 100], [100, 1024]] as const) rnnRows.push(await measureRnn(T, h));
const at = (T: number, h: number) => rnnRows.find((r) => r.T === T && r.h === h)!;
const stepRatio = at(1000, 100).stepUs / at(25, 100).stepUs;

// The eager interpreter (what valueAndGrad runs) at T = 25, as a reference for the generated code.
const irRef = traceModel(rnn, { T: 25 });
const argsRef = randomArguments(irRef, 1);
let interpreterLoss = NaN;
const interpreter = timeCalls(() => (interpreterLoss = interpret(irRef, argsRef.params, argsRef.batch, true).loss));

const mlpRows: MlpRow[] = [];
for (const layers of [1, 4, 16, 64]) mlpRows.push(await measureMlp(layers));

console.log(`RNN (n=1 d=65 v=65), generated lossAndGrad, kernels: ${kernels}${quick ? " (--quick)" : ""}; generation = median of 3 generateSource runs`);
console.log("   T     h   gen ms   src bytes  src lines   call ms    calls   µs/step");
for (const r of rnnRows) {
  console.log([cell(r.T, 4), cell(r.h, 5), cell(r.generateMs.toFixed(1), 8), cell(r.sourceBytes, 11), cell(r.sourceLines, 10), cell(r.callMs.toFixed(3), 9), cell(r.calls, 8), cell(r.stepUs.toFixed(2), 9)].join(""));
}
console.log(`per-step time at T=1000 / T=25: ${stepRatio.toFixed(2)} (≈ 1 means the generated loops stay optimized)`);
const interpreterStepUs = (interpreter.ms * 1000) / 25;
console.log(`eager interpreter at T=25, h=100: ${interpreter.ms.toFixed(3)} ms/call, ${interpreterStepUs.toFixed(2)} µs/step (${(interpreterStepUs / at(25, 100).stepUs).toFixed(1)}× the generated code); loss ${interpreterLoss.toFixed(6)} vs generated ${at(25, 100).loss.toFixed(6)}`);
console.log("");
console.log("Synthetic MLP, L tanh layers (n=1 h=100 v=10): generation against model size");
console.log("   L   IR nodes   gen ms   src bytes  src lines");
for (const r of mlpRows) console.log([cell(r.layers, 4), cell(r.irNodes, 11), cell(r.generateMs.toFixed(1), 9), cell(r.sourceBytes, 12), cell(r.sourceLines, 11)].join(""));

const results = {
  date: new Date().toISOString(),
  node: process.version,
  quick,
  kernels,
  rnn: rnnRows,
  perStepRatioT1000vsT25: stepRatio,
  interpreter: { T: 25, h: 100, callMs: interpreter.ms, calls: interpreter.calls, stepUs: interpreterStepUs, loss: interpreterLoss },
  mlp: mlpRows,
};
const out = resolve(import.meta.dirname, kernels === "simd" ? "results/codegen-scale-simd.json" : "results/codegen-scale.json");
writeFileAtomic(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${out}`);
