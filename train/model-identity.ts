// The identity a checkpoint records of its model: the model's name, sizes, and a hash of its
// structure (ops, shapes, names; not source lines, so that moving code around keeps it).
import { createHash } from "node:crypto";
import type { ModelIR } from "../src/ir/graph.js";
import type { CheckpointModel } from "./checkpoint.js";

/** The model a checkpoint belongs to: its structure (ops, shapes, names; not source lines) and sizes. */
export function modelIdentity(ir: ModelIR): CheckpointModel {
  const structure = {
    nodes: ir.nodes.map((n) => [n.op, n.inputs, n.attrs, n.shape, n.leaf ?? null]),
    declared: [ir.params, ir.inputs, ir.targets, ir.state],
    outputs: ir.outputs,
    lossScale: ir.lossScale,
  };
  return { name: ir.name, hash: createHash("sha256").update(JSON.stringify(structure)).digest("hex").slice(0, 16), sizes: ir.sizes };
}
