// The threaded runner of specialize({ threads }) (codegen/threaded.ts, codegen/row-split.ts):
//   - which models split, decided from the IR: the RNN, the LSTM and the GRU do; a step that sums
//     its rows (not as the loss) does not, nor one whose constant follows n; the chunk rule;
//   - for the RNN, the LSTM and the GRU at small sizes with n = 2, 3 and 5 rows (3 and 5: uneven
//     chunks of 2, 1 and 3, 2) and both kernel kinds: 1 and 2 threads (and 3, which clamps to the
//     two chunks, for n = 5) give the same bits (loss, every gradient,
//     every final state, forward's loss), which agree with the plain module at the full batch (the
//     file specialize wrote, imported as it is) and with the interpreter to 1e-12; the module's
//     sizes and optimizer step are the plain module's;
//   - the attention model stays on one thread and says why; one row runs the plain module;
//   - a worker's error reaches the caller as one line (and the next call runs), a worker that exits
//     mid-call is an error rather than a hang, a worker that cannot start rejects with one line;
//   - training on 1 and 2 threads gives the same losses and checkpoints, and a run resumed on
//     another thread count continues the same run.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import attention from "../dsl/attention.js";
import gru from "../dsl/gru.js";
import lstm from "../dsl/lstm.js";
import rnn from "../dsl/rnn.js";
import charRnn from "../dsl/char-rnn.js";
import { randomArguments, type Arguments } from "../cli/random-arguments.js";
import { specialize, type Specialized } from "../codegen/specialize.js";
import { checkThreadedBudget } from "../codegen/budget.js";
import { chunksOf, chunkWeights, rowSplit, sameStepBut } from "../codegen/row-split.js";
import { threadLayout } from "../codegen/thread-layout.js";
import { startThreads } from "../codegen/threaded.js";
import { add, defineModel, matmul, softmaxCrossEntropy, sumRows, tanh, type AnyMat, type AnyModel, type Dim, type Mat } from "../src/index.js";
import { interpret } from "../src/interpret.js";
import { traceModel } from "../src/trace-model.js";
import { readCheckpoint } from "../train/checkpoint.js";
import { train } from "../train/trainer.js";
import { relErr } from "./support/numeric.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-threads-"));
// A cache that outlives the run: its keys hash the generator's sources, so a module is reused only
// while the code that wrote it is unchanged, and a second run generates nothing (a first run writes
// some thirty small modules, most of this file's time).
const cacheDir = join(tmpdir(), "shapegrad-threads-test-cache");
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Result = { readonly loss: number } & Readonly<Record<string, unknown>>;
interface Module {
  forward(params: object, batch: object): Result;
  lossAndGrad(params: object, batch: object, grads: object): Result;
  sgdStep(params: object, grads: object, lr: number, clip: number): void;
  readonly sizes: Readonly<Record<string, number>>;
}

const models: readonly { name: string; model: AnyModel; states: readonly string[] }[] = [
  { name: "rnn", model: rnn, states: ["h"] },
  { name: "lstm", model: lstm, states: ["h", "cell"] },
  { name: "gru", model: gru, states: ["h"] },
];
const kinds = ["js", "simd"] as const;
const rowCounts = [2, 3, 5];
const threadCounts = [1, 2];
const sizesOf = (n: number) => ({ n, d: 5, h: 6, v: 4, T: 3 });

interface Case {
  readonly name: string;
  readonly model: AnyModel;
  readonly kernels: (typeof kinds)[number];
  readonly n: number;
}
const cases: Case[] = models.flatMap((m) => kinds.flatMap((kernels) => rowCounts.map((n) => ({ name: m.name, model: m.model, kernels, n }))));
const label = (c: Case) => `${c.name} ${c.kernels} n=${c.n}`;

