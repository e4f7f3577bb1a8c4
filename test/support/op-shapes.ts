// What the tests learn about an op from its definition alone, so that they are driven by the op
// table and an op added to it is tested with no list to update:
//
// - its shape templates: the most general patterns of input dims that its shape rule accepts,
//   found by asking `op.shape` about every pattern over a few symbols and the literal 1 (add
//   accepts A×B with A×B, and A×B with a 1×B row; matmul A×B with B×C; mulScalar A×B with 1×1);
// - the inputs that must be positive (their entries at 0 or −1 give a non-finite result: log's,
//   div's denominator), and whether positive inputs give positive results (what the property
//   tests' builder of positive values may use);
// - its typed function, found by the op's name among the library's exports.
//
// Everything is probed on numbers and cached per op.
import * as mainEntry from "../../src/index.js";
import * as opsEntry from "../../src/ops/index.js";
import { apply, type Arity, type Attrs, type OpDef } from "../../src/op.js";
import { allOps, opTable } from "../../src/ops/table.js";
import type { Shape } from "../../src/shape-error.js";
import type { AnyMat, Dim } from "../../src/index.js";

/** A dim of a template: a symbol ("A", "B", …) that stands for any dim, or a literal label (1). */
export type Sym = string | number;
export type ShapePattern = readonly [Sym, Sym];

export interface Template {
  readonly inputs: readonly ShapePattern[];
  readonly output: ShapePattern;
}

/** Symbols of the probes, each a named dim of its own size (no two alike, none 1). */
const SYMBOLS = ["A", "B", "C", "D"] as const;
const PROBE_SIZES: Readonly<Record<string, number>> = { A: 2, B: 3, C: 5, D: 7 };

/** The forward ops of the table: what a model's step may call (backward-only ops aside). */
export function forwardOps(): readonly OpDef<Arity>[] {
  return allOps().filter((op) => !op.backwardOnly);
}

/** The built-in ops only (not users' ops defined by some test file). */
export function builtInOps(): readonly OpDef<Arity>[] {
  return [...opTable.values()];
}

/** Attribute values a test may use when it knows nothing else about an attribute: 1 for the probes. */
export function probeAttrs(op: OpDef<Arity>, value = 1): Attrs {
  return Object.fromEntries((op.attrs ?? []).map((a) => [a, value]));
}

/** Every dim pattern of `positions` dims, symbols numbered in order of first appearance. */
function patterns(positions: number): Sym[][] {
  const out: Sym[][] = [];
  const grow = (prefix: Sym[], used: number) => {
    if (prefix.length === positions) {
      out.push(prefix);
      return;
    }
    grow([...prefix, 1], used);
    for (let s = 0; s <= Math.min(used, SYMBOLS.length - 1); s++) grow([...prefix, SYMBOLS[s]!], Math.max(used, s + 1));
  };
  grow([], 0);
  return out;
}

function probeShape(r: Sym, c: Sym): Shape {
  const size = (s: Sym) => (typeof s === "number" ? s : PROBE_SIZES[s]!);
  return { rowDim: r, colDim: c, rows: size(r), cols: size(c) };
}

function symOf(label: Dim, size: number): Sym | undefined {
  if (typeof label === "number") return label === size ? label : undefined;
  return PROBE_SIZES[label] === size ? label : undefined;
}

/** The output pattern of `op` on inputs of these patterns, or undefined when its shape rule refuses them. */
function outputOf(op: OpDef<Arity>, inputs: readonly ShapePattern[]): ShapePattern | undefined {
  let s: Shape;
  try {
    s = op.shape(inputs.map(([r, c]) => probeShape(r, c)) as never, probeAttrs(op));
  } catch {
    return undefined;
  }
  const r = symOf(s.rowDim, s.rows);
  const c = symOf(s.colDim, s.cols);
  if (r === undefined || c === undefined) throw new Error(`${op.name}: its shape rule gave ${s.rowDim}×${s.colDim} (${s.rows}×${s.cols}), a dim that is not one of its inputs' nor a literal`);
  return [r, c];
}

