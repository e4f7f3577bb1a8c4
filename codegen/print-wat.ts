// The WebAssembly printer of the loop IR's values (src/kernel/record.ts): a map's recorded entry as
// one f64x2 expression, two entries at a time. Every operation is the recorded one in the recorded
// order; +, −, ×, ÷, negation, sqrt, abs, max and min are IEEE operations on both sides, so they
// compute what the JavaScript printer's code computes, bit for bit. exp, log and tanh call the
// vector function of the op that provides it (OpDef.vector), within the ulp that op states.
import type { MathFunction } from "../src/kernel/algebra.js";
import type { Val } from "../src/kernel/record.js";
import { recordMap } from "../src/kernel/record.js";
import type { Attrs, OpDef } from "../src/op.js";
import type { VectorEntry } from "../src/op.js";
import { allOps } from "../src/ops/table.js";

/** How a value's leaves print: each map argument as a v128 expression. */
export interface VectorLeaves {
  arg(input: number): string;
}

/** A number as a WebAssembly float literal that reads back as the same double. */
export function watNumber(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

/** A v128 of two equal lanes. */
export function splat(x: number): string {
  const n = watNumber(x);
  return `(v128.const f64x2 ${n} ${n})`;
}

/** The vector functions a kernel module calls, each with what it uses, collected as they are printed. */
export class VectorFunctions {
  private readonly used = new Map<string, VectorEntry>();

  /** The entry that provides `fn`, or undefined when no op in the table has one. */
  static provider(fn: MathFunction): VectorEntry | undefined {
    for (const op of allOps()) if (op.vector?.provides === fn) return op.vector;
    return undefined;
  }

  /** `(call $name args…)`, the function and what it uses added once. */
  call(entry: VectorEntry, args: readonly string[]): string {
    this.use(entry);
    return `(call $${entry.name} ${args.join(" ")})`;
  }

  private use(entry: VectorEntry): void {
    const known = this.used.get(entry.name);
    if (known) {
      if (known.text !== entry.text) throw new Error(`vector entries: two functions named $${entry.name}`);
      return;
    }
    for (const dependency of entry.uses ?? []) this.use(dependency);
    this.used.set(entry.name, entry);
  }

  /** The functions' texts, each once, in the order first used (what one uses before it). */
  texts(): string[] {
    return [...this.used.values()].map((e) => e.text);
  }
}

/** Thrown when a value calls a function that has no vector form; the caller keeps the kernel in JavaScript. */
export class NoVectorForm extends Error {}

const binaryOps = { "+": "f64x2.add", "-": "f64x2.sub", "*": "f64x2.mul", "/": "f64x2.div" } as const;
const direct: Partial<Record<MathFunction, string>> = { sqrt: "f64x2.sqrt", abs: "f64x2.abs", max: "f64x2.max", min: "f64x2.min" };

/**
 * The value as one v128 expression. A test is a lane mask: `>` is f64x2.gt (false with a NaN, as in
 * JavaScript), `!==` is f64x2.ne (true with a NaN, as in JavaScript).
 */
export function vectorValue(v: Val, leaves: VectorLeaves, functions: VectorFunctions): string {
  const value = (x: Val): string => vectorValue(x, leaves, functions);
  switch (v.k) {
    case "num":
      return splat(v.value);
    case "arg":
      return leaves.arg(v.input);
    case "binary": {
      // x + 0 is x: a product summed into another reads as the literal 0 (as the TypeScript printer has it).
      if (v.op === "+" && v.b.k === "num" && Object.is(v.b.value, 0)) return value(v.a);
      return `(${binaryOps[v.op]} ${value(v.a)} ${value(v.b)})`;
    }
    case "negate":
      return `(f64x2.neg ${value(v.a)})`;
    case "call": {
      const args = v.args.map(value);
      const instruction = direct[v.fn];
      if (instruction) return `(${instruction} ${args.join(" ")})`;
      const entry = VectorFunctions.provider(v.fn);
      if (!entry) throw new NoVectorForm(`no op provides a vector ${v.fn}`);
      return functions.call(entry, args);
    }
    case "choose": {
      const mask = `(${v.test === ">" ? "f64x2.gt" : "f64x2.ne"} ${value(v.a)} ${value(v.b)})`;
      return `(v128.bitselect ${value(v.then)} ${value(v.otherwise)} ${mask})`;
    }
    default:
      throw new Error(`loop IR: a ${v.k} has no place in a map's entry`);
  }
}

/** A map op's entry on its arguments' vectors: the op's own vector function, else its recorded math printed. */
export function vectorEntry(op: OpDef, attrs: Attrs, args: readonly string[], functions: VectorFunctions): string {
  if (op.math.kind !== "map") throw new Error(`${op.name} is not a map`);
  if (op.vector && !op.math.shapeOnly?.length) return functions.call(op.vector, args);
  return vectorValue(recordMap(op.math.entry, attrs), { arg: (k) => args[k] ?? fail(`${op.name}: no argument ${k}`) }, functions);
}

function fail(message: string): never {
  throw new Error(message);
}
