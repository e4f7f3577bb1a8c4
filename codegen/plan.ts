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

/** A step of generated work: one op node's loops, or a copy/accumulation into an output. */
export type Kernel =
  | { readonly kind: "op"; readonly node: number }
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
}

export function planModel(ir: ModelIR): Plan {
  const nodes = ir.nodes;
  const steps = ir.sequence?.count ?? 1;
  const consumers = new Map<number, number[]>(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const i of n.inputs) consumers.get(i)!.push(n.id);
  const outputs = new Set<number>([ir.outputs.loss, ...Object.values(ir.outputs.state), ...Object.values(ir.outputs.paramGrads), ...Object.values(ir.outputs.stateGrads)]);
  const isOp = (n: Node) => n.op !== "leaf";

  // Forward values read by the backward pass, directly or through transpose views, need a slot per step.
  const readByBackward = new Set<number>();
  const markSaved = (id: number): void => {
    const n = nodes[id]!;
    if (n.phase !== "forward") return;
    if (isViewNode(n)) markSaved(n.inputs[0]!);
    else readByBackward.add(id);
  };
  for (const n of nodes) if (n.phase === "backward") for (const i of n.inputs) markSaved(i);

  // A node written in place into an output must be that output alone: when two gradients, or a
  // gradient and a state's adjoint, or two next states are the same node, it gets a buffer and
  // each output a copy.
  const roles = new Map<number, number>();
  for (const id of [...Object.values(ir.outputs.state), ...Object.values(ir.outputs.paramGrads), ...Object.values(ir.outputs.stateGrads)]) roles.set(id, (roles.get(id) ?? 0) + 1);
  const soleOutput = (id: number) => roles.get(id) === 1;
  // A parameter's gradient of the form Σ_t A_tᵀ·B_t (or Σ_t of B_t's row sums) is computed once,
  // after the backward loop, as one product over all steps' rows stacked (a shared dim of T·n),
  // instead of T rank-n updates of the whole gradient array; A_t and B_t then keep a slot per step.
  const deferred = new Set<number>();
  const keepPerStep = new Set<number>();
  const isView = (id: number) => isViewNode(nodes[id]!);
  const stackable = (id: number): boolean => {
    const n = nodes[id]!;
    if (n.leaf) return ["input", "target", "state"].includes(n.leaf.kind);
    return !isView(id);
  };
  if (steps > 1) {
    for (const id of Object.values(ir.outputs.paramGrads)) {
      const n = nodes[id]!;
      if (!isOp(n) || consumers.get(id)!.length > 0 || !soleOutput(id)) continue;
      // Summed over stacked rows (a sum of rows, or a product whose first operand is a transpose).
      const sources = stackingOf(nodes, n)?.kind === "summed" ? n.inputs.map((i) => (isView(i) ? nodes[i]!.inputs[0]! : i)) : undefined;
      if (!sources || !sources.every(stackable)) continue;
      deferred.add(id);
      for (const s of sources) if (isOp(nodes[s]!)) keepPerStep.add(s);
    }
  }

  // Nodes that need not run step by step run once over all steps' rows (see hoist.ts). A value
  // written in one placement and read in another keeps a slot per step.
  const place = placeNodes(ir, consumers, deferred);
  const placeOf = (id: number): Placement | undefined => place.get(id);
  const underView = (id: number): number => (isView(id) ? underView(nodes[id]!.inputs[0]!) : id);
  for (const n of nodes) {
    if (!place.has(n.id)) continue;
    for (const i of n.inputs.map(underView)) if (placeOf(i) === "loop" && nodes[i]!.phase === n.phase && placeOf(n.id) !== "loop") keepPerStep.add(i);
  }
  const lossStacked = placeOf(ir.outputs.loss) !== undefined && placeOf(ir.outputs.loss) !== "loop";

  const storage = new Map<number, Storage>();
  const buffers: { name: string; length: number; node: number }[] = [];
  const constants: { name: string; values: readonly number[] }[] = [];
  const stateOut = new Map(Object.entries(ir.outputs.state).map(([name, id]) => [id, name]));
  const gradOut = new Map(Object.entries(ir.outputs.paramGrads).map(([name, id]) => [id, name]));
  const stateGradOut = new Map(Object.entries(ir.outputs.stateGrads).map(([name, id]) => [id, name]));
  const onlyUse = (id: number) => consumers.get(id)!.length === 0;
  const names = nodeNames(ir);

  for (const n of nodes) {
    const size = n.shape.rows * n.shape.cols;
    if (n.leaf) {
      const { kind, name } = n.leaf;
      if (kind === "param") storage.set(n.id, { kind: "param", name });
      else if (kind === "input" && ir.inputs.find((d) => d.name === name)?.oneHot) storage.set(n.id, { kind: "oneHot", key: dataKey(name, ir.sequence !== undefined), stepRows: n.shape.rows });
      else if (kind === "input" || kind === "target") storage.set(n.id, { kind: "data", key: dataKey(name, ir.sequence !== undefined), stepSize: size });
      else if (kind === "state") storage.set(n.id, { kind: "state", name, slot: "in" });
      else if (kind === "stateAdjoint") storage.set(n.id, { kind: "stateAdjointIn", name });
      else if (kind === "lossAdjoint") storage.set(n.id, { kind: "literal", code: numberLiteral(ir.lossScale.factor) });
      else if (kind === "zeros") storage.set(n.id, { kind: "literal", code: "0" });
      else {
        const buffer = names.names[n.id]!;
        constants.push({ name: buffer, values: n.leaf.value ?? [] });
        storage.set(n.id, { kind: "const", buffer });
      }
      continue;
    }
    const math = mathOf(n);
    if (math.kind === "view") {
      storage.set(n.id, { kind: "view" });
      continue;
    }
    const users = consumers.get(n.id)!;
    const user = users.length === 1 ? nodes[users[0]!]! : undefined;
    const fusable =
      math.kind === "map" &&
      !outputs.has(n.id) &&
      !readByBackward.has(n.id) &&
      !keepPerStep.has(n.id) &&
      user !== undefined &&
      user.phase === n.phase &&
      placeOf(user.id) === placeOf(n.id) &&
      isOp(user) &&
      mathOf(user).kind === "map" &&
      user.shape.rows === n.shape.rows &&
      user.shape.cols === n.shape.cols &&
      user.inputs.filter((i) => i === n.id).length === 1 &&
      !shapeOnlyInputs(user).includes(user.inputs.indexOf(n.id));
    if (fusable) storage.set(n.id, { kind: "fused" });
    else if (stateOut.has(n.id) && n.phase === "forward" && soleOutput(n.id)) storage.set(n.id, { kind: "state", name: stateOut.get(n.id)!, slot: "out" });
    else if (gradOut.has(n.id) && onlyUse(n.id) && soleOutput(n.id)) storage.set(n.id, { kind: "grad", name: gradOut.get(n.id)! });
    else if (stateGradOut.has(n.id) && onlyUse(n.id) && soleOutput(n.id)) storage.set(n.id, { kind: "stateAdjointOut", name: stateGradOut.get(n.id)! });
    else {
      const stacked = placeOf(n.id) !== "loop" && !(lossStacked && n.id === ir.outputs.loss);
      const perStep = (readByBackward.has(n.id) || keepPerStep.has(n.id) || stacked) && steps > 1;
      const name = names.names[n.id]!;
      buffers.push({ name, length: perStep ? size * steps : size, node: n.id });
      storage.set(n.id, { kind: "buffer", buffer: name, perStep });
    }
  }

  const kernelsOf = (phase: "forward" | "backward"): PassKernels => {
    const placed = (where: Placement): Kernel[] =>
      nodes
        .filter((n) => n.phase === phase && placeOf(n.id) === where && !["fused", "view"].includes(storage.get(n.id)!.kind))
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
        if (!(s.kind === "grad" && s.name === name) && !isZeroConst(nodes[id]!) && !deferred.has(id)) kernels.push({ kind: "copy", from: id, to: { kind: "grad", name }, accumulate: true });
      }
      for (const [name, id] of Object.entries(ir.outputs.stateGrads)) {
        const s = storage.get(id)!;
        if (!(s.kind === "stateAdjointOut" && s.name === name)) kernels.push({ kind: "copy", from: id, to: { kind: "stateAdjointOut", name }, accumulate: false });
      }
    }
    return { before: placed("before"), loop: kernels, after: placed("after") };
  };

  const afterBackward: Kernel[] = [...deferred].map((node) => ({ kind: "op", node }));
  return { ir, names, storage, buffers, constants, forward: kernelsOf("forward"), backward: kernelsOf("backward"), lossStacked, afterBackward, steps };
}

function isZeroConst(n: Node): boolean {
  return n.leaf?.kind === "zeros";
}