/** True when `specific` is `general` with symbols replaced (by symbols or 1, not necessarily distinct). */
function specializes(general: readonly Sym[], specific: readonly Sym[]): boolean {
  const map = new Map<Sym, Sym>();
  for (let i = 0; i < general.length; i++) {
    const g = general[i]!, s = specific[i]!;
    if (typeof g === "number") {
      if (g !== s) return false;
      continue;
    }
    const bound = map.get(g);
    if (bound === undefined) map.set(g, s);
    else if (bound !== s) return false;
  }
  return true;
}

const templateCache = new Map<OpDef<Arity>, readonly Template[]>();

/**
 * The most general input patterns `op`'s shape rule accepts, with the output's. Patterns that are
 * special cases of an accepted one (a symbol set to 1 or two symbols merged) are left out.
 */
export function templates(op: OpDef<Arity>): readonly Template[] {
  const known = templateCache.get(op);
  if (known) return known;
  const accepted: { flat: Sym[]; t: Template }[] = [];
  for (const flat of patterns(2 * op.arity)) {
    const inputs = Array.from({ length: op.arity }, (_, k) => [flat[2 * k]!, flat[2 * k + 1]!] as const);
    const output = outputOf(op, inputs);
    if (output) accepted.push({ flat, t: { inputs, output } });
  }
  const general = accepted.filter((x) => !accepted.some((y) => y !== x && specializes(y.flat, x.flat) && !specializes(x.flat, y.flat))).map((x) => x.t);
  templateCache.set(op, general);
  return general;
}

/** The symbols of a template, in order of first appearance. */
export function symbolsOf(t: Template): string[] {
  const seen: string[] = [];
  for (const [r, c] of t.inputs) for (const s of [r, c]) if (typeof s === "string" && !seen.includes(s)) seen.push(s);
  return seen;
}

/** An input is a 1×S row whose S is the output's columns, read on every output row (add's bias). */
export function isRowBroadcast(t: Template): boolean {
  const [or, oc] = t.output;
  return typeof or === "string" && t.inputs.some(([r, c]) => r === 1 && c === oc && typeof c === "string");
}

/** A symbol of both inputs that the output does not keep: the shared dim of a product. */
export function isContraction(t: Template): boolean {
  if (t.inputs.length < 2) return false;
  const out = new Set<Sym>(t.output);
  const [a, b] = t.inputs as readonly [ShapePattern, ShapePattern];
  return a.some((s) => typeof s === "string" && !out.has(s) && b.includes(s));
}

/** A unary op's template that swaps the dims (transpose). */
export function isSwap(t: Template): boolean {
  if (t.inputs.length !== 1) return false;
  const [[r, c]] = t.inputs as readonly [ShapePattern];
  const [or, oc] = t.output;
  return typeof r === "string" && typeof c === "string" && r !== c && or === c && oc === r;
}

/** Some input dim that the output does not keep: a reduction (a sum, a loss, a product). */
export function isReduction(t: Template): boolean {
  const out = new Set<Sym>(t.output);
  return t.inputs.some(([r, c]) => [r, c].some((s) => typeof s === "string" && !out.has(s)));
}

/** A dim bound to a template's symbol: its label and size. */
export interface BoundDim {
  readonly label: Dim;
  readonly size: number;
}

/** The template's input shapes with its symbols bound; undefined when a symbol is unbound. */
export function instantiate(t: Template, bind: (s: string) => BoundDim | undefined): Shape[] | undefined {
  const dim = (s: Sym): BoundDim | undefined => (typeof s === "number" ? { label: s, size: s } : bind(s));
  const out: Shape[] = [];
  for (const [r, c] of t.inputs) {
    const rd = dim(r), cd = dim(c);
    if (!rd || !cd) return undefined;
    out.push({ rowDim: rd.label, colDim: cd.label, rows: rd.size, cols: cd.size });
  }
  return out;
}

