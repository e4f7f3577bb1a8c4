// `npx tsx bench/train-step.ts [--quick]`: milliseconds per training step of the character RNN,
// the generated code (lossAndGrad + adagradStep from specialize(), with the trainer's batch filling
// and state carrying) beside the straightforward eager implementation with the typed library
// (bench/eager-rnn-training.ts, the same one test/train-step.test.ts checks train() against), in
// the same run, at the trainer's defaults (n=1, h=100, T=25) and at n=32, h=128, T=32, both over a
// vocabulary of 65 on synthetic random text from a seeded generator. Both sides start from the
// same parameters; a few steps of each are compared before timing. Prints a table and writes the
// figures to bench/results/train-step.json.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { specialize } from "../codegen/specialize.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import rnn from "../dsl/rnn.js";
import { dim, relativeError, rng, zeros, type Mat } from "../src/index.js";
import { EagerRnnTraining, initialParams, paramNames, rnnDims, vocabulary, type EagerParams, type ParamName, type RnnDims } from "./eager-rnn-training.js";

const quick = process.argv.includes("--quick");
/** Nanoseconds of steps to time per side and config (after a fifth of that of warm-up), and the fewest steps timed. */
const budgetNs = quick ? 400_000_000n : 3_000_000_000n;
const minSteps = quick ? 3 : 10;
const verifySteps = 3;
const vocabSize = 65;
const textLength = 200_000;
const seed = 1;
const lr = 0.1, clip = 5;

const configs = [
  { n: 1, h: 100, T: 25 },
  { n: 32, h: 128, T: 32 },
] as const;

/** Uniform random text over 65 characters (U+0020..U+0060), each of them present. */
function syntheticText(length: number, textSeed: number): string {
  const alphabet = Array.from({ length: vocabSize }, (_, i) => String.fromCharCode(0x20 + i));
  const random = rng(textSeed);
  const rest = Array.from({ length: length - vocabSize }, () => alphabet[Math.floor(random.uniform() * vocabSize)]!);
  return [...alphabet, ...rest].join("");
}

interface GeneratedModule {
  lossAndGrad(params: object, batch: object, grads: object): { readonly loss: number; readonly hT: { readonly data: Float64Array } };
  adagradStep(params: object, grads: object, memory: object, lr: number, clip: number): void;
}

/** What train() does per step with the generated module, adagrad only, allocation-free. */
class GeneratedTraining {
  readonly params: EagerParams;
  readonly memory: EagerParams;
  readonly grads: EagerParams & { readonly h0: Mat<"n", "h"> };
  readonly h: Mat<"n", "h">;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly batch: object;
  readonly positions: Float64Array;
  readonly starts: number[];
  readonly ends: number[];

  constructor(
    readonly module: GeneratedModule,
    readonly dims: RnnDims,
    readonly indices: Int32Array,
  ) {
    const { n, d, h, v, T } = dims;
    this.params = initialParams(dims, seed);
    const like = (): EagerParams => ({ U: zeros(d, h), W: zeros(h, h), b: zeros(1, h), V: zeros(h, v), c: zeros(1, v) });
    this.memory = like();
    this.grads = { ...like(), h0: zeros(n, h) };
    this.h = zeros(n, h);
    const Tn = dim("Tn", T * n.size);
    const xs = zeros(Tn, d), ys = zeros(Tn, v);
    this.xs = xs.data;
    this.ys = ys.data;
    this.batch = { xs, ys, h0: this.h };
    const size = Math.floor(indices.length / n.size);
    this.starts = Array.from({ length: n.size }, (_, k) => k * size);
    this.ends = Array.from({ length: n.size }, (_, k) => (k === n.size - 1 ? indices.length : (k + 1) * size));
    this.positions = Float64Array.from(this.starts);
  }

  trainStep(): number {
    const n = this.dims.n.size, hSize = this.dims.h.size, T = this.dims.T, V = this.dims.d.size;
    const { positions, xs, ys, indices } = this;
    for (let k = 0; k < n; k++) {
      if (positions[k]! + T + 1 > this.ends[k]!) {
        positions[k] = this.starts[k]!;
        this.h.data.fill(0, k * hSize, (k + 1) * hSize);
      }
    }
    xs.fill(0);
    ys.fill(0);
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < n; k++) {
        const p = positions[k]! + t;
        xs[(t * n + k) * V + indices[p]!] = 1;
        ys[(t * n + k) * V + indices[p + 1]!] = 1;
      }
    }
    const { loss, hT } = this.module.lossAndGrad(this.params, this.batch, this.grads);
    this.module.adagradStep(this.params, this.grads, this.memory, lr, clip);
    this.h.data.set(hT.data);
    for (let k = 0; k < n; k++) positions[k]! += T;
    return loss;
  }
}

