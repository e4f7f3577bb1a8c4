// Seeded random arguments for any model, from its IR's declarations: weights and inputs drawn
// normal, targets as rows that are distributions (valid for a softmax cross-entropy).
import { batchKeys } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import { rng } from "../src/random.js";
import type { Shape } from "../src/shape-error.js";

export interface Arguments {
  readonly params: Record<string, AnyMat>;
  readonly batch: Record<string, AnyMat>;
  /** Zeroed matrices shaped like the gradients. */
  readonly grads: Record<string, AnyMat>;
}

export function randomArguments(ir: ModelIR, seed: number, std = 0.5): Arguments {
  const random = rng(seed);
  const fill = (s: Shape, draw: () => number) => makeMat(s.rowDim, s.colDim, s.rows, s.cols, Float64Array.from({ length: s.rows * s.cols }, draw));
  const params = Object.fromEntries(ir.params.map((d) => [d.name, fill(d.shape, () => std * random.normal())]));
  const targets = new Set(ir.targets.map((d) => d.name));
  const keys = batchKeys(ir);
  const batch: Record<string, AnyMat> = {};
  for (const k of keys.data) {
    if (k.oneHot) {
      const classes = ir.inputs.find((d) => d.name === k.name)!.shape.cols;
      batch[k.key] = fill(k.shape, () => Math.floor(random.uniform() * classes));
      continue;
    }
    if (!targets.has(k.name)) {
      batch[k.key] = fill(k.shape, () => random.normal());
      continue;
    }
    const m = fill(k.shape, () => 0.1 + random.uniform());
    for (let i = 0; i < m.rows; i++) {
      const row = m.data.subarray(i * m.cols, (i + 1) * m.cols);
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((v, j) => (row[j] = v / total));
    }
    batch[k.key] = m;
  }
  for (const k of keys.state) batch[k.key] = fill(k.shape, () => std * random.normal());
  const grads = Object.fromEntries([...ir.params.map((d) => [d.name, d.shape] as const), ...keys.state.map((k) => [k.key, k.shape] as const)].map(([name, s]) => [name, fill(s, () => 0)]));
  return { params, batch, grads };
}
