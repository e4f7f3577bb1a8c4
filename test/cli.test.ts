// The command line as a person uses it: `node bin/shapegrad.js ...` in a scratch project (the
// compiled CLI, as installed). Refusals exit non-zero with a clear message and write nothing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diagnosticsTs6, diagnosticsTsc7, repoRoot } from "./support/type-diagnostics.js";

const bin = join(repoRoot, "bin/shapegrad.js");
const work = mkdtempSync(join(tmpdir(), "shapegrad-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A scratch project with the repository's models, importing the library by absolute path. */
function project(name: string, extraModels: Readonly<Record<string, string>> = {}): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "dsl"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  const lib = join(repoRoot, "src/index.js");
  for (const f of ["rnn.ts", "mlp.ts"]) writeFileSync(join(dir, "dsl", f), readFileSync(join(repoRoot, "dsl", f), "utf8").replace("../src/index.js", lib));
  for (const [f, text] of Object.entries(extraModels)) writeFileSync(join(dir, "dsl", f), text.replace("LIB", lib));
  return dir;
}

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

const filesUnder = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe("shapegrad --help and --version", () => {
  it("prints help listing the commands, and the version", () => {
    const help = run(repoRoot, "--help");
    expect(help.status).toBe(0);
    for (const command of ["generate", "gradcheck", "demo"]) expect(help.stdout).toContain(command);
    expect(run(repoRoot, "--version").stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run(repoRoot, "generate", "--help").stdout).toContain("--dim <name=size>");
  });
  it("refuses an unknown command or option", () => {
    expect(run(repoRoot, "frobnicate").status).not.toBe(0);
    const r = run(repoRoot, "generate", "--frobnicate");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });
});

describe("shapegrad generate", () => {
  it("regenerates every model in dsl/ into generated/, and --check then passes", () => {
    const dir = project("all");
    const r = run(dir, "generate");
    expect(r.status, r.all).toBe(0);
    expect(filesUnder(join(dir, "generated"))).toEqual(["mlp.ts", "rnn.ts"]);
    expect(readFileSync(join(dir, "generated/rnn.ts"), "utf8")).toContain("from dsl/rnn.ts: do not edit");
    const check = run(dir, "generate", "--check");
    expect(check.status, check.all).toBe(0);
  });
  it("--check names a stale or missing file and exits 1", () => {
    const dir = project("stale");
    run(dir, "generate");
    writeFileSync(join(dir, "generated/rnn.ts"), readFileSync(join(dir, "generated/rnn.ts"), "utf8").replace("T: 25", "T: 24"));
    rmSync(join(dir, "generated/mlp.ts"));
    const r = run(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("generated/rnn.ts is stale (from dsl/rnn.ts)");
    expect(r.stderr).toContain("generated/mlp.ts is missing (from dsl/mlp.ts)");
  });
  it("generates one model at other sizes to --out, as TypeScript or JavaScript", () => {
    const dir = project("out");
    const r = run(dir, "generate", "dsl/rnn.ts", "--dim", "h=64", "--dim", "T=10", "--out", "some/file.ts");
    expect(r.status, r.all).toBe(0);
    const text = readFileSync(join(dir, "some/file.ts"), "utf8");
    expect(text).toContain("Model rnn at n=1 d=65 h=64 v=65 T=10");
    expect(run(dir, "generate", "dsl/rnn.ts", "--dim", "h=8", "--out", "js/rnn.js").status).toBe(0);
    expect(readFileSync(join(dir, "js/rnn.js"), "utf8")).toContain("export function lossAndGrad(params, batch, grads)");
  });
  it("--kernels simd: a module with WebAssembly kernels that type-checks alone (strict, no DOM or Node types) under both compilers, and runs", async () => {
    const dir = project("simd");
    expect(run(dir, "generate", "dsl/rnn.ts", "--dim", "h=12", "--dim", "T=3", "--kernels", "simd", "--out", "simd/rnn.ts").status).toBe(0);
    const text = readFileSync(join(dir, "simd/rnn.ts"), "utf8");
    expect(text).toMatch(/kernels\.product_1x12x12\(/);
    // The kernels' WebAssembly text, from which the embedded bytes were assembled, ends the module.
    expect(text).toMatch(/\/\/ \(func \$product_1x12x12 \(export "product_1x12x12"\)/);
    const compilerOptions = { strict: true, noEmit: true, target: "es2022", lib: ["es2022"], module: "nodenext", types: [], noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, verbatimModuleSyntax: true };
    writeFileSync(join(dir, "simd/tsconfig.json"), JSON.stringify({ compilerOptions, include: ["rnn.ts"] }));
    expect(diagnosticsTs6(join(dir, "simd/tsconfig.json"))).toEqual([]);
    expect(await diagnosticsTsc7(join(dir, "simd/tsconfig.json"))).toEqual([]);
    expect(run(dir, "generate", "dsl/rnn.ts", "--dim", "h=12", "--dim", "T=3", "--kernels", "simd", "--out", "simd/rnn.js").status).toBe(0);
    const module = (await import(join(dir, "simd/rnn.js"))) as { lossAndGrad: unknown; sizes: { h: number } };
    expect(typeof module.lossAndGrad).toBe("function");
    expect(module.sizes.h).toBe(12);
    expect(run(dir, "generate", "dsl/rnn.ts", "--kernels", "avx", "--out", "x.ts").stderr).toMatch(/--kernels <kind>' argument 'avx' is invalid\. Allowed choices are js, simd/);
  });
  it("accepts h=1024 with T=1000", () => {
    const dir = project("large");
    expect(run(dir, "generate", "dsl/rnn.ts", "--dim", "h=1024", "--dim", "T=1000", "--out", "big.ts").status).toBe(0);
  });
  it.each([
    [["--dim", "q=3"], /unknown dim "q"; the model's dims are n, d, h, v, T/],
    [["--dim", "h=0"], /h=0: a size must be a positive integer/],
    [["--dim", "h=1.5"], /h=1.5: a size must be a positive integer/],
    [["--dim", "h=-4"], /h=-4: a size must be a positive integer/],
    [["--dim", "h"], /"h" is not name=size/],
    [["--dim", "n=64", "--dim", "h=8192", "--dim", "T=1000"], /would take [\d.]+ GiB, over the 2\.00 GiB limit/],
  ])("refuses %j before writing anything", (args, message) => {
    const dir = project(`refuse-${Math.random().toString(36).slice(2)}`);
    const r = run(dir, "generate", "dsl/rnn.ts", ...args, "--out", "out.ts");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, "out.ts"))).toBe(false);
  });
  it("refuses a model that the validator rejects, with file, line, op and both shapes, writing nothing", () => {
    const bad = `import { add, defineModel, matmul, softmaxCrossEntropy } from "LIB";
export default defineModel({
  name: "bad",
  dims: { n: 2, d: 3, h: 4 },
  params: { W: ["d", "h"] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "h"] },
  step: ({ W }, { x, y }) => ({ loss: softmaxCrossEntropy(add(matmul(x, W), matmul(y as never, W as never)), y) }),
});
`;
    const dir = project("invalid", { "bad.ts": bad });
    const r = run(dir, "generate");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/matmul: a is n×h \(2×4\) but b is d×h \(3×4\); inner dims h and d differ \(at dsl\/bad\.ts:8:\d+\)/);
    expect(existsSync(join(dir, "generated"))).toBe(false);
  });
  it.each([
    ["syntax.ts", "export default defineModel({ name: ", /dsl\/syntax\.ts: the model file could not be loaded/],
    ["throws.ts", `throw new Error("declared wrongly");`, /dsl\/throws\.ts: the model file could not be loaded: declared wrongly/],
    ["notmodel.ts", "export default 42;", /dsl\/notmodel\.ts: its default export is not a model/],
  ])("refuses a broken model file (%s), writing nothing", (file, text, message) => {
    const dir = project(`broken-${file}`, { [file]: text });
    const r = run(dir, "generate");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, "generated"))).toBe(false);
  });
  it("refuses a missing file and a directory", () => {
    const dir = project("missing");
    expect(run(dir, "generate", "dsl/nope.ts").stderr).toContain("dsl/nope.ts: no such file");
    expect(run(dir, "generate", "dsl").stderr).toContain("dsl: not a file");
  });
});

