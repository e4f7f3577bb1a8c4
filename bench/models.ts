// `npm run bench:models`: the tanh RNN, GRU, LSTM and the attention block trained for the same
// wall-clock time on the sample and on one other text (bench/texts.ts), at the model's default
// width and at the width whose parameter count is closest to the RNN's at its default (the
// attention block's k and m scaled with its d as in its defaults, k = d/2, m = 2d): validation
// loss, steps, characters per second, parameters and a sample. One run at a time: pin it to a core
// (taskset -c 1 npm run bench:models).
//   --texts sample,code  --time 60  --models rnn,gru,lstm,attention  --seed 1
//   --runs gru/h=64,lstm/h=128/n=8  train these runs instead (bench/model-runs.ts)
//   --corpus  the whole corpus (data/tinyshakespeare.txt, 90/10 split) for 180 s, runs --runs or
//             the corpus runs below, against nanoGPT's laptop recipe (val 1.88 after about 3 min)
//   --streams the whole corpus for 90 s: one stream against two streams on one thread and on two
//             (thr=2, issue 19), validation every 500 steps, and the wall-clock time each run took
//             to reach a validation loss; not pinned: two threads need both cores
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModelFile } from "../train/model-file.js";
import { characterDims, characterSizes } from "../train/character-model.js";
import { readCorpus } from "../train/corpus.js";
import { train } from "../train/trainer.js";
import { traceModel } from "../src/trace-model.js";
import { parseTexts, textPath, type TextName } from "./texts.js";
import { benchModels, formatRun, modelFile, oneLine, parseRuns, type BenchModel, type Run } from "./model-runs.js";

/** The runs of --corpus when --runs is not given: the configurations the README's table reports. */
const corpusRuns = "gru,gru/h=128/n=16/T=32/opt=adam";
/** The runs of --streams: whether n ≥ 2 streams on two threads reach a validation loss sooner than one stream. */
const streamRuns = "gru,gru/n=2/thr=1,gru/n=2/thr=2";
/** The validation losses whose first crossing --streams reports. */
const streamTargets = [2.2, 2.0, 1.9];

const fail = (line: string): never => {
  process.stderr.write(`bench:models: ${line}\n`);
  process.exit(1);
};
let values: Record<string, string | boolean | undefined> = {};
try {
  ({ values } = parseArgs({
    options: {
      texts: { type: "string", default: "sample,code" },
      time: { type: "string" },
      models: { type: "string", default: "rnn,gru,lstm,attention" },
      runs: { type: "string" },
      seed: { type: "string", default: "1" },
      corpus: { type: "boolean", default: false },
      streams: { type: "boolean", default: false },
    },
  }));
} catch (e) {
  fail((e as Error).message.split("\n")[0]!);
}
const streams = values.streams === true;
const corpus = values.corpus === true || streams;
const time = Number(values.time ?? (streams ? 90 : corpus ? 180 : 60));
if (!(time > 0)) fail(`--time ${String(values.time)}: a positive number of seconds`);
const seed = Number(values.seed);
let texts: TextName[] = [];
let given: Run[] | undefined;
let models: BenchModel[] = [];
try {
  texts = corpus ? ["corpus"] : parseTexts(String(values.texts));
  given = values.runs !== undefined ? parseRuns("--runs", String(values.runs)) : streams ? parseRuns("streamRuns", streamRuns) : corpus ? parseRuns("corpusRuns", corpusRuns) : undefined;
  models = String(values.models).split(",").map((m) => ((benchModels as readonly string[]).includes(m) ? (m as BenchModel) : fail(`--models: ${m} is not one of ${benchModels.join(", ")}`)));
} catch (e) {
  fail((e as Error).message);
}

const loaded = new Map<BenchModel, Awaited<ReturnType<typeof loadModelFile>>["model"]>();
async function parameterCount(run: Run, vocab: number): Promise<{ count: number; sizes: Record<string, number> }> {
  if (!loaded.has(run.model)) loaded.set(run.model, (await loadModelFile(modelFile(run.model))).model);
  const model = loaded.get(run.model)!;
  const sizes = characterSizes(model, characterDims(model), vocab, run);
  return { count: traceModel(model, sizes).params.reduce((s, p) => s + p.shape.rows * p.shape.cols, 0), sizes };
}

/** The width (and for attention k = d/2, m = 2d) whose parameter count is closest to `target`. */
async function matched(model: BenchModel, vocab: number, target: number): Promise<Run> {
  const at = (w: number): Run => (model === "attention" ? { model, hidden: w, dims: { k: w / 2, m: 2 * w } } : { model, hidden: w });
  // The count grows with the width: the first even width at or past the target, or the one before.
  let [lo, hi] = [1, 256]; // widths 2·lo … 2·hi
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((await parameterCount(at(2 * mid), vocab)).count < target) lo = mid + 1;
    else hi = mid;
  }
  const [above, below] = [at(2 * lo), at(Math.max(2, 2 * lo - 2))];
  const gap = async (r: Run) => Math.abs((await parameterCount(r, vocab)).count - target);
  return (await gap(below)) < (await gap(above)) ? below : above;
}

