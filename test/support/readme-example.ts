// The README's "Adding an op" example, read from the README itself, so that the text a user copies
// is the text the tests run: each ```ts block there starts with a `// file.ts` line naming it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./type-diagnostics.js";

/** The example's files by name, their imports of "shapegrad" rewritten to `library` when given. */
export function readmeOpExample(library?: string): Record<string, string> {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.split("\n## Adding an op\n")[1]?.split("\n## ")[0];
  if (!section) throw new Error("README.md has no section \"Adding an op\"");
  const files: Record<string, string> = {};
  for (const [, body] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ (\S+\.ts)\n/.exec(body!)?.[1];
    if (!name) throw new Error("a ts block of \"Adding an op\" does not start with its file name");
    files[name] = library ? body!.replaceAll('from "shapegrad"', `from "${library}"`) : body!;
  }
  return files;
}
