// Random matrix programs as data: a small AST over the typed ops, the model declaration around it,
// an independent statement of every op's shape rule (the oracle the library is judged against),
// and printers (a readable form for counter-examples, and TypeScript source for the CLI test).
// Sharing is by object identity: a node reached twice is one value, computed once per step.

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
export type UnaryOp = "transpose" | "tanh" | "exp" | "log" | "softmax" | "logSoftmax" | "sumRows" | "sumAll";
export type BinaryOp = "matmul" | "add" | "sub" | "mul" | "div" | "mulScalar" | "softmaxCrossEntropy";

export type Expr =
  | { readonly op: LeafOp; readonly name: string }
  /** A plain matrix inside the model (a constant leaf of the IR), every entry `value`. */
  | { readonly op: "const"; readonly r: Label; readonly c: Label; readonly value: number }
  | { readonly op: "scale"; readonly a: Expr; readonly s: number }
  | { readonly op: UnaryOp; readonly a: Expr }
  | { readonly op: BinaryOp; readonly a: Expr; readonly b: Expr };

export const unaryOps: readonly UnaryOp[] = ["transpose", "tanh", "exp", "log", "softmax", "logSoftmax", "sumRows", "sumAll"];
export const binaryOps: readonly BinaryOp[] = ["matmul", "add", "sub", "mul", "div", "mulScalar", "softmaxCrossEntropy"];

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
// Shapes, written independently of src/: the rules as the README and the types state them.

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

export type RuleResult = { readonly ok: true; readonly shape: SizedShape } | { readonly ok: false; readonly operands: readonly [SizedShape, SizedShape] };

/** The shape of `op` applied to operands of these shapes, or the pair it refuses. Dims agree when label and size do. */
export function rule(op: UnaryOp | BinaryOp | "scale", a: SizedShape, b?: SizedShape): RuleResult {
  const ok = (shape: SizedShape): RuleResult => ({ ok: true, shape });
  const refuse = (): RuleResult => ({ ok: false, operands: [a, b!] });
  switch (op) {
    case "transpose":
      return ok({ r: a.c, c: a.r, rows: a.cols, cols: a.rows });
    case "sumRows":
      return ok({ r: 1, c: a.c, rows: 1, cols: a.cols });
    case "sumAll":
      return ok({ r: 1, c: 1, rows: 1, cols: 1 });
    case "matmul":
      return a.c === b!.r && a.cols === b!.rows ? ok({ r: a.r, c: b!.c, rows: a.rows, cols: b!.cols }) : refuse();
    case "add":
    case "sub":
      // b is a's shape, or a 1×C row (the literal 1) broadcast onto a's rows.
      return sameCols(a, b!) && (sameRows(a, b!) || isOne(b!.r, b!.rows)) ? ok(a) : refuse();
    case "mul":
    case "div":
      return sameSized(a, b!) ? ok(a) : refuse();
    case "softmaxCrossEntropy":
      return sameSized(a, b!) ? ok({ r: 1, c: 1, rows: 1, cols: 1 }) : refuse();
    case "mulScalar":
      return isOne(b!.r, b!.rows) && isOne(b!.c, b!.cols) ? ok(a) : refuse();
    default:
      return ok(a);
  }
}

export type Failure =
  | { readonly kind: "op"; readonly node: Expr; readonly op: BinaryOp; readonly operands: readonly [SizedShape, SizedShape] }
  | { readonly kind: "state"; readonly name: string; readonly declared: SizedShape; readonly returned: SizedShape }
  | { readonly kind: "loss"; readonly shape: SizedShape }
  | { readonly kind: "rows" };

export function declShape(d: Decl): Shape {
  return { r: d[0], c: d[1] };
}

export function leafShape(p: Program, e: Expr & { op: LeafOp }): SizedShape {
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
    switch (e.op) {
      case "param":
      case "input":
      case "target":
      case "state":
        s = leafShape(p, e);
        break;
      case "const":
        s = sized(p.dims, e);
        break;
      case "scale":
        s = visit(e.a);
        break;
      default: {
        const a = visit(e.a);
        const b = "b" in e ? visit(e.b) : undefined;
        const r = rule(e.op, a, b);
        if (!r.ok) throw new Refused({ kind: "op", node: e, op: e.op as BinaryOp, operands: r.operands });
        s = r.shape;
      }
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
    if ("a" in e) visit(e.a);
    if ("b" in e) visit(e.b);
    out.push(e);
  };
  visit(p.loss);
  Object.values(p.next).forEach(visit);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing.

const isLeaf = (e: Expr) => e.op === "param" || e.op === "input" || e.op === "target" || e.op === "state" || e.op === "const";

/**
 * The step's body as statements and root expressions: a node used more than once becomes a
 * `const vK = ...;` line. `call(op, args)` spells an op application; `leaf(e)` a leaf.
 */
function statements(p: Program, spell: { call(op: string, args: string[]): string; leaf(e: Expr): string; number(x: number): string }) {
  const uses = new Map<Expr, number>();
  const count = (e: Expr) => {
    uses.set(e, (uses.get(e) ?? 0) + 1);
    if (uses.get(e)! > 1) return;
    if ("a" in e) count(e.a);
    if ("b" in e) count(e.b);
  };
  count(p.loss);
  Object.values(p.next).forEach(count);
  const names = new Map<Expr, string>();
  const lines: string[] = [];
  const text = (e: Expr): string => {
    const named = names.get(e);
    if (named) return named;
    let t: string;
    if (isLeaf(e)) t = spell.leaf(e);
    else if (e.op === "scale") t = spell.call("scale", [text(e.a), spell.number(e.s)]);
    else t = spell.call(e.op, "b" in e ? [text(e.a), text(e.b)] : [text((e as { a: Expr }).a)]);
    if ((uses.get(e) ?? 0) > 1 && !isLeaf(e)) {
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
const labelText = (l: Label) => JSON.stringify(l);
const declText = (d: Readonly<Record<string, Decl>>) => `{ ${Object.entries(d).map(([k, [r, c]]) => `${k}: [${labelText(r)}, ${labelText(c)}]`).join(", ")} }`;

/** A compact, readable form of a program: what a failing property prints. */
export function describeProgram(p: Program): string {
  const { lines, loss, next } = statements(p, {
    call: (op, args) => `${op}(${args.join(", ")})`,
    leaf: (e) => (e.op === "const" ? `const(${labelText(e.r)}×${labelText(e.c)} = ${e.value})` : (e as { name: string }).name),
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
    call: (op, args) => {
      used.add(op);
      return `${op}(${args.map((a, i) => (op === "scale" && i === 1 ? a : `${a} as never`)).join(", ")})`;
    },
    leaf: (e) => {
      if (e.op !== "const") return `${e.op === "param" ? "p" : e.op === "state" ? "s" : "d"}.${(e as { name: string }).name}`;
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
  if (nodesOf(p).some((e) => e.op === "const")) return undefined;
  const used = new Set<string>(["defineModel"]);
  const { lines, loss, next } = statements(p, {
    call: (op, args) => {
      used.add(op);
      return `${op}(${args.join(", ")})`;
    },
    leaf: (e) => `${e.op === "param" ? "p" : e.op === "state" ? "s" : "d"}.${(e as { name: string }).name}`,
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
