// Random programs, well-shaped by construction. A program is built from a recipe (sizes, the kind
// of model, a depth) and a sequence of choices, Hypothesis-style: each decision takes the next
// choice modulo its number of options, and a missing choice is 0, which is always the simplest
// option (a leaf). fast-check then shrinks a failing program by shortening the choice sequence and
// moving choices towards 0, which turns subtrees into leaves: a shrunk counter-example is small.
//
// The ops come from the table (every forward op of allOps()), with no list here: what the builder
// knows of an op it learns from the op's definition (test/support/op-shapes.ts). Shapes are chosen
// top-down: each node is asked for a shape and picks an op and one of its shape templates (the
// general input patterns its shape rule accepts, A×B with A×B or with a 1×B row for add, A×B · B×C
// for matmul) whose output can be that shape, choosing the template's other dims from the labels.
// Inputs that an op needs positive (log's, div's denominator: probed) come from a "positive"
// builder, made of ops whose results are positive whatever their inputs (exp, softmax) or stay
// positive on positive inputs (add, mul, matmul, sums, …), so every program stays in its ops'
// domains. Products (templates with a shared dim) sometimes get a one-hot operand, which generated
// code turns into gathers and scatter-adds.
import fc from "fast-check";
import type { Arity, Attrs, OpDef } from "../../src/op.js";
import {
  attrValues,
  bounded,
  forwardOps,
  isContraction,
  isReduction,
  isSwap,
  positiveAttrValues,
  positiveInputs,
  positivity,
  symbolsOf,
  templates,
  type Positivity,
  type Template,
} from "../support/op-shapes.js";
import { checkProgram, isConst, isOpExpr, operandsOf, sizeOf, type ConstExpr, type Decl, type Expr, type Label, type OpExpr, type Program, type Shape } from "./program.js";

export type Kind = "plain" | "sequence" | "recurrent";

export interface Recipe {
  /** Sizes of the dims n, a, b, c. */
  readonly sizes: readonly [number, number, number, number];
  /** A literal dim besides 1 (a declared shape such as [3, "a"]). */
  readonly literal: number;
  readonly kind: Kind;
  /** Steps, for a sequence. */
  readonly T: number;
  /** Recurrent states (1 or 2), for a recurrent model. */
  readonly states: number;
  readonly depth: number;
  readonly choices: readonly number[];
}

const constants = [0.5, -1, 2, 0, 1];
const positiveConstants = [1, 0.5, 2];

/** What the builder knows of a forward op of the table, learned from its definition. */
interface Known {
  readonly op: OpDef<Arity>;
  readonly templates: readonly Template[];
  /** Per input: must it be positive? */
  readonly positiveInputs: readonly boolean[];
  readonly positivity: Positivity;
}

let knownOps: readonly Known[] | undefined;
let swapOp: Known | undefined;
let boundingOps: readonly Known[] = [];

/** The forward ops of the table as the builder sees them (probed once per process). */
export function drawnOps(): readonly Known[] {
  if (!knownOps) {
    knownOps = forwardOps().map((op) => ({ op, templates: templates(op), positiveInputs: positiveInputs(op), positivity: positivity(op) }));
    // The op that swaps a matrix's dims (transpose), for transposed one-hot operands of products.
    swapOp = knownOps.find((k) => k.templates.some(isSwap));
    boundingOps = knownOps.filter((k) => bounded(k.op) && k.templates.some((t) => t.inputs[0]![0] === t.output[0] && t.inputs[0]![1] === t.output[1]));
  }
  return knownOps;
}

interface Built {
  readonly e: Expr;
  readonly s: Shape;
  readonly positive: boolean;
}

/** How a template's operands are built: any values, positive ones, or leaves (the positive builder at depth 0). */
type OperandMode = "any" | "positive" | "leaves";

class Builder {
  private next = 0;
  readonly labels: readonly Label[];
  readonly dims: Readonly<Record<string, number>>;
  readonly params: Record<string, Decl> = {};
  readonly inputs: Record<string, Decl> = {};
  readonly targets: Record<string, Decl> = {};
  readonly state: Record<string, Decl> = {};
  readonly oneHot: string[] = [];
  private readonly built: Built[] = [];
  /** Every leaf is one object per name, as a model's step sees one value per name. */
  private readonly leaves = new Map<string, Expr>();
  private readonly ops = drawnOps();

