// A printer for the IR: one node a line, with its shape and where it came from, so that every
// stage can be read and golden-tested.
import { shapeText } from "../shape-error.js";
import type { ModelIR, Node } from "./graph.js";

function describe(node: Node): string {
  if (node.leaf) {
    const { kind, name, value } = node.leaf;
    return kind === "const" ? `const [${(value ?? []).length} values]` : kind === "zeros" ? "zeros" : `${kind} ${name}`;
  }
  const attrs = Object.entries(node.attrs).map(([k, v]) => ` ${k}=${v}`);
  return `${node.op} ${node.inputs.map((i) => `%${i}`).join(", ")}${attrs.join("")}`;
}

export function printNode(node: Node, options: { withLocation?: boolean } = {}): string {
  const name = node.label ? ` (${node.label})` : node.adjointOf !== undefined ? ` (G of %${node.adjointOf})` : "";
  const head = `%${node.id} = ${describe(node)}${name}`.padEnd(40);
  const loc = options.withLocation !== false && node.loc ? `  ${node.loc}` : "";
  return `${head} ${shapeText(node.shape)}${loc}`.trimEnd();
}

export function printModel(ir: ModelIR, options: { withLocation?: boolean } = {}): string {
  const sizes = Object.entries(ir.sizes).map(([k, v]) => `${k}=${v}`).join(" ");
  const seq = ir.sequence ? `; steps over ${ir.sequence.steps}, stacked rows ${ir.sequence.stacked}` : "";
  const scale = ir.lossScale.over.length ? `(1/(${ir.lossScale.over.join("·")})) · ` : "";
  const lines = [`model ${ir.name}${ir.source ? ` (${ir.source})` : ""}`, `sizes ${sizes}${seq}`, `loss = ${scale}Σ_t loss_t`];
  for (const phase of ["forward", "backward"] as const) {
    lines.push(phase);
    for (const node of ir.nodes) if (node.phase === phase) lines.push(`  ${printNode(node, options)}`);
  }
  const o = ir.outputs;
  const named = (title: string, rec: Readonly<Record<string, number>>) => Object.entries(rec).map(([k, id]) => `  ${title} ${k} = %${id}`);
  lines.push("outputs", `  loss = %${o.loss}`, ...(o.output === undefined ? [] : [`  output = %${o.output}`]), ...named("state", o.state), ...named("grad", o.paramGrads), ...named("state grad", o.stateGrads));
  return `${lines.join("\n")}\n`;
}
