// Building an explanation from a model's IR: for each parameter (and each initial state), the
// differential-form derivation of its gradient, the recursion for every named adjoint it uses,
// and the rules applied, each once. The gradient expressions are read off the backward IR that
// reverse mode built from the ops' own rules, so they are the mathematics the code computes.
import type { ModelIR, Node } from "../ir/graph.js";
import type { Notation } from "../op.js";
import { opNamed } from "../ops/table.js";
import type { Shape } from "../shape-error.js";
import type { Expr, Shift } from "./expr.js";

export interface ExplainedParam {
  /** The parameter's name, or an initial state's (`h0`). */
  readonly name: string;
  readonly shape: Shape;
  readonly initialState: boolean;
  /**
   * The derivation's first steps (absent for an initial state): the named value whose adjoint G
   * reaches the parameter, and the op (and its inputs) through which the parameter enters it.
   */
  readonly through?: { readonly name: string; readonly shape: Shape; readonly op: string; readonly input: number; readonly args: readonly Expr[] };
  /** One step's contribution (summed over the steps), or the gradient itself (an initial state: at the first step). */
  readonly term: Expr;
  readonly sumOverSteps: boolean;
}

export interface AdjointEquation {
  readonly name: string;
  /** The forward node whose adjoint this is. */
  readonly node: number;
  readonly shape: Shape;
  readonly rhs: Expr;
}

export interface Explanation {
  readonly model: string;
  readonly sizes: Readonly<Record<string, number>>;
  readonly sequence: boolean;
  readonly lossScale: ModelIR["lossScale"];
  readonly params: readonly ExplainedParam[];
  readonly adjoints: readonly AdjointEquation[];
  readonly rules: readonly Notation[];
}

/** How a declared name is printed: one-letter data and states as matrices (x → X), parameters as declared. */
export function displayName(name: string, kind: string): string {
  return kind !== "param" && name.length === 1 ? name.toUpperCase() : name;
}

