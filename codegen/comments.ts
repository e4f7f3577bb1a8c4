// What the generated code says about itself: above each loop nest and each buffer, the node's
// formula as `explain` writes it (`A_t = X_t U + H_{t−1} W + b`), never node ids.
import { nodeFormula } from "../src/explain/formula.js";
import type { Node } from "../src/ir/graph.js";
import type { Plan } from "./plan.js";

/** Past this length a formula (explain expands unnamed inputs) gives way to the node's op and inputs by name. */
const longest = 160;
/** Nor is explain asked for a formula that would expand more nodes than this (its text grows with each). */
const mostTerms = 40;

const formulas = new WeakMap<Plan, Map<number, string>>();

/**
 * A node's formula: explain's, led by the node's name in the code when explain names it none
 * (`Matmul_X_U = X_t U`); or, when explain's is too long or cannot be had, the node's op applied
 * to its inputs' names (`Matmul_X_U = matmul(X, U)`). A comment never stops generation.
 */
export function formulaOf(plan: Plan, node: Node): string {
  let known = formulas.get(plan);
  if (!known) formulas.set(plan, (known = new Map()));
  let formula = known.get(node.id);
  if (formula === undefined) known.set(node.id, (formula = computeFormula(plan, node)));
  return formula;
}

function computeFormula(plan: Plan, node: Node): string {
  const names = plan.names.names;
  let text: string | undefined;
  try {
    text = termsOf(plan)[node.id]! <= mostTerms ? nodeFormula(plan.ir, node.id) : undefined;
  } catch {
    text = undefined;
  }
  if (text === undefined || text.length > longest) return `${names[node.id]!} = ${node.op}(${node.inputs.map((i) => names[i]!).join(", ")})`;
  return lhsOf(text) === undefined ? `${names[node.id]!} = ${text}` : text;
}

const terms = new WeakMap<Plan, readonly number[]>();

/** About how many nodes explain's formula of each node expands: its inputs, down to the values it names (leaves, labels, states, labelled adjoints). */
function termsOf(plan: Plan): readonly number[] {
  const known = terms.get(plan);
  if (known) return known;
  const nodes = plan.ir.nodes;
  const nextStates = new Set(Object.values(plan.ir.outputs.state));
  const expanded: number[] = [];
  const asInput: number[] = [];
  for (const n of nodes) {
    expanded[n.id] = Math.min(1 + n.inputs.reduce((sum, i) => sum + asInput[i]!, 0), 1e6);
    const named = n.leaf !== undefined || n.label !== undefined || (n.phase === "forward" && nextStates.has(n.id)) || (n.adjointOf !== undefined && nodes[n.adjointOf]!.label !== undefined);
    asInput[n.id] = named ? 1 : expanded[n.id]!;
  }
  terms.set(plan, expanded);
  return expanded;
}

/** The named value a formula defines (`A_t` in `A_t = …`), if it defines one. */
function lhsOf(formula: string): string | undefined {
  const at = formula.indexOf(" = ");
  return at < 0 ? undefined : formula.slice(0, at);
}

/**
 * The comment above a node's loop nest: its formula, then those of the named maps fused into its
 * loop (computed in place) that it refers to, its dims, and where the model wrote it.
 */
export function kernelComment(plan: Plan, node: Node, stacked: { rows: number; cols: number } | undefined): string {
  const fused: Node[] = [];
  const collect = (id: number): void => {
    const n = plan.ir.nodes[id]!;
    const kind = plan.storage.get(id)?.kind;
    if (kind === "view") collect(n.inputs[0]!);
    else if (kind === "fused") {
      fused.push(n);
      n.inputs.forEach(collect);
    }
  };
  node.inputs.forEach(collect);
  const main = formulaOf(plan, node);
  const named = fused.map((n) => formulaOf(plan, n)).filter((f) => {
    const lhs = lhsOf(f);
    return lhs !== undefined && main.slice(main.indexOf(" = ") + 3).includes(lhs);
  });
  const over = stacked ? ` over all steps (${stacked.rows}×${stacked.cols})` : "";
  return `// ${[main, ...named].join("; ")}: ${dims(node)}${over}${node.loc ? `, ${node.loc}` : ""}`;
}

/** The doc comment of a node's buffer. */
export function bufferDoc(plan: Plan, node: Node, perStep: boolean): string {
  return `${formulaOf(plan, node)}: ${dims(node)}${perStep ? `, one slot per step` : ""}`;
}

function dims(node: Node): string {
  return `${node.shape.rowDim}×${node.shape.colDim}`;
}