/** `op`'s shape rule on these inputs, or undefined when it refuses them. */
export function shapeOf(op: OpDef<Arity>, inputs: readonly Shape[], attrs: Attrs = probeAttrs(op)): Shape | undefined {
  try {
    return op.shape(inputs as never, attrs);
  } catch {
    return undefined;
  }
}

/**
 * Input shapes for `op` from every template under every binding (the bindings list labels for
 * the symbols A, B, C, D in order), kept when the shape rule accepts them, without repeats.
 */
export function candidateShapes(op: OpDef<Arity>, bindings: readonly (readonly BoundDim[])[]): Shape[][] {
  const seen = new Set<string>();
  const out: Shape[][] = [];
  for (const t of templates(op)) {
    for (const b of bindings) {
      const inputs = instantiate(t, (s) => b[SYMBOLS.indexOf(s as (typeof SYMBOLS)[number])]);
      if (!inputs || !shapeOf(op, inputs)) continue;
      const key = JSON.stringify(inputs);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(inputs);
    }
  }
  return out;
}

export function matrixOf(s: Shape, data: Float64Array): AnyMat {
  if (data.length !== s.rows * s.cols) throw new RangeError(`matrixOf: ${s.rows}×${s.cols} needs ${s.rows * s.cols} numbers, got ${data.length}`);
  return { rowDim: s.rowDim, colDim: s.colDim, rows: s.rows, cols: s.cols, data };
}

export function filled(s: Shape, draw: () => number): AnyMat {
  return matrixOf(s, Float64Array.from({ length: s.rows * s.cols }, draw));
}