export function explain(ir: ModelIR): Explanation {
  const nodes = ir.nodes;
  const stateOut = new Map(Object.entries(ir.outputs.state).map(([name, id]) => [id, name]));
  const backwardOf = new Map<number, number>();
  for (const n of nodes) if (n.adjointOf !== undefined) backwardOf.set(n.adjointOf, n.id);
  const used = new Map<number, AdjointEquation>();
  const pending: number[] = [];

  const leafKind = (n: Node) => n.leaf?.kind ?? "";
  const nameOf = (n: Node): string | undefined => {
    if (n.label) return n.label;
    if (n.leaf && ["param", "input", "target", "state"].includes(n.leaf.kind)) return displayName(n.leaf.name, n.leaf.kind);
    const state = stateOut.get(n.id);
    return state === undefined ? undefined : displayName(state, "state");
  };

  /** A forward value as it appears inside an expression. */
  const forward = (id: number, step: Shift): Expr => {
    const n = nodes[id]!;
    const shape = n.shape;
    if (leafKind(n) === "param") return { k: "value", name: nameOf(n)!, node: id, perStep: false, shift: 0, subscript: 0, shape };
    if (leafKind(n) === "state") return { k: "value", name: nameOf(n)!, node: id, perStep: true, shift: step, subscript: step - 1, shape };
    const name = nameOf(n);
    if (name !== undefined) return { k: "value", name, node: id, perStep: ir.sequence !== undefined, shift: step, subscript: step, shape };
    return structural(n, step, (i) => forward(i, step));
  };

  /** An op node as the expression of its inputs. */
  const structural = (n: Node, step: Shift, arg: (id: number) => Expr): Expr => {
    const shape = n.shape;
    const [a, b] = n.inputs.map(arg) as [Expr, Expr | undefined];
    switch (n.op) {
      case "transpose":
        return { k: "transpose", a, shape };
      case "matmul":
        return { k: "matmul", a, b: b!, shape };
      case "add":
        return { k: "add", a, b: b!, shape };
      case "sub":
        return { k: "sub", a, b: b!, shape };
      case "mul":
        return { k: "hadamard", a, b: b!, shape };
      case "tanhGrad":
        return { k: "hadamard", a: b!, b: { k: "oneMinusSquare", a, shape }, shape };
      case "sumRows":
        return { k: "sumRows", a, shape };
      case "scale":
        return { k: "scale", a, s: n.attrs["s"] ?? NaN, shape };
      case "softmaxCrossEntropyGrad":
        return { k: "softmaxMinus", o: a, y: b!, shape };
      case "mulScalar":
        if (leafKind(nodes[n.inputs[1]!]!) === "lossAdjoint") return { k: "mean", a, over: ir.lossScale.over, factor: ir.lossScale.factor, shape };
        return { k: "op", op: n.op, args: [a, b!], attrs: n.attrs, shape };
      default:
        return { k: "op", op: n.op, args: n.inputs.map(arg), attrs: n.attrs, shape };
    }
  };

  /** A backward value: named adjoints are cut (and get an equation), the rest is expanded. */
  const backward = (id: number, step: Shift, root = false): Expr => {
    const n = nodes[id]!;
    if (n.phase === "forward") return forward(id, step);
    const of = n.adjointOf;
    if (!root && of !== undefined && nodes[of]!.label) {
      if (!used.has(of)) {
        used.set(of, { name: nodes[of]!.label!, node: of, shape: n.shape, rhs: { k: "value", name: "", node: -1, perStep: false, shift: 0, subscript: 0, shape: n.shape } });
        pending.push(of);
      }
      return { k: "adjoint", name: nodes[of]!.label!, node: of, shift: step, shape: n.shape };
    }
    if (leafKind(n) === "stateAdjoint") {
      // What flows back into this step's state is the next step's adjoint of its incoming state.
      const next = ir.outputs.stateGrads[n.leaf!.name]!;
      if (step === 1) throw new Error("explain: an adjoint two steps ahead");
      return backward(next, 1);
    }
    return structural(n, step, (i) => backward(i, step));
  };

  const params: ExplainedParam[] = ir.params.map((d) => {
    const leaf = nodes.find((n) => n.leaf?.kind === "param" && n.leaf.name === d.name)!;
    const term = backward(ir.outputs.paramGrads[d.name]!, 0, true);
    return { name: d.name, shape: d.shape, initialState: false, ...throughOf(leaf), term, sumOverSteps: ir.sequence !== undefined };
  });
  for (const d of ir.state) {
    params.push({ name: `${d.name}0`, shape: d.shape, initialState: true, term: backward(ir.outputs.stateGrads[d.name]!, 0, true), sumOverSteps: false });
  }
  while (pending.length > 0) {
    const of = pending.shift()!;
    const eq = used.get(of)!;
    used.set(of, { ...eq, rhs: backward(backwardOf.get(of)!, 0, true) });
  }

  function throughOf(leaf: Node): Pick<ExplainedParam, "through"> {
    const consumer = nodes.find((n) => n.phase === "forward" && n.inputs.includes(leaf.id));
    if (!consumer || !opNamed(consumer.op).explain) return {};
    // G reaches the consumer unchanged through sums, from the first value that has a name.
    let value = consumer;
    while (!value.label && !stateOut.has(value.id)) {
      const next = nodes.find((n) => n.phase === "forward" && n.inputs.includes(value.id));
      if (!next || (next.op !== "add" && !(next.op === "sub" && next.inputs[0] === value.id))) break;
      value = next;
    }
    const name = nameOf(value) ?? `%${value.id}`;
    return { through: { name, shape: value.shape, op: consumer.op, input: consumer.inputs.indexOf(leaf.id), args: consumer.inputs.map((i) => forward(i, 0)) } };
  }

  const rules: Notation[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    const rule = n.phase === "forward" && n.op !== "leaf" ? opNamed(n.op).explain?.rule : undefined;
    if (rule && !seen.has(n.op)) {
      seen.add(n.op);
      rules.push(rule);
    }
  }
  return { model: ir.name, sizes: ir.sizes, sequence: ir.sequence !== undefined, lossScale: ir.lossScale, params, adjoints: [...used.values()], rules };
}
