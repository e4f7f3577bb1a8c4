// The training step as train() runs it (generated lossAndGrad, generated optimizer step, the
// trainer's batch filling and state carrying) against a straightforward eager implementation of
// the same training with the typed library (bench/eager-rnn-training.ts: forward and hand-derived
// backward with matmul/add/tanh/softmax..., optimizers as plain loops). Each case trains a few
// steps from the same seed on a small text and compares the checkpoint's parameters, optimizer
// state, carried state and positions, and every logged loss.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EagerRnnTraining, eagerOptimizerDefaults, eagerLossAndGrad, paramNames, rnnDims, vocabulary, type EagerOptimizer } from "../bench/eager-rnn-training.js";
import { mat, relativeError, rng } from "../src/index.js";
import { readCheckpoint } from "../train/checkpoint.js";
import { train } from "../train/trainer.js";
import { rnnFixture } from "./support/rnn-fixture.js";
import { rnnReference } from "./support/rnn-reference.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-train-step-"));
const cacheDir = join(work, "cache");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tolerance = 1e-10;
/** Every relative error measured, for the summary printed at the end. */
const measured: { case: string; what: string; error: number }[] = [];
afterAll(() => {
  if (measured.length === 0) return;
  const worst = (what: (m: (typeof measured)[number]) => boolean) => Math.max(...measured.filter(what).map((m) => m.error));
  console.log(
    `train-step: ${measured.length} comparisons; max relative error: params ${worst((m) => m.what.startsWith("param")).toExponential(2)}, ` +
      `losses ${worst((m) => m.what === "losses").toExponential(2)}, optimizer state ${worst((m) => m.what.startsWith("optimizer")).toExponential(2)}, ` +
      `carried h ${worst((m) => m.what === "carried h").toExponential(2)}, eager vs reference ${worst((m) => m.what.startsWith("reference")).toExponential(2)}`,
  );
});

function expectClose(label: string, what: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const error = relativeError(actual, expected);
  measured.push({ case: label, what, error });
  expect(error, `${label}: ${what}`).toBeLessThan(tolerance);
}

// Characters whose code-point order differs from UTF-16 code-unit order (U+FF01 before U+1F600,
// whose surrogates sort first), a newline and a quote: the vocabulary must come out the same.
const alphabet = ["a", "b", "c", "d", " ", "\n", "'", "é", "\uff01", "😀"];

/** Every character of the alphabet, then `length − |alphabet|` seeded random ones. */
function textOf(length: number, seed: number): string {
  const random = rng(seed);
  const rest = Array.from({ length: length - alphabet.length }, () => alphabet[Math.floor(random.uniform() * alphabet.length)]!);
  return [...alphabet, ...rest].join("");
}

interface Case {
  readonly name: string;
  readonly length: number;
  readonly batch: number;
  readonly wraps: boolean;
  readonly lr?: number;
  readonly clip?: number;
}

const hidden = 8, seq = 5, steps = 7, seed = 42;

const cases: readonly Case[] = [
  { name: "batch 1, no wrap", length: 300, batch: 1, wraps: false },
  // 23 characters: positions 0, 5, 10, 15, then 20 + 6 > 23 wraps to 0 at step 5.
  { name: "batch 1, the stream wraps", length: 23, batch: 1, wraps: true },
  { name: "batch 3, no wrap", length: 300, batch: 3, wraps: false },
  // 47 characters: segments [0, 15), [15, 30), [30, 47); streams 0 and 1 wrap at steps 3, 5, 7, stream 2 at step 4.
  { name: "batch 3, streams wrap at different steps", length: 47, batch: 3, wraps: true },
];

let runCount = 0;

