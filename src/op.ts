// The op table's contract. Every op is one OpDef in one file under ops/, beside its typed
// function: the run-time shape rule and the eager kernel here, and (as the pipeline grows) its
// vector-Jacobian rule and the index-level description that codegen lowers to loops.
import type { Dim } from "./dims.js";
import { makeMat, type AnyMat, type Mat } from "./mat.js";
import { callerLocation, ShapeError, type Shape } from "./shape-error.js";
import { ModelError } from "./model-error.js";
import { nameProblem } from "./names.js";
import { runNest } from "./kernel/direct.js";
import { runMapVectorized } from "./kernel/vector.js";
import { mapOnWasm, mapWasm } from "./wasm/maps.js";
import { lazyMat, lazyViewOf } from "./lazy-view.js";
import type { MathFunction } from "./kernel/algebra.js";
import type { MapEntry } from "./kernel/map.js";
import type { NestBody } from "./kernel/nest.js";
import type { OnnxForm } from "./onnx-form.js";

/** Scalar settings of an op (for example scale's factor): plain data, so IR records stay printable. */
export type Attrs = Readonly<Record<string, number>>;

/** An op's inputs as a tuple of its arity, so rules and kernels destructure them without checks. */
export type Inputs<T, N extends Arity> = N extends 1 ? readonly [T] : readonly [T, T];
export type Arity = 1 | 2;

export interface OpDef<N extends Arity = Arity> {
  readonly name: string;
  /** How many matrix inputs the op takes. */
  readonly arity: N;
  /**
   * An op that gradient rules are written with (`tanhGrad`): exported from `shapegrad/ops`, not
   * from the main entry, and refused in a model's forward step.
   */
  readonly backwardOnly?: boolean;
  /** The names of the numeric attributes the op requires (scale's factor `s`). */
  readonly attrs?: readonly string[];
  /** Numeric attributes it may be given (add's `swapped`: a number on the left, passed second). */
  readonly optionalAttrs?: readonly string[];
  /** The run-time shape rule: the result's shape, or a ShapeError naming both shapes. */
  shape(inputs: Inputs<Shape, N>, attrs: Attrs): Shape;
  /** The op's math, written once: the eager kernel runs it, codegen prints it. */
  readonly math: OpMath;
  /** Faster forms of the same math, when the op has them. */
  readonly schedule?: Schedule<N>;
  /**
   * The vector-Jacobian rule: from the inputs, the output and the output's adjoint `g`, the
   * adjoint of each input (undefined for an input that only lends its shape). Written with the
   * typed ops, so tsc checks it and it runs eagerly or traces into backward IR alike. Ops used
   * only in backward passes have none.
   */
  readonly vjp?: (inputs: Inputs<AnyMat, N>, out: AnyMat, g: AnyMat, attrs: Attrs) => readonly (AnyMat | undefined)[];
  /** How `shapegrad explain` states the op's rule and prints it. */
  readonly explain?: OpExplanation;
  /** The op as ONNX nodes, for `shapegrad export` (a model using an op without one is refused). */
  readonly onnx?: OnnxForm;
  /** A map's entry as a WebAssembly function on f64x2 vectors: its SIMD schedule (see VectorEntry). */
  readonly vector?: VectorEntry;
}

/**
 * A map op's entry on two lanes at once, in WebAssembly text: what the SIMD kernels call for the
 * op's entry, and for a function of the scalar language (`provides`: `exp`, `log`, `tanh`) wherever
 * another op's recorded math calls it. Stated against JavaScript's Math, which the JavaScript
 * kernels and the eager library call: at most `ulp` units in the last place apart on every finite
 * input, and the same NaN, ±Infinity and ±0 wherever Math gives them.
 */
export interface VectorEntry {
  /** The function's name without `$`, unique among the table's vector entries. */
  readonly name: string;
  /** `(func $name (param $x v128) … (result v128) …)`: one v128 parameter per input of the op. */
  readonly text: string;
  /** The vector entries it calls (`$exp` from sigmoid's), included once with it. */
  readonly uses?: readonly VectorEntry[];
  /** The function of the scalar language it computes, when it is one. */
  readonly provides?: MathFunction;
  /** The largest distance from Math's result, in units in the last place, on any finite input. */
  readonly ulp: number;
}

