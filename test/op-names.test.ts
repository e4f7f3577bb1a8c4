// Nothing outside an op's own file switches on op names: no string literal or case label naming a
// built-in op in the library, the generator, the CLI or the trainer (comments aside). The one
// exception, said in the README: the scalar language of src/kernel/ calls Math's functions by
// their names (`exp`, `log`, `tanh`), which happen to be op names too.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { opTable } from "../src/ops/table.js";
import { repoRoot } from "./support/type-diagnostics.js";

const mathFunctions = new Set(Object.getOwnPropertyNames(Math));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return relative(repoRoot, path) === "src/ops" ? [] : files(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** The code without its comments (strings kept), so a doc comment may name an op. */
function withoutComments(text: string): string {
  return text.replace(/("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m, literal: string | undefined) => literal ?? m.replace(/[^\n]/g, " "));
}

export function opNameLiterals(roots: readonly string[]): string[] {
  const names = new Set(opTable.keys());
  const found: string[] = [];
  for (const file of roots.flatMap((r) => files(join(repoRoot, r)))) {
    const rel = relative(repoRoot, file);
    const code = withoutComments(readFileSync(file, "utf8"));
    for (const m of code.matchAll(/(["'`])([A-Za-z0-9]+)\1/g)) {
      const name = m[2]!;
      if (!names.has(name) || (rel.startsWith("src/kernel/") && mathFunctions.has(name))) continue;
      found.push(`${rel}:${code.slice(0, m.index).split("\n").length}: ${m[0]}`);
    }
  }
  return found;
}

describe("op names outside src/ops/", () => {
  it("are written nowhere in src/, codegen/, cli/ and train/ (but for Math's functions in src/kernel/)", () => {
    expect(opNameLiterals(["src", "codegen", "cli", "train"])).toEqual([]);
  });

  it("would be found: the scan sees a literal and a case label", () => {
    expect(withoutComments(`// "tanh"\nconst a = "tanh"; /* 'exp' */ switch (x) { case 'matmul': }`)).toContain(`"tanh"`);
    expect(withoutComments(`// "tanh"\n`)).not.toContain("tanh");
  });
});