const out = mkdtempSync(join(tmpdir(), "shapegrad-models-"));
const rows: string[] = [];
const samples: string[] = [];
const reached: string[] = [];
try {
  for (const name of texts) {
    const text = textPath(name);
    if (!text) continue;
    const vocab = Array.from(readCorpus(text).vocab).length;
    let runs: Run[];
    if (given) runs = given;
    else {
      const rnnCount = (await parameterCount({ model: "rnn" }, vocab)).count;
      runs = [];
      for (const m of models) {
        runs.push({ model: m });
        if (m !== "rnn") {
          const r = await matched(m, vocab, rnnCount);
          if ((await parameterCount(r, vocab)).count !== (await parameterCount({ model: m }, vocab)).count) runs.push(r);
        }
      }
    }
    for (const run of runs) {
      const { count, sizes } = await parameterCount(run, vocab);
      let sample = "";
      const r = await train(
        {
          text, model: modelFile(run.model), ...(run.hidden !== undefined && { hidden: run.hidden }), ...(run.batch !== undefined && { batch: run.batch }), ...(run.seq !== undefined && { seq: run.seq }),
          ...(run.dims !== undefined && { dims: run.dims }), optimizer: run.optimizer ?? "adagrad", ...(run.lr !== undefined && { lr: run.lr }), ...(run.epsilon !== undefined && { epsilon: run.epsilon }),
          ...(run.threads !== undefined && { threads: run.threads }),
          clip: 5, seed, out: join(out, "run"), fresh: true, resume: false, time, valEvery: streams ? 500 : 1e9, sampleEvery: 1e9, sampleLength: 200, temperature: 0.8, checkpointEvery: 1e9,
        },
        { onSample: (_step, s) => (sample = s) },
      );
      const shown = Object.entries(sizes).filter(([k]) => !["d", "v"].includes(k) || run.model === "attention").filter(([k]) => k !== "v").map(([k, v]) => `${k}=${v}`).join(" ");
      const row = `| ${name} | ${run.model} | ${shown}${run.threads ? ` thr=${run.threads}` : ""}${run.optimizer ? ` ${run.optimizer}` : ""}${run.lr ? ` lr ${run.lr}` : ""} | ${count.toLocaleString("en-US")} | ${r.valLoss!.toFixed(3)} | ${r.finalLoss.toFixed(3)} | ${r.steps.toLocaleString("en-US")} | ${Math.round(r.charsPerSecond).toLocaleString("en-US")} |`;
      rows.push(row);
      samples.push(`- ${name}, ${formatRun(run)}: \`${oneLine(sample, 120)}\``);
      if (streams) {
        // Steps run at a steady rate: a validation at step s came about s · (seconds / steps) into the run.
        const vals = readFileSync(r.log, "utf8").split("\n").filter((l) => l.includes("valLoss")).map((l) => JSON.parse(l) as { step: number; valLoss: number });
        const at = (target: number) => {
          const hit = vals.find((v) => v.valLoss <= target);
          return hit ? `${((hit.step * r.seconds) / r.steps).toFixed(1)} s` : "—";
        };
        reached.push(`| ${formatRun(run)} | ${r.msPerStep.toFixed(3)} | ${Math.round(r.charsPerSecond).toLocaleString("en-US")} | ${streamTargets.map(at).join(" | ")} | ${r.valLoss!.toFixed(3)} |`);
      }
      process.stderr.write(`${row}\n`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.stdout.write(
  [
    `Trained for ${time} s each (training, the closing validation and sampling included), seed ${seed}; val: the mean loss on the held-out last 10%; train: the mean of the last 100 steps' losses; chars/s: training steps only.`,
    "",
    "| text | model | sizes | parameters | val | train | steps | chars/s |",
    "|---|---|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Samples (temperature 0.8, 200 characters drawn, the first 120 shown, ⏎ = newline):",
    "",
    ...samples,
    ...(streams
      ? ["", `Wall-clock time to reach each validation loss (validation every 500 steps):`, "", `| run | ms/step | chars/s | ${streamTargets.map((t) => `val ≤ ${t}`).join(" | ")} | val at ${time} s |`, `|---|---:|---:|${streamTargets.map(() => "---:").join("|")}|---:|`, ...reached]
      : []),
  ].join("\n") + "\n",
);