const attentionSizes = { T: 4, v: 5, d: 4, k: 2, m: 3 };
// The training test's text and the sizes it trains at (its vocabulary is the text's characters).
const trainText = "the quick brown fox jumps over the lazy dog; ".repeat(40);
const vocab = new Set(trainText).size;
const trainSizes = { n: 3, d: vocab, h: 8, v: vocab, T: 5 };

// Every module the file needs is asked for in one turn, so that one child process writes them all
// (on one thread: no workers yet; each case starts its own runners on 2 and 3 threads, from the cache).
const oneThread = new Map<string, Specialized<Module>>();
let whole: Specialized<Module>[] = [];
beforeAll(async () => {
  const all = Promise.all(cases.map((c) => specialize<Module>(c.model, sizesOf(c.n), { cacheDir, kernels: c.kernels, threads: 1 })));
  const others = Promise.all([
    specialize<Module>(attention, attentionSizes, { cacheDir, kernels: "js", threads: 2 }),
    specialize<Module>(rnn, sizesOf(1), { cacheDir, kernels: "js", threads: 2 }),
    specialize<Module>(charRnn, trainSizes, { cacheDir, threads: 1 }),
  ]);
  const list = await all;
  whole = await others;
  cases.forEach((c, i) => oneThread.set(label(c), list[i]!));
}, 600_000);
afterAll(async () => {
  for (const r of [...oneThread.values(), ...whole]) await r.close();
});