/**
 * An op's math. A map computes each output entry from the inputs' entries at the same place
 * (codegen reads a 1×C input as a broadcast row and a 1×1 input as a scalar, and may fuse maps
 * into one loop); a nest is loops over the whole matrices; a view is a nest that codegen never
 * materializes: its readers index through it (the transpose).
 */
export type OpMath =
  | { readonly kind: "map"; readonly entry: MapEntry; readonly shapeOnly?: readonly number[] }
  | {
      readonly kind: "nest";
      readonly body: NestBody;
      readonly stacking?: (views: readonly boolean[]) => Stacking | undefined;
      /**
       * True when each output column reads one column of input 1 alone (a product: a·[b₁ b₂] is
       * [a·b₁ a·b₂]). Codegen may then run nodes that share input 0 as one node, over their
       * inputs 1 side by side.
       */
      readonly sideBySide?: boolean;
      /**
       * True when the op sums over input 0's columns and input 1's rows (a product: a₁·b₁ + a₂·b₂
       * is [a₁ a₂]·[b₁; b₂]). Codegen may then run nodes that are only added together as one node,
       * over their inputs 0 side by side and their inputs 1 stacked.
       */
      readonly summedStacked?: boolean;
    }
  | { readonly kind: "view"; readonly body: NestBody };

/**
 * Faster forms of an op's math: `eager`, a kernel that computes exactly what the math computes,
 * in the same order (tests hold it to the math bit for bit); `emit`, generated loops in another
 * order (register tiles, SIMD), or undefined to print the math as written.
 */
export interface Schedule<N extends Arity> {
  eager?(out: AnyMat, inputs: Inputs<AnyMat, N>, attrs: Attrs): void;
  /**
   * WebAssembly functions, in text, that `eager` calls through src/wasm/instance.ts: the eager
   * library's kernels for sizes known only at run time. codegen/eager-wasm.ts assembles those of
   * every op of the table into one module at build time (src/wasm/kernels.generated.ts), so the
   * library itself never assembles anything.
   */
  readonly wasm?: () => readonly string[];
  emit?(ctx: LoopContext): readonly string[] | undefined;
}

/** Mathematics in two notations: Unicode text (terminals) and LaTeX (markdown and .tex). */
export interface Notation {
  readonly text: string;
  readonly latex: string;
}

/**
 * Mathematics printed in one notation, with how tightly it binds: a sum inside a product needs
 * parentheses, an atom never does (the helpers in src/explain/notation.ts add them).
 */
export interface Printed {
  readonly code: string;
  /** How tightly it binds: a sum, a Hadamard-style product (⊙, ⊘), a matrix product or scaling, an atom. */
  readonly level: "sum" | "hadamard" | "product" | "atom";
  /** A named value's step subscript (`_t`, or "" for none), so a printer can name a value of the same step: Ŷ_t beside O_t. */
  readonly subscript?: string;
  /** Present when the value is 1/over (the loss's mean): a product with it prints as a quotient, G/(T·n). */
  readonly over?: string;
}

/**
 * How `shapegrad explain` writes an op. A forward op states its differential rule; every op,
 * backward-only ones too, says how it prints. An op without a printer prints as `name(args)`.
 */
export interface OpExplanation {
  /** The differential rule, with the trace identity that moves G onto each input's differential. */
  readonly rule?: Notation;
  /** d(op) when only input k varies: `args` are the inputs as printed, `d` is dk. */
  differential?(k: number, args: readonly Notation[], d: Notation, attrs: Attrs): Notation;
  /** The op applied to its inputs as printed, in one notation. */
  print?(args: readonly Printed[], attrs: Attrs, style: keyof Notation): Printed;
  /** The inputs whose adjoint is the output's G unchanged (a sum's terms): a derivation follows G back through them. */
  readonly passesAdjoint?: readonly number[];
}

/**
 * How a loop-nest op's output rows relate to its input rows, which lets codegen run a recurrent
 * model's per-step node once over every step's rows stacked, outside the time loop. "aligned":
 * output row i reads row i of the listed inputs only (the others must be the same at every step,
 * as a parameter is); "summed": the output is a sum of per-row terms of all inputs, so over
 * stacked rows it is the sum over steps (codegen uses this for the loss alone). An op without it
 * always runs step by step. Maps need none: they are aligned in every input.
 */
export type Stacking = { readonly kind: "aligned"; readonly inputs: readonly number[] } | { readonly kind: "summed" };

