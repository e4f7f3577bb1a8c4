// The two functions that run the model: forwardSteps (the forward pass over the steps, returning
// Σ_t loss_t) and backwardSteps (the steps in reverse, accumulating the gradients). Each is the
// kernels placed before its time loop (over all steps' rows), the loop's body, and those after it;
// every kernel is a function of its own that they call in order (see kernel-functions.ts).
import { initialKey } from "../src/batch-names.js";
import { KernelFunctions, type StepLocals } from "./kernel-functions.js";
import type { Copies } from "./kernel-places.js";
import { KernelEmitter } from "./kernels.js";
import { StackedMode, StepMode } from "./locations.js";
import type { Declaration } from "./module-parts.js";
import { identifiersIn, ids } from "./names.js";
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

/** The kernels' functions, then forwardSteps. */
export function forwardSteps(plan: Plan, copies: Copies, args: StepArguments): Declaration[] {
  const ir = plan.ir, steps = plan.steps;
  const mode = new StepMode(steps);
  const inLoop = new KernelEmitter(plan, mode, copies);
  const stacked = new KernelEmitter(plan, new StackedMode(steps), copies);
  const fns = new KernelFunctions([]);
  const locals = localsOf([...args.params, ...args.batch]);
  const run = (emitter: KernelEmitter, k: Kernel) => fns.call(ids.kernel("forward", kernelName(plan, k)), emitter.kernel(k), locals, mode.offsets);
  const before = stackedBlock(plan.forward.before, (k) => run(stacked, k), "before");
  const body = plan.forward.loop.flatMap((k) => run(inLoop, k));
  if (!plan.lossStacked) body.push(...inLoop.addLoss());
  const after = stackedBlock(plan.forward.after, (k) => run(stacked, k), "after");
  if (plan.lossStacked) after.push(...stacked.addLoss());
  const prelude = fills(inLoop, fns, "forward", locals);
  const step: Declaration = {
    kind: "function",
    name: "forwardSteps",
    doc: ir.sequence ? `Runs the forward pass over the ${steps} step${steps === 1 ? "" : "s"} and returns Σ_t loss_t (unscaled).` : "Runs the forward pass and returns the loss (unscaled).",
    parameters: [...args.params, ...args.batch],
    returnType: "number",
    body: ["let loss = 0;", ...before, ...prelude, ...timeLoop(steps, "forward", mode.offsets, body), ...after, "return loss;"],
    exported: false,
  };
  return [...fns.declarations, step];
}

/** The kernels' functions, then backwardSteps. */
export function backwardSteps(plan: Plan, copies: Copies, args: StepArguments): Declaration[] {
  const ir = plan.ir, steps = plan.steps;
  const mode = new StepMode(steps);
  const inLoop = new KernelEmitter(plan, mode, copies);
  const stacked = new KernelEmitter(plan, new StackedMode(steps), copies);
  const fns = new KernelFunctions([]);
  const adjoints = ir.state.flatMap((d) => [ids.adjointIn(d.name), ids.adjointOut(d.name)]).map((name) => ({ name, type: "Float64Array" }));
  const locals = localsOf([...args.params, ...args.batch, ...args.grads, ...args.stateGrads, ...adjoints]);
  const run = (emitter: KernelEmitter, k: Kernel) => fns.call(ids.kernel("backward", kernelName(plan, k)), emitter.kernel(k), locals, mode.offsets);
  const before = stackedBlock(plan.backward.before, (k) => run(stacked, k), "before");
  const body = plan.backward.loop.flatMap((k) => run(inLoop, k));
  const after = stackedBlock(plan.backward.after, (k) => run(stacked, k), "after");
  // The adjoint each step hands back becomes the one the previous step receives.
  const swaps = ir.state.flatMap((d) => [
    `const ${ids.swap(d.name)} = ${ids.adjointIn(d.name)};`,
    `${ids.adjointIn(d.name)} = ${ids.adjointOut(d.name)};`,
    `${ids.adjointOut(d.name)} = ${ids.swap(d.name)};`,
  ]);
  const gradients = plan.afterBackward.flatMap((k) => run(stacked, k));
  const prelude = fills(inLoop, fns, "backward", locals);
  const carries = ir.state.length ? " and carrying each state's adjoint back to the initial state" : "";
  const step: Declaration = {
    kind: "function",
    name: "backwardSteps",
    doc: ir.sequence ? `Runs the backward pass over the steps in reverse, accumulating each parameter's gradient${carries}.` : "Runs the backward pass, accumulating each parameter's gradient.",
    parameters: [...args.params, ...args.batch, ...args.grads, ...args.stateGrads],
    returnType: "void",
    body: [
      ...ir.state.flatMap((d) => [`let ${ids.adjointIn(d.name)} = ${ids.adjointA(d.name)};`, `let ${ids.adjointOut(d.name)} = ${ids.adjointB(d.name)};`, `${ids.adjointIn(d.name)}.fill(0);`]),
      ...before,
      ...prelude,
      ...timeLoop(steps, "backward", mode.offsets, [...body, ...swaps]),
      ...after,
      ...(gradients.length ? ["// Gradients summed over the steps, each as one product over all steps' rows:", ...gradients] : []),
      ...ir.state.map((d) => `${ids.grad(initialKey(d.name))}.set(${ids.adjointIn(d.name)});`),
    ],
    exported: false,
  };
  return [...fns.declarations, step];
}

function localsOf(args: readonly { readonly name: string; readonly type: string }[]): StepLocals {
  return new Map(args.map((a) => [a.name, a.type]));
}

/** A kernel's name: its node's; for nodes run as one, the first's and how many more; for a copy, what it copies into. */
function kernelName(plan: Plan, k: Kernel): string {
  const names = plan.names.names;
  if (k.kind === "op") return names[k.node]!;
  if (k.kind === "sideBySide" || k.kind === "summed") return `${names[k.nodes[0]!]!}_and_${k.nodes.length - 1}`;
  return `copy_${(k.to as { name: string }).name}`;
}

/** The copies of parameters that the loop's kernels asked for, made once per call before it, each a function of its own. */
function fills(emitter: KernelEmitter, fns: KernelFunctions, phase: "forward" | "backward", locals: StepLocals): string[] {
  return [...emitter.prelude].flatMap(([array, lines]) => fns.call(ids.kernel(phase, `fill_${array}`), [`// ${array}: the parameters repacked for the kernels in the time loop, once per call`, ...lines], locals));
}

/** Kernels over every step's rows stacked, with a comment that says why they are outside the loop. */
function stackedBlock(kernels: readonly Kernel[], run: (k: Kernel) => string[], where: "before" | "after"): string[] {
  if (kernels.length === 0) return [];
  const why = where === "before" ? "Before the time loop, over all steps' rows at once: these do not depend on the recurrence." : "After the time loop, over all steps' rows at once: the recurrence does not read these.";
  return [`// ${why}`, ...kernels.flatMap(run)];
}

/** The step's body in a loop over t, the offsets it reads itself declared first; a single step runs as it is (t is 0, and no offset is needed). */
function timeLoop(steps: number, phase: "forward" | "backward", offsets: ReadonlyMap<string, string>, body: readonly string[]): string[] {
  if (steps === 1) return [...body];
  const read = identifiersIn(body);
  const declared = [...offsets].filter(([name]) => read.has(name)).map(([name, value]) => `const ${name} = ${value};`);
  const head = phase === "forward" ? `for (let t = 0; t < ${steps}; t++) {` : `for (let t = ${steps - 1}; t >= 0; t--) {`;
  return [head, ...declared, ...body, "}"];
}
