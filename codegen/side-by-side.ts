// Products that share an operand run as one product over their other operands side by side: the
// LSTM's four input products X·Ui, X·Uf, X·Uo, X·Ug become X·[Ui Uf Uo Ug], its four recurrent
// products one H·[Wi Wf Wo Wg], and on the gradient side Xᵀ·[G_Ai G_Af G_Ao G_Ag] gives four
// gradients at once. The shared operand is read (and, for SIMD kernels, copied) once instead of
// once per product, and one kernel runs where four did. An op opts in through its math's
// `sideBySide` (each output column reads one column of input 1 alone); nothing here names an op.
import type { ModelIR } from "../src/ir/graph.js";
import { mathOf } from "./lowering.js";
import type { Kernel, Storage } from "./plan.js";

/**
 * `kernels` with the nodes of each side-by-side op that share input 0 (the same node, read through
 * the same number of transposes) replaced by one kernel, at the first one's place. A node joins
 * when its input 1 is ready there (a leaf, or computed by an earlier kernel of this list or of an
 * earlier list). One-hot operands stay as they are: their products are gathers, with nothing to
 * share.
 */
export function sideBySideKernels(ir: ModelIR, storage: ReadonlyMap<number, Storage>, kernels: readonly Kernel[]): Kernel[] {
  const nodes = ir.nodes;
  const position = new Map<number, number>();
  kernels.forEach((k, at) => k.kind === "op" && position.set(k.node, at));
  const under = (id: number): { id: number; views: number } => {
    let views = 0;
    while (storage.get(id)!.kind === "view") {
      id = nodes[id]!.inputs[0]!;
      views++;
    }
    return { id, views };
  };
  const oneHot = (id: number) => storage.get(under(id).id)!.kind === "oneHot";
  const groups = new Map<string, number[]>();
  kernels.forEach((k, at) => {
    if (k.kind !== "op") return;
    const n = nodes[k.node]!;
    const math = mathOf(n);
    if (math.kind !== "nest" || !math.sideBySide || n.inputs.length !== 2 || n.inputs.some(oneHot)) return;
    const shared = under(n.inputs[0]!);
    const key = JSON.stringify([n.op, n.attrs ?? {}, shared.id, shared.views]);
    groups.set(key, [...(groups.get(key) ?? []), at]);
  });
  const replaced = new Map<number, Kernel>();
  const dropped = new Set<number>();
  for (const members of groups.values()) {
    const first = members[0]!;
    const ready = members.filter((at) => {
      const other = position.get(under(nodes[(kernels[at] as { node: number }).node]!.inputs[1]!).id);
      return other === undefined || other < first;
    });
    if (ready.length < 2) continue;
    replaced.set(first, { kind: "sideBySide", nodes: ready.map((at) => (kernels[at] as { node: number }).node) });
    for (const at of ready.slice(1)) dropped.add(at);
  }
  return kernels.flatMap((k, at) => (dropped.has(at) ? [] : [replaced.get(at) ?? k]));
}