/** What a loop-nest lowering may use. Sizes are constants; indices and values are code strings. */
export interface LoopContext {
  readonly inputs: readonly Shape[];
  readonly output: Shape;
  readonly attrs: Attrs;
  /** The entry (i, j) of input k, as an expression. */
  read(k: number, i: string, j: string): string;
  /** True when input k is a transpose view (its rows are strided in memory). */
  transposed(k: number): boolean;
  /**
   * For an input that is a one-hot matrix given by class indices (or a transpose of one): the
   * class of its row i (of its column i, when transposed), as an expression; undefined otherwise.
   */
  classOf(k: number, i: string): string | undefined;
  /** The output entry (i, j), as an lvalue. */
  at(i: string, j: string): string;
  /** `=`, or `+=` when the output accumulates (a gradient summed over steps): use it to write whole values. */
  readonly assign: "=" | "+=";
  /** Statements that zero the output before a `+=` loop; none when it accumulates already. */
  zero(): readonly string[];
  /** A fresh local name. */
  local(hint: string): string;
  /**
   * A copy of input k in a layout of the op's choosing: `fill(array)` gives the lines that write
   * it into `array` (a module-level Float64Array of `length` entries). When input k is the same at
   * every step (a parameter), codegen runs those lines once per call, before the time loop, and
   * `lines` is empty; otherwise `lines` are the fill, to run first, into scratch space shared by
   * every kernel (they run one after another). Kernels that ask for a copy of the same input share
   * it, so an op that lays out one input in more than one way names each layout (`layout`, a
   * suffix of the array's name).
   */
  copyOf(k: number, length: number, fill: (array: string) => readonly string[], layout?: string): { readonly array: string; readonly lines: readonly string[] };
  /** A loop index over `count` values: a fresh name, or the literal "0" when count is 1. */
  index(hint: string, count: number): string;
  /**
   * Present when codegen runs the step as WebAssembly SIMD kernels (its `kernels: "simd"` option).
   * Then every array that copyOf or scratch gives is a view of the kernels' memory.
   */
  readonly simd?: SimdContext;
  /**
   * Input k as blocks that live in different places (codegen runs products that share input 0 as
   * one, over their inputs 1 side by side, and summed products as one over their operands side by
   * side and stacked): a copy of input k reads it block by block, each in loops of its own.
   * Absent: one block (see inputBlocks in ops/loop-code.ts).
   */
  blocks?(k: number): readonly Block[];
  /** Likewise the output's columns, each block written into its own place. Absent: one block (`at`, `assign`). */
  outputColumns?(): readonly OutputBlock[];
}

/** Rows row … row + rows − 1 and columns col … col + cols − 1 of an input, read where they live: entry (i, j) of the block is (row + i, col + j). */
export interface Block {
  readonly row: number;
  readonly col: number;
  readonly rows: number;
  readonly cols: number;
  read(i: string, j: string): string;
  /**
   * With SIMD kernels: where the block lives in the kernels' memory (the byte address of its entry
   * (0, 0) as code, its rows `stride` entries apart), with the lines to run first (a caller's array
   * copied there); undefined when it does not (a transpose view).
   */
  place?(): { readonly address: string; readonly stride: number; readonly lines: readonly string[] } | undefined;
}

/**
 * Columns col … col + cols − 1 of the output, written where they live: `write` gives the statements
 * that store `value` as the block's entry (i, j) (an assignment, or more: codegen may compute the
 * value's elementwise consumer there).
 */
export interface OutputBlock {
  readonly col: number;
  readonly cols: number;
  write(i: string, j: string, value: string): readonly string[];
  /**
   * With SIMD kernels, codegen may take the block from where a kernel left it in the kernels'
   * memory instead of a copy-out: given the byte address of its entry (0, 0) (code) and its rows'
   * distance in entries, the lines that do; undefined to copy it out with `write`.
   */
  inPlace?(address: string, stride: number): readonly string[] | undefined;
}

