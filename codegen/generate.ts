// From a declared model to the source of its generated module: trace (which validates), plan,
// check the memory the module would allocate, emit, write with ts-morph, format with prettier.
import type { AnyModel } from "../src/model.js";
import { traceModel } from "../src/trace-model.js";
import { planWithinBudget } from "./budget.js";
import { wasmAssembler } from "./assemble-wasm.js";
import { emitModule, type EmitOptions } from "./emit.js";
import { writeModule } from "./write-module.js";

export { bufferBudgetBytes, bufferBytes, GenerateError, planWithinBudget } from "./budget.js";

export interface GenerateOptions {
  /** Sizes overriding the model's defaults. */
  readonly sizes?: Readonly<Record<string, number>>;
  /** The model's file as the header names it (relative to the repository). */
  readonly source: string;
  /** `shapegrad x.y.z`, for the header. */
  readonly generator: string;
  /**
   * "js" (the default): every loop in JavaScript, the readable reference. "simd": products as
   * WebAssembly f64x2 kernels embedded in the module (2–3× faster products; needs WebAssembly
   * SIMD, which Node ≥ 16.4 and current browsers have).
   */
  readonly kernels?: Kernels;
  /** Products that share an operand, or are only added together, run as one (the default), or each on its own (false: to measure the difference). */
  readonly sideBySide?: boolean;
}

export type Kernels = "js" | "simd";

/** The emitter's options for `kernels`. */
export async function emitOptions(kernels: Kernels = "js"): Promise<EmitOptions> {
  return kernels === "simd" ? { assemble: await wasmAssembler() } : {};
}

/** The generated TypeScript module for `model` at the given sizes. Deterministic: same input, same bytes. */
export async function generateSource(model: AnyModel, options: GenerateOptions): Promise<string> {
  const ir = traceModel(model, options.sizes ?? {});
  const plan = planWithinBudget(ir, { sideBySide: options.sideBySide ?? true });
  return writeModule(emitModule(plan, { source: options.source, generator: options.generator }, await emitOptions(options.kernels)));
}
