// `npx tsx bench/char-rnn-step.ts`: one training step of the character RNN with one-hot input
// (dsl/char-rnn.ts: generated lossAndGrad with row gathers and scatter-adds, plus the generated
// adagrad step) against numpy min-char-rnn's step, at h=100, T=25 and a vocabulary of 76, in the
// same run. Median of many steps after warm-up.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import charRnn from "../dsl/char-rnn.js";
import rnn from "../dsl/rnn.js";
import { specialize } from "../codegen/specialize.js";
import { randomArguments } from "../cli/random-arguments.js";
import { traceModel, type AnyModel } from "../src/index.js";

const seconds = process.argv.includes("--quick") ? 0.5 : 2;
const sizes = { n: 1, d: 76, h: 100, v: 76, T: 25 };

interface TrainingModule {
  lossAndGrad(p: object, b: object, g: object): unknown;
  adagradStep(p: object, g: object, m: object, lr: number, clip: number): void;
}

async function shapegradStep(model: AnyModel, oneHot: boolean): Promise<number> {
  const { module } = await specialize<TrainingModule>(model, sizes);
  const args = randomArguments(traceModel(model, sizes), 1, 0.01);
  const xs = args.batch["xs"]!.data;
  // The same character sequence as the numpy peer: 7t mod V.
  if (oneHot) for (let t = 0; t < sizes.T; t++) xs[t] = (7 * t) % sizes.v;
  else {
    xs.fill(0);
    for (let t = 0; t < sizes.T; t++) xs[t * sizes.v + ((7 * t) % sizes.v)] = 1;
  }
  const memory = Object.fromEntries(Object.entries(args.params).map(([k, m]) => [k, { ...m, data: new Float64Array(m.data.length) }]));
  const step = () => {
    module.lossAndGrad(args.params, args.batch, args.grads);
    module.adagradStep(args.params, args.grads, memory, 0.1, 5);
  };
  for (let i = 0; i < 200; i++) step();
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

const oneHot = await shapegradStep(charRnn, true);
const dense = await shapegradStep(rnn, false);
let numpy: number | undefined;
try {
  const script = fileURLToPath(new URL("./min_char_rnn_step.py", import.meta.url));
  numpy = Number(execFileSync("python3", [script, String(sizes.v), String(sizes.h), String(sizes.T), String(seconds)], { encoding: "utf8" }).trim());
} catch (e) {
  console.log(`numpy peer skipped: ${(e as Error).message.split("\n")[0]}`);
}
console.log(`training step, h=${sizes.h} T=${sizes.T} vocab ${sizes.v}, median ms (ratio = ms / shapegrad one-hot)`);
const row = (name: string, ms: number) => console.log(`${name.padEnd(40)} ${ms.toFixed(3).padStart(8)}   ${(ms / oneHot).toFixed(2)}×`);
row("shapegrad, one-hot input (char-rnn)", oneHot);
row("shapegrad, dense input (rnn)", dense);
if (numpy !== undefined) row("numpy min-char-rnn", numpy);
