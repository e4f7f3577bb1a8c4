// The loop IR: an op's math recorded as plain records (values, statements), which codegen prints.
import type { Attrs } from "../op.js";
import type { Shape } from "../shape-error.js";
import type { Algebra, MathFunction, Scalar, Test } from "./algebra.js";
import type { Cell, LoopIndex, Nest, NestBody, WriteMode } from "./nest.js";
import type { MapEntry } from "./map.js";

/** A loop index (by its number within the nest), or a constant. */
export type Index = number | { readonly ix: number };

export type Val =
  | { readonly k: "num"; readonly value: number }
  /** A map's argument: input `input` at the entry being computed. */
  | { readonly k: "arg"; readonly input: number }
  /** A loop index, as a number. */
  | { readonly k: "index"; readonly i: Index }
  | { readonly k: "read"; readonly input: number; readonly i: Index; readonly j: Index }
  | { readonly k: "out"; readonly i: Index; readonly j: Index }
  /** A local of the nest, by its number. */
  | { readonly k: "local"; readonly local: number }
  | { readonly k: "binary"; readonly op: "+" | "-" | "*" | "/"; readonly a: Val; readonly b: Val }
  | { readonly k: "negate"; readonly a: Val }
  | { readonly k: "call"; readonly fn: MathFunction; readonly args: readonly Val[] }
  | { readonly k: "choose"; readonly test: Test; readonly a: Val; readonly b: Val; readonly then: Val; readonly otherwise: Val };

export type Stmt =
  | { readonly k: "loop"; readonly ix: number; readonly hint: string; readonly count: number; readonly body: readonly Stmt[] }
  /** `let` (mutable, updated later) or `const` local. */
  | { readonly k: "let"; readonly local: number; readonly hint: string; readonly value: Val; readonly mutable: boolean }
  | { readonly k: "update"; readonly local: number; readonly value: Val }
  | { readonly k: "write"; readonly i: Index; readonly j: Index; readonly value: Val; readonly mode: WriteMode }
  | { readonly k: "zero" };

const call = (fn: MathFunction, ...args: Val[]): Val => ({ k: "call", fn, args });
const binary = (op: "+" | "-" | "*" | "/") => (a: Val, b: Val): Val => ({ k: "binary", op, a, b });

/** The Algebra that records. */
export const records: Algebra<Val> = {
  num: (value) => ({ k: "num", value }),
  add: binary("+"),
  sub: binary("-"),
  mul: binary("*"),
  div: binary("/"),
  neg: (a) => ({ k: "negate", a }),
  max: (a, b) => call("max", a, b),
  min: (a, b) => call("min", a, b),
  exp: (a) => call("exp", a),
  log: (a) => call("log", a),
  tanh: (a) => call("tanh", a),
  sqrt: (a) => call("sqrt", a),
  abs: (a) => call("abs", a),
  choose: (test, a, b, then, otherwise) => ({ k: "choose", test, a, b, then, otherwise }),
};

/** A map's entry as a record, its arguments `arg` 0 and 1. */
export function recordMap(entry: MapEntry, attrs: Attrs): Val {
  const m = records as unknown as Algebra<Scalar>;
  const arg = (input: number) => ({ k: "arg", input }) as unknown as Scalar;
  return entry(m, attrs)(arg(0), arg(1)) as unknown as Val;
}

/** A nest's statements, for the given shapes. */
export function recordNest(body: NestBody, inputs: readonly Shape[], output: Shape, attrs: Attrs, accumulates: boolean): Stmt[] {
  const nest = new RecordNest(inputs, output, attrs, accumulates);
  body(nest as unknown as Nest<Scalar, LoopIndex>);
  return nest.done();
}

class RecordNest implements Nest<Val, Index> {
  private blocks: Stmt[][] = [[]];
  private locals = 0;
  private indices = 0;
  readonly num = records.num;
  readonly add = records.add;
  readonly sub = records.sub;
  readonly mul = records.mul;
  readonly div = records.div;
  readonly neg = records.neg;
  readonly max = records.max;
  readonly min = records.min;
  readonly exp = records.exp;
  readonly log = records.log;
  readonly tanh = records.tanh;
  readonly sqrt = records.sqrt;
  readonly abs = records.abs;
  readonly choose = records.choose;

  constructor(
    readonly inputs: readonly Shape[],
    readonly output: Shape,
    readonly attrs: Attrs,
    readonly accumulates: boolean,
  ) {}

  private emit(s: Stmt): void {
    this.blocks[this.blocks.length - 1]!.push(s);
  }

  private block(fill: () => void): Stmt[] {
    this.blocks.push([]);
    fill();
    return this.blocks.pop()!;
  }

  done(): Stmt[] {
    return this.blocks[0]!;
  }

  loop(count: number, hint: string, body: (i: Index) => void): void {
    const ix = this.indices++;
    this.emit({ k: "loop", ix, hint, count, body: this.block(() => body({ ix })) });
  }

  indexValue(i: Index): Val {
    return { k: "index", i };
  }

  read(k: number, i: Index, j: Index): Val {
    if (k < 0 || k >= this.inputs.length) throw new Error(`loop nest: no input ${k}`);
    return { k: "read", input: k, i, j };
  }

  readOut(i: Index, j: Index): Val {
    return { k: "out", i, j };
  }

  write(i: Index, j: Index, value: Val, mode: WriteMode = "write"): void {
    if (mode === "set" && this.accumulates) throw new Error("loop nest: a \"set\" write into an output that accumulates");
    this.emit({ k: "write", i, j, value, mode });
  }

  zero(): void {
    this.emit({ k: "zero" });
  }

  private reduce(hint: string, start: number, count: number, step: (acc: Val, term: Val) => Val, term: (j: Index) => Val): Val {
    const local = this.locals++;
    const acc: Val = { k: "local", local };
    this.emit({ k: "let", local, hint, value: records.num(start), mutable: true });
    this.loop(count, "j", (j) => this.emit({ k: "update", local, value: step(acc, term(j)) }));
    return acc;
  }

  sum(count: number, name: string, term: (j: Index) => Val): Val {
    return this.reduce(name, 0, count, records.add, term);
  }

  maxOver(count: number, name: string, term: (j: Index) => Val): Val {
    return this.reduce(name, -Infinity, count, records.max, term);
  }

  cell(hint: string, initial: Val): Cell<Val> {
    const local = this.locals++;
    this.emit({ k: "let", local, hint, value: initial, mutable: true });
    return { value: { k: "local", local } };
  }

  set(cell: Cell<Val>, value: Val): void {
    const v = cell.value;
    if (v.k !== "local") throw new Error("loop nest: set of a value that is not a cell");
    this.emit({ k: "update", local: v.local, value });
  }

  bind(hint: string, value: Val): Val {
    const local = this.locals++;
    this.emit({ k: "let", local, hint, value, mutable: false });
    return { k: "local", local };
  }
}
