// Random programs, well-shaped by construction. A program is built from a recipe (sizes, the kind
// of model, a depth) and a sequence of choices, Hypothesis-style: each decision takes the next
// choice modulo its number of options, and a missing choice is 0, which is always the simplest
// option (a leaf). fast-check then shrinks a failing program by shortening the choice sequence and
// moving choices towards 0, which turns subtrees into leaves: a shrunk counter-example is small.
//
// Shapes are chosen top-down: each node is asked for a shape and picks an op that can give it,
// choosing its operands' shapes (a matmul's inner dim, a reduced dim) from the labels. Values that
// log and div's denominator see come from a "positive" builder (exp, softmax, x⊙x + c, and ops
// that keep positivity), so every program stays in its ops' domains.
import fc from "fast-check";
import { checkProgram, type BinaryOp, type Decl, type Expr, type Label, type Program, type Shape, type UnaryOp } from "./program.js";

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

const scales = [0.5, -1, 2, -0.25, 1, 1.5, -3, 0];
const positiveScales = [0.5, 2, 1, 0.25, 3];
const constants = [0.5, -1, 2, 0, 1];
const positiveConstants = [1, 0.5, 2];

interface Built {
  readonly e: Expr;
  readonly s: Shape;
  readonly positive: boolean;
}

class Builder {
  private next = 0;
  readonly labels: readonly Label[];
  readonly params: Record<string, Decl> = {};
  readonly inputs: Record<string, Decl> = {};
  readonly targets: Record<string, Decl> = {};
  readonly state: Record<string, Decl> = {};
  readonly oneHot: string[] = [];
  private readonly built: Built[] = [];
  /** Every leaf is one object per name, as a model's step sees one value per name. */
  private readonly leaves = new Map<string, Expr>();

