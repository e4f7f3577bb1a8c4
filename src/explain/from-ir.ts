// Reading expressions off a model's IR: a forward value is its name when it has one, else the op
// that computed it applied to its inputs; a backward value is the same, except that the adjoint of
// a labelled value is cut (it gets an equation of its own) and the adjoint flowing into a step's
// state is the next step's. Nothing here knows an op: every op node becomes one generic node.
import type { ModelIR, Node } from "../ir/graph.js";
import type { Expr, Shift } from "./expr.js";

/** How a declared name is printed: one-letter data and states as matrices (x → X), parameters as declared. */
export function displayName(name: string, kind: string): string {
  return kind !== "param" && name.length === 1 ? name.toUpperCase() : name;
}

export interface IrExprs {
  /** The name a node's value has: its label, its declared name, or the state it becomes. */
  nameOf(n: Node): string | undefined;
  /** A forward value as it appears inside an expression, read at step t + step. */
  forward(id: number, step: Shift): Expr;
  /** A backward value; `root` expands a labelled value's adjoint instead of cutting it. */
  backward(id: number, step: Shift, root?: boolean): Expr;
  /** An op node as the op applied to its inputs, each given by `arg`. */
  structural(n: Node, arg: (id: number) => Expr): Expr;
}

/** `onCut(of)` is called for every labelled value whose adjoint an expanded backward value uses. */
export function irExprs(ir: ModelIR, onCut: (of: number) => void = () => {}): IrExprs {
  const nodes = ir.nodes;
  const stateOut = new Map(Object.entries(ir.outputs.state).map(([name, id]) => [id, name]));
  const leafKind = (n: Node) => n.leaf?.kind ?? "";

  const nameOf = (n: Node): string | undefined => {
    if (n.label) return n.label;
    if (n.leaf && ["param", "input", "target", "state"].includes(n.leaf.kind)) return displayName(n.leaf.name, n.leaf.kind);
    const state = stateOut.get(n.id);
    return state === undefined ? undefined : displayName(state, "state");
  };

  const structural = (n: Node, arg: (id: number) => Expr): Expr => ({ k: "op", op: n.op, args: n.inputs.map(arg), attrs: n.attrs, shape: n.shape });

  /** A leaf that is neither a declared value nor an adjoint fed in: a constant, or zeros. */
  const constant = (n: Node): Expr => ({ k: "const", node: n.id, values: n.leaf?.kind === "const" ? n.leaf.value : undefined, shape: n.shape });

  const forward = (id: number, step: Shift): Expr => {
    const n = nodes[id]!;
    const shape = n.shape;
    if (leafKind(n) === "param") return { k: "value", name: nameOf(n)!, node: id, perStep: false, shift: 0, subscript: 0, shape };
    if (leafKind(n) === "state") return { k: "value", name: nameOf(n)!, node: id, perStep: true, shift: step, subscript: step - 1, shape };
    const name = nameOf(n);
    if (name !== undefined) return { k: "value", name, node: id, perStep: ir.sequence !== undefined, shift: step, subscript: step, shape };
    if (n.leaf) return constant(n);
    return structural(n, (i) => forward(i, step));
  };

  const backward = (id: number, step: Shift, root = false): Expr => {
    const n = nodes[id]!;
    if (n.phase === "forward") return forward(id, step);
    const of = n.adjointOf;
    if (!root && of !== undefined && nodes[of]!.label) {
      onCut(of);
      return { k: "adjoint", name: nodes[of]!.label!, node: of, shift: step, shape: n.shape };
    }
    const kind = leafKind(n);
    if (kind === "stateAdjoint") {
      // What flows back into this step's state is the next step's adjoint of its incoming state.
      const next = ir.outputs.stateGrads[n.leaf!.name]!;
      if (step === 1) throw new Error("explain: an adjoint two steps ahead");
      return backward(next, 1);
    }
    if (kind === "lossAdjoint") return { k: "lossAdjoint", over: ir.lossScale.over, factor: ir.lossScale.factor, shape: n.shape };
    if (n.leaf) return constant(n);
    return structural(n, (i) => backward(i, step));
  };

  return { nameOf, forward, backward, structural };
}
