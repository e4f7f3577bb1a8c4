// Hover text is part of the interface: a value's type must read `Mat<"d", "h">`, never an
// expanded structure or a chain of helper types. Checked with the language service's quick info
// (TypeScript 6.0 through ts-morph), on the declarations marked `//? text` in the case file.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Project } from "ts-morph";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/type-diagnostics.js";

const file = resolve(repoRoot, "test/types/cases/hover.ts");
const text = readFileSync(file, "utf8");
const project = new Project({ tsConfigFilePath: resolve(repoRoot, "test/types/cases/tsconfig.json") });
const service = project.getLanguageService().compilerObject;

const cases = [...text.matchAll(/const (\w+) = .*\/\/\? (.+)$/gm)].map((m) => ({ name: m[1]!, expected: m[2]!.trim(), at: m.index + "const ".length }));

describe("quick info on hover", () => {
  it("has cases", () => expect(cases.length).toBeGreaterThanOrEqual(10));
  it.each(cases)("$name reads $expected", ({ at, expected }) => {
    const info = service.getQuickInfoAtPosition(file, at);
    expect(info?.displayParts?.map((p) => p.text).join("")).toBe(expected);
  });
});