  constructor(private readonly recipe: Recipe) {
    this.labels = ["n", "a", "b", "c", 1, recipe.literal];
    const [n, a, b, c] = recipe.sizes;
    this.dims = { n, a, b, c };
  }

  pick(n: number): number {
    if (n <= 1) return 0;
    const v = this.recipe.choices[this.next++];
    return v === undefined ? 0 : v % n;
  }

  label(): Label {
    return this.labels[this.pick(this.labels.length)]!;
  }

  shape(): Shape {
    return { r: this.label(), c: this.label() };
  }

  private leafOf(op: "param" | "input" | "target" | "state", name: string): Expr {
    const key = `${op}:${name}`;
    let e = this.leaves.get(key);
    if (!e) this.leaves.set(key, (e = { op, name }));
    return e;
  }

  private declare(group: Record<string, Decl>, prefix: string, s: Shape): string {
    const name = `${prefix}${Object.keys(group).length + 1}`;
    group[name] = [s.r, s.c];
    return name;
  }

  /** Per-step data may have any shape in a plain model; in a sequence, their rows are stacked, so they are n's. */
  private dataAllowed(s: Shape): boolean {
    return this.recipe.kind === "plain" || s.r === "n";
  }

  leaf(s: Shape): Expr {
    const same = (group: Record<string, Decl>) => Object.keys(group).filter((k) => group[k]![0] === s.r && group[k]![1] === s.c);
    const options: (() => Expr)[] = [
      ...same(this.state).map((k) => () => this.leafOf("state", k)),
      ...same(this.params).map((k) => () => this.leafOf("param", k)),
      () => this.leafOf("param", this.declare(this.params, "p", s)),
    ];
    if (this.dataAllowed(s)) {
      options.push(...same(this.inputs).map((k) => () => this.leafOf("input", k)));
      options.push(() => this.leafOf("input", this.declare(this.inputs, "x", s)));
      options.push(() => {
        const name = this.declare(this.inputs, "x", s);
        this.oneHot.push(name);
        return this.leafOf("input", name);
      });
      // Targets: data without a gradient (rows of a distribution in the tests' arguments).
      const target = same(this.targets)[0];
      options.push(() => this.leafOf("target", target ?? this.declare(this.targets, "y", s)));
    }
    return options[this.pick(options.length)]!();
  }

  /** A one-hot input of shape s (class indices in the batch), or a leaf when s cannot be per-step data. */
  private oneHotInput(s: Shape): Expr {
    if (!this.dataAllowed(s)) return this.leaf(s);
    const same = this.oneHot.filter((k) => this.inputs[k]![0] === s.r && this.inputs[k]![1] === s.c);
    if (same.length > 0 && this.pick(2) === 0) return this.leafOf("input", same[0]!);
    const name = this.declare(this.inputs, "x", s);
    this.oneHot.push(name);
    return this.leafOf("input", name);
  }

  /** A one-hot operand of shape s: a one-hot input, or the transpose of one (Xᵀ, as in Xᵀ·G). */
  private oneHotOperand(s: Shape): Expr {
    if (swapOp && this.pick(2) === 1) return { op: swapOp.op.name, a: this.oneHotInput({ r: s.c, c: s.r }) };
    return this.oneHotInput(s);
  }

  private remember(e: Expr, s: Shape, positive: boolean): Expr {
    if (!isOpExpr(e)) return e;
    this.built.push({ e, s, positive });
    return e;
  }

  private reusable(s: Shape, positive: boolean): Built[] {
    return this.built.filter((b) => b.s.r === s.r && b.s.c === s.c && (b.positive || !positive));
  }

  /** True when the template's output can be s: its literals match, and a symbol used twice is one label. */
  private fits(t: Template, s: Shape): boolean {
    const [r, c] = t.output;
    if (typeof r === "number" && r !== s.r) return false;
    if (typeof c === "number" && c !== s.c) return false;
    return !(typeof r === "string" && r === c && s.r !== s.c);
  }

  /** Templates of the known ops whose output can be s, with `keep` deciding which ops take part. */
  private choices(s: Shape, keep: (k: Known, t: Template) => boolean): { k: Known; t: Template }[] {
    return this.ops.flatMap((k) => k.templates.filter((t) => this.fits(t, s) && keep(k, t)).map((t) => ({ k, t })));
  }

