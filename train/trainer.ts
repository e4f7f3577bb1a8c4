// Training a declared character model with its generated code: the text as n parallel streams
// (one window for a model without steps), each step T characters per stream, the generated
// lossAndGrad and optimizer step (no allocation per step), every state carried from step to step,
// a held-out validation split measured every so often, samples and checkpoints along the way.
// Everything that decides the numbers is in the checkpoint, so a resumed run ends bit-identical to
// one that never stopped.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kernels } from "../codegen/generate.js";
import { checkTrainingBudget } from "../codegen/budget.js";
import { specialize } from "../codegen/specialize.js";
import { optimizerDefaults, optimizerState, type OptimizerName } from "../codegen/optimizers.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import { finalKey, initialKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import type { AnyModel } from "../src/model.js";
import { rng } from "../src/random.js";
import { traceModel } from "../src/trace-model.js";
import { characterBatch, segments } from "./batch.js";
import { characterLayout } from "./character-model.js";
import { expectModel, readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint.js";
import { expectContents } from "./checkpoint-contents.js";
import { lockRunFolder } from "./run-lock.js";
import { modelIdentity } from "./model-identity.js";
import { readCorpus, TrainingInputError, type Corpus } from "./corpus.js";
import { evaluatedSteps, evaluator, type ForwardModule } from "./evaluate.js";
import { renderLossPlot } from "./loss-plot.js";
import { sampleText, samplingIR } from "./sample.js";
import { runSettings } from "./settings.js";

export { modelIdentity };

export interface TrainOptions {
  readonly text: string;
  /**
   * The model to train: a declared model, or the file that declares one (loaded like `--model`).
   * Default: the package's dsl/char-rnn.ts. It must declare `trainable` (README, "Training a
   * character-level model"). On resume, the checkpoint's model file when none is given.
   */
  readonly model?: AnyModel | string;
  /** The width the model's trainable.hidden dim takes (default: the model's own). */
  readonly hidden?: number;
  /** Characters per step and stream: the model's steps, or its window (default: the model's own). */
  readonly seq?: number;
  /** Parallel streams of the text, the model's batch rows (default: the model's own). */
  readonly batch?: number;
  /** Any of the model's dims, by name (--dim). */
  readonly dims?: Readonly<Record<string, number>>;
  /** The total number of steps of the run (resumed steps included). Default 2000, or unbounded with `time`. */
  readonly steps?: number;
  /** A wall-clock budget in seconds (evaluation included); the first of `steps` and `time` ends the run. */
  readonly time?: number;
  /** The fraction of the text held out for validation, from its end (default 0.1; 0: none). */
  readonly val?: number;
  /** Measure the validation loss every this many steps, and at the end (default 1000). */
  readonly valEvery?: number;
  readonly optimizer: OptimizerName;
  /** Default: the model's declared trainable.lr under Adagrad, else the optimizer's own (optimizerDefaults). */
  readonly lr?: number;
  readonly clip: number;
  /** Adagrad's ε (default optimizerDefaults.adagrad.epsilon), passed to the generated step. */
  readonly epsilon?: number;
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
  /** The generated code's kernels (default "simd": the step in WebAssembly SIMD kernels). */
  readonly kernels?: Kernels;
  /**
   * Threads for the batch's rows when there are several streams (default: os.availableParallelism()).
   * The losses, checkpoints and resumed runs are the same bits for any number (see specialize).
   */
  readonly threads?: number;
  /** Options the user gave explicitly: on --resume, each must agree with the checkpoint's. */
  readonly explicit?: readonly string[];
}

export interface TrainReport {
  readonly model: string;
  readonly vocab: number;
  readonly sizes: Readonly<Record<string, number>>;
  readonly steps: number;
  /** The loss of the first step of the run (of step 1; NaN when the log does not reach back to it). */
  readonly firstLoss: number;
  /** The loss of the last step. */
  readonly lastLoss: number;
  /** The mean of the last 100 steps' losses. */
  readonly finalLoss: number;
  /** The exponentially smoothed step loss (factor 0.999, from the first step's loss), as the console shows it. */
  readonly smoothLoss: number;
  /** The mean loss per character on the held-out text at the end (null without --val). */
  readonly valLoss: number | null;
  readonly msPerStep: number;
  /** Characters trained on per second of training (evaluation, samples and checkpoints excluded). */
  readonly charsPerSecond: number;
  /** The wall-clock seconds of the run, from the first step to the last checkpoint. */
  readonly seconds: number;
  readonly checkpoint: string;
  readonly plot: string;
  readonly log: string;
}

export interface StepProgress {
  readonly step: number;
  /** This step's loss: the mean cross-entropy of its T·n characters. */
  readonly loss: number;
  /** The exponentially smoothed step loss (factor 0.999). */
  readonly smoothLoss: number;
  /** The characters this step trained on, and the nanoseconds it took. */
  readonly chars: number;
  readonly ns: number;
  /** Seconds since the first step of this run. */
  readonly elapsed: number;
}

export interface TrainHooks {
  onStart?(info: { readonly model: string; readonly lr: number; readonly vocab: number; readonly sizes: Readonly<Record<string, number>>; readonly fromStep: number; readonly steps: number; readonly time: number | undefined; readonly trainChars: number; readonly valChars: number; readonly generated: boolean }): void;
  onStep?(progress: StepProgress): void;
  onValidation?(step: number, valLoss: number): void;
  onSample?(step: number, text: string): void;
  onCheckpoint?(step: number, path: string): void;
}

/** Training stopped on its own (a loss that is not finite): the message names the step. */
export class TrainingStopped extends Error {
  override readonly name = "TrainingStopped";
}

interface TrainingModule extends ForwardModule {
  /** The result holds each final state under its key (`hT`, see finalKey). */
  lossAndGrad(params: object, batch: object, grads: object): { readonly loss: number } & Readonly<Record<string, AnyMat | number>>;
  sgdStep(params: object, grads: object, lr: number, clip: number): void;
  adagradStep(params: object, grads: object, memory: object, lr: number, clip: number, epsilon?: number): void;
  adamStep(params: object, grads: object, m: object, v: object, t: number, lr: number, clip: number): void;
}

/** The smoothing factor of the console's (and the checkpoint's) smoothed loss. */
export const smoothing = 0.999;

interface RunState {
  step: number;
  smoothLoss: number;
  params: Record<string, AnyMat>;
  optimizer: Record<string, Record<string, AnyMat>>;
  positions: Float64Array;
  random: ReturnType<typeof rng>;
}

/** Trains a character model (options.model; by default dsl/char-rnn.ts, the flagship RNN with one-hot input). */
export async function train(options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainReport> {
  const corpus: Corpus = readCorpus(options.text);
  const textHash = createHash("sha256").update(readFileSync(options.text)).digest("hex").slice(0, 16);
  const vocabSize = Array.from(corpus.vocab).length;
  const checkpointPath = join(options.out, "checkpoint.json");
  const logPath = join(options.out, "loss.jsonl");
  const plotPath = join(options.out, "loss.svg");
  if (options.time !== undefined && !(options.time > 0)) throw new TrainingInputError(`--time ${options.time}: the budget must be a positive number of seconds`);
  const maxSteps = options.steps ?? (options.time !== undefined ? Infinity : 2000);

  // Settle everything that can be refused before anything is written.
  let resumed: Checkpoint | undefined;
  if (options.resume) {
    if (!existsSync(checkpointPath)) throw new TrainingInputError(`no checkpoint in ${options.out} to resume`);
    const found = readCheckpoint(options.out);
    if (found.options["textHash"] !== textHash) throw new TrainingInputError(`${options.out} holds a run on another text than ${options.text}`);
    resumed = found;
  } else if (existsSync(checkpointPath) && !options.fresh) {
    throw new TrainingInputError(`${options.out} already holds a run; pass --resume to continue it, --fresh to replace it, or choose another --out`);
  }
  const settings = await runSettings(options, vocabSize, resumed, checkpointPath);
  const { model, sizes } = settings;
  const lr = settings.lr ?? optimizerDefaults[settings.optimizer].lr;
  const ir = traceModel(model, sizes);
  const layout = characterLayout(ir, settings.dims);
  const identity = modelIdentity(ir);
  if (resumed) {
    expectModel(resumed, identity, checkpointPath);
    if (resumed.step > maxSteps) throw new TrainingInputError(`${checkpointPath} is at step ${resumed.step}, past --steps ${maxSteps}`);
  }
  // The bytes are the ones written (readCheckpoint); their meaning is checked before any is used.
  if (resumed) {
    expectContents(resumed, ir, {
      vocabSize,
      optimizerState: optimizerState[settings.optimizer],
      carried: layout.states.map((s) => ({ name: s.name, size: s.shape.rows * s.shape.cols })),
      // Positions in the training part of the text (the held-out end is never streamed).
      positions: { count: layout.streams, below: corpus.indices.length - Math.floor(corpus.indices.length * settings.val) },
    }, checkpointPath);
  }
  const T = layout.length, n = layout.streams;
  // The validation split is the end of the text; the vocabulary is the whole text's.
  const valLength = Math.floor(corpus.indices.length * settings.val);
  const trainText = corpus.indices.subarray(0, corpus.indices.length - valLength), valText = corpus.indices.subarray(corpus.indices.length - valLength);
  if (Math.floor(trainText.length / n) < T + 1) {
    throw new TrainingInputError(`the text has ${trainText.length} characters${valLength > 0 ? ` for training (--val ${settings.val} holds out ${valLength})` : ""}: too short for ${n} stream${n === 1 ? "" : "s"} of --seq ${T} (each needs at least ${T + 1})`);
  }
  if (valLength > 0 && evaluatedSteps(valText.length, layout) === 0) {
    throw new TrainingInputError(`--val ${settings.val} holds out ${valLength} characters: too few for ${n} stream${n === 1 ? "" : "s"} of --seq ${T} (each needs at least ${T + 1}); raise --val or pass --val 0`);
  }
  const streams = segments(trainText.length, n);

  // The parameters, gradients and optimizer state, with the module's buffers, within the budget, before anything is generated.
  checkTrainingBudget(ir, optimizerState[settings.optimizer].length, settings.optimizer);
  const { module, generated, close } = await specialize<TrainingModule>(model, sizes, {
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
    ...(options.kernels && { kernels: options.kernels }),
    ...(options.threads !== undefined && { threads: options.threads }),
  });
  const sampler = samplingIR(model, sizes);
  const mat = (shape: ModelIR["params"][number]["shape"], data?: Float64Array) => makeMat(shape.rowDim, shape.colDim, shape.rows, shape.cols, data ?? new Float64Array(shape.rows * shape.cols));

  const state: RunState = resumed
    ? {
        step: resumed.step,
        smoothLoss: resumed.smoothLoss,
        params: Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape, Float64Array.from(resumed!.params[d.name]!))])),
        optimizer: Object.fromEntries(optimizerState[settings.optimizer].map((s) => [s, Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape, Float64Array.from(resumed!.optimizer.state[`${s}.${d.name}`]!))]))])),
        positions: Float64Array.from(resumed.carried["positions"]!),
        random: rng(settings.seed, resumed.rng["main"]),
      }
    : (() => {
        const random = rng(settings.seed);
        // min-char-rnn's initialization: weights N(0, 0.01²), biases zero, drawn in declaration order.
        const params = Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape, Float64Array.from({ length: d.shape.rows * d.shape.cols }, () => (d.shape.rowDim === 1 ? 0 : 0.01 * random.normal())))]));
        const optimizer = Object.fromEntries(optimizerState[settings.optimizer].map((s) => [s, Object.fromEntries(ir.params.map((d) => [d.name, mat(d.shape)]))]));
        return { step: 0, smoothLoss: NaN, params, optimizer, positions: Float64Array.from(streams, (s) => s.start), random };
      })();

  // The batch holds every state's carried value (zero at the start).
  const b = characterBatch(ir, layout);
  for (const s of layout.states) {
    const saved = resumed?.carried[s.name];
    if (resumed && saved === undefined) throw new TrainingInputError(`${checkpointPath} holds no carried state ${s.name}`);
    if (saved) b.states[s.name]!.data.set(saved);
  }
  const grads = Object.fromEntries([...ir.params.map((d) => [d.name, mat(d.shape)] as const), ...layout.states.map((s) => [initialKey(s.name), mat(s.shape)] as const)]);
  const validate = valLength > 0 ? evaluator(module, ir, layout, valText) : undefined;

  // One run per folder at a time (a second is refused; a lock left by a killed run is taken over).
  const release = lockRunFolder(options.out);
  try {
    // The log keeps exactly the steps the checkpoint has seen: later lines died with the interrupted run.
    const logLines = resumed && existsSync(logPath) ? readFileSync(logPath, "utf8").split("\n").filter((l) => l && Number(JSON.parse(l).step) <= resumed!.step) : [];
    if (!resumed) writeFileAtomic(logPath, "");

    // ε is recorded only when it is not the default (checkpoints made before --epsilon read the same).
    const options_ = { hidden: sizes[settings.dims.hidden]!, seq: T, batch: n, optimizer: settings.optimizer, lr, clip: settings.clip, ...(settings.optimizer === "adagrad" && settings.epsilon !== optimizerDefaults.adagrad.epsilon && { epsilon: settings.epsilon }), seed: settings.seed, val: settings.val, textHash };
    let checkpointStep = -1;
    const checkpoint = (): string => {
      writeFileAtomic(logPath, logLines.map((l) => `${l}\n`).join(""));
      const opt = state.optimizer;
      const path = writeCheckpoint(options.out, {
        model: identity,
        ...(settings.modelFile && { modelFile: settings.modelFile }),
        step: state.step,
        vocab: corpus.vocab,
        options: options_,
        params: Object.fromEntries(Object.entries(state.params).map(([k, m]) => [k, m.data])),
        optimizer: { name: settings.optimizer, scalars: { t: state.step }, state: Object.fromEntries(Object.entries(opt).flatMap(([s, rec]) => Object.entries(rec).map(([k, m]) => [`${s}.${k}`, m.data]))) },
        carried: { ...Object.fromEntries(layout.states.map((s) => [s.name, b.states[s.name]!.data])), positions: state.positions },
        rng: { main: state.random.state },
        smoothLoss: state.smoothLoss,
      });
      checkpointStep = state.step;
      hooks.onCheckpoint?.(state.step, path);
      return path;
    };
    let sampledStep = -1;
    const sample = () => {
      const text = sampleText(sampler, Object.fromEntries(Object.entries(state.params).map(([k, m]) => [k, m.data])), corpus.vocab, {
        length: options.sampleLength,
        temperature: options.temperature,
        // Each sample draws from its own generator, seeded by the seed and the step: a sample at the
        // end of an interrupted run then leaves no trace in what a resumed run computes.
        random: rng((settings.seed ^ Math.imul(state.step, 0x9e3779b1)) >>> 0),
        // Stream 0's state: row 0 of each.
        state: Object.fromEntries(layout.states.map((s) => [s.name, b.states[s.name]!.data.subarray(0, s.shape.cols)])),
      });
      sampledStep = state.step;
      hooks.onSample?.(state.step, text);
    };
    let validatedStep = -1, valLoss = NaN, evalMs = 0;
    // A run resumed at a step it had validated (a finished one) keeps that measurement.
    const lastVal = logLines.map((l) => JSON.parse(l) as { step: number; valLoss?: number }).findLast((e) => e.valLoss !== undefined);
    if (lastVal?.step === state.step) [validatedStep, valLoss] = [state.step, lastVal.valLoss!];
    const validation = () => {
      if (!validate) return;
      const began = performance.now();
      valLoss = validate(state.params);
      evalMs = performance.now() - began;
      validatedStep = state.step;
      logLines.push(JSON.stringify({ step: state.step, valLoss }));
      hooks.onValidation?.(state.step, valLoss);
    };

    hooks.onStart?.({ model: ir.name, lr, vocab: vocabSize, sizes, fromStep: state.step, steps: maxSteps, time: options.time, trainChars: trainText.length, valChars: valText.length, generated });
    const valEvery = options.valEvery ?? 1000;
    const started = performance.now();
    const deadline = options.time === undefined ? Infinity : started + options.time * 1000;
    let trainingNs = 0n;
    const startStep = state.step;
    let lastPath = resumed ? checkpointPath : "";
    let lastLoss = NaN;
    let fastestStepNs = Infinity;
    while (state.step < maxSteps) {
      if (deadline !== Infinity && state.step > startStep) {
        // The budget includes the closing evaluation: before it is measured, a forward pass over the
        // held-out characters is estimated at the cost of training on as many, at the fastest step so
        // far (a forward pass costs less than a training step). The first, cold steps cost far more
        // than the rest, so the estimate counts only after the first tenth of the budget.
        const now = performance.now();
        const warm = now - started >= (deadline - started) / 10;
        const estimate = evalMs > 0 ? evalMs : warm ? (fastestStepNs / 1e6 / (T * n)) * valText.length : 0;
        if (now + estimate >= deadline) break;
      }
      const began = process.hrtime.bigint();
      for (let k = 0; k < n; k++) {
        if (state.positions[k]! + T + 1 > streams[k]!.end) {
          state.positions[k] = streams[k]!.start;
          for (const s of layout.states) b.states[s.name]!.data.fill(0, k * s.shape.cols, (k + 1) * s.shape.cols);
        }
      }
      b.fill(trainText, state.positions);
      const result = module.lossAndGrad(state.params, b.batch, grads);
      const loss = result.loss;
      const step = state.step + 1;
      if (!Number.isFinite(loss)) {
        throw new TrainingStopped(`training stopped at step ${step}: the loss is ${loss}${lastPath ? `; the last good checkpoint is ${lastPath} (step ${readCheckpoint(options.out).step})` : "; no checkpoint was written"}`);
      }
      if (settings.optimizer === "adagrad") {
        module.adagradStep(state.params, grads, state.optimizer["memory"]!, lr, settings.clip, settings.epsilon);
      }
      else if (settings.optimizer === "adam") module.adamStep(state.params, grads, state.optimizer["m"]!, state.optimizer["v"]!, step, lr, settings.clip);
      else module.sgdStep(state.params, grads, lr, settings.clip);
      for (const s of layout.states) b.states[s.name]!.data.set((result[finalKey(s.name)] as AnyMat).data);
      for (let k = 0; k < n; k++) state.positions[k]! += T;
      state.step = step;
      state.smoothLoss = Number.isNaN(state.smoothLoss) ? loss : smoothing * state.smoothLoss + (1 - smoothing) * loss;
      lastLoss = loss;
      logLines.push(JSON.stringify({ step, loss }));
      const ns = process.hrtime.bigint() - began;
      trainingNs += ns;
      if (Number(ns) < fastestStepNs) fastestStepNs = Number(ns);
      hooks.onStep?.({ step, loss, smoothLoss: state.smoothLoss, chars: T * n, ns: Number(ns), elapsed: (performance.now() - started) / 1000 });
      if (step % options.sampleEvery === 0 || step === maxSteps) sample();
      if (step % valEvery === 0 || step === maxSteps) validation();
      if (step % options.checkpointEvery === 0 || step === maxSteps) lastPath = checkpoint();
    }
    // The end, when time ended the run (or nothing was left to run): a sample, the validation loss
    // and a checkpoint of the last step, each unless it was just made.
    if (sampledStep !== state.step && state.step > startStep) sample();
    const validated = validatedStep === state.step;
    if (!validated) validation();
    if (checkpointStep !== state.step || (!validated && validate)) lastPath = checkpoint();
    const seconds = (performance.now() - started) / 1000;

    const entries = logLines.map((l) => JSON.parse(l) as { step: number; loss?: number; valLoss?: number });
    const points = entries.flatMap((e) => (e.loss === undefined ? [] : [{ step: e.step, loss: e.loss }]));
    const valPoints = entries.flatMap((e) => (e.valLoss === undefined ? [] : [{ step: e.step, loss: e.valLoss }]));
    writeFileAtomic(plotPath, renderLossPlot(points, {
      title: `shapegrad: ${ir.name} on ${options.text}`,
      subtitle: `vocab ${vocabSize}, ${Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(" ")}, ${settings.optimizer} lr ${lr}, ${state.step} steps${valLength > 0 ? `, last ${valLength} characters held out` : ""}`,
      reference: { value: Math.log(vocabSize), label: `uniform guess ln ${vocabSize} = ${Math.log(vocabSize).toFixed(2)}` },
      ...(valPoints.length > 0 && { validation: valPoints }),
    }));
    const last = points.slice(-100);
    const ran = state.step - startStep;
    return {
      model: ir.name,
      vocab: vocabSize,
      sizes,
      steps: state.step,
      firstLoss: points[0]?.step === 1 ? points[0].loss : NaN,
      lastLoss: points[points.length - 1]?.loss ?? lastLoss,
      finalLoss: last.reduce((s, p) => s + p.loss, 0) / Math.max(1, last.length),
      smoothLoss: state.smoothLoss,
      valLoss: validate ? valLoss : null,
      msPerStep: ran > 0 ? Number(trainingNs) / 1e6 / ran : 0,
      charsPerSecond: trainingNs > 0n ? (ran * T * n) / (Number(trainingNs) / 1e9) : 0,
      seconds,
      checkpoint: lastPath,
      plot: plotPath,
      log: logPath,
    };
  } finally {
    release();
    await close();
  }
}
