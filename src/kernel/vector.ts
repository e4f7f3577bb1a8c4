// Maps run eagerly as whole arrays: an op's entry is recorded once per op and attributes, then
// evaluated node by node, each node one tight loop over every entry (numpy's way). Each entry
// goes through the same operations in the same order as the recorded math that codegen prints, so
// the result is the same to the last bit; the loops are specialized by operation, so V8 runs each
// at full speed (calling the entry function per entry would be a call V8 cannot inline).
import type { AnyMat } from "../mat.js";
import type { Attrs } from "../op.js";
import type { MapEntry } from "./map.js";
import { recordMap, type Val } from "./record.js";

/** An evaluated node: a number (the same everywhere) or one value per entry of the output. */
type Values = number | Float64Array;

const trees = new WeakMap<MapEntry, Map<string, Val>>();

/** The entry as a record, once per entry function and attributes. */
function treeOf(entry: MapEntry, attrs: Attrs): Val {
  let byAttrs = trees.get(entry);
  if (!byAttrs) trees.set(entry, (byAttrs = new Map()));
  let key = "";
  for (const name in attrs) key += `${name}=${attrs[name]};`;
  let tree = byAttrs.get(key);
  if (!tree) byAttrs.set(key, (tree = recordMap(entry, attrs)));
  return tree;
}

/** Input k read at every entry of the output: its own array, or spread along its dims of one. */
function spread(m: AnyMat, rows: number, cols: number): Float64Array {
  if (m.rows === rows && m.cols === cols) return m.data;
  const out = new Float64Array(rows * cols);
  const rs = m.rows === 1 ? 0 : m.cols, cs = m.cols === 1 ? 0 : 1;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = m.data[i * rs + j * cs]!;
  return out;
}

/** Fills `out` with the map's entries: the same operations as the recorded math, a node at a time. */
export function runMapVectorized(entry: MapEntry, out: AnyMat, inputs: readonly AnyMat[], attrs: Attrs, shapeOnly: readonly number[]): void {
  const n = out.data.length;
  const args: (Float64Array | undefined)[] = [];
  for (let k = 0; k < inputs.length; k++) args.push(shapeOnly.length > 0 && shapeOnly.includes(k) ? undefined : spread(inputs[k]!, out.rows, out.cols));
  const result = evaluate(treeOf(entry, attrs), args, n, out.data);
  if (typeof result === "number") out.data.fill(result);
  else if (result !== out.data) out.data.set(result);
}

function evaluate(v: Val, args: readonly (Float64Array | undefined)[], n: number, target?: Float64Array): Values {
  switch (v.k) {
    case "num":
      return v.value;
    case "arg": {
      const a = args[v.input];
      if (!a) throw new Error(`map: argument ${v.input} lends only its shape`);
      return a;
    }
    case "negate": {
      const a = evaluate(v.a, args, n);
      if (typeof a === "number") return -a;
      const o = target ?? new Float64Array(n);
      for (let i = 0; i < n; i++) o[i] = -a[i]!;
      return o;
    }
    case "binary":
      return binary(v.op, evaluate(v.a, args, n), evaluate(v.b, args, n), n, target);
    case "call": {
      const [x, y] = v.args.map((a) => evaluate(a, args, n));
      return call(v.fn, x!, y, n, target);
    }
    case "choose": {
      const [a, b, t, e] = [v.a, v.b, v.then, v.otherwise].map((x) => evaluate(x, args, n));
      const at = (x: Values, i: number) => (typeof x === "number" ? x : x[i]!);
      const o = target ?? new Float64Array(n);
      const greater = v.test === ">";
      for (let i = 0; i < n; i++) {
        const p = at(a!, i), q = at(b!, i);
        o[i] = (greater ? p > q : p !== q) ? at(t!, i) : at(e!, i);
      }
      return o;
    }
    default:
      throw new Error(`map: a ${v.k} has no place in an entry`);
  }
}

function binary(op: "+" | "-" | "*" | "/", a: Values, b: Values, n: number, target?: Float64Array): Values {
  if (typeof a === "number" && typeof b === "number") return op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : a / b;
  const o = target ?? new Float64Array(n);
  if (typeof a === "number") {
    const y = b as Float64Array;
    if (op === "+") for (let i = 0; i < n; i++) o[i] = a + y[i]!;
    else if (op === "-") for (let i = 0; i < n; i++) o[i] = a - y[i]!;
    else if (op === "*") for (let i = 0; i < n; i++) o[i] = a * y[i]!;
    else for (let i = 0; i < n; i++) o[i] = a / y[i]!;
  } else if (typeof b === "number") {
    if (op === "+") for (let i = 0; i < n; i++) o[i] = a[i]! + b;
    else if (op === "-") for (let i = 0; i < n; i++) o[i] = a[i]! - b;
    else if (op === "*") for (let i = 0; i < n; i++) o[i] = a[i]! * b;
    else for (let i = 0; i < n; i++) o[i] = a[i]! / b;
  } else {
    if (op === "+") for (let i = 0; i < n; i++) o[i] = a[i]! + b[i]!;
    else if (op === "-") for (let i = 0; i < n; i++) o[i] = a[i]! - b[i]!;
    else if (op === "*") for (let i = 0; i < n; i++) o[i] = a[i]! * b[i]!;
    else for (let i = 0; i < n; i++) o[i] = a[i]! / b[i]!;
  }
  return o;
}

function call(fn: string, x: Values, y: Values | undefined, n: number, target?: Float64Array): Values {
  if (fn === "max" || fn === "min") {
    const f = fn === "max" ? Math.max : Math.min;
    if (typeof x === "number" && typeof y === "number") return f(x, y);
    const o = target ?? new Float64Array(n);
    if (typeof y === "number") for (let i = 0; i < n; i++) o[i] = f((x as Float64Array)[i]!, y);
    else if (typeof x === "number") for (let i = 0; i < n; i++) o[i] = f(x, y![i]!);
    else for (let i = 0; i < n; i++) o[i] = f(x[i]!, y![i]!);
    return o;
  }
  if (typeof x === "number") return unaryMath(fn)(x);
  const o = target ?? new Float64Array(n);
  if (fn === "exp") for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
  else if (fn === "log") for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
  else if (fn === "tanh") for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!);
  else if (fn === "sqrt") for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
  else if (fn === "abs") for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
  else throw new Error(`map: no Math.${fn}`);
  return o;
}

function unaryMath(fn: string): (x: number) => number {
  const f = (Math as unknown as Record<string, unknown>)[fn];
  if (typeof f !== "function") throw new Error(`map: no Math.${fn}`);
  return f as (x: number) => number;
}
