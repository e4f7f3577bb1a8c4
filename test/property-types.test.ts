// Random programs written for the type checker (the typed ops, no casts): every well-shaped one
// type-checks and every ill-shaped one (one dim of one declaration changed) is a type error,
// under the TypeScript 6.0 API (ts-morph) and the native tsc 7 alike.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { illShapedArbitrary, programArbitrary } from "./property/generate.js";
import { describeProgram, typedSource } from "./property/program.js";
import { diagnosticsTs6, diagnosticsTsc7, repoRoot } from "./support/type-diagnostics.js";

const runs = Number(process.env["SHAPEGRAD_PROPERTY_RUNS"] ?? 40);
const dir = mkdtempSync(join(tmpdir(), "shapegrad-typed-programs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lib = join(repoRoot, "src/index.js");
// Programs with constants have no typed form (see typedSource): half again as many are drawn, so
// that at least `runs / 2` of each kind are checked however often the op table's ops need one.
const drawn = Math.ceil(runs * 1.5);
const well = fc.sample(programArbitrary(), { numRuns: drawn, seed: 11 }).map((x) => x.program);
const ill = fc.sample(illShapedArbitrary(), { numRuns: drawn, seed: 12 }).map((x) => ({ program: x.program, failure: x.failure }));
const files = new Map<string, string>();
well.forEach((p, i) => {
  const text = typedSource(p, lib);
  if (text) files.set(`well${i}.ts`, text);
});
ill.forEach(({ program }, i) => {
  const text = typedSource(program, lib);
  if (text) files.set(`ill${i}.ts`, text);
});
for (const [name, text] of files) writeFileSync(join(dir, name), text);
writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", types: [], skipLibCheck: true }, include: ["*.ts"] }));

describe.each([
  ["the TypeScript 6.0 API", () => Promise.resolve(diagnosticsTs6(join(dir, "tsconfig.json")))],
  ["tsc 7", () => diagnosticsTsc7(join(dir, "tsconfig.json"))],
] as const)("random programs under %s", (_name, diagnostics) => {
  it("well-shaped ones type-check, ill-shaped ones do not", async () => {
    const found = await diagnostics();
    const errorsIn = (file: string) => found.filter((d) => d.file.endsWith(`/${file}`));
    const wellFiles = [...files.keys()].filter((f) => f.startsWith("well"));
    const illFiles = [...files.keys()].filter((f) => f.startsWith("ill"));
    expect(wellFiles.length).toBeGreaterThanOrEqual(runs / 2);
    expect(illFiles.length).toBeGreaterThanOrEqual(runs / 2);
    console.log(`${_name}: ${wellFiles.length} well-shaped programs type-check; ${illFiles.length} ill-shaped ones give ${illFiles.reduce((n, f) => n + errorsIn(f).length, 0)} errors`);
    for (const f of wellFiles) expect(errorsIn(f), `${f}:\n${describeProgram(well[Number(f.slice(4, -3))]!)}`).toEqual([]);
    for (const f of illFiles) expect(errorsIn(f).length, `${f} should not type-check:\n${describeProgram(ill[Number(f.slice(3, -3))]!.program)}`).toBeGreaterThan(0);
  });
});