/** The call's results, copied (a final state views the module's buffer). */
function run(module: Module, args: Arguments): { loss: number; forwardLoss: number; arrays: Record<string, Float64Array> } {
  const grads = Object.fromEntries(Object.entries(args.grads).map(([k, g]) => [k, { ...g, data: new Float64Array(g.data.length) }]));
  const result = module.lossAndGrad(args.params, args.batch, grads);
  const arrays: Record<string, Float64Array> = {};
  for (const [k, g] of Object.entries(grads)) arrays[`grad ${k}`] = g.data;
  for (const [k, v] of Object.entries(result)) if (k !== "loss") arrays[k] = Float64Array.from((v as AnyMat).data);
  const forwardLoss = module.forward(args.params, args.batch).loss;
  return { loss: result.loss, forwardLoss, arrays };
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

describe.each(cases)("$name, kernels $kernels, n = $n", (c) => {
  it("1 and 2 threads (and 3, which runs as 2: there are two chunks) give the same bits, and agree with the plain module and the interpreter to 1e-12", { timeout: 60_000 }, async () => {
    // 3 threads for one case of each model: they clamp to the two chunks.
    const counts = c.kernels === "simd" && c.n === 5 ? [...threadCounts, 3] : threadCounts;
    const list = [oneThread.get(label(c))!, ...(await Promise.all(counts.slice(1).map((threads) => specialize<Module>(c.model, sizesOf(c.n), { cacheDir, kernels: c.kernels, threads }))))];
    expect(list.map((r) => r.threads)).toEqual(counts.map((t) => Math.min(t, chunksOf(c.n).length)));
    expect(list.slice(1).map((r) => r.generated)).toEqual(counts.slice(1).map(() => false));
    const ir = traceModel(c.model, sizesOf(c.n));
    const args = randomArguments(ir, 7 + c.n);
    const results = list.map((r) => run(r.module, args));
    const [first, ...rest] = results;
    expect(Object.keys(first!.arrays).length).toBe(ir.params.length + 2 * models.find((m) => m.name === c.name)!.states.length);
    for (const other of rest) {
      expect(Object.is(other.loss, first!.loss)).toBe(true);
      expect(Object.is(other.forwardLoss, first!.forwardLoss)).toBe(true);
      for (const [k, a] of Object.entries(first!.arrays)) expect(bits(other.arrays[k]!), k).toBe(bits(a));
    }
    expect(Object.is(first!.forwardLoss, first!.loss)).toBe(true);
    for (const r of list.slice(1)) await r.close();

    // The plain module at the full batch: the file specialize wrote, imported as it is.
    const plain = (await import(pathToFileURL(list[0]!.path).href)) as Module;
    const unsplit = run(plain, args);
    // The interpreter.
    const reference = interpret(ir, args.params, args.batch, true);
    const expected: Record<string, Float64Array> = {};
    for (const [k, g] of Object.entries(reference.grads!)) expected[`grad ${k}`] = g.data;
    for (const [k, m] of Object.entries(reference.final)) expected[k] = m.data;
    expect(Object.keys(expected).sort()).toEqual(Object.keys(first!.arrays).sort());
    expect(relErr([first!.loss], [unsplit.loss])).toBeLessThan(1e-12);
    expect(relErr([first!.loss], [reference.loss])).toBeLessThan(1e-12);
    for (const [k, e] of Object.entries(expected)) {
      expect(relErr(first!.arrays[k]!, unsplit.arrays[k]!), `${k} against the plain module`).toBeLessThan(1e-12);
      expect(relErr(first!.arrays[k]!, e), `${k} against the interpreter`).toBeLessThan(1e-12);
    }
    // The rest of the module is the plain module's: its sizes, and an optimizer step to the same bits.
    expect(list[0]!.module.sizes).toEqual(plain.sizes);
    const step = (module: Module) => {
      const params = Object.fromEntries(Object.entries(args.params).map(([k, p]) => [k, { ...p, data: Float64Array.from(p.data) }]));
      const grads = Object.fromEntries(Object.entries(args.grads).map(([k, g]) => [k, { ...g, data: first!.arrays[`grad ${k}`]! }]));
      module.sgdStep(params, grads, 0.1, 5);
      return Object.values(params).map((p) => bits(p.data));
    };
    const stepped = step(plain);
    expect(stepped).not.toEqual(Object.values(args.params).map((p) => bits(p.data)));
    expect(step(list[1]!.module)).toEqual(stepped);
  });
});

// Two RNNs that must not split, each by one rule of codegen/row-split.ts: one adds the sum of its
// rows to each row (a "summed" op that is not the loss), one adds 1/n (a constant that follows n).
const rnnSpec = {
  dims: { n: 3, d: 4, h: 5, v: 4, T: 2 },
  params: { U: ["d", "h"], W: ["h", "h"], V: ["h", "v"] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { h: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
  meanOver: ["T", "n"],
};
type Step = (p: Record<string, Mat<Dim, Dim>>, d: Record<string, Mat<Dim, Dim>>, s: Record<string, Mat<Dim, Dim>>, sizes: Record<string, number>) => unknown;
const variant = (name: string, step: Step): AnyModel => (defineModel as unknown as (spec: object) => AnyModel)({ ...rnnSpec, name, step });
const rowsSummed = variant("rowsSummed", ({ U, W, V }, { x, y }, { h }) => {
  const next = tanh(add(add(matmul(x!, U!), matmul(h!, W!)), sumRows(h!)));
  return { loss: softmaxCrossEntropy(matmul(next, V!), y!), state: { h: next } };
});
const overN = variant("overN", ({ U, W, V }, { x, y }, { h }, sizes) => {
  const next = tanh(add(add(matmul(x!, U!), matmul(h!, W!)), 1 / sizes["n"]!));
  return { loss: softmaxCrossEntropy(matmul(next, V!), y!), state: { h: next } };
});

describe("which models split, from the IR", () => {
  it("the RNN, the LSTM and the GRU, by their rows n; two chunks of nearly equal rows, the longer first", () => {
    for (const m of models) expect(rowSplit(traceModel(m.model, sizesOf(5)))).toEqual({ dim: "n", n: 5 });
    expect([2, 3, 5, 31, 32].map((n) => chunksOf(n).map((c) => c.rows))).toEqual([[1, 1], [2, 1], [3, 2], [16, 15], [16, 16]]);
    expect(chunksOf(31).map((c) => c.start)).toEqual([0, 16]);
  });
  it("not a model that sums its rows inside the step, nor one with a constant that follows n", () => {
    expect(rowSplit(traceModel(rowsSummed, {}))).toEqual({ why: expect.stringMatching(/^sumRows at test\/threads\.test\.ts:\d+:\d+ sums over the rows of n, and it is not the loss$/) });
    const full = traceModel(overN, {});
    expect(rowSplit(full)).toEqual({ dim: "n", n: 3 });
    expect(sameStepBut(full, traceModel(overN, { n: 1 }), "n")).toMatch(/^a constant read by add at test\/threads\.test\.ts:\d+:\d+ changes with n beyond its shape/);
    expect(sameStepBut(traceModel(rnn, sizesOf(5)), traceModel(rnn, sizesOf(2)), "n")).toBeUndefined();
  });
});

describe("what runs on one thread", () => {
  it("the attention model (its rows attend to each other) says why, and runs whole", async () => {
    const sizes = attentionSizes;
    const s = whole[0]!;
    expect(s.threads).toBe(1);
    expect(s.why).toMatch(/^its rows cannot run apart: matmul at dsl\/attention\.ts:\d+:\d+ mixes the rows of T/);
    const ir = traceModel(attention, sizes);
    const args = randomArguments(ir, 3);
    expect(relErr([run(s.module, args).loss], [interpret(ir, args.params, args.batch, false).loss])).toBeLessThan(1e-12);
  }, 120_000);

  it("one row runs the plain module", async () => {
    const s = whole[1]!;
    expect([s.threads, s.why]).toEqual([1, "one row (n = 1)"]);
  }, 120_000);

  it("the size budget counts every thread's chunk modules and copies: two threads may not fit where one does", async () => {
    const sizes = { n: 64, h: 2048, T: 450 };
    const ir = traceModel(rnn, sizes), chunks = chunksOf(64);
    const layout = (threads: number) => threadLayout(ir, chunks, chunkWeights(ir, "n", chunks), threads, { 32: "unused" });
    const irs = new Map([[32, traceModel(rnn, { ...sizes, n: 32 })]]);
    expect(() => checkThreadedBudget(ir, irs, layout(1))).not.toThrow();
    const refused = /^dsl\/rnn\.ts: at n=64 d=65 h=2048 v=65 T=450 on 2 threads the buffers would take 2\.\d\d GiB \(the threads' chunk modules and copies 1\.\d\d GiB, the shared memory 0\.\d\d GiB\), over the 2\.00 GiB limit; fewer threads need less$/;
    expect(() => checkThreadedBudget(ir, irs, layout(2))).toThrow(refused);
    // specialize checks it before it writes anything.
    const empty = mkdtempSync(join(work, "budget-"));
    await expect(specialize(rnn, sizes, { cacheDir: empty, threads: 2 })).rejects.toThrow(refused);
    expect(readdirSync(empty)).toEqual([]);
  });

  it("a thread count that is not a whole number from 1 up is refused in one line", async () => {
    await expect(specialize(rnn, sizesOf(2), { cacheDir, threads: 0 })).rejects.toThrow(/^specialize: threads must be a whole number from 1 up, got 0$/);
  });
});

describe("errors in worker threads", () => {
  // A stand-in for a chunk module: a call on a worker thread throws (a two-line message, of which
  // the caller should see the first); on the caller's thread it returns a loss and a final state.
  const fake = join(work, "fake-chunk.mjs");
  writeFileSync(
    fake,
    [
      'import { isMainThread } from "node:worker_threads";',
      "let calls = 0;",
      "const result = () => ({ loss: 1, hT: { rows: 1, cols: 6, data: new Float64Array(isMainThread ? 12 : 6) } });",
      'export function forward() { calls++; if (!isMainThread && calls === 1) throw new RangeError("chunk broke\\nsecond line"); return result(); }',
      "export const lossAndGrad = forward;",
    ].join("\n"),
  );
  // Chunks of 2 and 1 rows over two threads: the caller's thread runs the first, thread 1 the second.
  const layoutFor = (path: string) => {
    const ir = traceModel(rnn, sizesOf(3));
    return threadLayout(ir, [{ start: 0, rows: 2 }, { start: 2, rows: 1 }], [2 / 3, 1 / 3], 2, { 2: fake, 1: path });
  };

  it("reaches the caller as one line, and the next call runs", async () => {
    const runner = await startThreads(layoutFor(fake), sizesOf(3));
    const ir = traceModel(rnn, sizesOf(3));
    const args = randomArguments(ir, 1);
    const module = runner.module as unknown as Module;
    expect(() => module.forward(args.params, args.batch)).toThrow(/^forward: thread 1 failed: RangeError: chunk broke$/);
    expect(module.forward(args.params, args.batch).loss).toBe(1);
    await runner.close();
    expect(() => module.forward(args.params, args.batch)).toThrow(/^forward: this module was closed$/);
  }, 60_000);

  it("a worker that exits during a call is an error, not a wait without end", async () => {
    const exits = join(work, "exit-chunk.mjs");
    writeFileSync(exits, 'import { isMainThread } from "node:worker_threads";\nexport function forward() { if (!isMainThread) process.exit(3); return { loss: 1, hT: { rows: 2, cols: 6, data: new Float64Array(12) } }; }\nexport const lossAndGrad = forward;\n');
    const ir = traceModel(rnn, sizesOf(3));
    const runner = await startThreads<Module>(threadLayout(ir, [{ start: 0, rows: 2 }, { start: 2, rows: 1 }], [2 / 3, 1 / 3], 2, { 2: fake, 1: exits }), sizesOf(3));
    const args = randomArguments(ir, 1);
    expect(() => runner.module.forward(args.params, args.batch)).toThrow(/^forward: thread 1 exited during the call; this module cannot run again \(specialize it anew\)$/);
    expect(() => runner.module.forward(args.params, args.batch)).toThrow(/^forward: this module was closed$/);
    await runner.close();
  }, 60_000);

  it("a worker that cannot load its module rejects with one line", async () => {
    await expect(startThreads(layoutFor(join(work, "missing.mjs")), sizesOf(3))).rejects.toThrow(/^specialize: thread 1 could not start: .*missing\.mjs[^\n]*$/);
  }, 60_000);
});

describe("training", () => {
  it("1 and 2 threads give the same losses and checkpoints, and a run resumed on another thread count is the same run", async () => {
    const text = join(work, "text.txt");
    writeFileSync(text, trainText);
    const options = { text, model: charRnn, hidden: 8, seq: 5, batch: 3, val: 0, optimizer: "adagrad", clip: 5, seed: 2, fresh: true, sampleEvery: 1000, sampleLength: 5, temperature: 1, checkpointEvery: 1000, cacheDir } as const;
    const losses = async (out: string, threads: number, steps: number, resume = false) => {
      const seen: number[] = [];
      await train({ ...options, out: join(work, out), threads, steps, resume, fresh: !resume }, { onStep: (p) => seen.push(p.loss) });
      return seen;
    };
    const one = await losses("one", 1, 6), two = await losses("two", 2, 6);
    expect(one.length).toBe(6);
    expect(one.every(Number.isFinite)).toBe(true);
    expect(two).toEqual(one);
    const [a, b] = [readCheckpoint(join(work, "one")), readCheckpoint(join(work, "two"))];
    for (const [k, p] of Object.entries(a.params)) expect(bits(b.params[k]!), k).toBe(bits(p));
    // Three steps on 2 threads, then resumed to six on 1.
    expect(await losses("resumed", 2, 3)).toEqual(one.slice(0, 3));
    expect(await losses("resumed", 1, 6, true)).toEqual(one.slice(3));
  }, 300_000);
});
