// A loop nest (softmax, its cross-entropy, the reductions) as a WebAssembly function: the loop IR's
// statements (src/kernel/record.ts) printed one for one on f64 scalars, in the recorded order, so
// the function computes what the JavaScript printer's code computes, bit for bit (exp, log and tanh
// through the vector functions of the ops that provide them, which state their distance from Math).
// Inputs and output are read and written in the kernels' memory, at byte addresses passed in.
import type { Index, Stmt, Val } from "../src/kernel/record.js";
import { NoVectorForm, VectorFunctions, watNumber } from "./print-wat.js";
import { dependsOn, pairable, reduction } from "./nest-pairs.js";

/** Where input k of the nest lives: entry (i, j) of a row-major array (or of its transpose), a one-hot input's class indices, or one number. */
export type NestInput =
  | { readonly kind: "array"; readonly address: string; readonly cols: number; readonly transposed: boolean }
  | { readonly kind: "oneHot"; readonly address: string; readonly transposed: boolean }
  | { readonly kind: "number"; readonly value: number };

export interface NestPlaces {
  readonly inputs: readonly (NestInput | undefined)[];
  /** `adds`: the output accumulates (a gradient summed over steps): every write adds, and it is never zeroed. */
  readonly output: { readonly address: string; readonly rows: number; readonly cols: number; readonly adds?: boolean };
}

export interface WasmNest {
  readonly text: string;
  /** The byte addresses to pass, the output's first, as code. */
  readonly addresses: readonly string[];
}

const binary = { "+": "f64.add", "-": "f64.sub", "*": "f64.mul", "/": "f64.div" } as const;
const direct = { sqrt: "f64.sqrt", abs: "f64.abs", max: "f64.max", min: "f64.min" } as const;

