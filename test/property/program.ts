// Random matrix programs as data: a small AST over the ops of the table (any op, by name, with its
// attributes), the model declaration around it, the shape oracle, and printers (a readable form for
// counter-examples, and TypeScript source for the CLI and type-level tests). Sharing is by object
// identity: a node reached twice is one value, computed once per step.
//
// The shape oracle is each op's own run-time shape rule, from the table, so that an op added to the
// table needs no restatement here. What judges the shape rules independently: the type-level
// property test (test/property-types.test.ts: programs well-shaped by these rules must type-check
// under tsc, ill-shaped ones must not), and the refusals written by hand in test/ops.test.ts.
import type { Attrs } from "../../src/op.js";
import { opNamed } from "../../src/ops/table.js";
import { ShapeError, type Shape as LibShape } from "../../src/shape-error.js";
import { typedFunction } from "../support/op-shapes.js";

/** A dim label as the library sees it: a declared dim's name, or a number literal. */
export type Label = string | number;
export interface Shape {
  readonly r: Label;
  readonly c: Label;
}
/** A shape with its sizes: what the run-time rules compare (same label and same size). */
export interface SizedShape extends Shape {
  readonly rows: number;
  readonly cols: number;
}
export type Decl = readonly [Label, Label];

export type LeafOp = "param" | "input" | "target" | "state";
export interface LeafExpr {
  readonly op: LeafOp;
  readonly name: string;
}
/** A plain matrix inside the model (a constant leaf of the IR), every entry `value`. */
export interface ConstExpr {
  readonly op: "const";
  readonly r: Label;
  readonly c: Label;
  readonly value: number;
}
/** An op of the table, by name, applied to one or two operands, with its attributes (scale's `s`). */
export interface OpExpr {
  readonly op: string;
  readonly a: Expr;
  readonly b?: Expr;
  readonly attrs?: Attrs;
}
export type Expr = LeafExpr | ConstExpr | OpExpr;

export function isOpExpr(e: Expr): e is OpExpr {
  return "a" in e;
}
export function isConst(e: Expr): e is ConstExpr {
  return !isOpExpr(e) && e.op === "const";
}
export function isLeaf(e: Expr): e is LeafExpr {
  return !isOpExpr(e) && e.op !== "const";
}
/** An op node's operands in order (none for a leaf or a constant). */
export function operandsOf(e: Expr): Expr[] {
  if (!isOpExpr(e)) return [];
  return e.b === undefined ? [e.a] : [e.a, e.b];
}

export interface Program {
  readonly name: string;
  /** Every dim and its size (T, the step count, among them for a sequence). */
  readonly dims: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, Decl>>;
  readonly inputs: Readonly<Record<string, Decl>>;
  readonly targets: Readonly<Record<string, Decl>>;
  readonly state: Readonly<Record<string, Decl>>;
  /** Declared with sequence: { steps: "T", stacked: "Tn" }. */
  readonly sequence: boolean;
  readonly meanOver: readonly string[];
  readonly oneHot: readonly string[];
  readonly loss: Expr;
  /** The next value of each state. */
  readonly next: Readonly<Record<string, Expr>>;
  /**
   * Sizes of declared leaves that disagree with their labels' sizes (a matrix of `a`×`b` rows that
   * is not sizes.a×sizes.b): only eager matrices can be so, since a model has one size per dim.
   */
  readonly leafSizes?: Readonly<Record<string, readonly [number, number]>>;
}

// ---------------------------------------------------------------------------------------------
// Shapes.

export function sizeOf(dims: Readonly<Record<string, number>>, l: Label): number {
  if (typeof l === "number") return l;
  const s = dims[l];
  if (s === undefined) throw new Error(`no dim ${l}`);
  return s;
}

/** `n×d`, or `n×d (4×3)` when a label is a name: the library's wording, restated. */
export function shapeText(s: SizedShape): string {
  const labels = `${s.r}×${s.c}`;
  const sizes = `${s.rows}×${s.cols}`;
  return labels === sizes ? labels : `${labels} (${sizes})`;
}

