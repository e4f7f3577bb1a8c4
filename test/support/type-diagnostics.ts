// Type errors as both compilers report them, in one shape: file (relative), line, message (the
// whole chain, lines joined with "\n  "). ts-morph carries the TypeScript 6.0 compiler API;
// node_modules/.bin/tsc is the native TypeScript 7 compiler, driven through its command line
// because its JavaScript API is not stable yet.
import { execFile } from "node:child_process";
import { relative, resolve } from "node:path";
import { promisify } from "node:util";
import { Project, ts, type DiagnosticMessageChain } from "ts-morph";

export interface TypeDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export const repoRoot = resolve(import.meta.dirname, "../..");

function flatten(chain: string | DiagnosticMessageChain, depth = 0): string[] {
  if (typeof chain === "string") return [chain];
  const lines = [`${"  ".repeat(depth)}${chain.getMessageText()}`];
  for (const next of chain.getNext() ?? []) lines.push(...flatten(next, depth + 1));
  return lines;
}

/** Diagnostics of a tsconfig project under the TypeScript 6.0 API (ts-morph). */
export function diagnosticsTs6(tsconfig: string): TypeDiagnostic[] {
  const project = new Project({ tsConfigFilePath: resolve(repoRoot, tsconfig) });
  return project.getPreEmitDiagnostics().map((d) => ({
    file: relative(repoRoot, d.getSourceFile()?.getFilePath() ?? "?"),
    line: d.getLineNumber() ?? 0,
    message: flatten(d.getMessageText()).join("\n"),
  }));
}

export const ts6Version: string = ts.version;

const tscBin = resolve(repoRoot, "node_modules/.bin/tsc");

/** Diagnostics of a tsconfig project under the native `tsc` (TypeScript 7). */
export async function diagnosticsTsc7(tsconfig: string): Promise<TypeDiagnostic[]> {
  const out = await promisify(execFile)(tscBin, ["-p", resolve(repoRoot, tsconfig), "--pretty", "false"], { cwd: repoRoot }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? "",
  );
  return parseTscOutput(out);
}

/** Parses `file(line,col): error TSnnnn: message` with its continuation lines, indented as ts-morph's chains are. */
export function parseTscOutput(out: string): TypeDiagnostic[] {
  const result: { file: string; line: number; lines: string[] }[] = [];
  for (const raw of out.split("\n")) {
    const head = /^(.+?)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(raw);
    if (head) {
      result.push({ file: relative(repoRoot, resolve(repoRoot, head[1]!)), line: Number(head[2]), lines: [head[4]!] });
    } else if (raw.startsWith("  ") && result.length > 0) {
      result.at(-1)!.lines.push(raw);
    }
  }
  return result.map(({ file, line, lines }) => ({ file, line, message: lines.join("\n") }));
}

export async function tsc7Version(): Promise<string> {
  const { stdout } = await promisify(execFile)(tscBin, ["--version"]);
  return stdout.trim();
}
