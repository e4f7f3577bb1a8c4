// Hostile input, round two (issue 17), from the command line: one line on stderr for every refusal
// (what was wrong, the file or option, what to do), a non-zero exit, and nothing written. Two runs
// into one folder; sizes whose training arrays would not fit; options with bad values; a model's
// own exception and a model file's mistakes; files that cannot be written (as an unprivileged user
// where the tests run as root, since root's writes ignore permissions).
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/type-diagnostics.js";

const bin = join(repoRoot, "bin/shapegrad.js");
const work = mkdtempSync(join(tmpdir(), "shapegrad-hostile-cli-"));
chmodSync(work, 0o755);
afterAll(() => {
  chmodSync(join(work, "read-only"), 0o755);
  rmSync(work, { recursive: true, force: true });
});
const corpus = join(work, "corpus.txt");
writeFileSync(corpus, readFileSync(join(repoRoot, "data/shakespeare.txt"), "utf8").slice(0, 20_000));
const env: NodeJS.ProcessEnv = { ...process.env, SHAPEGRAD_CACHE_DIR: join(work, "cache") };
delete env["SHAPEGRAD_DEBUG"];

function run(args: readonly string[], user: readonly string[] = [], extra: Record<string, string> = {}) {
  const [command, ...rest] = [...user, process.execPath, bin, ...args];
  const r = spawnSync(command!, rest, { cwd: work, encoding: "utf8", timeout: 300_000, env: { ...env, ...extra } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const oneLine = (stderr: string) => stderr.trimEnd().split("\n");

describe("a run folder holds one run at a time", () => {
  it("a second run into the folder is refused, naming it and the holder's pid; a lock left by a killed run is taken over", async () => {
    const out = join(work, "locked");
    const small = ["--text", corpus, "--hidden", "16", "--seq", "8", "--val", "0", "--sample-every", "100000", "--out", out];
    const first = spawn(process.execPath, [bin, "train", ...small, "--steps", "1000000", "--checkpoint-every", "50"], { cwd: work, env, stdio: "ignore" });
    const lock = join(out, ".lock");
    for (let i = 0; i < 600 && !existsSync(join(out, "checkpoint.json")); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(lock, "utf8").trim()).toBe(String(first.pid));
    const second = run(["train", ...small, "--steps", "10", "--fresh"]);
    expect(second.status).toBe(1);
    expect(oneLine(second.stderr)).toEqual([`shapegrad: ${out} is in use by another training run (pid ${first.pid}); wait for it to end or choose another --out`]);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    expect(existsSync(lock)).toBe(true);
    const resumed = run(["train", ...small, "--steps", "100000000", "--time", "1s", "--resume"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });
});

describe("one line, nothing written", () => {
  it("sizes whose parameters, gradients and optimizer state would not fit are refused before generating, with both figures", () => {
    const out = join(work, "huge");
    const r = run(["train", "--text", corpus, "--hidden", "100000", "--kernels", "js", "--out", out]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/h=100000 .*the parameters, their gradients and adagrad's state would take [\d.]+ GiB \(3 × [\d.]+ GiB\) and the generated buffers [\d.]+ GiB: [\d.]+ GiB in all, over the 2\.00 GiB limit/);
    expect(existsSync(out)).toBe(false);
  });

  it.each([["--hidden", "0"], ["--seq", "abc"], ["--lr", "-1"], ["--bogus"], ["--dim", "h=-3"], ["--dim", "h=1.5"]])("train %s %s: the error and one hint line", (...args) => {
    const out = join(work, "bad-option");
    const r = run(["train", "--text", corpus, "--out", out, ...args]);
    expect(r.status).toBe(1);
    const lines = oneLine(r.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[1]).toBe("see shapegrad train --help");
    expect(existsSync(out)).toBe(false);
  });

  it("a model's own exception is one line saying it is unexpected; --debug and SHAPEGRAD_DEBUG=1 show the stack", () => {
    const file = join(work, "throws.ts");
    writeFileSync(file, `import { defineModel } from ${JSON.stringify(join(repoRoot, "src/index.ts"))};\nexport default defineModel({ name: "throws", dims: { n: 2 }, params: {}, inputs: {}, targets: {}, step() { throw new Error("boom\\nsecond line"); } });\n`);
    const r = run(["generate", file, "--out", join(work, "throws-out.ts")]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toEqual(["shapegrad: Error: boom (unexpected; run with --debug for the stack trace)"]);
    const debug = run(["generate", file, "--out", join(work, "throws-out.ts"), "--debug"]);
    expect(debug.status).not.toBe(0);
    expect(debug.stderr).toMatch(/Error: boom[\s\S]*\n\s+at /);
    const variable = run(["generate", file, "--out", join(work, "throws-out.ts")], [], { SHAPEGRAD_DEBUG: "1" });
    expect(variable.stderr).toMatch(/Error: boom[\s\S]*\n\s+at /);
    expect(existsSync(join(work, "throws-out.ts"))).toBe(false);
  });

  const model = (name: string, body: string) => {
    const file = join(work, `${name}.ts`);
    writeFileSync(file, `import { defineModel, matmul, named, softmaxCrossEntropy } from ${JSON.stringify(join(repoRoot, "src/index.ts"))};\n${body}\n`);
    return file;
  };
  const spec = (params: string, loss: string) =>
    `export default defineModel({ name: "m", dims: { n: 2, d: 3, v: 4 }, params: ${params}, inputs: { x: ["n", "d"] }, targets: { y: ["n", "v"] }, step({ W }: any, { x, y }: any) { return { loss: softmaxCrossEntropy(${loss}, y) }; } });`;
  it.each([
    ["a plain __proto__ key among the params", spec(`{ __proto__: ["d", "v"], W: ["d", "v"] } as any`, "matmul(x, W)"), /: model m: params: a plain "__proto__" key sets the object's prototype instead of declaring a param; "__proto__" cannot be a name$/],
    ["named() with a name that is not one", spec(`{ W: ["d", "v"] }`, `named("A*/evil", matmul(x, W))`), /\.ts:\d+:\d+: named: "A\*\/evil" is not a name shapegrad accepts \(ASCII letters, digits and _, not starting with a digit\)$/],
    ["named() with a parameter's name", spec(`{ W: ["d", "v"] }`, `named("W", matmul(x, W))`), /\.ts:\d+:\d+: model m: named\("W", …\) would give a computed value the name of the model's param W; choose another name$/],
    ["a non-ASCII name", spec(`{ Ω: ["d", "v"], W: ["d", "v"] }`, "matmul(x, W)"), /: model m: param name: "Ω" is not a name shapegrad accepts \(ASCII letters, digits and _, not starting with a digit\)$/],
    ["a default export that defineModel did not make", `export default { spec: { step() { return {}; } } };`, /: its default export is not a model made by defineModel \(export default defineModel\(\{ \.\.\. \}\)\)$/],
  ])("%s", (name, body, message) => {
    const file = model(name.replace(/\W+/g, "-"), body);
    const r = run(["generate", file, "--out", join(work, "never.ts")]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(existsSync(join(work, "never.ts"))).toBe(false);
  });

  it("names may hold _ in named() as everywhere else", () => {
    const r = run(["generate", model("underscore", spec(`{ W: ["d", "v"] }`, `named("A_1", matmul(x, W))`)), "--out", join(work, "underscore-out.ts")]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(work, "underscore-out.ts"), "utf8")).toContain("A_1");
  });
});

describe("generate --out where it cannot write: one line naming the path given", () => {
  const mlp = join(repoRoot, "dsl/mlp.ts");
  // Root writes anywhere: the permission cases run as an unprivileged user when the tests run as root.
  const user = process.getuid?.() === 0 ? ["runuser", "-u", "nobody", "--"] : [];
  it("into a read-only folder", () => {
    const dir = join(work, "read-only");
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const r = run(["generate", mlp, "--out", "read-only/mlp.ts"], user);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toEqual(["shapegrad: cannot write read-only/mlp.ts: no permission to write in read-only"]);
  });
  it("at a folder, under a file, over a read-only file", () => {
    mkdirSync(join(work, "a-folder.ts"));
    writeFileSync(join(work, "a-file"), "x");
    writeFileSync(join(work, "kept.ts"), "kept");
    chmodSync(join(work, "kept.ts"), 0o444);
    const cases = [
      ["a-folder.ts", "shapegrad: cannot write a-folder.ts: it is a folder; give a file name"],
      ["a-file/mlp.ts", "shapegrad: cannot write a-file/mlp.ts: a-file is a file, not a folder"],
      ["kept.ts", "shapegrad: cannot write kept.ts: the file is read-only (its owner has no write permission); make it writable or choose another path"],
    ];
    for (const [out, line] of cases) {
      const r = run(["generate", mlp, "--out", out!]);
      expect(r.status).toBe(1);
      expect(oneLine(r.stderr)).toEqual([line]);
    }
    expect(readFileSync(join(work, "kept.ts"), "utf8")).toBe("kept");
  });
});
