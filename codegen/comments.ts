// What the generated code says about itself: above each loop nest and each buffer, the node's
// formula as `explain` writes it (`A_t = X_t U + H_{t−1} W + b`), never node ids.
import { nodeFormula } from "../src/explain/formula.js";
import type { Node } from "../src/ir/graph.js";
import type { Plan } from "./plan.js";

/** Past this length a formula (explain expands unnamed inputs) gives way to the node's op and inputs by name. */
const longest = 160;

/**
 * A node's formula: explain's, led by the node's name in the code when explain names it none
 * (`Matmul_X_U = X_t U`); or, when explain's is too long or cannot be had, the node's op applied
 * to its inputs' names (`Matmul_X_U = matmul(X, U)`). A comment never stops generation.
 */
export function formulaOf(plan: Plan, node: Node): string {
  const names = plan.names.names;
  let text: string | undefined;
  try {
    text = nodeFormula(plan.ir, node.id);
  } catch {
    text = undefined;
  }
  if (text === undefined || text.length > longest) return `${names[node.id]!} = ${node.op}(${node.inputs.map((i) => names[i]!).join(", ")})`;
  return lhsOf(text) === undefined ? `${names[node.id]!} = ${text}` : text;
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