/** A small fixed sequence of pseudo-random numbers in [0, 1), so the probes are deterministic. */
function uniforms(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** The probe instances of a template: every symbol a named dim of 2 to 5 entries, then every symbol 1. */
function probeInstances(op: OpDef<Arity>): Shape[][] {
  const wide: BoundDim[] = [
    { label: "p", size: 2 },
    { label: "q", size: 3 },
    { label: "r", size: 4 },
    { label: "s", size: 5 },
  ];
  const ones: BoundDim[] = SYMBOLS.map(() => ({ label: 1, size: 1 }));
  return candidateShapes(op, [wide, ones]);
}

function allFinite(m: AnyMat): boolean {
  return m.data.every((x) => Number.isFinite(x));
}

const domainCache = new Map<OpDef<Arity>, readonly boolean[]>();

/**
 * For each input of `op`, true when it must be positive: with every other input 1 (or 0.5 to 2),
 * the input at 0 or at −1 gives a non-finite entry (log's input, div's denominator).
 */
export function positiveInputs(op: OpDef<Arity>): readonly boolean[] {
  const known = domainCache.get(op);
  if (known) return known;
  const next = uniforms(0x51ed);
  const result = Array.from({ length: op.arity }, (_, k) =>
    probeInstances(op).some((shapes) =>
      [0, -1].some((v) =>
        [() => 1, () => 0.5 + 1.5 * next()].some((other) => {
          const inputs = shapes.map((s, i) => filled(s, i === k ? () => v : other));
          return !allFinite(apply(op, inputs, probeAttrs(op)));
        }),
      ),
    ),
  );
  domainCache.set(op, result);
  return result;
}

/** Attribute values for random programs, and the positive ones (for values that must stay positive). */
export const attrValues: readonly number[] = [0.5, -1, 2, -0.25, 1, 1.5, -3, 0];
export const positiveAttrValues: readonly number[] = [0.5, 2, 1, 0.25, 3];

/** Every combination of `values` for the op's attributes (one empty combination without any). */
export function attrChoices(op: OpDef<Arity>, values: readonly number[]): Attrs[] {
  let out: Record<string, number>[] = [{}];
  for (const name of op.attrs ?? []) out = out.flatMap((a) => values.map((v) => ({ ...a, [name]: v })));
  return out;
}

export type Positivity = "makes" | "keeps" | undefined;
const positivityCache = new Map<OpDef<Arity>, Positivity>();

/**
 * "makes": every entry of the result is positive whatever the inputs (in their domains: exp,
 * softmax); "keeps": positive inputs, and positive attributes, give a positive result (add, mul,
 * div, matmul, sumRows, …); undefined otherwise. Probed with seeded draws at two sizes of every
 * template, so a result that is 0 at some size (a 1-column cross-entropy) does not count.
 */
export function positivity(op: OpDef<Arity>): Positivity {
  if (positivityCache.has(op)) return positivityCache.get(op);
  const next = uniforms(0x9051);
  const domains = positiveInputs(op);
  const normal = () => 3 * (next() + next() + next() - 1.5);
  const positive = () => 0.1 + 3 * next();
  const always = (draw: (k: number) => () => number, attrs: readonly Attrs[]) =>
    probeInstances(op).every((shapes) =>
      attrs.every((a) =>
        [0, 1, 2].every(() => {
          const out = apply(op, shapes.map((s, k) => filled(s, draw(k))), a);
          return out.data.every((x) => x > 0 && Number.isFinite(x));
        }),
      ),
    );
  const result: Positivity = always((k) => (domains[k] ? positive : normal), attrChoices(op, attrValues))
    ? "makes"
    : always(() => positive, attrChoices(op, positiveAttrValues))
      ? "keeps"
      : undefined;
  positivityCache.set(op, result);
  return result;
}

const boundedCache = new Map<OpDef<Arity>, boolean>();

/**
 * True for a unary op whose every entry lies in [−1, 1] whatever its input (tanh, softmax): what
 * keeps a recurrent state bounded over the steps. Probed with seeded draws of up to ±30.
 */
export function bounded(op: OpDef<Arity>): boolean {
  const known = boundedCache.get(op);
  if (known !== undefined) return known;
  const next = uniforms(0xb0d);
  const result =
    op.arity === 1 &&
    !positiveInputs(op)[0] &&
    probeInstances(op).every((shapes) =>
      attrChoices(op, attrValues).every((a) =>
        [0, 1, 2, 3].every(() => apply(op, shapes.map((s) => filled(s, () => 60 * (next() - 0.5))), a).data.every((x) => Math.abs(x) <= 1)),
      ),
    );
  boundedCache.set(op, result);
  return result;
}

type Callable = (...args: unknown[]) => AnyMat;

/**
 * The typed function of `op`: the export of the op's name from the main entry (src/index.ts), or
 * from shapegrad/ops (src/ops/index.ts) for a backward-only op. It takes the op's matrices, then
 * its attributes in the order the op declares them. Throws, naming the op, when there is none.
 */
export function typedFunction(op: OpDef<Arity>): (inputs: readonly AnyMat[], attrs?: Attrs) => AnyMat {
  const entry = (op.backwardOnly ? opsEntry : mainEntry) as unknown as Record<string, unknown>;
  const fn = entry[op.name];
  if (typeof fn !== "function") {
    throw new Error(
      `op ${op.name}: no typed function exported as "${op.name}" from ${op.backwardOnly ? "src/ops/index.ts (shapegrad/ops)" : "src/index.ts (shapegrad)"}; ` +
        `the tests find each op's typed function by its name`,
    );
  }
  const declared = op.attrs ?? [];
  // Attributes may have defaults (causalMask's fill), which Function.length does not count.
  if (fn.length < op.arity || fn.length > op.arity + declared.length) {
    throw new Error(`op ${op.name}: its typed function takes ${fn.length} arguments, but the op has ${op.arity} matrices and ${declared.length} attributes (${declared.join(", ") || "none"})`);
  }
  return (inputs, attrs = {}) => (fn as Callable)(...inputs, ...declared.map((a) => attrs[a]));
}
