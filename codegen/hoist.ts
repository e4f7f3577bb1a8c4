// Hoisting out of the time loop. In a recurrent model only the recurrence itself has to run step
// by step: in the flagship RNN that is H_{t-1}·W and the tanh forward, and G_A·Wᵀ with tanh's
// adjoint backward. Every other per-step node is a row-wise function of values that are known for
// all steps at once, so it runs once over every step's rows stacked (T·n rows instead of n):
// X_t·U before the forward loop, H_t·V + c and the loss after it, Ŷ_t − Y_t and G_O·Vᵀ before the
// backward loop. With n = 1 that turns matrix-vector products, where each loaded weight serves one
// multiply-add, into products whose register tiles reuse each weight for four rows.
import type { ModelIR, Node } from "../src/ir/graph.js";
import { isViewNode, mathOf, shapeOnlyInputs, stackingOf } from "./lowering.js";

/** Where a node's kernel runs: before the time loop over stacked rows, in it, or after it. */
export type Placement = "before" | "loop" | "after";

/**
 * The placement of every op node of a recurrent model (leaves and transpose views get none).
 * `excluded` nodes (gradients computed after the backward loop) stay out of all three.
 */
export function placeNodes(ir: ModelIR, consumers: ReadonlyMap<number, readonly number[]>, excluded: ReadonlySet<number>): Map<number, Placement> {
  const nodes = ir.nodes;
  const place = new Map<number, Placement>();
  const isView = isViewNode;
  const steps = ir.sequence?.count ?? 1;
  const ops = nodes.filter((n) => n.op !== "leaf" && !isView(n) && !excluded.has(n.id));
  if (steps <= 1) {
    for (const n of ops) place.set(n.id, "loop");
    return place;
  }

  const { perStep, carried } = stepDependence(nodes);
  const stackable = stackability(ir, consumers, place, perStep, carried);
  // What the gradient contributions, state adjoints, next states and the loss read through a view is read by the loop.
  const outputs = ir.outputs;
  const nextStates = new Set(Object.values(outputs.state));
  const underView = (id: number): number => (isView(nodes[id]!) ? underView(nodes[id]!.inputs[0]!) : id);
  const readEachStep = new Set([...Object.values(outputs.paramGrads), ...Object.values(outputs.stateGrads), ...nextStates, outputs.loss].filter((id) => isView(nodes[id]!)).map(underView));

  // In topological order, so a node's inputs are placed before it is.
  for (const n of ops) {
    if (!stackable(n)) place.set(n.id, "loop");
    // stackedRead has seen to it that a node placed before the loop reads only what comes before it.
    else if (!carried[n.id]) place.set(n.id, "before");
    else place.set(n.id, nextStates.has(n.id) && n.phase === "forward" ? "loop" : "after");
  }
  // After the loop only what the loop does not read: a node whose value a loop kernel (or the
  // next step) needs goes back into the loop, and so do its inputs placed after it.
  const loopReads = (id: number): boolean =>
    (consumers.get(id) ?? []).some((c) => {
      const user = nodes[c]!;
      if (user.phase !== nodes[id]!.phase || excluded.has(c)) return false;
      return isView(user) ? loopReads(c) : place.get(c) === "loop";
    });
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of [...ops].reverse()) {
      if (place.get(n.id) === "after" && (loopReads(n.id) || readEachStep.has(n.id))) {
        place.set(n.id, "loop");
        changed = true;
      }
    }
  }
  return place;
}

/** Per-step values change with t (the rest: parameters, constants, views of them, do not); carried ones depend, within their own phase, on the value the previous step handed over. */
function stepDependence(nodes: readonly Node[]): { perStep: boolean[]; carried: boolean[] } {
  const perStep: boolean[] = [];
  const carried: boolean[] = [];
  for (const n of nodes) {
    const kind = n.leaf?.kind;
    perStep[n.id] = kind !== undefined ? ["input", "target", "state", "stateAdjoint"].includes(kind) : n.inputs.some((i) => perStep[i]);
    carried[n.id] = kind !== undefined ? (kind === "state" && n.phase === "forward") || kind === "stateAdjoint" : n.inputs.some((i) => nodes[i]!.phase === n.phase && carried[i]);
  }
  return { perStep, carried };
}

/** Whether a node can run once over every step's rows stacked, given the placements made so far (in topological order). */
function stackability(ir: ModelIR, consumers: ReadonlyMap<number, readonly number[]>, place: ReadonlyMap<number, Placement>, perStep: readonly boolean[], carried: readonly boolean[]): (n: Node) => boolean {
  const nodes = ir.nodes;
  const isView = isViewNode;
  const invariantLeaf = (id: number): boolean => {
    const n = nodes[id]!;
    if (isView(n)) return invariantLeaf(n.inputs[0]!);
    return n.leaf !== undefined && !perStep[id];
  };
  const outputs = ir.outputs;
  // Gradient contributions and state adjoints are written (or added) into the caller's arrays step
  // by step, so they are never stacked.
  const stepOutputs = new Set([...Object.values(outputs.paramGrads), ...Object.values(outputs.stateGrads)]);

  // A per-step input that a stacked kernel can read as all steps' rows: a leaf held per step (not
  // the adjoint that the backward loop swaps), a node of the other phase (that pass is over by
  // then), or a node of its own phase computed earlier: before the loop for a kernel that runs
  // before it; anything, for a kernel that runs after it (a carried one).
  const stackedRead = (id: number, reader: Node, rows: number): boolean => {
    const n = nodes[id]!;
    if (isView(n) || n.shape.rows !== rows) return false;
    if (n.leaf) return n.leaf.kind !== "stateAdjoint";
    if (n.phase !== reader.phase) return true;
    return reader.id !== id && (place.get(id) === "before" || carried[reader.id] === true);
  };

  const stackable = (n: Node): boolean => {
    if (stepOutputs.has(n.id) || !perStep[n.id]) return false;
    const math = mathOf(n);
    const stacking = stackingOf(nodes, n);
    const rows = n.shape.rows;
    // The loss is accumulated over steps: over stacked rows only a sum of per-row terms gives Σ_t.
    const summed = stacking?.kind === "summed";
    if (n.id === outputs.loss && !summed) return false;
    if (math.kind === "map") {
      const shapeOnly = shapeOnlyInputs(n);
      return n.inputs.every((input, k) => {
        if (shapeOnly.includes(k)) return true;
        if (perStep[input]) return stackedRead(input, n, rows);
        return invariantLeaf(input) && nodes[input]!.shape.rows === 1;
      });
    }
    if (!stacking) return false;
    if (stacking.kind === "summed") {
      // Summed over stacked rows it is Σ_t: right for the loss, which is only ever summed.
      if (n.id !== outputs.loss || (consumers.get(n.id) ?? []).length > 0) return false;
      return n.inputs.every((input) => perStep[input] && stackedRead(input, n, nodes[input]!.shape.rows));
    }
    const aligned = stacking.inputs;
    return n.inputs.every((input, k) => (aligned.includes(k) ? perStep[input] && stackedRead(input, n, rows) : invariantLeaf(input)));
  };
  return stackable;
}
