// The main job end to end, through the command as installed: a short run learns, an interrupted
// run (kill -9) resumes to a bit-identical end, and bad input gets one clear line, a non-zero exit
// and no --out directory.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/type-diagnostics.js";

const bin = join(repoRoot, "bin/shapegrad.js");
const work = mkdtempSync(join(tmpdir(), "shapegrad-train-"));
const cache = join(work, "cache");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = readFileSync(join(repoRoot, "data/shakespeare.txt"), "utf8").slice(0, 20_000);
const corpus = join(work, "corpus.txt");
writeFileSync(corpus, text);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: "utf8", timeout: 300_000, env: { ...process.env, SHAPEGRAD_CACHE_DIR: cache } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const small = ["--hidden", "32", "--seq", "16", "--sample-every", "100", "--sample-length", "40", "--checkpoint-every", "50"];

describe("shapegrad train", () => {
  it("lowers the loss well below ln(vocab), with samples, a log, validation, a plot and a checkpoint", () => {
    const out = join(work, "learn");
    const r = run("train", "--text", corpus, ...small, "--steps", "400", "--val-every", "150", "--out", out, "--json");
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim()) as Record<string, number | string>;
    const vocab = summary["vocab"] as number;
    expect(summary["model"]).toBe("charRnn");
    expect(summary["steps"]).toBe(400);
    expect(Math.abs((summary["firstLoss"] as number) - Math.log(vocab))).toBeLessThan(0.05);
    expect(summary["finalLoss"] as number).toBeLessThan(Math.log(vocab) - 0.9);
    expect(summary["msPerStep"] as number).toBeGreaterThan(0);
    expect(summary["checkpoint"]).toBe(join(out, "checkpoint.json"));
    expect(r.stderr).toContain("--- sample at step 100 ---");
    const log = readFileSync(join(out, "loss.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step: number; loss?: number; valLoss?: number });
    const losses = log.filter((e) => e.loss !== undefined);
    expect(losses.map((e) => e.step)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    // Each label is what it says: the last step's loss, the mean of the last 100, the 0.999-smoothed value.
    expect(summary["lastLoss"]).toBe(losses[399]!.loss);
    expect(summary["finalLoss"] as number).toBeCloseTo(losses.slice(300).reduce((s, e) => s + e.loss!, 0) / 100, 12);
    const smooth = losses.reduce((s, e, i) => (i === 0 ? e.loss! : 0.999 * s + 0.001 * e.loss!), 0);
    expect(summary["smoothLoss"] as number).toBeCloseTo(smooth, 12);
    // Validation: measured at 150, 300 and at the end; it falls, and it is what --json reports.
    const val = log.filter((e) => e.valLoss !== undefined);
    expect(val.map((e) => e.step)).toEqual([150, 300, 400]);
    expect(summary["valLoss"]).toBe(val[2]!.valLoss);
    expect(val[2]!.valLoss!).toBeLessThan(val[0]!.valLoss!);
    expect(val[2]!.valLoss!).toBeLessThan(Math.log(vocab) - 0.5);
    expect(r.stderr).toContain(`step 400: validation loss ${val[2]!.valLoss!.toFixed(4)}`);
    expect(r.stderr).toMatch(/the last 2000 held out for validation/);
    expect(r.stderr).toMatch(/step 400\/400  loss \d\.\d{4}  smoothed \d\.\d{4}  val (\d\.\d{4}|–)  [1-9][\d,]{3,} chars\/s/);
    const svg = readFileSync(join(out, "loss.svg"), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<circle class="validation"/g)).toHaveLength(3);
    expect(svg).toContain(`validation (mean over held-out text), last ${val[2]!.valLoss!.toFixed(3)}`);
    const sample = run("sample", "--checkpoint", out, "--length", "60", "--temperature", "0.8", "--seed", "3", "--prime", "the ");
    expect(sample.status, sample.stderr).toBe(0);
    expect(sample.stdout.startsWith("the ")).toBe(true);
    expect(Array.from(sample.stdout.slice(0, -1))).toHaveLength(64);
  });

  it("is reproducible, and a run killed with SIGKILL resumes to a bit-identical end", async () => {
    const straight = join(work, "straight");
    expect(run("train", "--text", corpus, ...small, "--steps", "300", "--out", straight).status).toBe(0);
    const again = join(work, "again");
    expect(run("train", "--text", corpus, ...small, "--steps", "300", "--out", again).status).toBe(0);
    expect(readFileSync(join(again, "checkpoint.json"))).toEqual(readFileSync(join(straight, "checkpoint.json")));

    const killed = join(work, "killed");
    const child = spawn(process.execPath, [bin, "train", "--text", corpus, ...small, "--steps", "300", "--out", killed], { cwd: work, env: { ...process.env, SHAPEGRAD_CACHE_DIR: cache } });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        // Kill once a checkpoint exists and training has gone past it.
        if (/step (1[3-9]\d|2\d\d)\/300/.test(err) || child.exitCode !== null) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on("close", resolve));
    expect(existsSync(join(killed, "checkpoint.json"))).toBe(true);
    const resumed = run("train", "--text", corpus, ...small, "--steps", "300", "--out", killed, "--resume", "--json");
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at step (50|100|150|200|250)/);
    expect(readFileSync(join(killed, "checkpoint.json"))).toEqual(readFileSync(join(straight, "checkpoint.json")));
    expect(readFileSync(join(killed, "loss.jsonl"))).toEqual(readFileSync(join(straight, "loss.jsonl")));
  });

  it("refuses to overwrite a run without --fresh, and to resume with other sizes", () => {
    const out = join(work, "learn");
    expect(run("train", "--text", corpus, "--steps", "10", "--out", out).stderr).toContain("already holds a run; pass --resume to continue it, --fresh to replace it");
    expect(run("sample", "--checkpoint", join(work, "nowhere")).stderr).toContain("no checkpoint in");
    const other = run("train", "--text", corpus, ...small, "--hidden", "48", "--steps", "500", "--out", out, "--resume");
    expect(other.status).toBe(1);
    expect(other.stderr).toContain("checkpoint.json was made with --hidden 32, not --hidden 48; drop those options to resume it");
  });

  it("stops on a loss that is not finite, naming the step and keeping the last good checkpoint", () => {
    const out = join(work, "diverge");
    const r = run("train", "--text", corpus, "--optimizer", "sgd", "--lr", "1e308", "--clip", "1e308", "--steps", "50", "--checkpoint-every", "1", "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/training stopped at step (\d+): the loss is (NaN|Infinity|-Infinity); the last good checkpoint is .*checkpoint\.json \(step \d+\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(run("sample", "--checkpoint", out, "--length", "5").status).toBe(0);
  });

  const binary = join(work, "binary.bin");
  writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
  const empty = join(work, "empty.txt");
  writeFileSync(empty, "");
  const one = join(work, "one.txt");
  writeFileSync(one, "aaaaaaaaaa");
  const short = join(work, "short.txt");
  writeFileSync(short, "abcdefghij");
  it.each([
    [["--text", join(work, "missing.txt")], /missing\.txt: no such file/],
    [["--text", empty], /empty\.txt is empty/],
    [["--text", binary], /binary\.bin looks binary/],
    [["--text", one], /only one distinct character/],
    [["--text", short], /the text has 9 characters for training \(--val 0\.1 holds out 1\): too short for 1 stream of --seq 25/],
    [["--text", short, "--val", "0"], /the text has 10 characters: too short for 1 stream of --seq 25/],
    [["--text", corpus, "--val", "0.0001"], /--val 0\.0001 holds out 2 characters: too few for 1 stream of --seq 25 \(each needs at least 26\)/],
    [["--text", corpus, "--val", "1"], /option '--val <fraction>' argument '1' is invalid\. must be a fraction/],
    [["--text", corpus, "--time", "60"], /option '--time <duration>' argument '60' is invalid\. must be a duration such as 60s or 2m/],
    [["--text", corpus, "--hidden", "16", "--dim", "h=32"], /--hidden 16 and --dim h=32 disagree/],
    [["--text", corpus, "--dim", "v=10"], /--dim v=10: v is the vocabulary's size, which the text sets/],
    [["--text", corpus, "--dim", "q=3"], /unknown dim "q"; the model's dims are n, d, h, v, T/],
    [["--text", corpus, "--model", join(repoRoot, "dsl/rnn.ts")], /model rnn declares no trainable dims/],
    [["--text", corpus, "--model", join(repoRoot, "dsl/attention.ts"), "--batch", "2"], /--batch 2: model attention reads one window per step/],
    [["--text", corpus, "--hidden", "0"], /option '--hidden <n>' argument '0' is invalid\. must be a positive integer/],
    [["--text", corpus, "--lr", "-1"], /option '--lr <x>' argument '-1' is invalid\. must be a positive number/],
    [["--text", corpus, "--seq", "abc"], /option '--seq <n>' argument 'abc' is invalid/],
    [["--text", corpus, "--epsilon", "1"], /--epsilon 1: Adagrad's ε must be a positive number below 1/],
    [["--text", corpus, "--epsilon", "1e-8", "--optimizer", "adam"], /--epsilon is Adagrad's; --optimizer adam takes none/],
    [["--text", corpus, "--optimizer", "rmsprop"], /argument 'rmsprop' is invalid\. Allowed choices are adagrad, adam, sgd/],
    [["--text", corpus, "--bogus"], /unknown option '--bogus'/],
    [["--text", corpus, "--resume"], /no checkpoint in .* to resume/],
  ])("refuses %j with one clear line, writing nothing", (args, message) => {
    const out = join(work, `bad-${Math.random().toString(36).slice(2)}`);
    const r = run("train", ...args, "--out", out);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
