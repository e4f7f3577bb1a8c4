// Ops a user adds: `defineOp` checks a definition and registers it, so that tracing, the
// interpreter, codegen, gradcheck and explain find it by name, as they find the built-in ones.
import type { Arity, OpDef } from "./op.js";
import { opTable, userOps } from "./ops/table.js";
import { callerLocation } from "./shape-error.js";

/** A definition that cannot be used, said in one line. */
export class OpDefinitionError extends Error {
  override readonly name = "OpDefinitionError";
}

/**
 * Defines an op of your own: its name, arity, shape rule, math (written once, as a map of entries
 * or a loop nest), its vector-Jacobian rule written with the typed ops, and its explanation.
 * Returns the definition; give it a typed function with `apply(op, [a, b])`. A name taken by a
 * built-in op, or by another definition elsewhere, is refused.
 */
export function defineOp<N extends Arity>(op: OpDef<N>): OpDef<N> {
  const at = callerLocation() ?? "";
  const fail = (what: string): never => {
    throw new OpDefinitionError(`${at ? `${at}: ` : ""}defineOp: ${what}`);
  };
  const name: unknown = op?.name;
  if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) fail(`the name ${JSON.stringify(name)} is not a name (letters and digits, starting with a letter)`);
  if (opTable.has(op.name)) fail(`"${op.name}" is a built-in op's name; choose another`);
  if (op.arity !== 1 && op.arity !== 2) fail(`${op.name}: arity must be 1 or 2, got ${String(op.arity)}`);
  if (typeof op.shape !== "function") fail(`${op.name}: shape must be a function from the input shapes to the output's`);
  const math = op.math as { kind?: unknown; entry?: unknown; body?: unknown } | undefined;
  const mathOk = (math?.kind === "map" && typeof math.entry === "function") || ((math?.kind === "nest" || math?.kind === "view") && typeof math.body === "function");
  if (!mathOk) fail(`${op.name}: math must be { kind: "map", entry } or { kind: "nest", body }`);
  if (op.vjp !== undefined && typeof op.vjp !== "function") fail(`${op.name}: vjp must be a function`);
  if (op.vjp === undefined && !op.backwardOnly) fail(`${op.name}: an op used in models needs a vjp rule (or backwardOnly: true for a helper of other ops' rules)`);
  if (op.attrs !== undefined && (!Array.isArray(op.attrs) || op.attrs.some((a) => typeof a !== "string"))) fail(`${op.name}: attrs must be a list of attribute names`);
  const previous = userOps().get(op.name);
  // The same definition loaded again (a module imported under two paths, a reload) replaces itself.
  if (previous && previous.at !== at) fail(`"${op.name}" is already defined at ${previous.at}`);
  const file = definingFile(at);
  userOps().set(op.name, { op: op as OpDef<Arity>, at, ...(file && { file }) });
  return op;
}

/** The absolute file of a `file:line:column` location (relative ones are under the working directory). */
function definingFile(at: string): string | undefined {
  const path = at.replace(/:\d+:\d+$/, "");
  if (path === "") return undefined;
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  const cwd = (globalThis as { process?: { cwd(): string } }).process?.cwd();
  return cwd ? `${cwd}/${path}` : undefined;
}
