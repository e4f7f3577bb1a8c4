// The module's arrays, allocated once: each state's slots and adjoints, the nodes' buffers and
// constants, and the arrays that loop nests copy operands into. With SIMD kernels the copies are
// views of one WebAssembly memory, laid out here, and the kernels' module is assembled here.
import { finalKey, initialKey } from "../src/batch-names.js";
import { numberLiteral } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { checkKernelMemory } from "./budget.js";
import { bufferDoc } from "./comments.js";
import type { Copies } from "./kernels.js";
import type { Declaration } from "./module-parts.js";
import { ids } from "./names.js";
import type { Plan } from "./plan.js";

export const matType = (s: Shape) => `Mat<${JSON.stringify(s.rowDim)}, ${JSON.stringify(s.colDim)}>`;

const sizeOf = (s: Shape) => s.rows * s.cols;

/** Every array the module allocates once, `copies` (known once the kernels are emitted) last. */
export function bufferDeclarations(plan: Plan, copies: Declaration[]): Declaration[] {
  const ir = plan.ir, steps = plan.steps;
  return [
    ...ir.state.map((d): Declaration => ({
      kind: "const",
      name: ids.state(d.name),
      doc: `State ${d.name} at every step: slot t is its value coming into step t (slot 0 is the caller's ${initialKey(d.name)}).`,
      initializer: `new Float64Array(${(steps + 1) * sizeOf(d.shape)})`,
      exported: false,
    })),
    ...ir.state.flatMap((d): Declaration[] => [
      { kind: "const", name: ids.adjointA(d.name), doc: `The adjoint of state ${d.name} that one step hands back to the step before it; this array and the next take turns.`, initializer: `new Float64Array(${sizeOf(d.shape)})`, exported: false },
      { kind: "const", name: ids.adjointB(d.name), initializer: `new Float64Array(${sizeOf(d.shape)})`, exported: false },
    ]),
    ...plan.buffers.map((b): Declaration => {
      const node = ir.nodes[b.node]!;
      const perStep = b.length > sizeOf(node.shape);
      return { kind: "const", name: b.name, doc: bufferDoc(plan, node, perStep), initializer: `new Float64Array(${b.length})`, exported: false };
    }),
    ...copies,
    ...plan.constants.map((c): Declaration => ({ kind: "const", name: c.name, initializer: `Float64Array.of(${c.values.map(numberLiteral).join(", ")})`, exported: false })),
    ...ir.state.map((d): Declaration => ({
      kind: "const",
      name: ids.final(d.name),
      doc: `The final state ${finalKey(d.name)}: a view of the last slot, overwritten by the next call.`,
      type: matType(d.shape),
      initializer: `{ rowDim: ${JSON.stringify(d.shape.rowDim)}, colDim: ${JSON.stringify(d.shape.colDim)}, rows: ${d.shape.rows}, cols: ${d.shape.cols}, data: ${ids.state(d.name)}.subarray(${steps * sizeOf(d.shape)}) }`,
      exported: false,
    })),
  ];
}

/**
 * The arrays that loop nests copy operands into. With SIMD kernels they are views of one
 * WebAssembly memory, laid out here and made at its final size: growing it would detach its
 * buffer, and a detached ArrayBuffer slows every typed-array access of the process.
 */
export function copyDeclarations(copies: Copies, assemble: ((text: string) => Uint8Array) | undefined, plan: Plan): { declarations: Declaration[]; text?: string } {
  const arrays = [
    ...copies.scratch.map((length, slot) => ({ name: ids.scratch(slot), length, doc: "Scratch space of the loop nests that repack an operand (see matmul's lowering), shared: they run one at a time." })),
    ...[...copies.arrays.values()].map(({ name, length, op, source }) => ({ name, length, doc: `${source} repacked for the ${op} kernels that read it at every step, refilled once per call.` })),
  ];
  if (!copies.kernels || copies.kernels.size === 0 || !assemble) {
    return { declarations: arrays.map((a) => ({ kind: "const", name: a.name, doc: a.doc, initializer: `new Float64Array(${a.length})`, exported: false })) };
  }
  // Each array starts on a 64-byte cache line.
  let bytes = 0;
  const placed = arrays.map((a) => {
    const offset = bytes;
    bytes += Math.ceil((a.length * 8) / 64) * 64;
    return { ...a, offset };
  });
  checkKernelMemory(plan, bytes);
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const text = [`(module`, `(memory (export "memory") ${pages} ${pages})`, ...copies.kernels.values(), `)`].join("\n");
  const binary = Buffer.from(assemble(text)).toString("base64");
  const names = [...copies.kernels.keys()];
  return { declarations: [...kernelDeclarations(names, binary, pages), ...placed.map((a): Declaration => ({ kind: "const", name: a.name, doc: a.doc, initializer: `new Float64Array(kernels.memory.buffer, ${a.offset}, ${a.length})`, exported: false }))], text };
}

/** The WebAssembly kernels' interface, the function that compiles them, and the compiled module. */
function kernelDeclarations(names: readonly string[], binary: string, pages: number): Declaration[] {
  return [
    {
      kind: "interface",
      name: "Kernels",
      doc: "The module's WebAssembly exports: its memory, and one kernel per product size (`product_MxKxN(a, b, o)`: o = a·b for M×K and K×N row-major at byte addresses of the memory, sizes padded to whole register tiles).",
      properties: [{ name: "memory", type: "{ readonly buffer: ArrayBuffer }" }, ...names.map((name) => ({ name, type: "(a: number, b: number, o: number) => void" }))],
      exported: false,
    },
    {
      kind: "function",
      name: "loadKernels",
      doc: "Compiles the kernels. Reached through globalThis so that the module type-checks without the DOM's or Node's type declarations.",
      parameters: [{ name: "base64", type: "string" }],
      returnType: "Promise<Kernels>",
      body: [
        "const host = globalThis as unknown as { atob(data: string): string; WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }> } };",
        "const text = host.atob(base64);",
        "const bytes = new Uint8Array(text.length);",
        "for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);",
        "const { instance } = await host.WebAssembly.instantiate(bytes);",
        "return instance.exports as Kernels;",
      ],
      exported: false,
      async: true,
    },
    {
      kind: "const",
      name: "kernels",
      doc: `The products' f64x2 SIMD kernels (${names.join(", ")}), assembled by the generator from the WebAssembly text that matmul's lowering writes (src/ops/matmul-simd.ts; the text is at the end of this file), in ${pages} page${pages === 1 ? "" : "s"} of memory that never grows.`,
      initializer: `await loadKernels("${binary}")`,
      exported: false,
    },
  ];
}
