// The two functions that run the model: forwardSteps (the forward pass over the steps, returning
// Σ_t loss_t) and backwardSteps (the steps in reverse, accumulating the gradients). Each is the
// kernels placed before its time loop (over all steps' rows), the loop's body, and those after it.
import { initialKey } from "../src/batch-names.js";
import { KernelEmitter, type Copies } from "./kernels.js";
import { StackedMode, StepMode } from "./locations.js";
import type { Declaration } from "./module-parts.js";
import { ids } from "./names.js";
import type { Kernel, Plan } from "./plan.js";

export interface Argument {
  readonly name: string;
  readonly type: string;
  /** How the exported function gets it: `params.U.data`. */
  readonly from: string;
}

/** The step functions' parameters, by group. */
export interface StepArguments {
  readonly params: readonly Argument[];
  readonly batch: readonly Argument[];
  readonly grads: readonly Argument[];
  readonly stateGrads: readonly Argument[];
}

export function forwardSteps(plan: Plan, copies: Copies, args: StepArguments): Declaration {
  const ir = plan.ir, steps = plan.steps;
  const mode = new StepMode(steps);
  const inLoop = new KernelEmitter(plan, mode, copies);
  const stacked = new KernelEmitter(plan, new StackedMode(steps), copies);
  const before = stackedBlock(plan.forward.before, stacked, "before");
  const body = plan.forward.loop.flatMap((k) => inLoop.kernel(k));
  if (!plan.lossStacked) body.push(...inLoop.addLoss());
  const after = stackedBlock(plan.forward.after, stacked, "after");
  if (plan.lossStacked) after.push(...stacked.addLoss());
  return {
    kind: "function",
    name: "forwardSteps",
    doc: ir.sequence ? `Runs the forward pass over the ${steps} step${steps === 1 ? "" : "s"} and returns Σ_t loss_t (unscaled).` : "Runs the forward pass and returns the loss (unscaled).",
    parameters: [...args.params, ...args.batch],
    returnType: "number",
    body: ["let loss = 0;", ...before, ...[...inLoop.prelude.values()].flat(), ...timeLoop(steps, "forward", mode.offsets, body), ...after, "return loss;"],
    exported: false,
  };
}

export function backwardSteps(plan: Plan, copies: Copies, args: StepArguments): Declaration {
  const ir = plan.ir, steps = plan.steps;
  const mode = new StepMode(steps);
  const inLoop = new KernelEmitter(plan, mode, copies);
  const stacked = new KernelEmitter(plan, new StackedMode(steps), copies);
  const before = stackedBlock(plan.backward.before, stacked, "before");
  const body = plan.backward.loop.flatMap((k) => inLoop.kernel(k));
  const after = stackedBlock(plan.backward.after, stacked, "after");
  // The adjoint each step hands back becomes the one the previous step receives.
  const swaps = ir.state.flatMap((d) => [
    `const ${ids.swap(d.name)} = ${ids.adjointIn(d.name)};`,
    `${ids.adjointIn(d.name)} = ${ids.adjointOut(d.name)};`,
    `${ids.adjointOut(d.name)} = ${ids.swap(d.name)};`,
  ]);
  const gradients = plan.afterBackward.flatMap((k) => stacked.kernel(k));
  const carries = ir.state.length ? " and carrying each state's adjoint back to the initial state" : "";
  return {
    kind: "function",
    name: "backwardSteps",
    doc: ir.sequence ? `Runs the backward pass over the steps in reverse, accumulating each parameter's gradient${carries}.` : "Runs the backward pass, accumulating each parameter's gradient.",
    parameters: [...args.params, ...args.batch, ...args.grads, ...args.stateGrads],
    returnType: "void",
    body: [
      ...ir.state.flatMap((d) => [`let ${ids.adjointIn(d.name)} = ${ids.adjointA(d.name)};`, `let ${ids.adjointOut(d.name)} = ${ids.adjointB(d.name)};`, `${ids.adjointIn(d.name)}.fill(0);`]),
      ...before,
      ...[...inLoop.prelude.values()].flat(),
      ...timeLoop(steps, "backward", mode.offsets, [...body, ...swaps]),
      ...after,
      ...(gradients.length ? ["// Gradients summed over the steps, each as one product over all steps' rows:", ...gradients] : []),
      ...ir.state.map((d) => `${ids.grad(initialKey(d.name))}.set(${ids.adjointIn(d.name)});`),
    ],
    exported: false,
  };
}

/** Kernels over every step's rows stacked, with a comment that says why they are outside the loop. */
function stackedBlock(kernels: readonly Kernel[], emitter: KernelEmitter, where: "before" | "after"): string[] {
  if (kernels.length === 0) return [];
  const why = where === "before" ? "Before the time loop, over all steps' rows at once: these do not depend on the recurrence." : "After the time loop, over all steps' rows at once: the recurrence does not read these.";
  return [`// ${why}`, ...kernels.flatMap((k) => emitter.kernel(k))];
}

/** The step's body in a loop over t, its offsets declared first; a single step runs as it is (t is 0, and no offset is needed). */
function timeLoop(steps: number, phase: "forward" | "backward", offsets: ReadonlyMap<string, string>, body: readonly string[]): string[] {
  if (steps === 1) return [...body];
  const declared = [...offsets].map(([name, code]) => `const ${name} = ${code};`);
  const head = phase === "forward" ? `for (let t = 0; t < ${steps}; t++) {` : `for (let t = ${steps - 1}; t >= 0; t--) {`;
  return [head, ...declared, ...body, "}"];
}
