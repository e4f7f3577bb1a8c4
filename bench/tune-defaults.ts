// `npm run bench:tune`: the evidence for the training defaults (Adagrad's lr, ε and clip). Every
// setting of the grid trains each model on each text for --steps steps (validation loss then), and
// the default and the best setting of each text and model (plus --also) train for --time seconds.
// Then, for each setting, its worst distance to the best on any text and model; the defaults must
// be within 0.05 nats of the best everywhere. One process, one run at a time: pin it to a core
// (taskset -c 1 npm run bench:tune). The texts are bench/texts.ts's (read from this machine).
//   --texts legal,code,docs  --models rnn,lstm  --lr 0.05,0.1,0.2  --epsilon 1e-12,1e-10,1e-8
//   --clip 5  --steps 2000  --time 60 (0: no timed runs)  --seed 1
//   --also lr=0.1/eps=1e-9,...  settings added to the grid
//   --timed lr=0.1/eps=1e-10,...  settings that train for --time too (beside the default and the best)
//   --listed  time only the --timed settings (not the default and the best too)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { optimizerDefaults } from "../codegen/optimizers.js";
import { train } from "../train/trainer.js";
import { parseTexts, textPath } from "./texts.js";
import { formatSetting, numberList, parseSetting, pivotTable, worstGaps, type Setting } from "./tune-table.js";

const fail = (line: string): never => {
  process.stderr.write(`bench:tune: ${line}\n`);
  process.exit(1);
};
let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      texts: { type: "string", default: "legal,code,docs" },
      models: { type: "string", default: "rnn,lstm" },
      lr: { type: "string", default: "0.05,0.1,0.2" },
      epsilon: { type: "string", default: "1e-12,1e-10,1e-8" },
      clip: { type: "string", default: "5" },
      steps: { type: "string", default: "2000" },
      time: { type: "string", default: "60" },
      also: { type: "string", default: "" },
      timed: { type: "string", default: "" },
      listed: { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
    },
  }));
} catch (e) {
  fail((e as Error).message.split("\n")[0]!);
}
const models = String(values!.models).split(",").map((m) => (["rnn", "gru", "lstm", "rnn2"].includes(m) ? m : fail(`--models: ${m} is not one of rnn, gru, lstm, rnn2`)));
let texts: ReturnType<typeof parseTexts> = [];
let grid: Setting[] = [], also: Setting[] = [], timed: Setting[] = [];
let steps = 0, time = 0, seed = 0;
try {
  texts = parseTexts(String(values!.texts));
  const [lrs, epsilons, clips] = [numberList("--lr", String(values!.lr)), numberList("--epsilon", String(values!.epsilon)), numberList("--clip", String(values!.clip))];
  grid = lrs.flatMap((lr) => epsilons.flatMap((epsilon) => clips.map((clip) => ({ lr, epsilon, clip }))));
  also = values!.also ? String(values!.also).split(",").map(parseSetting) : [];
  timed = values!.timed ? String(values!.timed).split(",").map(parseSetting) : [];
  [steps, time, seed] = [numberList("--steps", String(values!.steps))[0]!, Number(values!.time), Number(values!.seed)];
  if (!(time >= 0)) throw new Error(`--time ${values!.time}: seconds, 0 or more`);
} catch (e) {
  fail((e as Error).message);
}
const current: Setting = { lr: optimizerDefaults.adagrad.lr, epsilon: optimizerDefaults.adagrad.epsilon, clip: 5 };
const same = (a: Setting, b: Setting) => a.lr === b.lr && a.epsilon === b.epsilon && a.clip === b.clip;

const out = mkdtempSync(join(tmpdir(), "shapegrad-tune-"));
const run = async (text: string, model: string, s: Setting, limit: { steps?: number; time?: number }) => {
  const r = await train({
    text, model: `dsl/char-${model}.ts`, optimizer: "adagrad", lr: s.lr, epsilon: s.epsilon, clip: s.clip, seed, out: join(out, "run"), fresh: true, resume: false,
    ...limit, valEvery: 1e9, sampleEvery: 1e9, sampleLength: 1, temperature: 1, checkpointEvery: 1e9,
  });
  return { val: r.valLoss!, steps: r.steps };
};
interface Row { text: string; model: string; setting: Setting; atSteps: number; timed?: { val: number; steps: number } }
const rows: Row[] = [];
try {
  for (const name of texts) {
    const text = textPath(name);
    if (!text) continue;
    for (const model of models) {
      const here: Row[] = [];
      for (const setting of [...grid, ...also.filter((a) => !grid.some((g) => same(g, a))), ...timed.filter((a) => ![...grid, ...also].some((g) => same(g, a)))]) {
        const { val } = await run(text, model, setting, { steps });
        here.push({ text: name, model, setting, atSteps: val });
        process.stderr.write(`${name} ${model} ${formatSetting(setting)}: ${val.toFixed(3)} after ${steps} steps\n`);
      }
      if (time > 0) {
        const best = here.reduce((a, b) => (b.atSteps < a.atSteps ? b : a));
        for (const row of here.filter((r) => (!values!.listed && (r === best || same(r.setting, current))) || timed.some((a) => same(a, r.setting)))) {
          row.timed = await run(text, model, row.setting, { time });
          process.stderr.write(`${name} ${model} ${formatSetting(row.setting)}: ${row.timed.val.toFixed(3)} after ${time} s (${row.timed.steps} steps)\n`);
        }
      }
      rows.push(...here);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const lines = [
  `Validation loss after ${steps} steps (after ${time} s in parentheses, where run):`,
  "",
  ...pivotTable(rows, (s) => same(s, current)),
  "",
  `| text | model | setting | val after ${steps} steps | val after ${time} s (steps) |`,
  "|---|---|---|---:|---:|",
  ...rows.map((r) => `| ${r.text} | ${r.model} | ${formatSetting(r.setting)}${same(r.setting, current) ? " (old default)" : ""} | ${r.atSteps.toFixed(3)} | ${r.timed ? `${r.timed.val.toFixed(3)} (${r.timed.steps})` : ""} |`),
  "",
  `| model | setting | worst gap to the model's best after ${steps} steps | worst gap after ${time} s (of those run) |`,
  "|---|---|---:|---:|",
  ...worstGaps(rows).map((g) => `| ${g.model} | ${formatSetting(g.setting)} | ${g.atSteps.toFixed(3)} | ${Number.isFinite(g.timed) ? g.timed.toFixed(3) : ""} |`),
];
process.stdout.write(`${lines.join("\n")}\n`);
