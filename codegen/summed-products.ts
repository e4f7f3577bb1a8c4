// Products that are only added together run as one product over their operands side by side and
// stacked: the LSTM's backward pass adds G_Ai·Wiᵀ + G_Af·Wfᵀ + G_Ao·Woᵀ + G_Ag·Wgᵀ into the
// adjoint of H, which is [G_Ai G_Af G_Ao G_Ag]·[Wiᵀ; Wfᵀ; Woᵀ; Wgᵀ], one kernel where four ran.
// The sum goes into the first product's buffer and the others read as 0 (the printer drops a
// `+ 0`). An op opts in through its math's `summedStacked`; "only added together" is read from the
// ops' explanations (an input whose adjoint is the output's, unchanged, enters the output plus
// the rest): nothing here names an op.
import type { ModelIR, Node } from "../src/ir/graph.js";
import { opNamed } from "../src/ops/table.js";
import { mathOf } from "./lowering.js";
import type { Kernel, Storage } from "./plan.js";

/**
 * `kernels` with the products summed into each map kernel's value replaced by one kernel, at the
 * last one's place (every operand is ready there, and nothing reads the products before the
 * map); `zeroed` are the products that then read as 0.
 */
export function summedKernels(ir: ModelIR, storage: ReadonlyMap<number, Storage>, consumers: ReadonlyMap<number, readonly number[]>, kernels: readonly Kernel[]): { kernels: Kernel[]; zeroed: number[] } {
  const nodes = ir.nodes;
  const position = new Map<number, number>();
  kernels.forEach((k, at) => k.kind === "op" && position.set(k.node, at));
  const sameShape = (a: Node, b: Node) => a.shape.rows === b.shape.rows && a.shape.cols === b.shape.cols;
  const isOneHot = (id: number): boolean => (storage.get(id)!.kind === "view" ? isOneHot(nodes[id]!.inputs[0]!) : storage.get(id)!.kind === "oneHot");
  const replaced = new Map<number, Kernel>();
  const dropped = new Set<number>();
  const zeroed: number[] = [];
  kernels.forEach((k, rootAt) => {
    if (k.kind !== "op") return;
    const root = nodes[k.node]!;
    if (mathOf(root).kind !== "map") return;
    // The terms added into the root: down through fused maps, along inputs whose adjoint is the output's.
    const terms: number[] = [];
    const walk = (n: Node): void => {
      const passes = opNamed(n.op).explain?.passesAdjoint ?? [];
      n.inputs.forEach((input, slot) => {
        const child = nodes[input]!;
        if (!passes.includes(slot) || !sameShape(child, root) || n.inputs.indexOf(input) !== slot) return;
        if (storage.get(input)!.kind === "fused") walk(child);
        else terms.push(input);
      });
    };
    walk(root);
    const products = terms.filter((id) => {
      const n = nodes[id]!;
      const math = n.op === "leaf" ? undefined : mathOf(n);
      const s = storage.get(id)!;
      return math?.kind === "nest" && math.summedStacked && n.inputs.length === 2 && !n.inputs.some(isOneHot) && position.has(id) && position.get(id)! < rootAt && s.kind === "buffer" && !s.perStep && consumers.get(id)!.length === 1;
    });
    const op = products.length > 0 ? nodes[products[0]!]!.op : undefined;
    const group = products.filter((id) => nodes[id]!.op === op && JSON.stringify(nodes[id]!.attrs ?? {}) === JSON.stringify(nodes[products[0]!]!.attrs ?? {}));
    if (group.length < 2) return;
    group.sort((a, b) => position.get(a)! - position.get(b)!);
    const last = position.get(group[group.length - 1]!)!;
    replaced.set(last, { kind: "summed", nodes: group });
    for (const id of group) if (position.get(id) !== last) dropped.add(position.get(id)!);
    zeroed.push(...group.slice(1));
  });
  return { kernels: kernels.flatMap((k, at) => (dropped.has(at) ? [] : [replaced.get(at) ?? k])), zeroed };
}
