// Planning: where each node of a model's IR lives in generated code. Leaves read the caller's
// arrays; transposes are views (never materialized); a map with a single map consumer is fused
// into that consumer's loop; nodes that need not run step by step run once over all steps' rows,
// before or after the time loop (hoist.ts); forward values that the backward pass reads, values
// that cross between the loop and those stacked kernels, and the stacked values themselves get one
// slot per step; everything else gets one scratch buffer, allocated once, reused by every step and
// every call. Gradient contributions accumulate straight into the caller's gradient arrays.
import type { ModelIR, Node } from "../src/ir/graph.js";
import { dataKey } from "../src/batch-names.js";
import { numberLiteral } from "../src/op.js";
import { isViewNode, mathOf, shapeOnlyInputs, stackingOf } from "./lowering.js";
import { placeNodes, type Placement } from "./hoist.js";
import { nodeNames, type NodeNames } from "./names.js";
import { sideBySideKernels } from "./side-by-side.js";
import { summedKernels } from "./summed-products.js";
import { consumerRoots } from "./consumers.js";

export type Storage =
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "data"; readonly key: string; readonly stepSize: number }
  /** A one-hot input, held as one class index per row. */
  | { readonly kind: "oneHot"; readonly key: string; readonly stepRows: number }
  /** A recurrent state's slots: slot t holds its value coming into step t (slot 0 is the caller's h0). */
  | { readonly kind: "state"; readonly name: string; readonly slot: "in" | "out" }
  | { readonly kind: "buffer"; readonly buffer: string; readonly perStep: boolean }
  | { readonly kind: "const"; readonly buffer: string }
  | { readonly kind: "literal"; readonly code: string }
  | { readonly kind: "grad"; readonly name: string }
  | { readonly kind: "stateAdjointIn"; readonly name: string }
  | { readonly kind: "stateAdjointOut"; readonly name: string }
  | { readonly kind: "fused" }
  | { readonly kind: "view" };

/** A step of generated work: one op node's loops, nodes that run as one (see side-by-side.ts), or a copy/accumulation into an output. */
export type Kernel =
  | { readonly kind: "op"; readonly node: number }
  | { readonly kind: "sideBySide"; readonly nodes: readonly number[] }
  /** Products only added together, run as one into the first one's output (summed-products.ts); the others read as 0. */
  | { readonly kind: "summed"; readonly nodes: readonly number[] }
  | { readonly kind: "copy"; readonly from: number; readonly to: Storage; readonly accumulate: boolean };

/** One pass's kernels: over all steps' rows before the time loop, step by step in it, and after it. */
export interface PassKernels {
  readonly before: readonly Kernel[];
  readonly loop: readonly Kernel[];
  readonly after: readonly Kernel[];
}

export interface Plan {
  readonly ir: ModelIR;
  /** Every node's name (buffers are named after their node), from the model's names. */
  readonly names: NodeNames;
  readonly storage: ReadonlyMap<number, Storage>;
  /** Module-level buffers: name, length and node. */
  readonly buffers: readonly { readonly name: string; readonly length: number; readonly node: number }[];
  readonly constants: readonly { readonly name: string; readonly values: readonly number[] }[];
  readonly forward: PassKernels;
  readonly backward: PassKernels;
  /** True when the loss is computed once after the forward loop, as the sum over all steps. */
  readonly lossStacked: boolean;
  /** Gradients computed once after the backward loop, over every step's rows stacked. */
  readonly afterBackward: readonly Kernel[];
  /** Steps (1 for a model without a sequence). */
  readonly steps: number;
  /** By product: the map kernel that may be computed where the product's result is written (consumers.ts). */
  readonly consumerRoots: ReadonlyMap<number, number>;
  /** Products whose one reader is the map they may host: not stored when they host it. */
  readonly readOnlyByRoot: ReadonlySet<number>;
}