  /**
   * The op of `k` through template `t`, giving shape s: the output's symbols are s's labels, the
   * others picked from the labels. Operands by `mode` (an input the op needs positive is always
   * built positive); with `oneHotSide`, that operand is a one-hot input. The shape rule confirms the
   * result is s; if it does not (a rule that is not what its probes suggested), a leaf of s instead.
   */
  private apply(k: Known, t: Template, s: Shape, depth: number, mode: OperandMode, oneHotSide?: number): Expr {
    const bound = new Map<string, Label>();
    const [or, oc] = t.output;
    if (typeof or === "string") bound.set(or, s.r);
    if (typeof oc === "string" && !bound.has(oc)) bound.set(oc, s.c);
    for (const sym of symbolsOf(t)) if (!bound.has(sym)) bound.set(sym, this.label());
    const labelOf = (x: string | number): Label => (typeof x === "number" ? x : bound.get(x)!);
    const shapes: Shape[] = t.inputs.map(([r, c]) => ({ r: labelOf(r), c: labelOf(c) }));
    const result = this.shapeRule(k.op, shapes);
    if (!result || result.r !== s.r || result.c !== s.c) return this.leaf(s);
    const attrs: Attrs = Object.fromEntries((k.op.attrs ?? []).map((a) => {
      const values = mode === "any" ? attrValues : positiveAttrValues;
      return [a, values[this.pick(values.length)]!];
    }));
    const operands = shapes.map((x, i) => {
      if (i === oneHotSide) return this.oneHotOperand(x);
      if (k.positiveInputs[i]) return mode === "leaves" ? this.positiveConstant(x) : this.positive(x, depth);
      if (mode === "leaves") return this.leaf(x);
      return mode === "positive" && k.positivity === "keeps" ? this.positive(x, depth) : this.any(x, depth);
    });
    const e: OpExpr = { op: k.op.name, a: operands[0]!, ...(operands.length > 1 && { b: operands[1]! }), ...(Object.keys(attrs).length > 0 && { attrs }) };
    return e;
  }

  /** The op's shape rule on operands of these labels (at this program's sizes), or undefined when it refuses. */
  private shapeRule(op: OpDef<Arity>, shapes: readonly Shape[]): Shape | undefined {
    const size = (l: Label) => sizeOf(this.dims, l);
    try {
      const out = op.shape(shapes.map((x) => ({ rowDim: x.r, colDim: x.c, rows: size(x.r), cols: size(x.c) })) as never, Object.fromEntries((op.attrs ?? []).map((a) => [a, 1])));
      return { r: out.rowDim, c: out.colDim };
    } catch {
      return undefined;
    }
  }

  private positiveConstant(s: Shape): ConstExpr {
    return { op: "const", r: s.r, c: s.c, value: positiveConstants[this.pick(positiveConstants.length)]! };
  }

  /** An expression of shape s. */
  any(s: Shape, depth: number): Expr {
    if (depth <= 0 || this.pick(6) === 0) return this.pick(8) === 7 ? { op: "const", r: s.r, c: s.c, value: constants[this.pick(constants.length)]! } : this.leaf(s);
    const d = depth - 1;
    const options: (() => Expr)[] = [];
    for (const { k, t } of this.choices(s, () => true)) {
      options.push(() => this.apply(k, t, s, d, "any"));
      // Products with a one-hot operand: X·B, A·X, Xᵀ·B, A·Xᵀ (the backward pass adds Xᵀ·G and G·Xᵀ).
      if (isContraction(t)) options.push(() => this.apply(k, t, s, d, "any", this.pick(t.inputs.length)));
    }
    const again = this.reusable(s, false);
    if (again.length > 0) options.push(() => again[this.pick(again.length)]!.e);
    return this.remember(options[this.pick(options.length)]!(), s, false);
  }

