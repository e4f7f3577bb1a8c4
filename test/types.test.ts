// Shape errors in the editor: every case file under test/types/cases is checked by the
// TypeScript 6.0 API (ts-morph) and by the native tsc 7. A line after a `//~ text` marker must be
// reported with a message containing `text`; every other line must type-check. The full error
// texts are snapshotted per compiler, so that a regression in readability shows in review.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diagnosticsTs6, diagnosticsTsc7, repoRoot, ts6Version, tsc7Version, type TypeDiagnostic } from "./support/type-diagnostics.js";

const casesDir = "test/types/cases";
const caseFiles = readdirSync(resolve(repoRoot, casesDir)).filter((f) => f.endsWith(".ts")).sort();

interface Expectation {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** `//~ text` expects an error on the next line that is not a comment. */
function expectations(file: string): Expectation[] {
  const lines = readFileSync(resolve(repoRoot, file), "utf8").split("\n");
  const found: Expectation[] = [];
  lines.forEach((line, i) => {
    const marker = /^\s*\/\/~ (.+)$/.exec(line);
    if (!marker) return;
    let target = i + 1;
    while (target < lines.length && /^\s*\/\//.test(lines[target]!)) target++;
    found.push({ file, line: target + 1, text: marker[1]!.trim() });
  });
  return found;
}

const expected = caseFiles.flatMap((f) => expectations(`${casesDir}/${f}`));

function checkAgainstMarkers(diagnostics: readonly TypeDiagnostic[]): void {
  for (const e of expected) {
    const here = diagnostics.filter((d) => d.file === e.file && d.line === e.line);
    expect(here.map((d) => d.message).join("\n---\n"), `${e.file}:${e.line} should report "${e.text}"`).toContain(e.text);
  }
  const unexpected = diagnostics.filter((d) => !expected.some((e) => e.file === d.file && e.line === d.line));
  expect(unexpected, "errors on lines without a //~ marker").toEqual([]);
}

function snapshotText(diagnostics: readonly TypeDiagnostic[]): string {
  return diagnostics.map((d) => `${d.file}:${d.line}\n  ${d.message.replaceAll("\n", "\n  ")}\n`).join("\n");
}

describe("shape errors under the TypeScript 6.0 API (ts-morph)", () => {
  let diagnostics: TypeDiagnostic[] = [];
  beforeAll(() => {
    diagnostics = diagnosticsTs6(`${casesDir}/tsconfig.json`);
  });

  it("runs the 6.0 compiler", () => expect(ts6Version).toMatch(/^6\.0\./));
  it("has many cases", () => expect(expected.length).toBeGreaterThanOrEqual(30));
  it("reports exactly the marked lines, with the expected words", () => checkAgainstMarkers(diagnostics));
  it("keeps the error texts readable", async () => {
    await expect(snapshotText(diagnostics)).toMatchFileSnapshot("types/__snapshots__/errors.ts6.txt");
  });
});

describe("shape errors under tsc 7 (native)", () => {
  let diagnostics: TypeDiagnostic[] = [];
  beforeAll(async () => {
    diagnostics = await diagnosticsTsc7(`${casesDir}/tsconfig.json`);
  });

  it("runs the 7 compiler", async () => expect(await tsc7Version()).toMatch(/Version 7\./));
  it("reports exactly the marked lines, with the expected words", () => checkAgainstMarkers(diagnostics));
  it("keeps the error texts readable", async () => {
    await expect(snapshotText(diagnostics)).toMatchFileSnapshot("types/__snapshots__/errors.tsc7.txt");
  });
});