/** What the plan's decisions rest on: who reads each node, and where it runs. */
interface Analysis {
  readonly ir: ModelIR;
  readonly steps: number;
  readonly consumers: ReadonlyMap<number, readonly number[]>;
  /** Nodes that are outputs of the step (loss, next states, gradients, state adjoints). */
  readonly outputs: ReadonlySet<number>;
  /** True for a node written in place into an output, which must be that output alone. */
  readonly soleOutput: (id: number) => boolean;
  /** Forward values that the backward pass reads. */
  readonly readByBackward: ReadonlySet<number>;
  /** Gradients computed once after the backward loop, over every step's rows stacked. */
  readonly deferred: ReadonlySet<number>;
  /** Values that keep a slot per step because a kernel elsewhere reads them. */
  readonly keepPerStep: ReadonlySet<number>;
  readonly placeOf: (id: number) => Placement | undefined;
  readonly lossStacked: boolean;
}

export interface PlanOptions {
  /** Run products that share an operand, or are only added together, as one (side-by-side.ts, summed-products.ts); default true. False measures them apart. */
  readonly sideBySide?: boolean;
}

export function planModel(ir: ModelIR, options: PlanOptions = {}): Plan {
  const a = analyze(ir);
  const names = nodeNames(ir);
  const storage = new Map<number, Storage>();
  const buffers: { name: string; length: number; node: number }[] = [];
  const constants: { name: string; values: readonly number[] }[] = [];
  for (const n of ir.nodes) {
    const s = n.leaf ? leafStorage(ir, n, names.names[n.id]!) : opStorage(a, n, names.names[n.id]!);
    storage.set(n.id, s);
    if (s.kind === "const") constants.push({ name: s.buffer, values: n.leaf?.value ?? [] });
    if (s.kind === "buffer") buffers.push({ name: s.buffer, length: n.shape.rows * n.shape.cols * (s.perStep ? a.steps : 1), node: n.id });
  }
  // Products that are only added together run as one (summed-products.ts); those whose sum another holds read as 0.
  const zeroed = new Set<number>();
  const summed = (k: Kernel[]): Kernel[] => {
    const result = summedKernels(ir, storage, a.consumers, k);
    for (const id of result.zeroed) zeroed.add(id);
    return result.kernels;
  };
  const group = options.sideBySide === false ? (k: Kernel[]) => k : (k: Kernel[]) => sideBySideKernels(ir, storage, summed(k));
  const afterBackward = group([...a.deferred].map((node): Kernel => ({ kind: "op", node })));
  const pass = (phase: "forward" | "backward"): PassKernels => {
    const p = passKernels(a, storage, phase);
    return { before: group([...p.before]), loop: group([...p.loop]), after: group([...p.after]) };
  };
  const forward = pass("forward"), backward = pass("backward");
  for (const id of zeroed) storage.set(id, { kind: "literal", code: "0" });
  const roots = new Map<number, number>();
  for (const list of [...[forward, backward].flatMap((p) => [p.before, p.loop, p.after]), afterBackward]) for (const [product, root] of consumerRoots(ir, storage, a.consumers, list)) roots.set(product, root);
  // A candidate's one reader is its root's chain (consumers.ts), so its buffer holds nothing else's input.
  const readOnlyByRoot = new Set([...roots.keys()].filter((id) => storage.get(id)!.kind === "buffer"));
  return { ir, names, storage, buffers: buffers.filter((b) => !zeroed.has(b.node)), constants, forward, backward, lossStacked: a.lossStacked, afterBackward, steps: a.steps, consumerRoots: roots, readOnlyByRoot };
}

function analyze(ir: ModelIR): Analysis {
  const nodes = ir.nodes;
  const steps = ir.sequence?.count ?? 1;
  const consumers = new Map<number, number[]>(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const i of n.inputs) consumers.get(i)!.push(n.id);
  const outputs = new Set<number>([ir.outputs.loss, ...Object.values(ir.outputs.state), ...Object.values(ir.outputs.paramGrads), ...Object.values(ir.outputs.stateGrads)]);
  // A node written in place into an output must be that output alone: when two gradients, or a
  // gradient and a state's adjoint, or two next states are the same node, it gets a buffer and
  // each output a copy.
  const roles = new Map<number, number>();
  for (const id of [...Object.values(ir.outputs.state), ...Object.values(ir.outputs.paramGrads), ...Object.values(ir.outputs.stateGrads)]) roles.set(id, (roles.get(id) ?? 0) + 1);
  const soleOutput = (id: number) => roles.get(id) === 1;
  const { deferred, keepPerStep } = deferredGradients(ir, consumers, soleOutput);

  // Nodes that need not run step by step run once over all steps' rows (see hoist.ts). A value
  // written in one placement and read in another keeps a slot per step.
  const place = placeNodes(ir, consumers, deferred);
  const placeOf = (id: number): Placement | undefined => place.get(id);
  const underView = (id: number): number => (isViewNode(nodes[id]!) ? underView(nodes[id]!.inputs[0]!) : id);
  for (const n of nodes) {
    if (!place.has(n.id)) continue;
    for (const i of n.inputs.map(underView)) if (placeOf(i) === "loop" && nodes[i]!.phase === n.phase && placeOf(n.id) !== "loop") keepPerStep.add(i);
  }
  const lossStacked = placeOf(ir.outputs.loss) !== undefined && placeOf(ir.outputs.loss) !== "loop";
  return { ir, steps, consumers, outputs, soleOutput, readByBackward: savedForBackward(nodes), deferred, keepPerStep, placeOf, lossStacked };
}

