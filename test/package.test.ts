// The package as a user gets it: `npm pack`, installed into a fresh TypeScript project. The
// consumer's well-shaped program type-checks (against the shipped .d.ts, skipLibCheck off) and
// runs, an ill-shaped one is reported with shapegrad's message, and the CLI answers.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