const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Timing {
  readonly msPerStep: number;
  readonly meanMsPerStep: number;
  readonly charsPerSecond: number;
  readonly steps: number;
  readonly lastLoss: number;
}

/** Times `step` one step at a time: warm-up first (so V8 has optimized it), then until the budget is spent; the median step. */
function timeSteps(step: () => number, charsPerStep: number): Timing {
  let loss = NaN;
  const warmEnd = process.hrtime.bigint() + budgetNs / 5n;
  for (let i = 0; i < minSteps || process.hrtime.bigint() < warmEnd; i++) loss = step();
  const samples: number[] = [];
  const end = process.hrtime.bigint() + budgetNs;
  while (samples.length < minSteps || process.hrtime.bigint() < end) {
    const start = process.hrtime.bigint();
    loss = step();
    samples.push(msSince(start));
  }
  const ms = median(samples);
  return { msPerStep: ms, meanMsPerStep: samples.reduce((a, b) => a + b, 0) / samples.length, charsPerSecond: (charsPerStep * 1000) / ms, steps: samples.length, lastLoss: loss };
}

const text = syntheticText(textLength, seed);
const { indices, vocab } = vocabulary(text);
if (Array.from(vocab).length !== vocabSize) throw new Error(`internal: the synthetic text has ${Array.from(vocab).length} distinct characters, not ${vocabSize}`);

const cacheDir = mkdtempSync(join(tmpdir(), "shapegrad-bench-train-step-"));
const rows = [];
try {
  for (const { n, h, T } of configs) {
    const dims = rnnDims({ n, d: vocabSize, h, v: vocabSize, T });
    const generateStart = process.hrtime.bigint();
    const { module } = await specialize<GeneratedModule>(rnn, { n, d: vocabSize, h, v: vocabSize, T }, { cacheDir });
    const generateMs = msSince(generateStart);
    const generated = new GeneratedTraining(module, dims, indices);
    const eager = new EagerRnnTraining({ indices, vocab: vocabSize, hidden: h, seq: T, batch: n, optimizer: "adagrad", lr, clip, seed });

    // The two sides train the same: a few steps from the same start, compared, before timing.
    const generatedLosses: number[] = [], eagerLosses: number[] = [];
    for (let s = 0; s < verifySteps; s++) {
      generatedLosses.push(generated.trainStep());
      eagerLosses.push(eager.trainStep());
    }
    const paramsError = Math.max(...paramNames.map((k: ParamName) => relativeError(generated.params[k].data, eager.params[k].data)));
    const lossError = relativeError(generatedLosses, eagerLosses);
    if (!(paramsError < 1e-10 && lossError < 1e-10)) throw new Error(`n=${n} h=${h} T=${T}: generated and eager training differ (params ${paramsError}, losses ${lossError})`);

    const charsPerStep = n * T;
    const gen = timeSteps(() => generated.trainStep(), charsPerStep);
    const eag = timeSteps(() => eager.trainStep(), charsPerStep);
    rows.push({ n, h, T, vocab: vocabSize, charsPerStep, generateMs, verification: { steps: verifySteps, paramsMaxRelError: paramsError, lossMaxRelError: lossError }, generated: gen, eager: eag, eagerOverGenerated: eag.msPerStep / gen.msPerStep });
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}

const cell = (v: string | number, width: number) => String(v).padStart(width);
console.log(`Training step of the character RNN (adagrad, batch filling included), vocab ${vocabSize}, synthetic text of ${textLength} chars${quick ? " (--quick)" : ""}; median ms/step`);
console.log("   n     h    T  side          ms/step      chars/s    steps    ratio");
for (const r of rows) {
  for (const [side, t] of [["generated", r.generated], ["eager", r.eager]] as const) {
    const ratio = side === "generated" ? "1.00" : (t.msPerStep / r.generated.msPerStep).toFixed(2);
    console.log([cell(r.n, 4), cell(r.h, 6), cell(r.T, 5), `  ${side.padEnd(10)}`, cell(t.msPerStep.toFixed(3), 11), cell(Math.round(t.charsPerSecond), 13), cell(t.steps, 9), cell(`${ratio}×`, 9)].join(""));
  }
}
console.log("ratio = ms/step relative to the generated code at the same sizes");
for (const r of rows) {
  console.log(`n=${r.n} h=${r.h} T=${r.T}: first ${verifySteps} steps, generated vs eager: params max rel error ${r.verification.paramsMaxRelError.toExponential(2)}, losses ${r.verification.lossMaxRelError.toExponential(2)}; specialize ${r.generateMs.toFixed(0)} ms`);
}

const results = { date: new Date().toISOString(), node: process.version, quick, optimizer: "adagrad", lr, clip, textLength, textSeed: seed, configs: rows };
const out = resolve(import.meta.dirname, "results/train-step.json");
writeFileAtomic(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${out}`);