/** Forward values read by the backward pass, directly or through transpose views: they need a slot per step. */
function savedForBackward(nodes: readonly Node[]): Set<number> {
  const saved = new Set<number>();
  const mark = (id: number): void => {
    const n = nodes[id]!;
    if (n.phase !== "forward") return;
    if (isViewNode(n)) mark(n.inputs[0]!);
    else saved.add(id);
  };
  for (const n of nodes) if (n.phase === "backward") for (const i of n.inputs) mark(i);
  return saved;
}

/**
 * A parameter's gradient of the form Σ_t A_tᵀ·B_t (or Σ_t of B_t's row sums) is computed once,
 * after the backward loop, as one product over all steps' rows stacked (a shared dim of T·n),
 * instead of T rank-n updates of the whole gradient array; A_t and B_t then keep a slot per step.
 */
function deferredGradients(ir: ModelIR, consumers: ReadonlyMap<number, readonly number[]>, soleOutput: (id: number) => boolean): { deferred: Set<number>; keepPerStep: Set<number> } {
  const nodes = ir.nodes;
  const deferred = new Set<number>();
  const keepPerStep = new Set<number>();
  if ((ir.sequence?.count ?? 1) <= 1) return { deferred, keepPerStep };
  const isView = (id: number) => isViewNode(nodes[id]!);
  const stackable = (id: number): boolean => {
    const n = nodes[id]!;
    if (n.leaf) return ["input", "target", "state"].includes(n.leaf.kind);
    return !isView(id);
  };
  for (const id of Object.values(ir.outputs.paramGrads)) {
    const n = nodes[id]!;
    if (!isOp(n) || consumers.get(id)!.length > 0 || !soleOutput(id)) continue;
    // Summed over stacked rows (a sum of rows, or a product whose first operand is a transpose).
    const sources = stackingOf(nodes, n)?.kind === "summed" ? n.inputs.map((i) => (isView(i) ? nodes[i]!.inputs[0]! : i)) : undefined;
    if (!sources || !sources.every(stackable)) continue;
    deferred.add(id);
    for (const s of sources) if (isOp(nodes[s]!)) keepPerStep.add(s);
  }
  return { deferred, keepPerStep };
}

const isOp = (n: Node) => n.op !== "leaf";

/** Where a leaf's values are: the caller's arrays, the state's slots, a literal, or a constant array named `name`. */
function leafStorage(ir: ModelIR, n: Node, name: string): Storage {
  const { kind, name: declared } = n.leaf!;
  const key = dataKey(declared, ir.sequence !== undefined);
  switch (kind) {
    case "param":
      return { kind: "param", name: declared };
    case "input":
    case "target":
      if (kind === "input" && ir.inputs.find((d) => d.name === declared)?.oneHot) return { kind: "oneHot", key, stepRows: n.shape.rows };
      return { kind: "data", key, stepSize: n.shape.rows * n.shape.cols };
    case "state":
      return { kind: "state", name: declared, slot: "in" };
    case "stateAdjoint":
      return { kind: "stateAdjointIn", name: declared };
    case "lossAdjoint":
      return { kind: "literal", code: numberLiteral(ir.lossScale.factor) };
    case "zeros":
      return { kind: "literal", code: "0" };
    case "const":
      // A 1×1 constant (a number in `sub(1, z)`) is written into the code as its value.
      if (n.shape.rows === 1 && n.shape.cols === 1 && n.leaf?.value?.length === 1) return { kind: "literal", code: numberLiteral(n.leaf.value[0]!) };
      return { kind: "const", buffer: name };
  }
}