/** What a loop nest may use to call a WebAssembly kernel. */
export interface SimdContext {
  /**
   * The kernel named `name`, added to the module's WebAssembly once (`text(name)` is its `func` in
   * WebAssembly text, exported under that name, taking byte addresses), as a callable expression.
   */
  kernel(name: string, text: (name: string) => string): string;
  /** An array of `length` entries in the kernels' memory, apart from every other this loop nest asks for. */
  scratch(length: number): string;
  /**
   * The byte address of input k's entry (0, 0), as an expression, when the input lives in the
   * kernels' memory as it is: row-major, its rows `cols` entries apart (not a transpose view).
   * Undefined otherwise, and for an operand joined with other nodes' (LoopContext.blocks).
   */
  address?(k: number): string | undefined;
  /**
   * Likewise the output's, when it lives in the kernels' memory row-major and the nest may write it
   * whole with `=` (not joined with others', nothing computed as it comes out).
   */
  outputAddress?(): string | undefined;
  /** The output's address when it lives in the kernels' memory row-major and the nest must add its result to what is there (a gradient summed over steps). */
  outputAdds?(): string | undefined;
  /**
   * For an input that is a transpose view (`transposed(k)`): where the array it transposes lives in
   * the kernels' memory (row-major, its rows `stride` entries apart), with the lines that must run
   * first (a copy of a caller's array made there); undefined when it lives elsewhere.
   */
  transposedAddress?(k: number): { readonly address: string; readonly stride: number; readonly lines: readonly string[] } | undefined;
  /** The line that copies `rows` × `cols` entries between two places in the kernels' memory (byte addresses as code, rows `stride` entries apart), in WebAssembly. */
  copyBlock?(rows: number, cols: number, from: { readonly address: string; readonly stride: number }, to: { readonly address: string; readonly stride: number }): string;
  /** The caller's array that holds input k row-major as it is (a parameter, or the data of every step at once; not a view), as code; undefined otherwise. */
  callerArray?(k: number): string | undefined;
}

/** While a model is traced, ops on its traced values are recorded as IR nodes instead of run. */
export interface Recorder {
  /** True for the recorder's own traced values. */
  owns(value: unknown): boolean;
  /** Adds a node for `op` applied to `inputs` (some may be plain matrices: constants). */
  record(op: OpDef<Arity>, inputs: readonly AnyMat[], attrs: Attrs, shape: Shape): AnyMat;
  /** Gives a traced value a name that explanations use (`A` for a pre-activation). */
  label(value: AnyMat, name: string): void;
}

// The active recorder lives on globalThis under a registered symbol, not in this module: a model
// file loaded from source (by the CLI, through tsx) and the compiled library that traces it are two
// instances of this module, and both must see the same recorder.
const recorderSlot = Symbol.for("shapegrad.recorder");
const shared = globalThis as { [recorderSlot]?: Recorder | undefined };

function currentRecorder(): Recorder | undefined {
  return shared[recorderSlot];
}

/** Runs `fn` with `r` recording the ops applied to its traced values. */
export function withRecorder<T>(r: Recorder, fn: () => T): T {
  const previous = shared[recorderSlot];
  shared[recorderSlot] = r;
  try {
    return fn();
  } finally {
    shared[recorderSlot] = previous;
  }
}