/** The nest as a function named `name`, or undefined when an input cannot be read from WebAssembly or a function has no vector form. */
export function wasmNest(name: string, comment: string, stmts: readonly Stmt[], places: NestPlaces, functions: VectorFunctions): WasmNest | undefined {
  if (places.inputs.some((p) => p === undefined)) return undefined;
  const params: string[] = [places.output.address];
  const param = new Map<number, string>();
  const inputParam = (k: number): string => {
    let p = param.get(k);
    if (p === undefined) {
      p = `$p${param.size}`;
      param.set(k, p);
      params.push((places.inputs[k] as { address: string }).address);
    }
    return p;
  };
  let indices = 0, locals = 0, vectors = 0;
  const indexLocal = new Map<number, string>();
  const valueLocal = new Map<number, string>();
  /** While a paired loop's second lane is printed: its index reads one more. */
  let nextOf: number | undefined;
  const index = (i: Index): string => {
    if (typeof i === "number") return `(i32.const ${i})`;
    const get = `(local.get ${indexLocal.get(i.ix) ?? fail(`index ${i.ix} outside its loop`)})`;
    return i.ix === nextOf ? `(i32.add ${get} (i32.const 1))` : get;
  };
  const isZero = (i: Index) => i === 0;
  // The byte offset of entry (i, j) of a row-major array of `cols` columns.
  const offset = (i: Index, j: Index, cols: number): string => {
    const row = isZero(i) ? undefined : cols === 1 ? index(i) : `(i32.mul ${index(i)} (i32.const ${cols}))`;
    const entry = row === undefined ? index(j) : isZero(j) ? row : `(i32.add ${row} ${index(j)})`;
    return `(i32.shl ${entry} (i32.const 3))`;
  };
  const value = (v: Val): string => {
    switch (v.k) {
      case "num":
        return `(f64.const ${watNumber(v.value)})`;
      case "index":
        return `(f64.convert_i32_u ${index(v.i)})`;
      case "local":
        return `(local.get ${valueLocal.get(v.local) ?? fail(`local ${v.local} used before it is set`)})`;
      case "read": {
        const input = places.inputs[v.input]!;
        if (input.kind === "number") return `(f64.const ${watNumber(input.value)})`;
        const [i, j] = input.transposed ? [v.j, v.i] : [v.i, v.j];
        const base = `(local.get ${inputParam(v.input)})`;
        if (input.kind === "oneHot") return `(select (f64.const 1) (f64.const 0) (f64.eq (f64.load (i32.add ${base} ${offset(i, 0, 1)})) (f64.convert_i32_u ${index(j)})))`;
        return `(f64.load (i32.add ${base} ${offset(i, j, input.cols)}))`;
      }
      case "out":
        return `(f64.load (i32.add (local.get $o) ${offset(v.i, v.j, places.output.cols)}))`;
      case "binary":
        if (v.op === "+" && v.b.k === "num" && Object.is(v.b.value, 0)) return value(v.a);
        return `(${binary[v.op]} ${value(v.a)} ${value(v.b)})`;
      case "negate":
        return `(f64.neg ${value(v.a)})`;
      case "call": {
        const args = v.args.map(value);
        if (v.fn in direct) return `(${direct[v.fn as keyof typeof direct]} ${args.join(" ")})`;
        const entry = VectorFunctions.provider(v.fn);
        if (!entry) throw new NoVectorForm(`no op provides a vector ${v.fn}`);
        return `(f64x2.extract_lane 0 ${functions.call(entry, args.map((a) => `(f64x2.splat ${a})`))})`;
      }
      case "choose":
        return `(select ${value(v.then)} ${value(v.otherwise)} (${v.test === ">" ? "f64.gt" : "f64.ne"} ${value(v.a)} ${value(v.b)}))`;
      default:
        return fail(`a ${v.k} has no place in a loop nest`);
    }
  };
  // A paired loop (see pairable): its body's values on two lanes, index ix and ix + 1.
  const vectorLocal = new Map<number, string>();
  const lanes = (scalar: () => string, ix: number): string => {
    const first = scalar();
    nextOf = ix;
    try {
      return `(f64x2.replace_lane 1 (f64x2.splat ${first}) ${scalar()})`;
    } finally {
      nextOf = undefined;
    }
  };
  const vector = (v: Val, ix: number): string => {
    if (!dependsOn(v, ix, vectorLocal)) return `(f64x2.splat ${value(v)})`;
    switch (v.k) {
      case "local":
        return `(local.get ${vectorLocal.get(v.local)!})`;
      case "read": {
        const input = places.inputs[v.input]!;
        // Along a row of a row-major array: the two entries are next to each other.
        if (input.kind === "array" && !input.transposed && typeof v.j !== "number" && v.j.ix === ix && (typeof v.i === "number" || v.i.ix !== ix)) {
          return `(v128.load (i32.add (local.get ${inputParam(v.input)}) ${offset(v.i, v.j, input.cols)}))`;
        }
        return lanes(() => value(v), ix);
      }
      case "index":
      case "out":
        return lanes(() => value(v), ix);
      case "binary":
        if (v.op === "+" && v.b.k === "num" && Object.is(v.b.value, 0)) return vector(v.a, ix);
        return `(${binary[v.op].replace("f64.", "f64x2.")} ${vector(v.a, ix)} ${vector(v.b, ix)})`;
      case "negate":
        return `(f64x2.neg ${vector(v.a, ix)})`;
      case "call": {
        const args = v.args.map((a) => vector(a, ix));
        if (v.fn in direct) return `(${direct[v.fn as keyof typeof direct].replace("f64.", "f64x2.")} ${args.join(" ")})`;
        const entry = VectorFunctions.provider(v.fn);
        if (!entry) throw new NoVectorForm(`no op provides a vector ${v.fn}`);
        return functions.call(entry, args);
      }
      case "choose":
        return `(v128.bitselect ${vector(v.then, ix)} ${vector(v.otherwise, ix)} (${v.test === ">" ? "f64x2.gt" : "f64x2.ne"} ${vector(v.a, ix)} ${vector(v.b, ix)}))`;
      default:
        return fail(`a ${v.k} has no place in a loop nest`);
    }
  };
  // The loop two iterations at a time, each reduction taking lane 0 then lane 1 (the scalar order),
  // then the last iteration alone when the count is odd.
  const pairedLines = (s: Stmt & { k: "loop" }, i: string): string[] => {
    const body: string[] = [];
    for (const t of s.body) {
      if (t.k === "let") {
        const x = `$w${vectors++}`;
        body.push(`(local.set ${x} ${vector(t.value, s.ix)})`);
        vectorLocal.set(t.local, x);
      } else if (t.k === "update") {
        const acc = valueLocal.get(t.local)!, term = `$w${vectors++}`;
        const { fold, operand } = reduction(t.local, t.value)!;
        body.push(`(local.set ${term} ${vector(operand, s.ix)})`);
        for (const lane of [0, 1]) body.push(`(local.set ${acc} (${fold} (local.get ${acc}) (f64x2.extract_lane ${lane} (local.get ${term}))))`);
      } else if (t.k === "write") {
        const v = vector(t.value, s.ix), contiguous = typeof t.j !== "number" && t.j.ix === s.ix && (typeof t.i === "number" || t.i.ix !== s.ix);
        const add = t.mode === "accumulate" || places.output.adds === true;
        if (contiguous) {
          const at = `(i32.add (local.get $o) ${offset(t.i, t.j, places.output.cols)})`;
          body.push(`(v128.store ${at} ${add ? `(f64x2.add (v128.load ${at}) ${v})` : v})`);
        } else {
          const x = `$w${vectors++}`;
          body.push(`(local.set ${x} ${v})`, store(t.i, t.j, `(f64x2.extract_lane 0 (local.get ${x}))`, add));
          nextOf = s.ix;
          body.push(store(t.i, t.j, `(f64x2.extract_lane 1 (local.get ${x}))`, add));
          nextOf = undefined;
        }
      }
    }
    const pairs = s.count - (s.count % 2);
    return [
      `(local.set ${i} (i32.const 0))`,
      `(loop ${i}_pairs`,
      ...body.map((l) => `  ${l}`),
      `  (local.set ${i} (i32.add (local.get ${i}) (i32.const 2)))`,
      `  (br_if ${i}_pairs (i32.lt_u (local.get ${i}) (i32.const ${pairs}))))`,
      ...(s.count % 2 === 1 ? lines(s.body) : []),
    ];
  };
  const store = (i: Index, j: Index, v: string, add: boolean): string => {
    const at = `(i32.add (local.get $o) ${offset(i, j, places.output.cols)})`;
    return `(f64.store ${at} ${add ? `(f64.add (f64.load ${at}) ${v})` : v})`;
  };
  const lines = (body: readonly Stmt[]): string[] =>
    body.flatMap((s): string[] => {
      switch (s.k) {
        case "loop": {
          if (s.count === 0) return [];
          const i = `$i${indices++}`;
          indexLocal.set(s.ix, i);
          if (s.count >= 2 && pairable(s, valueLocal)) return pairedLines(s, i);
          return [
            `(local.set ${i} (i32.const 0))`,
            `(loop ${i}_loop`,
            ...lines(s.body).map((l) => `  ${l}`),
            `  (local.set ${i} (i32.add (local.get ${i}) (i32.const 1)))`,
            `  (br_if ${i}_loop (i32.lt_u (local.get ${i}) (i32.const ${s.count}))))`,
          ];
        }
        case "let": {
          const x = `$v${locals++}`;
          const init = value(s.value);
          valueLocal.set(s.local, x);
          return [`(local.set ${x} ${init})`];
        }
        case "update":
          return [`(local.set ${valueLocal.get(s.local) ?? fail(`local ${s.local} updated before it is set`)} ${value(s.value)})`];
        case "write":
          return [store(s.i, s.j, value(s.value), s.mode === "accumulate" || places.output.adds === true)];
        case "zero":
          return places.output.adds ? [] : zeroLines(places.output.rows * places.output.cols);
      }
    });
  let body: string[];
  try {
    body = lines(stmts);
  } catch (e) {
    if (e instanceof NoVectorForm) return undefined;
    throw e;
  }
  const zero = !places.output.adds && stmts.some((s) => s.k === "zero");
  const declared = [...Array(indices).keys()]
    .map((k) => `(local $i${k} i32)`)
    .concat([...Array(locals).keys()].map((k) => `(local $v${k} f64)`), [...Array(vectors).keys()].map((k) => `(local $w${k} v128)`));
  const text = [
    `;; ${comment}`,
    `(func $${name} (export "${name}") (param $o i32)${[...param.values()].map((p) => ` (param ${p} i32)`).join("")}`,
    ...(declared.length > 0 || zero ? [`  ${[...declared, ...(zero ? ["(local $z i32)"] : [])].join(" ")}`] : []),
    ...body.map((l) => `  ${l}`),
    `)`,
  ].join("\n");
  return { text, addresses: params };
}

/** The output's `count` entries set to zero (before the "accumulate" writes that add to them). */
function zeroLines(count: number): string[] {
  return [
    `(local.set $z (i32.const 0))`,
    `(loop $zero`,
    `  (f64.store (i32.add (local.get $o) (local.get $z)) (f64.const 0))`,
    `  (local.set $z (i32.add (local.get $z) (i32.const 8)))`,
    `  (br_if $zero (i32.lt_u (local.get $z) (i32.const ${8 * count}))))`,
  ];
}

function fail(message: string): never {
  throw new Error(`loop IR: ${message}`);
}
