// The TypeScript printer of the loop IR (src/kernel/record.ts): an op's recorded math as lines of
// generated code, every name from the LoopContext (so names are safe by construction), every
// operation in the recorded order (so the code computes what the eager kernel computes, bit for bit).
import type { Index, Stmt, Val } from "../src/kernel/record.js";
import { numberLiteral, type LoopContext } from "../src/op.js";
import { loop } from "../src/ops/loop-code.js";

/** JavaScript's binding strengths for what the printer writes. */
const enum Level {
  Conditional = 2,
  Sum = 12,
  Product = 13,
  Unary = 15,
  Atom = 20,
}

const levelOf = { "+": Level.Sum, "-": Level.Sum, "*": Level.Product, "/": Level.Product } as const;

interface Printed {
  readonly code: string;
  readonly level: Level;
}

/** How the leaves of a value print: map arguments, reads, locals. */
export interface Leaves {
  arg?(input: number): string;
  read?(input: number, i: Index, j: Index): string;
  index?(i: Index): string;
  out?(i: Index, j: Index): string;
  local?(local: number): string;
}

function paren(p: Printed, need: Level): string {
  return p.level >= need ? p.code : `(${p.code})`;
}

function print(v: Val, leaves: Leaves): Printed {
  const missing = (what: string): never => {
    throw new Error(`loop IR: a ${what} where none can be read`);
  };
  switch (v.k) {
    case "num": {
      const code = numberLiteral(v.value);
      return { code, level: code.startsWith("-") ? Level.Unary : Level.Atom };
    }
    case "arg":
      return { code: leaves.arg ? leaves.arg(v.input) : missing("map argument"), level: Level.Atom };
    case "index":
      return { code: leaves.index ? leaves.index(v.i) : missing("loop index"), level: Level.Atom };
    case "read":
      return { code: leaves.read ? leaves.read(v.input, v.i, v.j) : missing("read"), level: Level.Atom };
    case "out":
      return { code: leaves.out ? leaves.out(v.i, v.j) : missing("read of the output"), level: Level.Atom };
    case "local":
      return { code: leaves.local ? leaves.local(v.local) : missing("local"), level: Level.Atom };
    case "binary": {
      const level = levelOf[v.op];
      // x + 0 is x: a product summed into another reads as the literal 0 (summed-products.ts).
      if (v.op === "+") {
        const a = print(v.a, leaves), b = print(v.b, leaves);
        if (b.code === "0") return a;
        if (a.code === "0") return b;
      }
      // Left-associative: the right operand of the same strength keeps its parentheses, so the
      // printed code evaluates in the recorded order.
      return { code: `${paren(print(v.a, leaves), level)} ${v.op} ${paren(print(v.b, leaves), level + 1)}`, level };
    }
    case "negate":
      return { code: `-${paren(print(v.a, leaves), Level.Unary + 1)}`, level: Level.Unary };
    case "call":
      return { code: `Math.${v.fn}(${v.args.map((a) => print(a, leaves).code).join(", ")})`, level: Level.Atom };
    case "choose":
      return {
        code: `${paren(print(v.a, leaves), Level.Sum)} ${v.test} ${paren(print(v.b, leaves), Level.Sum)} ? ${paren(print(v.then, leaves), Level.Conditional + 1)} : ${paren(print(v.otherwise, leaves), Level.Conditional)}`,
        level: Level.Conditional,
      };
  }
}

/** A value as one expression. */
export function printValue(v: Val, leaves: Leaves): string {
  return print(v, leaves).code;
}

/** A recorded nest as lines, against a loop context. */
export function printNest(stmts: readonly Stmt[], ctx: LoopContext): string[] {
  const indices = new Map<number, string>();
  const locals = new Map<number, string>();
  const index = (i: Index): string => (typeof i === "number" ? String(i) : indices.get(i.ix) ?? fail(`index ${i.ix} used outside its loop`));
  const leaves: Leaves = {
    read: (k, i, j) => ctx.read(k, index(i), index(j)),
    index,
    out: (i, j) => ctx.at(index(i), index(j)),
    local: (l) => locals.get(l) ?? fail(`local ${l} used before it is set`),
  };
  const value = (v: Val) => printValue(v, leaves);
  const lines = (body: readonly Stmt[]): string[] =>
    body.flatMap((s): string[] => {
      switch (s.k) {
        case "loop": {
          const v = ctx.index(s.hint, s.count);
          indices.set(s.ix, v);
          return loop(v, s.count, lines(s.body));
        }
        case "let": {
          const name = ctx.local(s.hint);
          const init = value(s.value);
          locals.set(s.local, name);
          return [`${s.mutable ? "let" : "const"} ${name} = ${init};`];
        }
        case "update": {
          const name = locals.get(s.local) ?? fail(`local ${s.local} updated before it is set`);
          const v = s.value;
          // `s = s + x` prints as `s += x`, the same operation.
          if (v.k === "binary" && (v.op === "+" || v.op === "-") && v.a.k === "local" && v.a.local === s.local) return [`${name} ${v.op}= ${printValue(v.b, leaves)};`];
          return [`${name} = ${value(v)};`];
        }
        case "write": {
          const mode = s.mode === "write" ? ctx.assign : s.mode === "accumulate" ? "+=" : "=";
          return [`${ctx.at(index(s.i), index(s.j))} ${mode} ${value(s.value)};`];
        }
        case "zero":
          return [...ctx.zero()];
      }
    });
  return lines(stmts);
}

function fail(what: string): never {
  throw new Error(`loop IR: ${what}`);
}
