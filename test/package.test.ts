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
});
