// Reverse mode over the matrix-level graph of one step. Each forward node's adjoint G is the sum
// of what its consumers' rules gave it; each rule is the op's own vjp, written with the typed ops,
// so differentiating is tracing those rules. Seeds: the step's loss term gets the adjoint of the
// loss with respect to it (a leaf, since the model scales Σ_t), and each next state the adjoint
// flowing back from the following step (a leaf too). Backpropagation through time is then this
// graph run once per step, backwards in t.
import { opNamed } from "./ops/table.js";
import { add } from "./ops/add.js";
import type { AnyMat } from "./mat.js";
import type { Inputs } from "./op.js";
import type { Tracer } from "./trace.js";

export interface BackwardSeeds {
  readonly loss: number;
  readonly state: Readonly<Record<string, number>>;
}

export interface BackwardResult {
  /** Adjoint of each leaf that asked for one (params and incoming state), by node id. */
  readonly adjoints: ReadonlyMap<number, number>;
}

/**
 * Appends the backward nodes for the forward nodes already in `tracer`, and returns the adjoint
 * of each node in `wanted` (parameters and incoming state). Only nodes on a path from a wanted
 * leaf to a seed are differentiated.
 */
export function differentiate(tracer: Tracer, seeds: BackwardSeeds, wanted: readonly number[]): BackwardResult {
  const forward = [...tracer.nodes];
  const needs = dependsOn(forward, new Set(wanted));
  const adjoint = new Map<number, AnyMat>();
  const accumulate = (id: number, g: AnyMat) => {
    const previous = adjoint.get(id);
    adjoint.set(id, previous ? add(previous, g as never) : g);
  };

  tracer.phase = "backward";
  tracer.run(() => {
    const lossNode = forward[seeds.loss]!;
    accumulate(seeds.loss, tracer.leaf("lossAdjoint", "loss", lossNode.shape));
    for (const [name, id] of Object.entries(seeds.state)) accumulate(id, tracer.leaf("stateAdjoint", name, forward[id]!.shape));

    for (let id = forward.length - 1; id >= 0; id--) {
      const node = forward[id]!;
      const g = adjoint.get(id);
      if (node.op === "leaf" || !g || !needs.has(id)) continue;
      // Every consumer came later, so G is complete here: remember whose adjoint it is.
      tracer.markAdjoint(tracer.idOf(g), id);
      const op = opNamed(node.op);
      if (!op.vjp) throw new Error(`${node.loc ? `${node.loc}: ` : ""}${node.op} has no gradient rule (it is used in backward passes only)`);
      tracer.locationOverride = node.loc;
      const inputs = node.inputs.map((i) => tracer.valueOf(i)) as unknown as Inputs<AnyMat, typeof op.arity>;
      const grads = op.vjp(inputs, tracer.valueOf(id), g, node.attrs);
      tracer.locationOverride = undefined;
      node.inputs.forEach((input, k) => {
        const gk = grads[k];
        if (gk && needs.has(input)) accumulate(input, gk);
      });
    }
  });

  const adjoints = new Map<number, number>();
  for (const id of wanted) {
    const g = adjoint.get(id);
    if (g) {
      adjoints.set(id, tracer.idOf(g));
      tracer.markAdjoint(tracer.idOf(g), id);
    }
  }
  return { adjoints };
}

/** The nodes that depend on any of `roots` (roots included): only those need adjoints. */
function dependsOn(nodes: readonly { readonly id: number; readonly inputs: readonly number[] }[], roots: ReadonlySet<number>): Set<number> {
  const result = new Set(roots);
  for (const node of nodes) if (node.inputs.some((i) => result.has(i))) result.add(node.id);
  return result;
}
