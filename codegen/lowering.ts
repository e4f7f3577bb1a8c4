// What codegen asks of an op, in one place: is it a view, how do its rows stack over steps, and
// its loops (a schedule of its own, or its math as recorded and printed).
import type { Node } from "../src/ir/graph.js";
import { recordMap, recordNest } from "../src/kernel/record.js";
import type { LoopContext, OpMath, Stacking } from "../src/op.js";
import { opNamed } from "../src/ops/table.js";
import { printNest, printValue } from "./print-loops.js";

export function mathOf(node: Node): OpMath {
  return opNamed(node.op).math;
}

/** A transpose: never materialized, its readers index through it. */
export function isViewNode(node: Node): boolean {
  return node.op !== "leaf" && mathOf(node).kind === "view";
}

/** How the node's output rows relate to its input rows over stacked steps (see Stacking); undefined: step by step only. */
export function stackingOf(nodes: readonly Node[], node: Node): Stacking | undefined {
  const math = mathOf(node);
  if (math.kind === "map") return { kind: "aligned", inputs: node.inputs.map((_, k) => k) };
  if (math.kind !== "nest") return undefined;
  return math.stacking?.(node.inputs.map((i) => isViewNode(nodes[i]!)));
}

/** The inputs of a map that lend only their shape. */
export function shapeOnlyInputs(node: Node): readonly number[] {
  const math = mathOf(node);
  return math.kind === "map" ? (math.shapeOnly ?? []) : [];
}

/** A map node's entry as code, from its arguments' code. */
export function mapCode(node: Node, args: readonly string[]): string {
  const math = mathOf(node);
  if (math.kind !== "map") throw new Error(`${node.op} is not a map`);
  return printValue(recordMap(math.entry, node.attrs), { arg: (k) => args[k] ?? "" });
}

/** A nest node's loops: the op's own schedule when it has one for this context, else its math printed. */
export function nestLines(node: Node, ctx: LoopContext): readonly string[] {
  const op = opNamed(node.op);
  const scheduled = op.schedule?.emit?.(ctx);
  if (scheduled) return scheduled;
  if (op.math.kind === "map") throw new Error(`${node.op} is a map`);
  return printNest(recordNest(op.math.body, ctx.inputs, ctx.output, ctx.attrs, ctx.assign === "+="), ctx);
}