  constructor(private readonly recipe: Recipe) {
    this.labels = ["n", "a", "b", "c", 1, recipe.literal];
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

  private target(s: Shape, depth: number): Expr {
    const options: (() => Expr)[] = [];
    if (this.dataAllowed(s)) {
      const same = Object.keys(this.targets).filter((k) => this.targets[k]![0] === s.r && this.targets[k]![1] === s.c);
      options.push(() => this.leafOf("target", same[0] ?? this.declare(this.targets, "y", s)));
    }
    // Targets computed in the model get a gradient too (the rule's −G·logsoftmax(O)).
    options.push(() => ({ op: "softmax", a: this.any(s, depth - 1) }), () => this.any(s, depth - 1));
    return options[this.pick(options.length)]!();
  }

  private remember(e: Expr, s: Shape, positive: boolean): Expr {
    if (!("a" in e)) return e;
    this.built.push({ e, s, positive });
    return e;
  }

  private reusable(s: Shape, positive: boolean): Built[] {
    return this.built.filter((b) => b.s.r === s.r && b.s.c === s.c && (b.positive || !positive));
  }

  private unary(op: UnaryOp, a: Expr): Expr {
    return { op, a };
  }

  private binary(op: BinaryOp, a: Expr, b: Expr): Expr {
    return { op, a, b };
  }

  /** An expression of shape s. */
  any(s: Shape, depth: number): Expr {
    if (depth <= 0 || this.pick(6) === 0) return this.pick(8) === 7 ? { op: "const", r: s.r, c: s.c, value: constants[this.pick(constants.length)]! } : this.leaf(s);
    const d = depth - 1;
    const row = { r: 1, c: s.c };
    const options: [string, () => Expr][] = [
      ["matmul", () => {
        const k = this.label();
        return this.binary("matmul", this.any({ r: s.r, c: k }, d), this.any({ r: k, c: s.c }, d));
      }],
      // Products with a one-hot operand, which generated code turns into gathers and scatter-adds:
      // X·B, A·X and Xᵀ·B (the backward pass adds Xᵀ·G and G·Xᵀ).
      ["matmul one-hot", () => {
        const k = this.label();
        const side = this.pick(3);
        if (side === 0) return this.binary("matmul", this.oneHotInput({ r: s.r, c: k }), this.any({ r: k, c: s.c }, d));
        if (side === 1) return this.binary("matmul", this.any({ r: s.r, c: k }, d), this.oneHotInput({ r: k, c: s.c }));
        return this.binary("matmul", this.unary("transpose", this.oneHotInput({ r: k, c: s.r })), this.any({ r: k, c: s.c }, d));
      }],
      ["transpose", () => this.unary("transpose", this.any({ r: s.c, c: s.r }, d))],
      ["add", () => this.binary("add", this.any(s, d), this.any(s, d))],
      ["add row", () => this.binary("add", this.any(s, d), this.any(row, d))],
      ["sub", () => this.binary("sub", this.any(s, d), this.any(s, d))],
      ["sub row", () => this.binary("sub", this.any(s, d), this.any(row, d))],
      ["mul", () => this.binary("mul", this.any(s, d), this.any(s, d))],
      ["div", () => this.binary("div", this.any(s, d), this.positive(s, d))],
      ["scale", () => ({ op: "scale", a: this.any(s, d), s: scales[this.pick(scales.length)]! })],
      ["mulScalar", () => this.binary("mulScalar", this.any(s, d), this.any({ r: 1, c: 1 }, d))],
      ["tanh", () => this.unary("tanh", this.any(s, d))],
      ["exp", () => this.unary("exp", this.any(s, d))],
      ["log", () => this.unary("log", this.positive(s, d))],
      ["softmax", () => this.unary("softmax", this.any(s, d))],
      ["logSoftmax", () => this.unary("logSoftmax", this.any(s, d))],
    ];
    const again = this.reusable(s, false);
    if (again.length > 0) options.push(["reuse", () => again[this.pick(again.length)]!.e]);
    if (s.r === 1) options.push(["sumRows", () => this.unary("sumRows", this.any({ r: this.label(), c: s.c }, d))]);
    if (s.r === 1 && s.c === 1) {
      options.push(["sumAll", () => this.unary("sumAll", this.any(this.shape(), d))]);
      options.push(["softmaxCrossEntropy", () => {
        const x = this.shape();
        return this.binary("softmaxCrossEntropy", this.any(x, d), this.target(x, d));
      }]);
    }
    return this.remember(options[this.pick(options.length)]![1](), s, false);
  }

  /** An expression of shape s whose every entry is positive (log's and div's denominators). */
  positive(s: Shape, depth: number): Expr {
    const d = depth - 1;
    const constant = (shape: Shape): Expr => ({ op: "const", r: shape.r, c: shape.c, value: positiveConstants[this.pick(positiveConstants.length)]! });
    const squarePlus = (x: Expr): Expr => {
      // x⊙x + c, with c a constant of s's shape or a 1×C row of them, or exp(0·y) = 1.
      const k = this.pick(3);
      const c = k === 0 ? constant(s) : k === 1 ? constant({ r: 1, c: s.c }) : this.unary("exp", { op: "scale", a: this.any(s, d), s: 0 });
      return this.binary("add", this.binary("mul", x, x), c);
    };
    if (depth <= 0) {
      const options = [() => this.unary("exp", this.leaf(s)), () => this.unary("softmax", this.leaf(s)), () => squarePlus(this.leaf(s)), () => constant(s)];
      return this.remember(options[this.pick(options.length)]!(), s, true);
    }
    const options: [string, () => Expr][] = [
      ["exp", () => this.unary("exp", this.any(s, d))],
      ["softmax", () => this.unary("softmax", this.any(s, d))],
      ["square plus", () => squarePlus(this.any(s, d))],
      ["mul", () => this.binary("mul", this.positive(s, d), this.positive(s, d))],
      ["div", () => this.binary("div", this.positive(s, d), this.positive(s, d))],
      ["scale", () => ({ op: "scale", a: this.positive(s, d), s: positiveScales[this.pick(positiveScales.length)]! })],
      ["add", () => this.binary("add", this.positive(s, d), this.positive(s, d))],
      ["add row", () => this.binary("add", this.positive(s, d), this.positive({ r: 1, c: s.c }, d))],
      ["matmul", () => {
        const k = this.label();
        return this.binary("matmul", this.positive({ r: s.r, c: k }, d), this.positive({ r: k, c: s.c }, d));
      }],
      ["transpose", () => this.unary("transpose", this.positive({ r: s.c, c: s.r }, d))],
      ["mulScalar", () => this.binary("mulScalar", this.positive(s, d), this.positive({ r: 1, c: 1 }, d))],
    ];
    const again = this.reusable(s, true);
    if (again.length > 0) options.push(["reuse", () => again[this.pick(again.length)]!.e]);
    if (s.r === 1) options.push(["sumRows", () => this.unary("sumRows", this.positive({ r: this.label(), c: s.c }, d))]);
    if (s.r === 1 && s.c === 1) options.push(["sumAll", () => this.unary("sumAll", this.positive(this.shape(), d))]);
    return this.remember(options[this.pick(options.length)]![1](), s, true);
  }

  /** True when `e` reads a declared leaf: an expression of constants only runs eagerly even inside a step. */
  private traced(e: Expr, seen = new Set<Expr>()): boolean {
    if (seen.has(e)) return false;
    seen.add(e);
    if (e.op === "param" || e.op === "input" || e.op === "target" || e.op === "state") return true;
    return ("a" in e && this.traced(e.a, seen)) || ("b" in e && this.traced(e.b, seen));
  }

  /**
   * A root (the loss, a next state) must be traced: tracing refuses a loss or a state computed from
   * constants alone. Such a root gets a leaf's zero multiple added, which keeps its value.
   */
  private rooted(e: Expr, s: Shape): Expr {
    return this.traced(e) ? e : this.binary("add", e, { op: "scale", a: this.leaf(s), s: 0 });
  }

  program(): Program {
    const r = this.recipe;
    const [n, a, b, c] = r.sizes;
    const sequence = r.kind !== "plain";
    const dims: Record<string, number> = { n, a, b, c, ...(sequence && { T: r.T }) };
    if (r.kind === "recurrent") for (let i = 0; i < r.states; i++) this.declare(this.state, "h", this.shape());
    // The loss: a scaled total of a node, a cross-entropy against targets, or any 1×1 expression.
    const root = this.pick(3);
    const x = root < 2 ? this.shape() : { r: 1, c: 1 };
    const loss = this.rooted(
      root === 0
        ? this.unary("sumAll", { op: "scale", a: this.any(x, r.depth), s: scales[this.pick(scales.length - 1)]! })
        : root === 1
          ? this.binary("softmaxCrossEntropy", this.any(x, r.depth), this.target(x, r.depth))
          : this.any(x, r.depth),
      { r: 1, c: 1 },
    );
    // Each state's next value: tanh of an expression of its shape (bounded over the steps), or the expression itself.
    const next: Record<string, Expr> = {};
    for (const [name, [sr, sc]] of Object.entries(this.state)) {
      const e = this.any({ r: sr, c: sc }, r.depth);
      next[name] = this.rooted(this.pick(3) === 2 ? e : this.unary("tanh", e), { r: sr, c: sc });
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