  /** An expression of shape s whose every entry is positive (log's and div's denominators). */
  positive(s: Shape, depth: number): Expr {
    const d = depth - 1;
    if (depth <= 0) {
      // An op that makes positive values, of leaves; or a positive constant.
      const options: (() => Expr)[] = this.choices(s, (k) => k.positivity === "makes").map(({ k, t }) => () => this.apply(k, t, s, d, "leaves"));
      options.push(() => this.positiveConstant(s));
      return this.remember(options[this.pick(options.length)]!(), s, true);
    }
    const options: (() => Expr)[] = this.choices(s, (k) => k.positivity !== undefined).map(({ k, t }) => () => this.apply(k, t, s, d, "positive"));
    const again = this.reusable(s, true);
    if (again.length > 0) options.push(() => again[this.pick(again.length)]!.e);
    if (options.length === 0) return this.positiveConstant(s);
    return this.remember(options[this.pick(options.length)]!(), s, true);
  }

  /** True when `e` reads a declared leaf: an expression of constants only runs eagerly even inside a step. */
  private traced(e: Expr, seen = new Set<Expr>()): boolean {
    if (seen.has(e)) return false;
    seen.add(e);
    if (!isOpExpr(e)) return !isConst(e);
    return operandsOf(e).some((x) => this.traced(x, seen));
  }

  /**
   * A root (the loss, a next state) must be traced: tracing refuses a loss or a state computed from
   * constants alone. In such a root the first constant becomes a leaf of its shape (a positive
   * constant, which may stand where a value must be positive, becomes an op that makes positive
   * values of a leaf, or stays when there is none).
   */
  private rooted(e: Expr): Expr {
    if (this.traced(e)) return e;
    const replace = (x: Expr): Expr | undefined => {
      if (isConst(x)) {
        const s = { r: x.r, c: x.c };
        if (x.value <= 0) return this.leaf(s);
        const makes = this.choices(s, (k) => k.positivity === "makes");
        return makes.length > 0 ? this.apply(makes[0]!.k, makes[0]!.t, s, 0, "leaves") : undefined;
      }
      if (!isOpExpr(x)) return undefined;
      const operands = operandsOf(x);
      for (let i = 0; i < operands.length; i++) {
        const r = replace(operands[i]!);
        if (r) return i === 0 ? { ...x, a: r } : { ...x, b: r };
      }
      return undefined;
    };
    return replace(e) ?? e;
  }

  program(): Program {
    const r = this.recipe;
    const [n, a, b, c] = r.sizes;
    const sequence = r.kind !== "plain";
    const dims: Record<string, number> = { n, a, b, c, ...(sequence && { T: r.T }) };
    if (r.kind === "recurrent") for (let i = 0; i < r.states; i++) this.declare(this.state, "h", this.shape());
    // The loss: mostly a reduction to 1×1 (a total, a cross-entropy, a product of a row and a
    // column) of nodes of any shape, else any 1×1 expression.
    const one = { r: 1, c: 1 };
    const reductions = this.choices(one, (_k, t) => isReduction(t));
    const reduce = () => {
      const x = reductions[this.pick(reductions.length)]!;
      return this.remember(this.apply(x.k, x.t, one, r.depth, "any"), one, false);
    };
    const loss = this.rooted(this.pick(3) < 2 && reductions.length > 0 ? reduce() : this.any(one, r.depth));
    // Each state's next value: an op that bounds its entries (tanh) of an expression of its shape, or the expression itself.
    const next: Record<string, Expr> = {};
    for (const [name, [sr, sc]] of Object.entries(this.state)) {
      const s = { r: sr, c: sc };
      const e = this.any(s, r.depth);
      const bound = this.pick(3) === 2 || boundingOps.length === 0 ? undefined : boundingOps[this.pick(boundingOps.length)]!;
      next[name] = this.rooted(bound ? { op: bound.op.name, a: e } : e);
    }
    const means = [[], ["n"], ["a", "b"], ...(sequence ? [["T", "n"], ["T"]] : [])];
    return {
      name: "random",
      dims,
      params: this.params,
      inputs: this.inputs,
      targets: this.targets,
      state: this.state,
      sequence,
      meanOver: means[this.pick(means.length)]!,
      oneHot: this.oneHot,
      loss,
      next,
    };
  }
}

export function buildProgram(recipe: Recipe): Program {
  return new Builder(recipe).program();
}

