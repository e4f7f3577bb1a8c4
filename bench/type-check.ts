// `npm run bench:types`: what shape checking costs the compiler. For each N, writes a file of N
// chained typed ops and a baseline of N chained calls to an imported identity function, and runs
// the native tsc 7 with --extendedDiagnostics on both, in the same run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { identityChain, identityModule, shapegradChain } from "./type-check-file.js";

const root = resolve(import.meta.dirname, "..");

export interface TypeCheckFigures {
  readonly instantiations: number;
  readonly checkSeconds: number;
}

/** Type-checks `files` (the first is the root) with tsc 7 in a fresh ESM project. */
export function typeCheck(files: Readonly<Record<string, string>>): TypeCheckFigures {
  const dir = mkdtempSync(join(tmpdir(), "shapegrad-types-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const options = { strict: true, noEmit: true, target: "es2022", module: "nodenext", types: [], skipLibCheck: true };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: options, files: [Object.keys(files)[0]] }));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    const out = execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", dir, "--extendedDiagnostics", "--pretty", "false"], { encoding: "utf8" });
    const figure = (label: string) => Number(new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(out)?.[1] ?? NaN);
    return { instantiations: figure("Instantiations"), checkSeconds: figure("Check time") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const library = join(root, "src/index.js");
export const measureShapegrad = (ops: number) => typeCheck({ "chain.ts": shapegradChain(ops, library) });
export const measureIdentity = (ops: number) => typeCheck({ "chain.ts": identityChain(ops, library), "identity.ts": identityModule(library) });

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  console.log("tsc 7 --extendedDiagnostics; check time in seconds; baseline = the same chain through an imported identity function");
  console.log("ops    shapegrad check  instantiations   baseline check  instantiations   ratio");
  for (const ops of sizes.length ? sizes : [1000, 2000, 5000]) {
    const s = measureShapegrad(ops);
    const b = measureIdentity(ops);
    const cells = [String(ops).padEnd(6), s.checkSeconds.toFixed(2).padStart(15), String(s.instantiations).padStart(15), b.checkSeconds.toFixed(2).padStart(16), String(b.instantiations).padStart(15), (s.checkSeconds / b.checkSeconds).toFixed(2).padStart(7)];
    console.log(cells.join("  "));
  }
}