describe("shapegrad generate --watch", () => {
  it("regenerates when a model changes", async () => {
    const dir = project("watch");
    const child = spawn(process.execPath, [bin, "generate", "dsl/mlp.ts", "--watch"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (text: string) => {
      for (let i = 0; i < 200 && !output.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain(text);
    };
    try {
      await waitFor("watching");
      writeFileSync(join(dir, "dsl/mlp.ts"), readFileSync(join(dir, "dsl/mlp.ts"), "utf8").replace("h: 16", "h: 17"));
      for (let i = 0; i < 200 && !readFileSync(join(dir, "generated/mlp.ts"), "utf8").includes("h=17"); i++) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(join(dir, "generated/mlp.ts"), "utf8")).toContain("Model mlp at n=8 d=4 h=17 v=3");
    } finally {
      child.kill();
    }
  });
});

describe("shapegrad gradcheck", () => {
  it.each(["js", "simd"])("checks every gradient of the generated RNN (--kernels %s) against finite differences", (kernels) => {
    const dir = project(`gradcheck-${kernels}`);
    const r = run(dir, "gradcheck", "dsl/rnn.ts", "--dim", "h=12", "--dim", "T=4", "--dim", "n=2", "--kernels", kernels);
    expect(r.status, r.all).toBe(0);
    for (const name of ["U", "W", "b", "V", "c", "h0"]) {
      // gradient, entries, checked, error vs finite differences, error vs the interpreter
      const row = new RegExp(`^${name} +\\d+ +\\d+ +(\\S+) +(\\S+)$`, "m").exec(r.stdout);
      expect(row, `${name} row in\n${r.stdout}`).not.toBeNull();
      expect(Number(row![1]), `${name} vs finite differences`).toBeLessThan(1e-6);
      expect(Number(row![2]), `${name} vs interpreter`).toBeLessThan(1e-12);
    }
    expect(r.stdout).toContain("ok: every gradient within 1e-6 of finite differences");
  });
});