async function compareRun(optimizer: EagerOptimizer, c: Case): Promise<void> {
  const label = `${optimizer}, ${c.name}${c.clip !== undefined ? `, clip ${c.clip}` : ""}`;
  const dir = join(work, `run-${runCount++}`);
  mkdirSync(dir, { recursive: true });
  const text = textOf(c.length, 1000 + c.length);
  const textPath = join(dir, "text.txt");
  writeFileSync(textPath, text);
  const out = join(dir, "out");
  const clip = c.clip ?? 5;

  await train({
    text: textPath,
    hidden,
    seq,
    batch: c.batch,
    steps,
    optimizer,
    // The eager reference runs Adagrad's own default rate, not the one dsl/char-rnn.ts declares.
    lr: c.lr ?? eagerOptimizerDefaults[optimizer].lr,
    clip,
    seed,
    out,
    resume: false,
    fresh: true,
    sampleEvery: 1_000_000,
    sampleLength: 4,
    temperature: 1,
    checkpointEvery: 1_000_000,
    val: 0,
    cacheDir,
  });

  const { vocab, indices } = vocabulary(text);
  const eager = new EagerRnnTraining({ indices, vocab: Array.from(vocab).length, hidden, seq, batch: c.batch, optimizer, ...(c.lr !== undefined && { lr: c.lr }), clip, seed });
  for (let s = 0; s < steps; s++) eager.trainStep();
  // The case exercises what it says it does.
  expect(eager.wraps > 0, `${label}: streams wrapped`).toBe(c.wraps);
  if (c.clip !== undefined) expect(eager.clipped, `${label}: gradient entries clipped`).toBeGreaterThan(0);

  const checkpoint = readCheckpoint(out);
  expect(checkpoint.step).toBe(steps);
  expect(checkpoint.vocab).toBe(vocab);
  for (const name of paramNames) expectClose(label, `param ${name}`, checkpoint.params[name]!, eager.params[name].data);
  for (const [stateName, perParam] of Object.entries(eager.state)) {
    for (const name of paramNames) expectClose(label, `optimizer ${stateName}.${name}`, checkpoint.optimizer.state[`${stateName}.${name}`]!, perParam[name]);
  }
  expectClose(label, "carried h", checkpoint.carried["h"]!, eager.h.data);
  expect(Array.from(checkpoint.carried["positions"]!), `${label}: positions`).toEqual(eager.positions);

  const logged = readFileSync(join(out, "loss.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { step: number; loss: number });
  expect(logged.map((l) => l.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  expectClose(label, "losses", logged.map((l) => l.loss), eager.losses);
}

describe("the eager reference", () => {
  // The eager forward and hand-derived backward against the plain-loop reference of test/support,
  // so that a mismatch below points at train() rather than at the reference.
  it("matches the plain-loop RNN reference (loss, final state, gradients)", () => {
    const sizes = { n: 3, d: 6, h: 5, v: 6, T: 4 };
    const { params, batch } = rnnFixture(sizes, { seed: 7, targets: "oneHot", inputs: "oneHot" });
    const dims = rnnDims(sizes);
    const rows = sizes.n * sizes.d;
    const xs = Array.from({ length: sizes.T }, (_, t) => mat(dims.n, dims.d, batch.xs.data.subarray(t * rows, (t + 1) * rows)));
    const ys = Array.from({ length: sizes.T }, (_, t) => mat(dims.n, dims.v, batch.ys.data.subarray(t * rows, (t + 1) * rows)));
    const eager = eagerLossAndGrad(dims, params, xs, ys, batch.h0);
    const reference = rnnReference(sizes, { U: params.U.data, W: params.W.data, b: params.b.data, V: params.V.data, c: params.c.data }, { xs: batch.xs.data, ys: batch.ys.data, h0: batch.h0.data });
    expectClose("reference", "reference loss", [eager.loss], [reference.loss]);
    expectClose("reference", "reference hT", eager.hT.data, reference.hT);
    for (const name of [...paramNames, "h0"] as const) expectClose("reference", `reference d${name}`, eager.grads[name].data, reference.grads[name]);
  });
});

describe("train() step by step against the eager implementation", () => {
  for (const optimizer of ["adagrad", "adam", "sgd"] as const) {
    for (const c of cases) {
      it(`${optimizer}: ${c.name}`, async () => {
        await compareRun(optimizer, c);
      });
    }
    // A tiny clip (most gradient entries clipped) and a learning rate other than the default.
    it(`${optimizer}: batch 3, streams wrap, clip 0.001 and lr 0.05`, async () => {
      await compareRun(optimizer, { name: "batch 3, streams wrap", length: 47, batch: 3, wraps: true, lr: 0.05, clip: 0.001 });
    });
  }
});
