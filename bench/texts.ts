// Texts for the training benchmarks that are not the shipped sample, built from files this
// machine has (each skipped, with a line on stderr, when its files are missing), written once to
// .cache/shapegrad-texts/NAME.txt so that every run reads the same characters:
//   legal  the licences in /usr/share/common-licenses (Debian's base-files: GPL, LGPL, Apache,
//          MPL, GFDL, Artistic, BSD, CC0), concatenated in name order (about 270 kB)
//   code   TypeScript compiled to JavaScript: node_modules/ts-morph/dist/ts-morph.js (MIT; a
//          dependency of shapegrad, so always present), its first `limit` characters
//   docs   technical prose in Markdown: Node.js's API documentation, /usr/share/doc/nodejs/api/*.md
//          (MIT), concatenated in name order, the first `limit` characters
//   sample data/shakespeare.txt (shipped: the first 60 kB of tinyshakespeare)
//   corpus data/tinyshakespeare.txt (shipped: the whole 1.1 MB corpus)
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const textNames = ["legal", "code", "docs", "sample", "corpus"] as const;
export type TextName = (typeof textNames)[number];

const limit = 400_000;

function concatenated(dir: string, keep: (name: string) => boolean): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter(keep).sort().map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
  // Symlinks (GPL -> GPL-3) would repeat a file: keep each size-and-start once.
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    const key = `${text.length}:${text.slice(0, 200)}`;
    if (!seen.has(key)) parts.push(text), seen.add(key);
  }
  return parts.length > 0 ? parts.join("\n") : undefined;
}

function build(name: TextName): string | undefined {
  switch (name) {
    case "legal":
      return concatenated("/usr/share/common-licenses", () => true);
    case "code": {
      const f = "node_modules/ts-morph/dist/ts-morph.js";
      return existsSync(f) ? readFileSync(f, "utf8").slice(0, limit) : undefined;
    }
    case "docs":
      return concatenated("/usr/share/doc/nodejs/api", (f) => f.endsWith(".md"))?.slice(0, limit);
    case "sample":
    case "corpus":
      return undefined;
  }
}

/** The path of the text, or undefined (and a line on stderr) when this machine lacks its files. */
export function textPath(name: TextName): string | undefined {
  if (name === "sample") return "data/shakespeare.txt";
  if (name === "corpus") return "data/tinyshakespeare.txt";
  const path = join(".cache", "shapegrad-texts", `${name}.txt`);
  if (existsSync(path)) return path;
  const text = build(name);
  if (text === undefined) {
    process.stderr.write(`skipping text ${name}: its files are missing on this machine\n`);
    return undefined;
  }
  mkdirSync(join(".cache", "shapegrad-texts"), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Parses a comma-separated list of text names; one line naming the bad one otherwise. */
export function parseTexts(list: string): TextName[] {
  return list.split(",").map((t) => {
    if (!(textNames as readonly string[]).includes(t)) throw new Error(`--texts: ${t} is not one of ${textNames.join(", ")}`);
    return t as TextName;
  });
}