/** A number as TypeScript source that reads back as the same double (and NaN, ±Infinity as names). */
export function numberLiteral(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

/** Same label and same size: the run-time mirror of the type-level check. */
export function sameDim(aDim: Dim, aSize: number, bDim: Dim, bSize: number): boolean {
  return aDim === bDim && aSize === bSize;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return sameDim(a.rowDim, a.rows, b.rowDim, b.rows) && sameDim(a.colDim, a.cols, b.colDim, b.cols);
}

/** A shape rule's failure, worded like the type-level message for the same mistake. */
export function mismatch(op: string, what: string, shapes: readonly Shape[]): never {
  throw new ShapeError(op, what, shapes);
}

/** Run-time evidence that a value is a well-formed matrix, so a kernel never reads out of bounds. */
function checkInput(op: OpDef<Arity>, value: unknown, index: number): asserts value is AnyMat {
  if (currentRecorder()?.owns(value)) return;
  // A lazy view was made by apply from checked inputs; reading its data here would make the copy.
  if (lazyViewOf(value)) return;
  const m = value as Partial<AnyMat> | null;
  const ok =
    m !== null &&
    typeof m === "object" &&
    m.data instanceof Float64Array &&
    Number.isSafeInteger(m.rows) &&
    Number.isSafeInteger(m.cols) &&
    (m.rows as number) > 0 &&
    (m.cols as number) > 0 &&
    m.data.length === (m.rows as number) * (m.cols as number) &&
    (typeof m.rowDim === "string" || typeof m.rowDim === "number") &&
    (typeof m.colDim === "string" || typeof m.colDim === "number");
  if (!ok) throw new TypeError(`${op.name}: argument ${index + 1} is not a matrix (${describe(value)})`);
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  const m = value as Partial<AnyMat>;
  // A size of the wrong type shows as what it is: rows="8" (a string), never as if it were 8.
  const size = (v: unknown) => (typeof v === "number" ? String(v) : `${JSON.stringify(v) ?? String(v)} (a ${typeof v}, not a number)`);
  return `rows=${size(m.rows)}, cols=${size(m.cols)}, data length=${String(m.data?.length)}`;
}

/**
 * Names a value for explanations and printed IR: `named("A", add(matmul(x, U), b))` is that sum,
 * labelled `A` when a model is traced. Eagerly it returns `m` itself.
 */
export function named<R extends Dim, C extends Dim>(name: string, m: Mat<R, C>): Mat<R, C> {
  const problem = nameProblem(name);
  if (problem) {
    const loc = callerLocation();
    throw new ModelError(`${loc ? `${loc}: ` : ""}named: ${problem}`);
  }
  const recorder = currentRecorder();
  if (recorder?.owns(m)) recorder.label(m, name);
  return m;
}

/**
 * Applies `op`: checks every input and the shape rule, then fills a fresh result, or records a
 * node while a model is traced. The typed wrappers in ops/ call this and state the result's type;
 * this is where casts meet run time.
 */
export function apply<N extends Arity>(op: OpDef<N>, inputs: readonly unknown[], attrs: Attrs = {}): AnyMat {
  if (inputs.length !== op.arity) throw new TypeError(`${op.name}: expected ${op.arity} matrices, got ${inputs.length}`);
  inputs.forEach((m, i) => checkInput(op, m, i));
  const problem = attrsProblem(op, attrs);
  if (problem) throw new TypeError(`${op.name}: ${problem}`);
  const mats = inputs as unknown as Inputs<AnyMat, N>;
  const s = op.shape(mats, attrs);
  const recorder = currentRecorder();
  if (recorder && mats.some((m) => recorder.owns(m))) return recorder.record(op, mats, attrs, s);
  // A view (the transpose) is made when first read, so that a product can read it in place (lazy-view.ts).
  if (op.math.kind === "view") return lazyMat(s, { op, inputs: mats }, (out) => runEager(op, out, mats, attrs));
  const out = makeMat(s.rowDim, s.colDim, s.rows, s.cols, new Float64Array(s.rows * s.cols));
  // A map on the eager library's WebAssembly kernels where one exists and pays (src/wasm/maps.ts).
  if (op.math.kind !== "map" || op.schedule?.eager || !mapOnWasm(out.data.length) || !mapWasm(op.name, out, mats, attrs)) runEager(op, out, mats, attrs);
  return out;
}

/** Fills `out` (zeroed, of the op's shape) with the op's result: its eager schedule, or its math run on numbers. */
export function runEager<N extends Arity>(op: OpDef<N>, out: AnyMat, inputs: Inputs<AnyMat, N>, attrs: Attrs): void {
  if (op.schedule?.eager) op.schedule.eager(out, inputs, attrs);
  else if (op.math.kind === "map") runMapVectorized(op.math.entry, out, inputs, attrs, op.math.shapeOnly ?? []);
  else runNest(op.math.body, out, inputs, attrs);
}

/** What is wrong with an op's attributes (each declared one a number, no other), or undefined. */
export function attrsProblem(op: OpDef<Arity>, attrs: Attrs): string | undefined {
  const declared = op.attrs ?? [], optional = op.optionalAttrs ?? [];
  for (const name of declared) {
    const v: unknown = attrs[name];
    if (typeof v !== "number" || Number.isNaN(v)) return `attribute ${name} must be a number, got ${v === undefined ? "none" : String(v)}`;
  }
  let extra: string[] | undefined;
  for (const name in attrs) {
    if (declared.includes(name)) continue;
    if (!optional.includes(name)) (extra ??= []).push(name);
    else if (typeof attrs[name] !== "number" || Number.isNaN(attrs[name])) return `attribute ${name} must be a number, got ${String(attrs[name])}`;
  }
  if (extra) return `unknown attribute${extra.length > 1 ? "s" : ""} ${extra.join(", ")}${declared.length ? ` (it takes ${declared.join(", ")})` : " (it takes none)"}`;
  return undefined;
}
