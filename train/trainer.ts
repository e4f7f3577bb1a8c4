// Training a character-level recurrent model with its generated code: the text as n parallel
// streams, each step one sequence of T characters per stream, the generated lossAndGrad and
// optimizer step (no allocation per step), the state carried from step to step, samples and
// checkpoints along the way. Everything that decides the numbers is in the checkpoint, so a
// resumed run ends bit-identical to one that never stopped.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kernels } from "../codegen/generate.js";
import { specialize } from "../codegen/specialize.js";
import { optimizerDefaults, optimizerState, type OptimizerName } from "../codegen/optimizers.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import charRnn from "../dsl/char-rnn.js";
import { dataKey, finalKey, initialKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import type { AnyModel } from "../src/model.js";
import { rng } from "../src/random.js";
import { traceModel } from "../src/trace-model.js";
import { expectModel, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointModel } from "./checkpoint.js";
import { readCorpus, TrainingInputError, type Corpus } from "./corpus.js";
import { renderLossPlot } from "./loss-plot.js";
import { sampleText, samplingIR } from "./sample.js";

export interface TrainOptions {
  readonly text: string;
  readonly hidden: number;
  readonly seq: number;
  readonly batch: number;
  /** The total number of steps of the run (resumed steps included). */
  readonly steps: number;
  readonly optimizer: OptimizerName;
  /** Default: the optimizer's own (optimizerDefaults). */
  readonly lr?: number;
  readonly clip: number;
  readonly seed: number;
  readonly out: string;
  readonly resume: boolean;
  /** Replace a run already in `out`. */
  readonly fresh: boolean;
  readonly sampleEvery: number;
  readonly sampleLength: number;
  readonly temperature: number;
  readonly checkpointEvery: number;
  readonly cacheDir?: string;
  /** The generated code's kernels (default "simd": products as WebAssembly SIMD kernels). */
  readonly kernels?: Kernels;
  /** Options the user gave explicitly: on --resume, each must agree with the checkpoint's. */
  readonly explicit?: readonly string[];
}

export interface TrainReport {
  readonly vocab: number;
  readonly steps: number;
  readonly firstLoss: number;
  readonly finalLoss: number;
  readonly msPerStep: number;
  readonly checkpoint: string;
  readonly plot: string;
  readonly log: string;
}

export interface TrainHooks {
  onStart?(info: { readonly vocab: number; readonly sizes: Readonly<Record<string, number>>; readonly fromStep: number; readonly steps: number; readonly generated: boolean }): void;
  onStep?(step: number, loss: number, smoothLoss: number, charsPerStep: number): void;
  onSample?(step: number, text: string): void;
  onCheckpoint?(step: number, path: string): void;
}

/** Training stopped on its own (a loss that is not finite): the message names the step. */
export class TrainingStopped extends Error {
  override readonly name = "TrainingStopped";
}

interface TrainingModule {
  /** The result holds the final state under its key (`hT`, see finalKey). */
  lossAndGrad(params: object, batch: object, grads: object): { readonly loss: number } & Readonly<Record<string, AnyMat | number>>;
  sgdStep(params: object, grads: object, lr: number, clip: number): void;
  adagradStep(params: object, grads: object, memory: object, lr: number, clip: number): void;
  adamStep(params: object, grads: object, m: object, v: object, t: number, lr: number, clip: number): void;
}

/** The model a checkpoint belongs to: its structure (ops, shapes, names; not source lines) and sizes. */
export function modelIdentity(ir: ModelIR): CheckpointModel {
  const structure = {
    nodes: ir.nodes.map((n) => [n.op, n.inputs, n.attrs, n.shape, n.leaf ?? null]),
    declared: [ir.params, ir.inputs, ir.targets, ir.state],
    outputs: ir.outputs,
    lossScale: ir.lossScale,
  };
  return { name: ir.name, hash: createHash("sha256").update(JSON.stringify(structure)).digest("hex").slice(0, 16), sizes: ir.sizes };
}

export function characterModelSizes(vocab: number, o: Pick<TrainOptions, "hidden" | "seq" | "batch">): Record<string, number> {
  return { n: o.batch, d: vocab, h: o.hidden, v: vocab, T: o.seq };
}

function describeSizes(o: Pick<TrainOptions, "hidden" | "seq" | "batch">): string {
  return `--hidden ${o.hidden} --seq ${o.seq} --batch ${o.batch}`;
}

/** Stream k reads the k-th of n segments of the text (equal, the last one taking the remainder), wrapping to its start (and a zero state) at the end. */
function segments(length: number, n: number, seq: number): { start: number; end: number }[] {
  const size = Math.floor(length / n);
  if (size < seq + 1) {
    throw new TrainingInputError(`the text has ${length} characters: too short for ${n} stream${n === 1 ? "" : "s"} of --seq ${seq} (each needs at least ${seq + 1})`);
  }
  return Array.from({ length: n }, (_, k) => ({ start: k * size, end: k === n - 1 ? length : (k + 1) * size }));
}

interface RunState {
  step: number;
  smoothLoss: number;
  params: Record<string, AnyMat>;
  optimizer: Record<string, Record<string, AnyMat>>;
  h: AnyMat;
  positions: Float64Array;
  random: ReturnType<typeof rng>;
}

/** Trains `model` (by default dsl/char-rnn.ts: the flagship RNN with one-hot character input). */
export async function train(options: TrainOptions, hooks: TrainHooks = {}, model: AnyModel = charRnn): Promise<TrainReport> {
  const corpus: Corpus = readCorpus(options.text);
  const textHash = createHash("sha256").update(readFileSync(options.text)).digest("hex").slice(0, 16);
  const vocabSize = Array.from(corpus.vocab).length;
  const checkpointPath = join(options.out, "checkpoint.json");
  const logPath = join(options.out, "loss.jsonl");
  const plotPath = join(options.out, "loss.svg");

  // Settle everything that can be refused before anything is written.
  let resumed: Checkpoint | undefined;
  let settings = options;
  if (options.resume) {
    if (!existsSync(checkpointPath)) throw new TrainingInputError(`no checkpoint in ${options.out} to resume`);
    const found = readCheckpoint(options.out);
    if (found.options["textHash"] !== textHash) throw new TrainingInputError(`${options.out} holds a run on another text than ${options.text}`);
    resumed = found;
    const o = found.options;
    settings = { ...options, hidden: Number(o["hidden"]), seq: Number(o["seq"]), batch: Number(o["batch"]), optimizer: o["optimizer"] as OptimizerName, lr: Number(o["lr"]), clip: Number(o["clip"]), seed: Number(o["seed"]) };
    const conflicts = (["hidden", "seq", "batch", "optimizer", "lr", "clip", "seed"] as const).filter((k) => options.explicit?.includes(k) && options[k] !== settings[k]);
    if (conflicts.length > 0) {
      const show = (o: TrainOptions) => conflicts.map((k) => `--${k} ${String(o[k])}`).join(" ");
      throw new TrainingInputError(`${checkpointPath} was made with ${show(settings)}, not ${show(options)}; drop those options to resume it`);
    }
  } else if (existsSync(checkpointPath) && !options.fresh) {
    throw new TrainingInputError(`${options.out} already holds a run; pass --resume to continue it, --fresh to replace it, or choose another --out`);
  }
  const lr = settings.lr ?? optimizerDefaults[settings.optimizer].lr;
  const sizes = characterModelSizes(vocabSize, settings);
  const streams = segments(corpus.indices.length, settings.batch, settings.seq);
  const ir = traceModel(model, sizes);
  const identity = modelIdentity(ir);
  if (resumed) {
    expectModel(resumed, identity, checkpointPath);
    if (resumed.step > options.steps) throw new TrainingInputError(`${checkpointPath} is at step ${resumed.step}, past --steps ${options.steps}`);
  }

  const { module, generated } = await specialize<TrainingModule>(model, sizes, { ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }), ...(options.kernels && { kernels: options.kernels }) });
  const sampler = samplingIR(model, sizes);
  const mat = (shape: ModelIR["params"][number]["shape"], data?: Float64Array) => makeMat(shape.rowDim, shape.colDim, shape.rows, shape.cols, data ?? new Float64Array(shape.rows * shape.cols));
  const stateDecl = ir.state[0]!;

  const state: RunState = resumed
    ? {
        step: resumed.step,
        smoothLoss: resumed.smoothLoss,
        params: Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape, Float64Array.from(resumed!.params[d.name]!))])),
        optimizer: Object.fromEntries(optimizerState[settings.optimizer].map((s) => [s, Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape, Float64Array.from(resumed!.optimizer.state[`${s}.${d.name}`]!))]))])),
        h: mat(stateDecl.shape, Float64Array.from(resumed.carried["h"]!)),
        positions: Float64Array.from(resumed.carried["positions"]!),
        random: rng(settings.seed, resumed.rng["main"]),
      }
    : (() => {
        const random = rng(settings.seed);
        // min-char-rnn's initialization: weights N(0, 0.01²), biases zero, drawn in declaration order.
        const params = Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape, Float64Array.from({ length: d.shape.rows * d.shape.cols }, () => (d.shape.rowDim === 1 ? 0 : 0.01 * random.normal())))]));
        const optimizer = Object.fromEntries(optimizerState[settings.optimizer].map((s) => [s, Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape)]))]));
        return { step: 0, smoothLoss: NaN, params, optimizer, h: mat(stateDecl.shape), positions: Float64Array.from(streams, (s) => s.start), random };
      })();

  mkdirSync(options.out, { recursive: true });
  // The log keeps exactly the steps the checkpoint has seen: later lines died with the interrupted run.
  const logLines = resumed && existsSync(logPath) ? readFileSync(logPath, "utf8").split("\n").filter((l) => l && Number(JSON.parse(l).step) <= resumed!.step) : [];
  if (!resumed) writeFileAtomic(logPath, "");

  const inputs = ir.inputs[0]!, targets = ir.targets[0]!;
  // A one-hot input takes one character index per row; a dense one, the one-hot rows themselves.
  const inputWidth = inputs.oneHot ? 1 : vocabSize;
  const batch = {
    [dataKey(inputs.name, true)]: makeMat(ir.sequence!.stacked, inputs.oneHot ? 1 : inputs.shape.colDim, settings.seq * settings.batch, inputWidth, new Float64Array(settings.seq * settings.batch * inputWidth)),
    [dataKey(targets.name, true)]: makeMat(ir.sequence!.stacked, targets.shape.colDim, settings.seq * settings.batch, vocabSize, new Float64Array(settings.seq * settings.batch * vocabSize)),
    [initialKey(stateDecl.name)]: state.h,
  };
  const xs = batch[dataKey(inputs.name, true)]!.data, ys = batch[dataKey(targets.name, true)]!.data;
  const grads = Object.fromEntries([...ir.params.map((d) => [d.name, mat(d.shape)] as const), [initialKey(stateDecl.name), mat(stateDecl.shape)] as const]);
  const hSize = settings.hidden;

  const checkpoint = (): string => {
    writeFileAtomic(logPath, logLines.map((l) => `${l}\n`).join(""));
    const opt = state.optimizer;
    const path = writeCheckpoint(options.out, {
      model: identity,
      step: state.step,
      vocab: corpus.vocab,
      options: { hidden: settings.hidden, seq: settings.seq, batch: settings.batch, optimizer: settings.optimizer, lr, clip: settings.clip, seed: settings.seed, textHash },
      params: Object.fromEntries(Object.entries(state.params).map(([k, m]) => [k, m.data])),
      optimizer: { name: settings.optimizer, scalars: { t: state.step }, state: Object.fromEntries(Object.entries(opt).flatMap(([s, rec]) => Object.entries(rec).map(([k, m]) => [`${s}.${k}`, m.data]))) },
      carried: { h: state.h.data, positions: state.positions },
      rng: { main: state.random.state },
      smoothLoss: state.smoothLoss,
    });
    hooks.onCheckpoint?.(state.step, path);
    return path;
  };
  const sample = () => {
    const text = sampleText(sampler, Object.fromEntries(Object.entries(state.params).map(([k, m]) => [k, m.data])), corpus.vocab, {
      length: settings.sampleLength,
      temperature: settings.temperature,
      // Each sample draws from its own generator, seeded by the seed and the step: a sample at the
      // end of an interrupted run then leaves no trace in what a resumed run computes.
      random: rng((settings.seed ^ Math.imul(state.step, 0x9e3779b1)) >>> 0),
      state: { [stateDecl.name]: state.h.data.subarray(0, hSize) },
    });
    hooks.onSample?.(state.step, text);
  };

  hooks.onStart?.({ vocab: vocabSize, sizes, fromStep: state.step, steps: options.steps, generated });
  let trainingNs = 0n;
  const startStep = state.step;
  let lastPath = resumed ? checkpointPath : "";
  const T = settings.seq, n = settings.batch;
  while (state.step < options.steps) {
    const began = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      if (state.positions[k]! + T + 1 > streams[k]!.end) {
        state.positions[k] = streams[k]!.start;
        state.h.data.fill(0, k * hSize, (k + 1) * hSize);
      }
    }
    xs.fill(0);
    ys.fill(0);
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < n; k++) {
        const p = state.positions[k]! + t;
        if (inputWidth === 1) xs[t * n + k] = corpus.indices[p]!;
        else xs[(t * n + k) * vocabSize + corpus.indices[p]!] = 1;
        ys[(t * n + k) * vocabSize + corpus.indices[p + 1]!] = 1;
      }
    }
    const result = module.lossAndGrad(state.params, batch, grads);
    const loss = result.loss, hT = result[finalKey(stateDecl.name)] as AnyMat;
    const step = state.step + 1;
    if (!Number.isFinite(loss)) {
      throw new TrainingStopped(`training stopped at step ${step}: the loss is ${loss}${lastPath ? `; the last good checkpoint is ${lastPath} (step ${readCheckpoint(options.out).step})` : "; no checkpoint was written"}`);
    }
    if (settings.optimizer === "adagrad") module.adagradStep(state.params, grads, state.optimizer["memory"]!, lr, settings.clip);
    else if (settings.optimizer === "adam") module.adamStep(state.params, grads, state.optimizer["m"]!, state.optimizer["v"]!, step, lr, settings.clip);
    else module.sgdStep(state.params, grads, lr, settings.clip);
    state.h.data.set(hT.data);
    for (let k = 0; k < n; k++) state.positions[k]! += T;
    state.step = step;
    state.smoothLoss = Number.isNaN(state.smoothLoss) ? loss : 0.999 * state.smoothLoss + 0.001 * loss;
    logLines.push(JSON.stringify({ step, loss }));
    trainingNs += process.hrtime.bigint() - began;
    hooks.onStep?.(step, loss, state.smoothLoss, T * n);
    if (step % settings.sampleEvery === 0 || step === options.steps) sample();
    if (step % settings.checkpointEvery === 0 || step === options.steps) lastPath = checkpoint();
  }
  if (state.step === startStep) lastPath = checkpoint();

  const points = logLines.map((l) => JSON.parse(l) as { step: number; loss: number });
  writeFileAtomic(plotPath, renderLossPlot(points, {
    title: `shapegrad: character-level RNN on ${options.text}`,
    subtitle: `vocab ${vocabSize}, ${describeSizes(settings)}, ${settings.optimizer} lr ${lr}, ${state.step} steps`,
    reference: { value: Math.log(vocabSize), label: `uniform guess ln ${vocabSize} = ${Math.log(vocabSize).toFixed(2)}` },
  }));
  const last = points.slice(-100);
  const ran = state.step - startStep;
  return {
    vocab: vocabSize,
    steps: state.step,
    firstLoss: points[0]?.loss ?? NaN,
    finalLoss: last.reduce((s, p) => s + p.loss, 0) / Math.max(1, last.length),
    msPerStep: ran > 0 ? Number(trainingNs) / 1e6 / ran : 0,
    checkpoint: lastPath,
    plot: plotPath,
    log: logPath,
  };
}
