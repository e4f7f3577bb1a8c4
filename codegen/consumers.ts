// Elementwise ops computed where a product's result is written: when a schedule copies its result
// out of the kernels' memory (the SIMD products), the map that reads the product (its root, with
// every map fused into it) is computed in that loop, from the value being written, instead of in
// a pass of its own over the product's stored result: σ(X·Ui + H·Wi + bi) is computed as the
// kernel's result comes out. This file finds, per kernel list, which root each product could
// host; the emitter decides, from the schedule, whether it does (KernelEmitter: a dry run).
import type { ModelIR } from "../src/ir/graph.js";
import { mathOf } from "./lowering.js";
import type { Kernel, Storage } from "./plan.js";

/**
 * By product: the map kernel, later in the same list, whose value reads the product (through maps
 * fused into it) and nothing that is not ready where the product runs. Each root once.
 */
export function consumerRoots(ir: ModelIR, storage: ReadonlyMap<number, Storage>, consumers: ReadonlyMap<number, readonly number[]>, kernels: readonly Kernel[]): Map<number, number> {
  const nodes = ir.nodes;
  const position = new Map<number, number>();
  kernels.forEach((k, at) => {
    if (k.kind === "op") position.set(k.node, at);
    else if (k.kind === "sideBySide" || k.kind === "summed") for (const id of k.nodes) position.set(id, at);
  });
  const under = (id: number): number => (storage.get(id)!.kind === "view" ? under(nodes[id]!.inputs[0]!) : id);
  const roots = new Map<number, number>();
  const taken = new Set<number>();
  kernels.forEach((k, at) => {
    const products = k.kind === "op" ? [k.node] : k.kind === "sideBySide" ? k.nodes : [];
    for (const product of products) {
      const p = nodes[product]!;
      if (p.op === "leaf" || mathOf(p).kind !== "nest" || consumers.get(product)!.length !== 1) continue;
      // Up through fused maps to the map that has a kernel of its own.
      let root = consumers.get(product)![0]!;
      const chain = new Set<number>([root]);
      while (storage.get(root)!.kind === "fused") {
        root = consumers.get(root)![0]!;
        chain.add(root);
      }
      const r = nodes[root]!;
      if (taken.has(root) || mathOf(r).kind !== "map" || r.shape.rows !== p.shape.rows || r.shape.cols !== p.shape.cols) continue;
      const rootAt = kernels.findIndex((kk) => kk.kind === "op" && kk.node === root);
      if (rootAt <= at) continue;
      // Every other value the chain reads is ready where the product runs.
      const ready = [...chain].every((id) =>
        nodes[id]!.inputs.every((input) => {
          if (input === product || chain.has(input)) return true;
          const source = under(input);
          return storage.get(source)!.kind === "fused" ? false : (position.get(source) ?? -1) < at;
        }),
      );
      if (!ready) continue;
      roots.set(product, root);
      taken.add(root);
    }
  });
  return roots;
}
