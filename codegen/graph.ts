// Drawing one step of a model: its IR as a Graphviz graph (ops as nodes, shapes on the edges,
// the backward pass dashed in a cluster of its own), laid out by Graphviz compiled to WebAssembly
// (@viz-js/viz), so that the layout is Graphviz's, not a hand-made one.
import { instance } from "@viz-js/viz";
import type { ModelIR, Node } from "../src/ir/graph.js";

function quote(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

function labelOf(n: Node, ir: ModelIR): string {
  if (n.leaf) {
    if (n.leaf.kind === "const") return "constant";
    if (n.leaf.kind === "zeros") return "0";
    if (n.leaf.kind === "lossAdjoint") return `∂L/∂loss = ${ir.lossScale.factor === 1 ? "1" : `1/(${ir.lossScale.over.join("·")})`}`;
    if (n.leaf.kind === "stateAdjoint") return `adjoint of ${n.leaf.name} from step t+1`;
    return `${n.leaf.kind} ${n.leaf.name}`;
  }
  // A backward node says what it is: a parameter's gradient, or the adjoint of a named value.
  const grad = Object.entries(ir.outputs.paramGrads).find(([, id]) => id === n.id)?.[0];
  const of = n.adjointOf === undefined ? undefined : ir.nodes[n.adjointOf]!.label;
  const name = n.label ? `${n.label} = ` : grad ? `∂L/∂${grad} = ` : of ? `G_${of} = ` : "";
  return `${name}${n.op}\n%${n.id}`;
}

/** The model's step as DOT text. */
export function toDot(ir: ModelIR, options: { backward: boolean }): string {
  const shown = ir.nodes.filter((n) => options.backward || n.phase === "forward");
  const ids = new Set(shown.map((n) => n.id));
  const lines = [
    `digraph ${quote(ir.name)} {`,
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=12, label=${quote(`model ${ir.name}: one step${options.backward ? ", forward (solid) and backward (dashed)" : ""}`)}, labelloc=t];`,
    `  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#5b7fb0"];`,
    `  edge [fontname="Helvetica", fontsize=9, color="#5b6b80", fontcolor="#3b4b60"];`,
  ];
  const nodeLine = (n: Node) => {
    const leaf = n.leaf !== undefined;
    const style = n.phase === "backward" ? `, fillcolor="#fbf1e6", color="#c0823d"` : leaf ? `, shape=ellipse, fillcolor="#ffffff"` : "";
    return `    n${n.id} [label=${quote(labelOf(n, ir))}${style}];`;
  };
  lines.push(`  subgraph cluster_forward { label="forward"; color="#c8d3e3";`, ...shown.filter((n) => n.phase === "forward").map(nodeLine), "  }");
  if (options.backward) lines.push(`  subgraph cluster_backward { label="backward"; color="#e8cfb2";`, ...shown.filter((n) => n.phase === "backward").map(nodeLine), "  }");
  for (const n of shown) {
    for (const i of n.inputs) {
      if (!ids.has(i)) continue;
      const from = ir.nodes[i]!;
      const dashed = n.phase === "backward" ? `, style=dashed, color="#c0823d"` : "";
      lines.push(`  n${i} -> n${n.id} [label=${quote(`${from.shape.rowDim}×${from.shape.colDim}`)}${dashed}];`);
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** The model's step drawn as a standalone SVG document. */
export async function renderGraph(ir: ModelIR, options: { backward: boolean }): Promise<string> {
  const viz = await instance();
  return viz.renderString(toDot(ir, options), { format: "svg" });
}
