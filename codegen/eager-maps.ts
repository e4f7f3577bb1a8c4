// The eager library's map kernels, in WebAssembly text, from the op table: for each map op (and
// each setting of its optional attributes; an op that requires attributes has run-time numbers in
// its entry and stays in JavaScript), its entry printed on f64x2 vectors (print-wat.ts: the op's
// own vector function, or its recorded math) in a loop over a run-time count of entries. Inputs are
// read as the eager op reads them: an array of the output's shape (l) or one value (s); other
// broadcasts (a row, a column) run in JavaScript. src/wasm/maps.ts calls them by name.
import type { Arity, Attrs, OpDef } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { mapKernelName, type MapWalk } from "../src/wasm/maps.js";
import { recordMap, type Val } from "../src/kernel/record.js";
import { NoVectorForm, vectorEntry, VectorFunctions } from "./print-wat.js";

/** Every walk of an op's inputs that gets a kernel: all arrays, or one of two a single value where its shape rule accepts one. */
function walks(op: OpDef<Arity>): readonly (readonly MapWalk[])[] {
  if (op.arity === 1) return [["l"]];
  const matrix: Shape = { rowDim: "r", colDim: "c", rows: 2, cols: 2 }, one: Shape = { rowDim: 1, colDim: 1, rows: 1, cols: 1 };
  const accepts = (shapes: readonly [Shape, Shape]) => {
    try {
      op.shape(shapes, {});
      return true;
    } catch {
      return false;
    }
  };
  return [["l", "l"], ...(accepts([matrix, one]) ? [["l", "s"] as const] : []), ...(accepts([one, matrix]) ? [["s", "l"] as const] : [])];
}

/** The attribute settings of an op that get kernels: none set, and each optional one set to 1. */
function settings(op: OpDef<Arity>): readonly Attrs[] {
  if ((op.attrs ?? []).length > 0) return [];
  return [{}, ...(op.optionalAttrs ?? []).map((name) => ({ [name]: 1 }))];
}

/**
 * `name(o, p0[, p1], bytes)`: o[e] = entry(p0[e], p1[e]) for the `bytes`/8 entries from byte
 * address o, two at a time, the last one alone when the count is odd; an input read as a single
 * value (s) is the double at its address.
 */
function mapKernel(name: string, op: OpDef<Arity>, attrs: Attrs, walk: readonly MapWalk[], functions: VectorFunctions): string {
  const inputs = walk.map((_, k) => k);
  const load = (k: number, pairs: boolean) =>
    walk[k] === "s" ? `(v128.load64_splat (local.get $p${k}))` : `(${pairs ? "v128.load" : "v128.load64_zero"} (i32.add (local.get $p${k}) (local.get $j)))`;
  const entry = vectorEntry(op, attrs, inputs.map((k) => `(local.get $x${k})`), functions);
  const compute = (pairs: boolean) => [...inputs.map((k) => `(local.set $x${k} ${load(k, pairs)})`), `(local.set $y ${entry})`];
  const at = `(i32.add (local.get $o) (local.get $j))`;
  return [
    `;; ${op.name}${Object.keys(attrs).map((a) => ` ${a}=${attrs[a]}`).join("")} over a run-time count of entries, inputs ${walk.map((w) => (w === "l" ? "arrays" : "one value")).join(" and ")}`,
    `(func $${name} (export "${name}") (param $o i32)${inputs.map((k) => ` (param $p${k} i32)`).join("")} (param $bytes i32)`,
    `  (local $j i32) (local $whole i32) (local $y v128)${inputs.map((k) => ` (local $x${k} v128)`).join("")}`,
    `  (local.set $whole (i32.and (local.get $bytes) (i32.const -16)))`,
    `  (if (local.get $whole) (then`,
    `    (loop $pairs`,
    ...compute(true).map((l) => `      ${l}`),
    `      (v128.store ${at} (local.get $y))`,
    `      (local.set $j (i32.add (local.get $j) (i32.const 16)))`,
    `      (br_if $pairs (i32.lt_u (local.get $j) (local.get $whole))))))`,
    `  (if (i32.ne (local.get $whole) (local.get $bytes)) (then`,
    ...compute(false).map((l) => `    ${l}`),
    `    (v128.store64_lane 0 ${at} (local.get $y))))`,
    `)`,
  ].join("\n");
}

/** The operations in a recorded value: arithmetic, negations, calls and choices. */
function operations(v: Val): number {
  switch (v.k) {
    case "binary":
      return 1 + operations(v.a) + operations(v.b);
    case "negate":
      return 1 + operations(v.a);
    case "call":
      return 1 + v.args.reduce((sum, a) => sum + operations(a), 0);
    case "choose":
      return 1 + [v.a, v.b, v.then, v.otherwise].reduce((sum, a) => sum + operations(a), 0);
    default:
      return 0;
  }
}

/**
 * Whether a map gets kernels: when it has a vector function of its own (exp, tanh: several ns a
 * value in JavaScript's Math) or its entry takes two operations or more (the eager JavaScript
 * evaluates an entry one operation at a time over the whole array, a pass and an array each; the
 * kernel makes one pass). A single arithmetic operation (add, mul, relu) is one memory-bound pass
 * in either language, which the copies in and out of the kernels' memory would only slow: measured
 * with `taskset -c 1 npx tsx bench/eager-crossover.ts --maps` (add, mul, div, square, relu 0.2–1.7×
 * of JavaScript's speed and as often slower as faster at 1024 and 65536 entries).
 */
function pays(op: OpDef<Arity>, attrs: Attrs): boolean {
  if (op.math.kind !== "map") return false;
  return op.vector !== undefined || operations(recordMap(op.math.entry, attrs)) >= 2;
}

/** The map kernels of `ops` that pay; the vector functions they call are added to `functions`. */
export function mapKernelTexts(ops: readonly OpDef<Arity>[], functions: VectorFunctions): string[] {
  const kernels: string[] = [];
  for (const op of ops) {
    if (op.math.kind !== "map" || (op.math.shapeOnly ?? []).length > 0) continue;
    for (const attrs of settings(op)) {
      if (!pays(op, attrs)) continue;
      for (const walk of walks(op)) {
        try {
          kernels.push(mapKernel(mapKernelName(op.name, attrs, walk), op, attrs, walk, functions));
        } catch (e) {
          if (!(e instanceof NoVectorForm)) throw e;
        }
      }
    }
  }
  return kernels;
}
