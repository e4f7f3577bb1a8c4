// One IR node's value as a formula of its inputs, in text, as `explain` prints it and with the
// model's names: `A_t = X_t U + H_{t−1} W + b`, `G_{A_t} = (G_{A_{t+1}} Wᵀ + G_{O_t} Vᵀ) ⊙ (1 − H_t ⊙ H_t)`.
// Codegen writes it above the loops that compute the node.
import type { ModelIR } from "../ir/graph.js";
import { irExprs } from "./from-ir.js";
import { adjointSymbol, expression, printExpr, type PrintContext } from "./print.js";

/**
 * The formula of node `id`: `name = rhs` when the value has a name (a label, a declared or state
 * name, the step's loss, or the adjoint G of a named value), else the right-hand side alone. Its
 * inputs are printed by name where they have one, else expanded, as in explain's equations.
 */
export function nodeFormula(ir: ModelIR, id: number): string {
  const n = ir.nodes[id];
  if (!n) throw new RangeError(`nodeFormula: model ${ir.name} has no node %${id}`);
  const x = irExprs(ir);
  const c: PrintContext = { style: "text", steps: true, sequence: ir.sequence !== undefined };
  if (n.phase === "forward") {
    if (n.leaf) return expression(x.forward(id, 0), c);
    const rhs = expression(x.structural(n, (i) => x.forward(i, 0)), c);
    const name = x.nameOf(n) !== undefined ? expression(x.forward(id, 0), c) : id === ir.outputs.loss ? `loss${c.sequence ? "_t" : ""}` : undefined;
    return name === undefined ? rhs : `${name} = ${rhs}`;
  }
  const rhs = expression(x.backward(id, 0, true), c);
  const of = n.adjointOf === undefined ? undefined : ir.nodes[n.adjointOf];
  if (!of || x.nameOf(of) === undefined) return rhs;
  // G of the value as printed at this step: G_{A_t}, G_{H_{t−1}} (the state coming in), G_U.
  const value = printExpr(x.forward(of.id, 0), c);
  const subscript = value.subscript ?? "";
  return `${adjointSymbol(value.code.slice(0, value.code.length - subscript.length), subscript, "text")} = ${rhs}`;
}
