// The memory a generated module allocates once, checked before anything is emitted. Kept apart
// from the writer: specialize() checks it in a process that must not load ts-morph.
import type { ModelIR } from "../src/ir/graph.js";
import { planModel, type Plan } from "./plan.js";

/** What a generated module may allocate for its buffers (2 GiB), checked before anything is emitted. */
export const bufferBudgetBytes = 2 ** 31;

export class GenerateError extends Error {
  override readonly name = "GenerateError";
}

/** The bytes of every buffer the module allocates once, largest first. */
export function bufferBytes(plan: Plan): { total: number; largest: { name: string; bytes: number }[] } {
  const ir = plan.ir;
  const entries = [
    ...plan.buffers.map((b) => ({ name: b.name, bytes: 8 * b.length })),
    ...ir.state.map((d) => ({ name: `state ${d.name}`, bytes: 8 * (plan.steps + 1) * d.shape.rows * d.shape.cols })),
    ...ir.state.map((d) => ({ name: `adjoints of ${d.name}`, bytes: 16 * d.shape.rows * d.shape.cols })),
    ...plan.constants.map((c) => ({ name: c.name, bytes: 8 * c.values.length })),
  ].sort((a, b) => b.bytes - a.bytes);
  return { total: entries.reduce((s, e) => s + e.bytes, 0), largest: entries.slice(0, 3) };
}

export function planWithinBudget(ir: ModelIR): Plan {
  const plan = planModel(ir);
  const { total, largest } = bufferBytes(plan);
  if (total > bufferBudgetBytes) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
    throw new GenerateError(
      `${ir.source ?? ir.name}: at ${Object.entries(ir.sizes).map(([k, v]) => `${k}=${v}`).join(" ")} the generated buffers would take ${gib(total)}, over the ${gib(bufferBudgetBytes)} limit (largest: ${largest.map((e) => `${e.name} ${gib(e.bytes)}`).join(", ")})`,
    );
  }
  return plan;
}
