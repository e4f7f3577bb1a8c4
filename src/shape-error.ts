// Shape errors, at both levels. At the type level a mismatch turns the offending parameter's type
// into a template-literal message, so the editor prints "argument of type Mat<"n","h"> is not
// assignable to parameter of type "matmul: a is n×d but b is n×h; ...". At run time (casts and
// `any` bypass the types) the same wording is thrown as a ShapeError that also names the caller.
// No node: imports here: the typed library must load in any JavaScript runtime.
import type { Dim } from "./dims.js";

/** `n×d`, as a type: used inside the template-literal messages. */
export type ShapeText<R extends Dim, C extends Dim> = `${R}×${C}`;

/** Where a shape lives at run time: its labels (names or literals) and its sizes. */
export interface Shape {
  readonly rowDim: Dim;
  readonly colDim: Dim;
  readonly rows: number;
  readonly cols: number;
}

/** `n×d` for symbolic dims, with sizes when any dim is a name: `n×d (4×3)`. */
export function shapeText(s: Shape): string {
  const labels = `${s.rowDim}×${s.colDim}`;
  const sizes = `${s.rows}×${s.cols}`;
  return labels === sizes ? labels : `${labels} (${sizes})`;
}

/** Thrown when shapes disagree at run time; `op` and `shapes` let tools report it structurally. */
export class ShapeError extends Error {
  override readonly name = "ShapeError";
  constructor(
    readonly op: string,
    readonly detail: string,
    readonly shapes: readonly Shape[],
    readonly location: string | undefined = callerLocation(),
  ) {
    super(`${op}: ${detail}${location ? ` (at ${location})` : ""}`);
  }
}

const framePattern = /\(?([^\s()]+):(\d+):(\d+)\)?$/;

// This module's own path, read from the stack rather than import.meta so that the library has no
// module-format-specific syntax. Both src/ and its compiled twin dist/src/ count as "inside
// shapegrad" when finding the caller.
const ownPath = toPath(framePattern.exec(new Error().stack?.split("\n")[1]?.trim() ?? "")?.[1] ?? "");
const packageRoot = ownPath.replace(/(dist\/)?src\/shape-error\.[jt]s$/, "");
const ownDirs = packageRoot === ownPath ? [] : [`${packageRoot}src/`, `${packageRoot}dist/src/`];

function toPath(url: string): string {
  // A loader may tag a module's URL (tsx: `?namespace=...`, or `?filePath=...` for CommonJS): the file is what counts.
  const tagged = /[?&]filePath=([^&]+)/.exec(url);
  const plain = tagged ? decodeURIComponent(tagged[1]!) : url;
  const path = plain.startsWith("file://") ? decodeURIComponent(plain.slice("file://".length)) : plain;
  return path.replace(/\?.*$/, "");
}

/** The first stack frame outside the library, as `path:line:column` relative to the working directory. */
export function callerLocation(): string | undefined {
  const stack = new Error().stack ?? "";
  const cwd = (globalThis as { process?: { cwd(): string } }).process?.cwd();
  for (const line of stack.split("\n").slice(1)) {
    const match = framePattern.exec(line.trim());
    if (!match) continue;
    const [, raw = "", row, col] = match;
    const path = toPath(raw);
    if (path.startsWith("node:") || ownDirs.some((d) => path.startsWith(d))) continue;
    if (/\/node_modules\/(vitest|@vitest|tinypool)\//.test(path)) continue;
    const shown = cwd && path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
    return `${shown}:${row}:${col}`;
  }
  return undefined;
}
