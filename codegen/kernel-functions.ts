// Each kernel as a function of its own, which the step functions call in order. V8 optimizes a
// function as a whole, from the types it has seen: one function that holds every kernel of a
// large model (the LSTM's backward pass at h = 256 is ~100 KB of JavaScript) is over TurboFan's
// bytecode budget and never leaves the baseline tiers (measured: 10 s a call instead of 0.2), and
// even a smaller one is optimized on the fly (OSR) before its later loops have run, then thrown
// away when they do, again and again. A function per kernel is optimized once it is hot, with all
// the feedback it needs. Its parameters are the step function's locals that its code reads (the
// caller's arrays, the state adjoints that swap each step, the step t); the module's own arrays
// it reads as they are.
import type { Declaration } from "./module-parts.js";
import { identifiersIn, Unique } from "./names.js";

/** A step function's locals that a kernel may read, with their types, in the order to pass them. */
export type StepLocals = ReadonlyMap<string, string>;

export class KernelFunctions {
  readonly declarations: Declaration[] = [];
  private readonly names: Unique;

  constructor(taken: Iterable<string>) {
    this.names = new Unique(taken);
  }

  /**
   * `lines` (a kernel: its comment, then its code) declared as the function `name` (or a
   * variant of it when taken), and the lines that call it: the comment and the call. `offsets`
   * are the per-step offsets the step declares (`off_A` = `t * 100`): the function computes
   * the ones it uses from t.
   */
  call(name: string, lines: readonly string[], locals: StepLocals, offsets: ReadonlyMap<string, string> = new Map()): string[] {
    if (lines.length === 0) return [];
    const head = Math.max(1, lines.findIndex((line) => !line.trimStart().startsWith("//")));
    const comments = lines.slice(0, head), body = lines.slice(head);
    const read = identifiersIn(body);
    const used = [...offsets].filter(([offset]) => read.has(offset));
    const parameters = [...(used.length > 0 || read.has("t") ? [{ name: "t", type: "number" }] : []), ...[...locals].filter(([local]) => read.has(local)).map(([local, type]) => ({ name: local, type }))];
    const fn = this.names.name(name);
    this.declarations.push({
      kind: "function",
      name: fn,
      doc: comments.map((line) => line.replace(/^\s*\/\/\s?/, "")).join("\n"),
      parameters,
      returnType: "void",
      body: [...used.map(([offset, value]) => `const ${offset} = ${value};`), ...unwrapped(body)],
      exported: false,
    });
    return [...comments, `${fn}(${parameters.map((p) => p.name).join(", ")});`];
  }
}

/** A body without the braces around it, when it is one block (`{ … }`) whole. */
function unwrapped(body: readonly string[]): string[] {
  if (body[0]?.trim() !== "{" || body[body.length - 1]?.trim() !== "}") return [...body];
  let depth = 0;
  for (let k = 0; k < body.length; k++) {
    const text = body[k]!.trim();
    if (text.startsWith("}")) depth--;
    if (text.endsWith("{")) depth++;
    if (depth === 0 && k < body.length - 1) return [...body];
  }
  return body.slice(1, -1);
}
