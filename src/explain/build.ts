// Building an explanation from a model's IR: for each parameter (and each initial state), the
// differential-form derivation of its gradient, the recursion for every named adjoint it uses,
// and the rules applied, each once. The gradient expressions are read off the backward IR that
// reverse mode built from the ops' own rules, so they are the mathematics the code computes.
import { initialKey } from "../batch-names.js";
import type { ModelIR, Node } from "../ir/graph.js";
import type { Attrs, Notation } from "../op.js";
import { findOp } from "../ops/table.js";
import type { Shape } from "../shape-error.js";
import type { Expr } from "./expr.js";
import { irExprs } from "./from-ir.js";

export { displayName } from "./from-ir.js";

export interface ExplainedParam {
  /** The parameter's name, or an initial state's (`h0`). */
  readonly name: string;
  readonly shape: Shape;
  readonly initialState: boolean;
  /**
   * The derivation's first steps (absent for an initial state, or when the op that takes the
   * parameter states no differential): the named value whose adjoint G reaches the parameter, and
   * the op (its inputs and attributes) through which the parameter enters it.
   */
  readonly through?: { readonly name: string; readonly shape: Shape; readonly op: string; readonly input: number; readonly args: readonly Expr[]; readonly attrs: Attrs };
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

export function explain(ir: ModelIR): Explanation {
  const nodes = ir.nodes;
  const backwardOf = new Map<number, number>();
  for (const n of nodes) if (n.adjointOf !== undefined) backwardOf.set(n.adjointOf, n.id);
  // The labelled values whose adjoints the derivations use, in the order met; each gets an equation.
  const used: number[] = [];
  const x = irExprs(ir, (of) => {
    if (!used.includes(of)) used.push(of);
  });

  const params: ExplainedParam[] = ir.params.map((d) => {
    const leaf = nodes.find((n) => n.leaf?.kind === "param" && n.leaf.name === d.name)!;
    const term = x.backward(ir.outputs.paramGrads[d.name]!, 0, true);
    return { name: d.name, shape: d.shape, initialState: false, ...throughOf(leaf), term, sumOverSteps: ir.sequence !== undefined };
  });
  for (const d of ir.state) {
    params.push({ name: initialKey(d.name), shape: d.shape, initialState: true, term: x.backward(ir.outputs.stateGrads[d.name]!, 0, true), sumOverSteps: false });
  }
  // Expanding an equation may meet further labelled adjoints: `used` grows while it is walked.
  const adjoints: AdjointEquation[] = [];
  for (let i = 0; i < used.length; i++) {
    const of = used[i]!;
    const id = backwardOf.get(of)!;
    adjoints.push({ name: nodes[of]!.label!, node: of, shape: nodes[id]!.shape, rhs: x.backward(id, 0, true) });
  }

  function throughOf(leaf: Node): Pick<ExplainedParam, "through"> {
    const consumer = nodes.find((n) => n.phase === "forward" && n.inputs.includes(leaf.id));
    if (!consumer || !findOp(consumer.op)?.explain?.differential) return {};
    // G reaches the consumer unchanged through the inputs that pass it (a sum's terms), from the
    // first value that has a name.
    let value = consumer;
    while (!x.nameOf(value)) {
      const next = nodes.find((n) => n.phase === "forward" && n.inputs.includes(value.id));
      const passes = next && findOp(next.op)?.explain?.passesAdjoint;
      if (!next || !passes?.includes(next.inputs.indexOf(value.id))) break;
      value = next;
    }
    const name = x.nameOf(value) ?? `%${value.id}`;
    const through = { name, shape: value.shape, op: consumer.op, input: consumer.inputs.indexOf(leaf.id), args: consumer.inputs.map((i) => x.forward(i, 0)), attrs: consumer.attrs };
    return { through };
  }

  const rules: Notation[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    const rule = n.phase === "forward" && !n.leaf ? findOp(n.op)?.explain?.rule : undefined;
    if (rule && !seen.has(n.op)) {
      seen.add(n.op);
      rules.push(rule);
    }
  }
  return { model: ir.name, sizes: ir.sizes, sequence: ir.sequence !== undefined, lossScale: ir.lossScale, params, adjoints, rules };
}
