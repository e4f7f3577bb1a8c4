// `shapegrad train --model`: every kind of character model (one state, two states, two states
// whose names end in digits, no state and a window), through the command as installed: trained,
// sampled from its checkpoint, and resumed after kill -9 to a bit-identical end; a checkpoint in
// the format of version 1 still read and resumed; a model file edited since its checkpoint, a model
// that declares nothing trainable and a dense-input one, refused with one line; a time budget.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../train/checkpoint.js";
import { repoRoot } from "./support/type-diagnostics.js";

const bin = join(repoRoot, "bin/shapegrad.js");
const work = mkdtempSync(join(tmpdir(), "shapegrad-train-models-"));
const cache = join(work, "cache");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const corpus = join(work, "corpus.txt");
writeFileSync(corpus, readFileSync(join(repoRoot, "data/shakespeare.txt"), "utf8").slice(0, 12_000));
const env = { ...process.env, SHAPEGRAD_CACHE_DIR: cache };

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: "utf8", timeout: 300_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs train, killing it with SIGKILL once its progress passes `pattern` (training is then past a checkpoint). */
async function killedRun(args: readonly string[], pattern: RegExp): Promise<void> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: work, env });
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (pattern.test(err) || child.exitCode !== null) {
        clearInterval(timer);
        child.kill("SIGKILL");
        resolve();
      }
    }, 2);
  });
  await new Promise((resolve) => child.on("close", resolve));
}

const models = [
  { file: "dsl/char-lstm.ts", name: "charLstm", states: ["h", "cell"], size: ["--hidden", "12", "--seq", "8", "--batch", "2"] },
  { file: "dsl/char-rnn2.ts", name: "charRnn2", states: ["h1", "h2"], size: ["--hidden", "12", "--seq", "8"] },
  { file: "dsl/attention.ts", name: "attention", states: [], size: ["--hidden", "8", "--seq", "8", "--dim", "k=4", "--dim", "m=8"] },
] as const;

describe.each(models)("train --model $file", ({ file, name, states, size }) => {
  const common = ["train", "--text", corpus, "--model", join(repoRoot, file), ...size, "--steps", "400", "--checkpoint-every", "50", "--val-every", "100", "--sample-every", "1000", "--sample-length", "20"];

  it("learns, carries every state in the checkpoint, samples from it, and resumes after kill -9 to a bit-identical end", async () => {
    const straight = join(work, `${name}-straight`), killed = join(work, `${name}-killed`);
    const r = run(...common, "--out", straight, "--json");
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, number | string>;
    expect(summary["model"]).toBe(name);
    expect(summary["valLoss"] as number).toBeLessThan(Math.log(summary["vocab"] as number) - 0.4);
    const checkpoint = readCheckpoint(straight);
    expect(checkpoint.modelFile?.path).toBe(join(repoRoot, file));
    expect(Object.keys(checkpoint.carried).sort()).toEqual([...states, "positions"].sort());
    for (const s of states) expect(checkpoint.carried[s]!.some((x) => x !== 0), `state ${s} carried`).toBe(true);
    const sample = run("sample", "--checkpoint", straight, "--length", "30", "--seed", "2", "--prime", "the ");
    expect(sample.status, sample.stderr).toBe(0);
    expect(Array.from(sample.stdout.slice(0, -1))).toHaveLength(34);
    expect(run("sample", "--checkpoint", straight, "--length", "30", "--seed", "2", "--prime", "the ").stdout).toBe(sample.stdout);
    if (states.length === 0) {
      // A window model evaluates each window on its own: the library's forwardFromCheckpoint (the
      // interpreter, one window at a time) on the held-out end of the text gives the trainer's
      // validation loss (the generated forward pass), to summation order.
      const { forwardFromCheckpoint } = await import("../train/from-checkpoint.js");
      const text = Array.from(readFileSync(corpus, "utf8"));
      const held = text.slice(text.length - Math.floor(text.length * 0.1)).join("");
      expect(Math.abs((await forwardFromCheckpoint(straight, held)) - (summary["valLoss"] as number))).toBeLessThan(1e-10);
    }

    await killedRun([...common, "--out", killed], /step (1[5-9]\d|2\d\d|3[0-4]\d)\/400/);
    expect(existsSync(join(killed, "checkpoint.json"))).toBe(true);
    const resumed = run(...common, "--out", killed, "--resume");
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at step (50|100|150|200|250|300)/);
    expect(readFileSync(join(killed, "checkpoint.json"))).toEqual(readFileSync(join(straight, "checkpoint.json")));
    expect(readFileSync(join(killed, "loss.jsonl"))).toEqual(readFileSync(join(straight, "loss.jsonl")));
  });
});

