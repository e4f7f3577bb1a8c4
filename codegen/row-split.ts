// Which models may run their batch rows apart, decided from the IR alone, and how the rows are
// cut. The batch dim is the rows of the per-step inputs, the targets and the states. The rows stay
// apart when every forward node that reads a value with those rows keeps them apart: a map does,
// and a nest op whose stacking is "aligned" in every input that carries rows does (row i of the
// output reads row i of those inputs alone). The loss alone may sum over the rows (its stacking is
// "summed"), and nothing in the step may read that sum. A parameter sized by the batch dim couples
// the rows (each row meets its own parameter rows); a constant that changes with the batch size is
// caught by comparing the IR at the chunk sizes with the IR at the full size (sameStepBut).
import type { ModelIR, Node } from "../src/ir/graph.js";
import { isViewNode, stackingOf } from "./lowering.js";

/** The rows of one chunk: rows start … start + rows − 1 of every step. */
export interface Chunk {
  readonly start: number;
  readonly rows: number;
}

/** The batch dim, or why the rows cannot run apart. */
export type RowSplit = { readonly dim: string; readonly n: number } | { readonly why: string };

/**
 * How many chunks a batch of n rows is cut into, whatever the number of threads: min(n, 2), for
 * the two cores this project measures on. Each chunk computes every parameter's gradient in full,
 * so chunks cost: measured on the RNN at C3 (n=64, h=512), four chunks of 16 rows took 25% more
 * CPU time than the whole call, two of 32 rows 4%. More chunks would let more threads work, at that
 * cost; the count is part of what the results are (changing it changes the bits, as a change to
 * the generator does).
 */
export const chunkCount = 2;

/**
 * The chunks of n rows: min(n, chunkCount) chunks of nearly equal rows, the longer ones first
 * (n = 5: 3, 2; n = 32: 16, 16). They depend on n alone, so at most two distinct chunk sizes,
 * each a module specialized for that many rows.
 */
export function chunksOf(n: number): Chunk[] {
  const count = Math.min(n, chunkCount);
  const base = Math.floor(n / count), longer = n % count;
  const chunks: Chunk[] = [];
  let start = 0;
  for (let k = 0; k < count; k++) {
    const rows = base + (k < longer ? 1 : 0);
    chunks.push({ start, rows });
    start += rows;
  }
  return chunks;
}

const where = (node: Node) => `${node.op}${node.label ? ` (${node.label})` : ""}${node.loc ? ` at ${node.loc}` : ""}`;

/** The batch dim of `ir` when its rows are independent, else why not (one line). */
export function rowSplit(ir: ModelIR): RowSplit {
  const leaves = [...ir.inputs, ...ir.targets, ...ir.state];
  const dim = leaves[0]?.shape.rowDim;
  if (typeof dim !== "string" || !(dim in ir.sizes)) return { why: "its inputs' rows are not a named dim of the model" };
  const other = leaves.find((d) => d.shape.rowDim !== dim);
  if (other) return { why: `${other.name} has ${String(other.shape.rowDim)} rows, not the inputs' ${dim}` };
  const n = ir.sizes[dim]!;
  const mentions = (node: Node) => node.shape.rowDim === dim || node.shape.colDim === dim;
  // For each forward node: does it carry the batch rows, or is it the sum over them (the loss)?
  const carries = new Map<number, "rows" | "sum">();
  // A parameter sized by the batch dim is reported after a node that mixes rows, which says more.
  let sizedParam: string | undefined;
  for (const node of ir.nodes) {
    if (node.phase !== "forward") continue;
    if (node.op === "leaf") {
      const kind = node.leaf?.kind;
      if (kind === "param" && mentions(node)) sizedParam ??= `the parameter ${node.leaf!.name} is sized by the batch dim ${dim}`;
      if (kind === "input" || kind === "target" || kind === "state" || mentions(node)) carries.set(node.id, "rows");
      continue;
    }
    const reading = node.inputs.map((i, k) => ({ k, input: ir.nodes[i]!, carried: carries.get(i) })).filter((r) => r.carried !== undefined);
    if (reading.length === 0) {
      if (mentions(node)) carries.set(node.id, "rows");
      continue;
    }
    if (reading.some((r) => r.carried === "sum")) return { why: `${where(node)} reads the loss, a sum over the rows of ${dim}` };
    if (isViewNode(node)) {
      carries.set(node.id, "rows");
      continue;
    }
    const stacking = stackingOf(ir.nodes, node);
    if (stacking?.kind === "summed") {
      if (node.id !== ir.outputs.loss) return { why: `${where(node)} sums over the rows of ${dim}, and it is not the loss` };
      carries.set(node.id, "sum");
      continue;
    }
    const apart =
      stacking?.kind === "aligned" &&
      node.shape.rowDim === dim &&
      node.shape.colDim !== dim &&
      reading.every((r) => stacking.inputs.includes(r.k) && !isViewNode(r.input) && r.input.shape.rowDim === dim && r.input.shape.colDim !== dim);
    if (!apart) return { why: `${where(node)} mixes the rows of ${dim} (each output row reads other rows)` };
    carries.set(node.id, "rows");
  }
  if (sizedParam) return { why: sizedParam };
  if (carries.get(ir.outputs.loss) !== "sum") return { why: `its loss is not a sum over the rows of ${dim}` };
  for (const [name, id] of Object.entries(ir.outputs.state)) {
    if (carries.get(id) === "sum") return { why: `its state ${name} is the loss` };
  }
  return { dim, n };
}

/**
 * Whether the step traced at a chunk's size is the step at the full size with only the sizes
 * changed: the same ops, inputs, attributes, constants and loss scale. A constant or attribute
 * that follows the batch size (a mean written by hand as 1/n) would make a chunk compute something
 * else, so such a model runs unsplit.
 */
export function sameStepBut(full: ModelIR, chunk: ModelIR, dim: string): string | undefined {
  const strip = (node: Node) => JSON.stringify({ ...node, shape: undefined });
  if (full.nodes.length !== chunk.nodes.length) return `its step has other nodes at ${dim} = ${chunk.sizes[dim]}`;
  const differs = full.nodes.findIndex((node, i) => strip(node) !== strip(chunk.nodes[i]!));
  if (differs >= 0) {
    const node = full.nodes[differs]!;
    // A leaf (a constant) has no place of its own: name the first op that reads it.
    const reader = node.op === "leaf" ? full.nodes.find((r) => r.inputs.includes(node.id)) : undefined;
    const what = node.op === "leaf" ? `a constant${reader ? ` read by ${where(reader)}` : ""}` : where(node);
    return `${what} changes with ${dim} beyond its shape (a constant or attribute follows the batch size)`;
  }
  if (JSON.stringify(full.lossScale.over) !== JSON.stringify(chunk.lossScale.over)) return `its loss scale changes with ${dim}`;
  return undefined;
}

/**
 * The weight of each chunk's loss and gradients in the batch's: the loss is factor · Σ over rows,
 * so a chunk of c rows whose own mean divides by c weighs c / n when the mean is over the batch dim,
 * and 1 when it is not.
 */
export function chunkWeights(ir: ModelIR, dim: string, chunks: readonly Chunk[]): number[] {
  const n = ir.sizes[dim]!;
  return chunks.map((c) => (ir.lossScale.over.includes(dim) ? c.rows / n : 1));
}
