// The memory a generated module allocates once, checked before anything is emitted. Kept apart
// from the writer: specialize() checks it in a process that must not load ts-morph.
import type { ModelIR } from "../src/ir/graph.js";
import { planModel, type Plan, type PlanOptions } from "./plan.js";
import { chunksOfThread, regionsOf, type ThreadLayout } from "./thread-layout.js";

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

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** A refusal that names the model's file and sizes, then what would not fit. */
function overBudget(ir: ModelIR, what: string): GenerateError {
  return new GenerateError(`${ir.source ?? ir.name}: at ${Object.entries(ir.sizes).map(([k, v]) => `${k}=${v}`).join(" ")} ${what}`);
}

export function planWithinBudget(ir: ModelIR, options: PlanOptions = {}): Plan {
  const plan = planModel(ir, options);
  const { total, largest } = bufferBytes(plan);
  if (total > bufferBudgetBytes) {
    throw overBudget(ir, `the generated buffers would take ${gib(total)}, over the ${gib(bufferBudgetBytes)} limit (largest: ${largest.map((e) => `${e.name} ${gib(e.bytes)}`).join(", ")})`);
  }
  return plan;
}

/**
 * The SIMD kernels' memory holds every array of the module, the copies of operands that the
 * products make (known only once they are emitted) among them, within the same budget.
 */
export function checkKernelMemory(plan: Plan, bufferBytes: number, copyBytes: number): void {
  const total = bufferBytes + copyBytes;
  if (total > bufferBudgetBytes) {
    throw overBudget(
      plan.ir,
      `the SIMD kernels' memory would take ${gib(total)} (the module's buffers ${gib(bufferBytes)} and the products' operands copied ${gib(copyBytes)}), over the ${gib(bufferBudgetBytes)} limit; --kernels js needs no copies`,
    );
  }
}

/**
 * A training run allocates, beside the module's buffers, the parameters, their gradients and the
 * optimizer's state (arrays shaped like the parameters): all of it within the same budget, checked
 * before anything is generated. `stateArrays` is how many arrays per parameter the optimizer keeps.
 */
export function checkTrainingBudget(ir: ModelIR, stateArrays: number, optimizer: string): void {
  const paramBytes = ir.params.reduce((s, d) => s + 8 * d.shape.rows * d.shape.cols, 0);
  const arrays = 2 + stateArrays;
  const training = paramBytes * arrays;
  const buffers = bufferBytes(planModel(ir)).total;
  // A typed array holds at most 2^31 − 1 entries here whatever the total (one parameter could pass that alone).
  const largest = ir.params.reduce((m, d) => Math.max(m, d.shape.rows * d.shape.cols), 0);
  if (training + buffers > bufferBudgetBytes || largest > 2 ** 31 - 1) {
    const what = `the parameters, their gradients${stateArrays > 0 ? ` and ${optimizer}'s state` : ""} would take ${gib(training)} (${arrays} × ${gib(paramBytes)}) and the generated buffers ${gib(buffers)}: ${gib(training + buffers)} in all, over the ${gib(bufferBudgetBytes)} limit`;
    throw overBudget(ir, what);
  }
}

/**
 * A split module (see threaded.ts) allocates on every thread a module per chunk size that thread
 * runs (their buffers), that thread's copies of the parameters and of its chunks' batch and
 * gradients, and once the shared memory: all within the same budget. (The full module's file is
 * written but not loaded.)
 */
export function checkThreadedBudget(ir: ModelIR, chunkIrs: ReadonlyMap<number, ModelIR>, layout: ThreadLayout, options: PlanOptions = {}): void {
  const moduleBytes = new Map([...chunkIrs].map(([rows, c]) => [rows, bufferBytes(planModel(c, options)).total]));
  const regions = regionsOf(layout);
  const rowBytes = 8 * [...layout.data.map((d) => layout.steps * d.cols), ...layout.states.map((s) => 2 * s.cols)].reduce((s, x) => s + x, 0);
  let perThread = 0;
  for (let j = 0; j < layout.threads; j++) {
    const sizes = new Set(chunksOfThread(layout, j).map((k) => layout.chunks[k]!.rows));
    let bytes = j === 0 ? 0 : 8 * regions.paramLength;
    for (const rows of sizes) bytes += (moduleBytes.get(rows) ?? 0) + rows * rowBytes + 8 * regions.paramLength;
    perThread += bytes;
  }
  const sharedBytes = 8 * regions.total;
  if (perThread + sharedBytes > bufferBudgetBytes) {
    throw overBudget(
      ir,
      `on ${layout.threads} threads the buffers would take ${gib(perThread + sharedBytes)} (the threads' chunk modules and copies ${gib(perThread)}, the shared memory ${gib(sharedBytes)}), over the ${gib(bufferBudgetBytes)} limit; fewer threads need less`,
    );
  }
}