describe("checkpoints of format version 1 (before --model)", () => {
  const fixture = join(repoRoot, "test/fixtures/checkpoint-v1");
  it("are read, sampled and resumed: bit-identical to a run that never stopped", () => {
    const dir = join(work, "v1");
    cpSync(fixture, dir, { recursive: true });
    const text = join(dir, "text.txt"), old = join(dir, "run");
    expect(readFileSync(join(old, "checkpoint.json"), "utf8")).toMatch(/^\{"format":"shapegrad-checkpoint","version":1,/);
    expect(run("sample", "--checkpoint", old, "--length", "20").status).toBe(0);
    // The version 1 run trained on the whole text (no validation split), at h=8, T=8.
    const options = ["--hidden", "8", "--seq", "8", "--sample-length", "20", "--checkpoint-every", "20", "--steps", "70"];
    const resumed = run("train", "--text", text, ...options, "--out", old, "--resume");
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("resuming at step 40");
    const fresh = join(dir, "fresh");
    // It ran at Adagrad's 0.1, the default before dsl/char-rnn.ts declared its own rate (0.05).
    expect(run("train", "--text", text, ...options, "--val", "0", "--lr", "0.1", "--out", fresh).status).toBe(0);
    const [a, b] = [readCheckpoint(old), readCheckpoint(fresh)];
    expect(a.step).toBe(70);
    expect(a.params).toEqual(b.params);
    expect(a.optimizer).toEqual(b.optimizer);
    expect(a.carried).toEqual(b.carried);
    expect(readFileSync(join(old, "checkpoint.json"), "utf8")).toMatch(/^\{"format":"shapegrad-checkpoint","version":2,/);
  });
});

describe("model files", () => {
  /** A copy of a model of dsl/ that imports the library and its base model by absolute path. */
  function copyModel(name: string, text: string): string {
    const path = join(work, name);
    writeFileSync(path, text.replaceAll('"../src/index.js"', JSON.stringify(join(repoRoot, "src/index.js"))).replace(/"\.\/(\w+)\.js"/, (_, m: string) => JSON.stringify(join(repoRoot, `dsl/${m}.ts`))));
    return path;
  }

  it("refuses a checkpoint whose model file changed since, with one line", () => {
    const model = copyModel("my-rnn.ts", readFileSync(join(repoRoot, "dsl/char-rnn.ts"), "utf8"));
    const out = join(work, "changed");
    expect(run("train", "--text", corpus, "--model", model, "--hidden", "8", "--steps", "5", "--out", out).status).toBe(0);
    expect(run("sample", "--checkpoint", out, "--length", "5").status).toBe(0);
    writeFileSync(model, `${readFileSync(model, "utf8")}// edited\n`);
    for (const r of [run("sample", "--checkpoint", out, "--length", "5"), run("train", "--text", corpus, "--steps", "10", "--out", out, "--resume")]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^shapegrad: .*my-rnn\.ts changed since .*checkpoint\.json was made \(its text hash was [0-9a-f]{16}, is [0-9a-f]{16}\); train it again or restore the file\n$/);
    }
    const other = run("train", "--text", corpus, "--model", join(repoRoot, "dsl/char-gru.ts"), "--steps", "10", "--out", out, "--resume");
    expect(other.stderr).toMatch(/was made with --model .*my-rnn\.ts, not --model .*char-gru\.ts; drop --model to resume it/);
  });

  it("refuses a dense-input model with one line naming what is missing, writing nothing", () => {
    const dense = copyModel("dense.ts", 'import { defineModel } from "../src/index.js";\nimport rnn from "./rnn.js";\nexport default defineModel({ ...rnn.spec, name: "dense", trainable: { vocab: ["d", "v"], hidden: "h" } });\n');
    const out = join(work, "dense-out");
    const r = run("train", "--text", corpus, "--model", dense, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^shapegrad: .*dense\.ts: model dense has a dense input x; a character model's input is one-hot \(declare oneHot: \["x"\]\)\n$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("--time", () => {
  it("ends a run by wall-clock time (evaluation included), or by --steps when that comes first", () => {
    const timed = run("train", "--text", corpus, "--hidden", "16", "--seq", "8", "--time", "1.5s", "--val-every", "100000", "--out", join(work, "timed"), "--json");
    expect(timed.status, timed.stderr).toBe(0);
    const t = JSON.parse(timed.stdout) as { steps: number; seconds: number; valLoss: number };
    expect(t.steps).toBeGreaterThan(50);
    expect(t.seconds).toBeLessThan(1.5 + 0.5);
    expect(t.seconds).toBeGreaterThan(1.0);
    expect(t.valLoss).toBeGreaterThan(0);
    const log = readFileSync(join(work, "timed/loss.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step: number; valLoss?: number });
    expect(log.at(-1)).toEqual({ step: t.steps, valLoss: t.valLoss });
    const both = run("train", "--text", corpus, "--hidden", "16", "--seq", "8", "--time", "2m", "--steps", "30", "--out", join(work, "both"), "--json");
    expect((JSON.parse(both.stdout) as { steps: number }).steps).toBe(30);
  });
});

describe("the library's train()", () => {
  it("takes the model as an option, a declared model or its file", async () => {
    const { train } = await import("../train/trainer.js");
    const { default: charGru } = await import("../dsl/char-gru.js");
    const base = { text: corpus, hidden: 8, seq: 6, steps: 20, optimizer: "adagrad", clip: 5, seed: 3, resume: false, fresh: true, sampleEvery: 1000, sampleLength: 5, temperature: 1, checkpointEvery: 1000, cacheDir: cache } as const;
    const byObject = await train({ ...base, model: charGru, out: join(work, "lib-object") });
    const byFile = await train({ ...base, model: join(repoRoot, "dsl/char-gru.ts"), out: join(work, "lib-file") });
    expect(byObject.model).toBe("charGru");
    expect(byObject.sizes).toEqual({ n: 1, d: byObject.vocab, h: 8, v: byObject.vocab, T: 6 });
    expect(readCheckpoint(join(work, "lib-object")).params).toEqual(readCheckpoint(join(work, "lib-file")).params);
    expect(byFile.valLoss).toBeGreaterThan(0);
    expect(readCheckpoint(join(work, "lib-file")).modelFile?.path).toBe(join(repoRoot, "dsl/char-gru.ts"));
  });
});