export function sized(dims: Readonly<Record<string, number>>, s: Shape): SizedShape {
  return { r: s.r, c: s.c, rows: sizeOf(dims, s.r), cols: sizeOf(dims, s.c) };
}

/** Labels only: what the types compare, and (with one size per dim) a model too. */
export const sameShape = (a: Shape, b: Shape) => a.r === b.r && a.c === b.c;
const sameRows = (a: SizedShape, b: SizedShape) => a.r === b.r && a.rows === b.rows;
const sameCols = (a: SizedShape, b: SizedShape) => a.c === b.c && a.cols === b.cols;
const sameSized = (a: SizedShape, b: SizedShape) => sameRows(a, b) && sameCols(a, b);
const isOne = (l: Label, size: number) => l === 1 && size === 1;

export type RuleResult = { readonly ok: true; readonly shape: SizedShape } | { readonly ok: false; readonly operands: readonly SizedShape[] };

const toLib = (s: SizedShape): LibShape => ({ rowDim: s.r, colDim: s.c, rows: s.rows, cols: s.cols });
const fromLib = (s: LibShape): SizedShape => ({ r: s.rowDim, c: s.colDim, rows: s.rows, cols: s.cols });

/** The shape of `op` (an op of the table) applied to operands of these shapes, by its shape rule, or the shapes it refuses. */
export function rule(op: string, operands: readonly SizedShape[], attrs: Attrs = {}): RuleResult {
  try {
    return { ok: true, shape: fromLib(opNamed(op).shape(operands.map(toLib) as never, attrs)) };
  } catch (e) {
    if (e instanceof ShapeError) return { ok: false, operands: e.shapes.map(fromLib) };
    throw e;
  }
}

export type Failure =
  | { readonly kind: "op"; readonly node: OpExpr; readonly op: string; readonly operands: readonly SizedShape[] }
  | { readonly kind: "state"; readonly name: string; readonly declared: SizedShape; readonly returned: SizedShape }
  | { readonly kind: "loss"; readonly shape: SizedShape }
  | { readonly kind: "rows" };

export function declShape(d: Decl): Shape {
  return { r: d[0], c: d[1] };
}

export function leafShape(p: Program, e: LeafExpr): SizedShape {
  const group = { param: p.params, input: p.inputs, target: p.targets, state: p.state }[e.op];
  const d = group[e.name];
  if (!d) throw new Error(`${e.op} ${e.name} is not declared`);
  const override = p.leafSizes?.[e.name];
  return override ? { r: d[0], c: d[1], rows: override[0], cols: override[1] } : sized(p.dims, declShape(d));
}

/**
 * Walks the program in the interpreter's evaluation order (loss first, then each next state; each
 * node after its operands, a, then b) and returns the first refusal, or the shape of every node.
 */
export function checkProgram(p: Program): { failure?: Failure; shapes: Map<Expr, SizedShape> } {
  const shapes = new Map<Expr, SizedShape>();
  if (p.sequence && new Set([...Object.values(p.inputs), ...Object.values(p.targets)].map((d) => sizeOf(p.dims, d[0]))).size > 1) {
    return { failure: { kind: "rows" }, shapes };
  }
  class Refused {
    constructor(readonly failure: Failure) {}
  }
  const visit = (e: Expr): SizedShape => {
    const known = shapes.get(e);
    if (known) return known;
    let s: SizedShape;
    if (isLeaf(e)) s = leafShape(p, e);
    else if (isConst(e)) s = sized(p.dims, e);
    else {
      const operands = operandsOf(e).map(visit);
      const r = rule(e.op, operands, e.attrs);
      if (!r.ok) throw new Refused({ kind: "op", node: e as OpExpr, op: e.op, operands: r.operands });
      s = r.shape;
    }
    shapes.set(e, s);
    return s;
  };
  try {
    // The step runs whole (every op), then its loss is checked, then each state.
    const loss = visit(p.loss);
    const next = Object.entries(p.next).map(([name, e]) => [name, visit(e)] as const);
    if (!isOne(loss.r, loss.rows) || !isOne(loss.c, loss.cols)) return { failure: { kind: "loss", shape: loss }, shapes };
    for (const [name, s] of next) {
      const declared = leafShape(p, { op: "state", name });
      if (!sameSized(s, declared)) return { failure: { kind: "state", name, declared, returned: s }, shapes };
    }
  } catch (e) {
    if (e instanceof Refused) return { failure: e.failure, shapes };
    throw e;
  }
  return { shapes };
}

