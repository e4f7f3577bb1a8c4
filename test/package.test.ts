// The package as a user gets it: `npm pack`, installed into a fresh TypeScript project. The
// consumer's well-shaped program type-checks (against the shipped .d.ts, skipLibCheck off) and
// runs, an ill-shaped one is reported with shapegrad's message, and the CLI answers.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readmeOpExample } from "./support/readme-example.js";
import { repoRoot } from "./support/type-diagnostics.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-pack-"));
const app = join(work, "app");
const tsc = join(repoRoot, "node_modules/.bin/tsc");

beforeAll(() => {
  execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: repoRoot, stdio: "pipe" });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack wrote no tarball");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--silent", "--no-audit", "--no-fund", "--prefer-offline", join(work, tarball)], { cwd: app, stdio: "pipe" });
  const options = { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: false, outDir: "out", types: [] };
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: options, include: ["*.ts"] }));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function compile(source: string): { status: number | null; output: string } {
  writeFileSync(join(app, "app.ts"), source);
  const r = spawnSync(tsc, ["-p", app, "--pretty", "false"], { encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("the packed package in a fresh project", () => {
  it("type-checks and runs a well-shaped program", () => {
    const r = compile(`
import { dim, zeros, matmul, transpose, randn, rng, type Mat } from "shapegrad";
const n = dim("n", 4), d = dim("d", 3), h = dim("h", 5);
const X = randn(n, d, rng(1));
const G = zeros(n, h);
const dU: Mat<"d", "h"> = matmul(transpose(X), G);
console.log(\`\${dU.rowDim}×\${dU.colDim} \${dU.rows}×\${dU.cols}\`);
`);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
    const ran = spawnSync("node", [join(app, "out/app.js")], { encoding: "utf8" });
    expect(ran.stdout.trim()).toBe("d×h 3×5");
  });

  it("reports a shape mistake with shapegrad's message", () => {
    const r = compile(`
import { dim, zeros, matmul } from "shapegrad";
const n = dim("n", 4), d = dim("d", 3), h = dim("h", 5);
export const bad = matmul(zeros(n, d), zeros(n, h));
`);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("matmul: a is n×d but b is n×h; inner dims d and n differ");
  });

  it("gives the gradient rules' helpers from shapegrad/ops, not from the main entry", () => {
    const ok = compile(`import { tanhGrad } from "shapegrad/ops";\nimport { dim, zeros } from "shapegrad";\nconsole.log(tanhGrad(zeros(dim("n", 2), 3), zeros(dim("n", 2), 3)).rows);\n`);
    expect(ok.output).toBe("");
    const bad = compile(`import { tanhGrad } from "shapegrad";\nexport { tanhGrad };\n`);
    expect(bad.output).toMatch(/has no exported member( named)? 'tanhGrad'/);
  });

  it("installs the shapegrad command", () => {
    const r = spawnSync(join(app, "node_modules/.bin/shapegrad"), ["--version"], { encoding: "utf8" });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("generates a model with SIMD kernels from the installed package (wabt comes with it), and the module runs", () => {
    const model = join(app, "node_modules/shapegrad/dsl/rnn.ts");
    const r = spawnSync(join(app, "node_modules/.bin/shapegrad"), ["generate", model, "--kernels", "simd", "--dim", "h=8", "--dim", "T=2", "--out", "gen/rnn.js"], { cwd: app, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const script = `import { sizes, forward } from "./gen/rnn.js";
const m = (r, c) => ({ rows: r, cols: c, data: new Float64Array(r * c).fill(0.1) });
const { n, d, h, v, T } = sizes;
const { loss } = forward({ U: m(d, h), W: m(h, h), b: m(1, h), V: m(h, v), c: m(1, v) }, { xs: m(T * n, d), ys: m(T * n, v), h0: m(n, h) });
console.log(loss.toFixed(6));`;
    const ran = spawnSync("node", ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
    expect(ran.stderr).toBe("");
    // Every output of the step is the same, so the softmax is uniform: loss = -Σ 0.1·log(1/v) per row, over the mean.
    expect(Number(ran.stdout.trim())).toBeCloseTo(0.1 * 65 * Math.log(65), 5);
  });

  it("runs the README's \"Adding an op\" example: it type-checks, and gradcheck, explain and generate take the op", () => {
    const files = readmeOpExample();
    for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text);
    try {
      const r = compile("export {};\n");
      expect(r.output).toBe("");
      expect(r.status).toBe(0);
      const cli = (...args: string[]) => spawnSync(join(app, "node_modules/.bin/shapegrad"), args, { cwd: app, encoding: "utf8" });
      const check = cli("gradcheck", "softsign-mlp.ts");
      expect(check.status, check.stderr).toBe(0);
      const explained = cli("explain", "softsign-mlp.ts", "--param", "W1");
      expect(explained.stdout).toContain("d softsign(A) = dA ⊘ (1 + |A|)²");
      const generated = cli("generate", "softsign-mlp.ts", "--kernels", "simd", "--out", "gen/softsign-mlp.js");
      expect(generated.status, generated.stderr).toBe(0);
      const script = `import { forward, sizes } from "./gen/softsign-mlp.js";
const m = (r, c, x) => ({ rows: r, cols: c, data: new Float64Array(r * c).fill(x) });
const { n, d, h, v } = sizes;
console.log(forward({ W1: m(d, h, 0.5), b1: m(1, h, 0), W2: m(h, v, 0.1), b2: m(1, v, 0) }, { x: m(n, d, 1), y: m(n, v, 1 / v) }).loss.toFixed(9));`;
      const ran = spawnSync("node", ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
      expect(ran.stderr).toBe("");
      // Every logit is equal, so each row's loss is log v whatever softsign gives.
      expect(Number(ran.stdout.trim())).toBeCloseTo(Math.log(3), 8);
    } finally {
      for (const name of Object.keys(files)) rmSync(join(app, name));
    }
  });
});