export function recipeArbitrary(options: { kinds?: readonly Kind[]; maxChoices?: number } = {}): fc.Arbitrary<Recipe> {
  const size = fc.integer({ min: 1, max: 9 });
  return fc.record({
    sizes: fc.tuple(size, size, size, size),
    literal: fc.integer({ min: 2, max: 9 }),
    kind: fc.constantFrom(...(options.kinds ?? (["plain", "sequence", "recurrent"] as const))),
    T: fc.integer({ min: 1, max: 6 }),
    states: fc.integer({ min: 1, max: 2 }),
    depth: fc.noBias(fc.integer({ min: 1, max: 8 })),
    // Unbiased draws (a biased nat would favour 0, the leaf, at every decision); shrinking still moves towards 0.
    choices: fc.array(fc.noBias(fc.nat({ max: 1 << 16 })), { maxLength: options.maxChoices ?? 150, size: "max" }),
  });
}

/** Well-shaped programs (the oracle agrees: a sanity check of the builder itself). */
export function programArbitrary(options?: Parameters<typeof recipeArbitrary>[0]): fc.Arbitrary<{ recipe: Recipe; program: Program }> {
  return recipeArbitrary(options).map((recipe) => {
    const program = buildProgram(recipe);
    const failure = checkProgram(program).failure;
    if (failure) throw new Error(`the builder made an ill-shaped program (${failure.kind})`);
    return { recipe, program };
  });
}

// ---------------------------------------------------------------------------------------------
// Ill-shaped programs: one dimension of one declaration perturbed.

export interface Perturbation {
  readonly group: "params" | "inputs" | "targets" | "state";
  readonly name: string;
  readonly side: 0 | 1;
  /** The new label, or, with `size`, the same label at another size (eager matrices only). */
  readonly label: Label;
  readonly size?: number;
}

/**
 * Changes one dim of one declared leaf: to another label (another name, perhaps of the same size,
 * or a literal, perhaps equal to the old size), or, when `sizes` is set, to another size under the
 * same label. Undefined when the choice leads nowhere (no declaration, or no change).
 */
export function perturb(p: Program, pick: number, side: 0 | 1, to: number, sizes: boolean): { program: Program; perturbation: Perturbation } | undefined {
  const decls = (["params", "inputs", "targets", "state"] as const).flatMap((group) => Object.keys(p[group]).map((name) => ({ group, name })));
  if (decls.length === 0) return undefined;
  const { group, name } = decls[pick % decls.length]!;
  const old = p[group][name]!;
  const oldLabel = old[side];
  if (sizes) {
    if (typeof oldLabel === "number") return undefined;
    const oldSize = p.dims[oldLabel]!;
    const size = 1 + ((oldSize - 1 + 1 + (to % 8)) % 9); // another size from 1 to 9
    if (size === oldSize) return undefined;
    const other = old.map((l) => (typeof l === "number" ? l : p.dims[l]!)) as [number, number];
    other[side] = size;
    return { program: { ...p, leafSizes: { ...p.leafSizes, [name]: other } }, perturbation: { group, name, side, label: oldLabel, size } };
  }
  const oldSize = typeof oldLabel === "number" ? oldLabel : p.dims[oldLabel]!;
  // Other names, 1, another literal, and the old size as a literal: same size, another label.
  const candidates = [...new Set<Label>(["n", "a", "b", "c", 1, 7, oldSize])].filter((l) => l !== oldLabel);
  const label = candidates[to % candidates.length]!;
  const decl: [Label, Label] = [old[0], old[1]];
  decl[side] = label;
  // A one-hot input's classes are its columns: perturbing them is a shape change like any other.
  return { program: { ...p, [group]: { ...p[group], [name]: decl } }, perturbation: { group, name, side, label } };
}

export function illShapedArbitrary(options: { sizes?: boolean; kinds?: readonly Kind[] } = {}) {
  return fc
    .record({ recipe: recipeArbitrary(options.kinds ? { kinds: options.kinds } : {}), pick: fc.nat(), side: fc.constantFrom(0 as const, 1 as const), to: fc.nat() })
    .map(({ recipe, pick, side, to }) => {
      const program = buildProgram(recipe);
      const changed = perturb(program, pick, side, to, options.sizes ?? false);
      return changed && { recipe, original: program, ...changed, failure: checkProgram(changed.program).failure };
    })
    .filter((x): x is NonNullable<typeof x> & { failure: NonNullable<NonNullable<typeof x>["failure"]> } => x !== undefined && x.failure !== undefined);
}
