// An elementwise kernel as a WebAssembly function: a map node and the maps fused into it, computed
// on f64x2 vectors two entries at a time, reading and writing the module's arrays in the kernels'
// memory in place. Each input is read where the entry (i, j) reads it: the same place (linear), a
// row read down the rows (1×C), a column read along them (R×1), or one value (1×1). The function
// takes the byte address of its output and of each array it reads; the caller passes them.
import type { Node } from "../src/ir/graph.js";
import type { Shape } from "../src/shape-error.js";
import { shapeOnlyInputs } from "./lowering.js";
import { opNamed } from "../src/ops/table.js";
import { NoVectorForm, splat, vectorEntry, type VectorFunctions } from "./print-wat.js";

/** Where a leaf of the map lives: an array at a byte address (a code expression), or a number. */
export type MapSource = { readonly kind: "array"; readonly address: string; readonly stride?: number } | { readonly kind: "number"; readonly value: number };

/** What the builder asks of the emitter about the nodes of a fused chain. */
export interface MapNodes {
  node(id: number): Node;
  shapeOf(id: number): Shape;
  /** True when the node is a map fused into its reader (computed, not stored). */
  fused(id: number): boolean;
  /** Where a stored node lives, or undefined when a kernel in WebAssembly cannot read it. */
  source(id: number): MapSource | undefined;
}

/** How a leaf is read as the entry (i, j) of the output moves. */
type Walk = "linear" | "row" | "column" | "scalar";

interface Leaf {
  readonly address: string;
  readonly walk: Walk;
  /** The distance of its rows in entries, when not the output's columns (a block of a wider array). */
  readonly stride?: number;
}

export interface VectorMap {
  /** The function's WebAssembly text, named `name`. */
  readonly text: string;
  /** The byte addresses to pass, output first, as code. */
  readonly addresses: readonly string[];
}

/**
 * The map `root` (of `shape`, as this mode reads it) into the output at `output` (`=` or `+=`), as a
 * function named `name`; undefined when some leaf cannot be read from WebAssembly (a caller's array
 * that has no copy, a transposed or one-hot input) or some function has no vector form.
 */
export function vectorMap(name: string, root: Node, shape: Shape, output: string, assign: "=" | "+=", nodes: MapNodes, functions: VectorFunctions): VectorMap | undefined {
  const leaves: Leaf[] = [];
  let ok = true;
  // Each node's place asked once: the entry is printed twice (pairs, then the last one alone), and
  // asking again would fill a caller's copy twice.
  const sources = new Map<number, MapSource | undefined>();
  const sourceOf = (id: number) => {
    if (!sources.has(id)) sources.set(id, nodes.source(id));
    return sources.get(id);
  };
  // The entry of `id`, read at (i, j) when `rows`/`cols` say its index moves with the output's.
  const entry = (id: number, rows: boolean, cols: boolean, read: (leaf: number, walk: Walk) => string): string => {
    const node = nodes.node(id);
    if (nodes.fused(id)) {
      const shapeOnly = shapeOnlyInputs(node);
      const args = node.inputs.map((input, k) => {
        if (shapeOnly.includes(k)) return splat(0);
        const s = nodes.shapeOf(input);
        return entry(input, rows && s.rows !== 1, cols && s.cols !== 1, read);
      });
      return vectorEntry(opNamed(node.op), node.attrs, args, functions);
    }
    const source = sourceOf(id);
    if (!source) {
      ok = false;
      return splat(0);
    }
    if (source.kind === "number") return splat(source.value);
    const walk: Walk = rows && cols ? "linear" : cols ? "row" : rows ? "column" : "scalar";
    let k = leaves.findIndex((l) => l.address === source.address && l.walk === walk);
    if (k < 0) k = leaves.push({ address: source.address, walk, ...(source.stride !== undefined && { stride: source.stride }) }) - 1;
    return read(k, walk);
  };
  const rootArgs = (read: (leaf: number, walk: Walk) => string): string => {
    const shapeOnly = shapeOnlyInputs(root);
    const args = root.inputs.map((input, k) => {
      if (shapeOnly.includes(k)) return splat(0);
      const s = nodes.shapeOf(input);
      return entry(input, s.rows !== 1, s.cols !== 1, read);
    });
    return vectorEntry(opNamed(root.op), root.attrs, args, functions);
  };
  // Two entries at a time at byte offset $j of the row; the last one alone when the row is odd.
  let pairs: string, single: string;
  try {
    pairs = rootArgs((k, walk) => (walk === "linear" || walk === "row" ? `(v128.load (i32.add (local.get $p${k}) (local.get $j)))` : `(f64x2.splat (f64.load (local.get $p${k})))`));
    single = rootArgs((k, walk) => (walk === "linear" || walk === "row" ? `(v128.load64_zero (i32.add (local.get $p${k}) (local.get $j)))` : `(f64x2.splat (f64.load (local.get $p${k})))`));
  } catch (e) {
    if (e instanceof NoVectorForm) return undefined;
    throw e;
  }
  if (!ok) return undefined;
  // Without a row or column read, the rows run as one.
  const flat = leaves.every((l) => (l.walk === "linear" && (l.stride ?? shape.cols) === shape.cols) || l.walk === "scalar");
  const rows = flat ? 1 : shape.rows, cols = flat ? shape.rows * shape.cols : shape.cols;
  const at = "(i32.add (local.get $o) (local.get $j))";
  const value = (v: string, load: string) => (assign === "+=" ? `(f64x2.add (${load} ${at}) ${v})` : v);
  const step = (pointer: string, bytes: number) => (bytes === 0 ? [] : [`(local.set ${pointer} (i32.add (local.get ${pointer}) (i32.const ${bytes})))`]);
  const row = rowOfPairs(cols, (load) => `(${load === "v128.load" ? "v128.store" : "v128.store64_lane 0"} ${at} ${value(load === "v128.load" ? pairs : single, load)})`);
  const advance = [...step("$o", cols * 8), ...leaves.flatMap((l, k) => step(`$p${k}`, l.walk === "linear" ? (l.stride ?? cols) * 8 : l.walk === "column" ? (l.stride ?? 1) * 8 : 0))];
  const body =
    rows === 1
      ? row
      : [`(loop $rows`, ...[...row, ...advance, `(local.set $r (i32.add (local.get $r) (i32.const 1)))`, `(br_if $rows (i32.lt_u (local.get $r) (i32.const ${rows})))`].map((l) => `  ${l}`), `)`];
  const text = [
    `;; ${root.op} over ${shape.rows}×${shape.cols}${flat && shape.rows > 1 ? " (rows as one)" : ""}, two entries at a time: output at $o ${assign === "+=" ? "(added to)" : ""}, inputs at ${leaves.map((l, k) => `$p${k} (${l.walk})`).join(", ") || "none"}`,
    `(func $${name} (export "${name}") (param $o i32)${leaves.map((_, k) => ` (param $p${k} i32)`).join("")}`,
    `  (local $j i32)${rows === 1 ? "" : " (local $r i32)"}`,
    ...body.map((l) => `  ${l}`),
    `)`,
  ].join("\n");
  return { text, addresses: [output, ...leaves.map((l) => l.address)] };
}