/** Every node reachable from the loss and the next states, each once, operands first. */
export function nodesOf(p: Program): Expr[] {
  const seen = new Set<Expr>();
  const out: Expr[] = [];
  const visit = (e: Expr) => {
    if (seen.has(e)) return;
    seen.add(e);
    operandsOf(e).forEach(visit);
    out.push(e);
  };
  visit(p.loss);
  Object.values(p.next).forEach(visit);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing.

/**
 * The step's body as statements and root expressions: a node used more than once becomes a
 * `const vK = ...;` line. `call(op, operands, attrs)` spells an op application (the attributes in
 * the order the op declares them, as its typed function takes them); `leaf(e)` a leaf or a constant.
 */
function statements(p: Program, spell: { call(op: string, operands: string[], attrs: string[]): string; leaf(e: LeafExpr | ConstExpr): string; number(x: number): string }) {
  const uses = new Map<Expr, number>();
  const count = (e: Expr) => {
    uses.set(e, (uses.get(e) ?? 0) + 1);
    if (uses.get(e)! > 1) return;
    operandsOf(e).forEach(count);
  };
  count(p.loss);
  Object.values(p.next).forEach(count);
  const names = new Map<Expr, string>();
  const lines: string[] = [];
  const text = (e: Expr): string => {
    const named = names.get(e);
    if (named) return named;
    let t: string;
    if (!isOpExpr(e)) t = spell.leaf(e);
    else t = spell.call(e.op, operandsOf(e).map(text), (opNamed(e.op).attrs ?? []).map((a) => spell.number(e.attrs?.[a] ?? NaN)));
    if ((uses.get(e) ?? 0) > 1 && isOpExpr(e)) {
      const name = `v${names.size + 1}`;
      lines.push(`const ${name} = ${t};`);
      names.set(e, name);
      return name;
    }
    return t;
  };
  const loss = text(p.loss);
  const next = Object.fromEntries(Object.entries(p.next).map(([k, e]) => [k, text(e)]));
  return { lines, loss, next };
}

const numberText = (x: number) => (Object.is(x, -0) ? "-0" : String(x));

/**
 * The name a model file imports for an op: its typed function's, which is the op's name. Throws,
 * naming the op, when the library exports no typed function under that name.
 */
function imported(op: string): string {
  typedFunction(opNamed(op));
  return op;
}
const labelText = (l: Label) => JSON.stringify(l);
const declText = (d: Readonly<Record<string, Decl>>) => `{ ${Object.entries(d).map(([k, [r, c]]) => `${k}: [${labelText(r)}, ${labelText(c)}]`).join(", ")} }`;

/** A compact, readable form of a program: what a failing property prints. */
export function describeProgram(p: Program): string {
  const { lines, loss, next } = statements(p, {
    call: (op, operands, attrs) => `${op}(${[...operands, ...attrs].join(", ")})`,
    leaf: (e) => (isConst(e) ? `const(${labelText(e.r)}×${labelText(e.c)} = ${e.value})` : e.name),
    number: numberText,
  });
  return [
    `model ${p.name}: dims ${JSON.stringify(p.dims)}${p.sequence ? " sequence T" : ""}${p.meanOver.length ? ` meanOver ${p.meanOver.join(",")}` : ""}${p.oneHot.length ? ` oneHot ${p.oneHot.join(",")}` : ""}`,
    `  params ${declText(p.params)}  inputs ${declText(p.inputs)}  targets ${declText(p.targets)}  state ${declText(p.state)}`,
    ...lines.map((l) => `  ${l}`),
    `  loss = ${loss}`,
    ...Object.entries(next).map(([k, t]) => `  ${k}' = ${t}`),
  ].join("\n");
}

/**
 * The program as a model file a person could have written: the typed ops imported from `lib`,
 * each argument cast (`as never`) since random programs are not written for the type checker.
 */
/** The declaration's lines (everything but the step) of a model file for `p`. */
function specLines(p: Program): string[] {
  return [
    `  name: ${JSON.stringify(p.name)},`,
    `  dims: ${JSON.stringify(p.dims)},`,
    `  params: ${declText(p.params)},`,
    `  inputs: ${declText(p.inputs)},`,
    `  targets: ${declText(p.targets)},`,
    ...(Object.keys(p.state).length ? [`  state: ${declText(p.state)},`] : []),
    ...(p.sequence ? [`  sequence: { steps: "T", stacked: "Tn" },`] : []),
    ...(p.meanOver.length ? [`  meanOver: ${JSON.stringify(p.meanOver)},`] : []),
    ...(p.oneHot.length ? [`  oneHot: ${JSON.stringify(p.oneHot)},`] : []),
  ];
}

/** `, state: { h: … }` in the step's result, or nothing without state. */
function stateText(next: Readonly<Record<string, string>>): string {
  return Object.keys(next).length ? `, state: { ${Object.entries(next).map(([k, t]) => `${k}: ${t}`).join(", ")} }` : "";
}

export function modelSource(p: Program, lib: string): string {
  const used = new Set<string>(["defineModel"]);
  let usesConst = false;
  const { lines, loss, next } = statements(p, {
    call: (op, operands, attrs) => {
      used.add(imported(op));
      return `${op}(${[...operands.map((a) => `${a} as never`), ...attrs].join(", ")})`;
    },
    leaf: (e) => {
      if (!isConst(e)) return `${e.op === "param" ? "p" : e.op === "state" ? "s" : "d"}.${e.name}`;
      usesConst = true;
      const size = (l: Label) => (typeof l === "number" ? String(l) : `dim(${JSON.stringify(l)}, sizes.${l})`);
      return `constant(${size(e.r)}, ${size(e.c)}, ${numberText(e.value)})`;
    },
    number: numberText,
  });
  if (usesConst) used.add("mat").add("dim");
  const spec = specLines(p);
  const state = stateText(next);
  return [
    `// A random program from test/property.test.ts, written out as a model file.`,
    `import { ${[...used].sort().join(", ")} } from ${JSON.stringify(lib)};`,
    "",
    ...(usesConst ? [`const constant = (r: never, c: never, value: number) => (mat as (r: unknown, c: unknown, data: number[]) => unknown)(r, c, new Array((typeof r === "number" ? r : (r as { size: number }).size) * (typeof c === "number" ? c : (c as { size: number }).size)).fill(value)) as never;`, ""] : []),
    `export default defineModel({`,
    ...spec,
    `  step(p: any, d: any, s: any, sizes: any) {`,
    ...lines.map((l) => `    ${l}`),
    `    return { loss: ${loss} as never${state} } as never;`,
    `  },`,
    `} as never);`,
    "",
  ].join("\n");
}

/**
 * The program as a model file written for the type checker: the typed ops with no casts, so
 * that a well-shaped program must type-check and an ill-shaped one must not. Programs with
 * constants are out of scope here (their helper needs a cast).
 */
export function typedSource(p: Program, lib: string): string | undefined {
  if (nodesOf(p).some(isConst)) return undefined;
  const used = new Set<string>(["defineModel"]);
  const { lines, loss, next } = statements(p, {
    call: (op, operands, attrs) => {
      used.add(imported(op));
      return `${op}(${[...operands, ...attrs].join(", ")})`;
    },
    leaf: (e) => (isConst(e) ? "never" : `${e.op === "param" ? "p" : e.op === "state" ? "s" : "d"}.${e.name}`),
    number: numberText,
  });
  const spec = specLines(p);
  const state = stateText(next);
  return [
    `// A random program from test/property-types.test.ts, written with the typed ops and no casts.`,
    `import { ${[...used].sort().join(", ")} } from ${JSON.stringify(lib)};`,
    "",
    `export default defineModel({`,
    ...spec,
    `  step(p, d, s) {`,
    `    void p; void d; void s;`,
    ...lines.map((l) => `    ${l}`),
    `    return { loss: ${loss}${state} };`,
    `  },`,
    `});`,
    "",
  ].join("\n");
}