/** Where an op node's values are: read through (a view), computed in its consumer's loop, written into an output, or a buffer named `name`. */
function opStorage(a: Analysis, n: Node, name: string): Storage {
  const math = mathOf(n);
  if (math.kind === "view") return { kind: "view" };
  const outputs = a.ir.outputs;
  const only = (role: Readonly<Record<string, number>>) => Object.entries(role).find(([, id]) => id === n.id)?.[0];
  const onlyUse = a.consumers.get(n.id)!.length === 0;
  if (fusable(a, n)) return { kind: "fused" };
  const state = only(outputs.state), grad = only(outputs.paramGrads), stateGrad = only(outputs.stateGrads);
  if (state !== undefined && n.phase === "forward" && a.soleOutput(n.id)) return { kind: "state", name: state, slot: "out" };
  if (grad !== undefined && onlyUse && a.soleOutput(n.id)) return { kind: "grad", name: grad };
  if (stateGrad !== undefined && onlyUse && a.soleOutput(n.id)) return { kind: "stateAdjointOut", name: stateGrad };
  const stacked = a.placeOf(n.id) !== "loop" && !(a.lossStacked && n.id === outputs.loss);
  const perStep = (a.readByBackward.has(n.id) || a.keepPerStep.has(n.id) || stacked) && a.steps > 1;
  return { kind: "buffer", buffer: name, perStep };
}

/** A map whose only reader is a map of the same shape, phase and placement is computed inside that reader's loop. */
function fusable(a: Analysis, n: Node): boolean {
  const users = a.consumers.get(n.id)!;
  const user = users.length === 1 ? a.ir.nodes[users[0]!]! : undefined;
  return (
    mathOf(n).kind === "map" &&
    !a.outputs.has(n.id) &&
    !a.readByBackward.has(n.id) &&
    !a.keepPerStep.has(n.id) &&
    user !== undefined &&
    user.phase === n.phase &&
    a.placeOf(user.id) === a.placeOf(n.id) &&
    isOp(user) &&
    mathOf(user).kind === "map" &&
    user.shape.rows === n.shape.rows &&
    user.shape.cols === n.shape.cols &&
    user.inputs.filter((i) => i === n.id).length === 1 &&
    !shapeOnlyInputs(user).includes(user.inputs.indexOf(n.id))
  );
}

/** One pass's kernels: each placement's op nodes, and copies into the outputs that could not be written in place. */
function passKernels(a: Analysis, storage: ReadonlyMap<number, Storage>, phase: "forward" | "backward"): PassKernels {
  const { ir } = a;
  const placed = (where: Placement): Kernel[] =>
    ir.nodes
      .filter((n) => n.phase === phase && a.placeOf(n.id) === where && !["fused", "view"].includes(storage.get(n.id)!.kind))
      .map((n) => ({ kind: "op", node: n.id }));
  const kernels = placed("loop");
  // Outputs that could not be written in place are copied (or accumulated) once their value is known.
  if (phase === "forward") {
    for (const [name, id] of Object.entries(ir.outputs.state)) {
      const s = storage.get(id)!;
      if (!(s.kind === "state" && s.slot === "out" && s.name === name)) kernels.push({ kind: "copy", from: id, to: { kind: "state", name, slot: "out" }, accumulate: false });
    }
  } else {
    for (const [name, id] of Object.entries(ir.outputs.paramGrads)) {
      const s = storage.get(id)!;
      if (!(s.kind === "grad" && s.name === name) && !isZeroConst(ir.nodes[id]!) && !a.deferred.has(id)) kernels.push({ kind: "copy", from: id, to: { kind: "grad", name }, accumulate: true });
    }
    for (const [name, id] of Object.entries(ir.outputs.stateGrads)) {
      const s = storage.get(id)!;
      if (!(s.kind === "stateAdjointOut" && s.name === name)) kernels.push({ kind: "copy", from: id, to: { kind: "stateAdjointOut", name }, accumulate: false });
    }
  }
  return { before: placed("before"), loop: kernels, after: placed("after") };
}

function isZeroConst(n: Node): boolean {
  return n.leaf?.kind === "zeros";
}