/**
 * A block of `rows` × `cols` entries copied (or, with `adds`, added) from rows `fromStride` entries
 * apart at $p0 into rows `toStride` apart at $o, two entries at a time: a joined product's output
 * block into its member's array where the kernel left it, with no JavaScript loop.
 */
export function blockCopy(name: string, rows: number, cols: number, fromStride: number, toStride: number, adds: boolean): string {
  const at = (p: string) => `(i32.add (local.get ${p}) (local.get $j))`;
  const value = (load: string) => (adds ? `(f64x2.add (${load} ${at("$o")}) (${load} ${at("$p0")}))` : `(${load} ${at("$p0")})`);
  const row = rowOfPairs(cols, (load) => `(${load === "v128.load" ? "v128.store" : "v128.store64_lane 0"} ${at("$o")} ${value(load)})`);
  return [
    `;; ${rows}×${cols} entries ${adds ? "added" : "copied"} from rows ${fromStride} apart at $p0 into rows ${toStride} apart at $o`,
    `(func $${name} (export "${name}") (param $o i32) (param $p0 i32) (local $j i32) (local $r i32)`,
    `  (loop $rows`,
    ...[...row, `(local.set $o (i32.add (local.get $o) (i32.const ${toStride * 8})))`, `(local.set $p0 (i32.add (local.get $p0) (i32.const ${fromStride * 8})))`, `(local.set $r (i32.add (local.get $r) (i32.const 1)))`, `(br_if $rows (i32.lt_u (local.get $r) (i32.const ${rows})))`].map((l) => `    ${l}`),
    `  )`,
    `)`,
  ].join("\n");
}

/**
 * A row of `cols` entries two at a time at byte offset $j, then the last one alone when `cols` is
 * odd: `store(load)` is the statement at $j, given how to load there (two entries, or one).
 */
function rowOfPairs(cols: number, store: (load: "v128.load" | "v128.load64_zero") => string): string[] {
  const whole = Math.floor(cols / 2) * 16;
  return [
    `(local.set $j (i32.const 0))`,
    ...(whole > 0 ? [`(loop $pairs`, `  ${store("v128.load")}`, `  (local.set $j (i32.add (local.get $j) (i32.const 16)))`, `  (br_if $pairs (i32.lt_u (local.get $j) (i32.const ${whole}))))`] : []),
    ...(cols % 2 === 1 ? [store("v128.load64_zero")] : []),
  ];
}
