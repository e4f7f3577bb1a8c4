// The module's arrays, allocated once: each state's slots and adjoints, the nodes' buffers and
// constants, and the arrays that loop nests copy operands into. With SIMD kernels the copies are
// views of one WebAssembly memory, laid out here, and the kernels' module is assembled here.
import { batchKeys, finalKey, initialKey } from "../src/batch-names.js";
import { numberLiteral } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { checkKernelMemory } from "./budget.js";
import { bufferDoc } from "./comments.js";
import type { Copies } from "./kernel-places.js";
import type { Declaration } from "./module-parts.js";
import { ids } from "./names.js";
import type { Plan } from "./plan.js";

export const matType = (s: Shape) => `Mat<${JSON.stringify(s.rowDim)}, ${JSON.stringify(s.colDim)}>`;

const sizeOf = (s: Shape) => s.rows * s.cols;

/** An array the module allocates once: its length, and its values when it is a constant. */
interface ModuleArray {
  readonly name: string;
  readonly doc?: string;
  readonly length: number;
  readonly values?: readonly number[];
}

/** The states' slots and adjoints, the nodes' buffers and the constants. */
function bufferArrays(plan: Plan): ModuleArray[] {
  const ir = plan.ir, steps = plan.steps;
  return [
    ...ir.state.map((d) => ({ name: ids.state(d.name), doc: `State ${d.name} at every step: slot t is its value coming into step t (slot 0 is the caller's ${initialKey(d.name)}).`, length: (steps + 1) * sizeOf(d.shape) })),
    ...ir.state.flatMap((d) => [
      { name: ids.adjointA(d.name), doc: `The adjoint of state ${d.name} that one step hands back to the step before it; this array and the next take turns.`, length: sizeOf(d.shape) },
      { name: ids.adjointB(d.name), length: sizeOf(d.shape) },
    ]),
    ...plan.buffers.map((b) => {
      const node = ir.nodes[b.node]!;
      return { name: b.name, doc: bufferDoc(plan, node, b.length > sizeOf(node.shape)), length: b.length };
    }),
    ...plan.constants.map((c) => ({ name: c.name, length: c.values.length, values: c.values })),
  ];
}

/** With SIMD kernels, each gradient's array in the kernels' memory (see entryPoints). */
function gradientArrays(plan: Plan): ModuleArray[] {
  return [...plan.ir.params.map((d) => ({ key: d.name, shape: d.shape })), ...batchKeys(plan.ir).state].map((e) => ({
    name: ids.gradient(e.key),
    doc: `The gradient of ${e.key}, computed here by the kernels and copied into the caller's grads.${e.key} at the end of lossAndGrad.`,
    length: sizeOf(e.shape),
  }));
}

/** The arrays that loop nests copy operands into: shared scratch, and one per parameter copy. */
function copyArrays(copies: Copies): ModuleArray[] {
  return [
    ...copies.scratch.map((length, slot) => ({ name: ids.scratch(slot), length, doc: "Scratch space of the loop nests that repack an operand (see matmul's lowering), shared: they run one at a time." })),
    ...[...copies.arrays.values()].map(({ name, length, op, source }) => ({ name, length, doc: `${source} ${op === "copy" ? "copied into the kernels' memory" : `repacked for the ${op} kernels that read it`}, refilled once per call.` })),
  ];
}

/** The final states: views of their last slots. */
function finalDeclarations(plan: Plan): Declaration[] {
  return plan.ir.state.map((d): Declaration => ({
    kind: "const",
    name: ids.final(d.name),
    doc: `The final state ${finalKey(d.name)}: a view of the last slot, overwritten by the next call.`,
    type: matType(d.shape),
    initializer: `{ rowDim: ${JSON.stringify(d.shape.rowDim)}, colDim: ${JSON.stringify(d.shape.colDim)}, rows: ${d.shape.rows}, cols: ${d.shape.cols}, data: ${ids.state(d.name)}.subarray(${plan.steps * sizeOf(d.shape)}) }`,
    exported: false,
  }));
}

/**
 * Every array the module allocates once, without those no code reads (`read`: the identifiers the
 * module's functions use). With SIMD kernels every one is a view of the kernels' memory, laid out
 * here and made at its final size (growing it would detach its buffer, and a detached ArrayBuffer
 * slows every typed-array access of the process), so that kernels read and write them in place.
 */
export function moduleArrays(plan: Plan, copies: Copies, assemble: ((text: string) => Uint8Array) | undefined, read: ReadonlySet<string>): { declarations: Declaration[]; text?: string } {
  const nodeBuffers = new Set(plan.buffers.map((b) => b.name));
  const simd = copies.kernels !== undefined && copies.kernels.size > 0 && assemble !== undefined;
  const buffers = [...bufferArrays(plan), ...(simd ? gradientArrays(plan) : [])].filter((a) => !nodeBuffers.has(a.name) || read.has(a.name));
  const arrays = [...buffers, ...copyArrays(copies)];
  if (!simd || !copies.kernels || !assemble) {
    const plain = arrays.map((a): Declaration => ({ kind: "const", name: a.name, ...(a.doc && { doc: a.doc }), initializer: a.values ? `Float64Array.of(${a.values.map(numberLiteral).join(", ")})` : `new Float64Array(${a.length})`, exported: false }));
    return { declarations: [...plain, ...finalDeclarations(plan)] };
  }
  // Each array starts on a 64-byte cache line; a kernel may read up to a tile's padding past an
  // array's end (never past the memory's: one spare page), and never writes there.
  let bytes = 0;
  const placed = arrays.map((a) => {
    const offset = bytes;
    bytes += Math.ceil((a.length * 8) / 64) * 64;
    return { ...a, offset };
  });
  const bufferBytes = buffers.length === placed.length ? bytes : placed[buffers.length]!.offset;
  checkKernelMemory(plan, bufferBytes, bytes - bufferBytes);
  const pages = Math.ceil(bytes / 65536) + 1;
  const text = [`(module`, `(memory (export "memory") ${pages} ${pages})`, ...(copies.vector?.texts() ?? []), ...copies.kernels.values(), `)`].join("\n");
  const binary = Buffer.from(assemble(text)).toString("base64");
  const names = [...copies.kernels.keys()];
  const views = placed.map((a): Declaration => {
    const view = `new Float64Array(kernels.memory.buffer, ${a.offset}, ${a.length})`;
    return { kind: "const", name: a.name, ...(a.doc && { doc: a.doc }), initializer: a.values ? `filled(${view}, [${a.values.map(numberLiteral).join(", ")}])` : view, exported: false };
  });
  const filled: Declaration[] = placed.some((a) => a.values)
    ? [{ kind: "function", name: "filled", doc: "A constant's array in the kernels' memory, holding its values.", parameters: [{ name: "array", type: "Float64Array" }, { name: "values", type: "readonly number[]" }], returnType: "Float64Array", body: ["array.set(values);", "return array;"], exported: false }]
    : [];
  return { declarations: [...kernelDeclarations(names, binary, pages), ...filled, ...views, ...finalDeclarations(plan)], text };
}

/** The WebAssembly kernels' interface, the function that compiles them, and the compiled module. */
function kernelDeclarations(names: readonly string[], binary: string, pages: number): Declaration[] {
  return [
    {
      kind: "interface",
      name: "Kernels",
      doc: "The module's WebAssembly exports: its memory, which holds every array of the module, and its kernels, each taking the byte addresses of what it reads and writes: one per product size (`product_MxKxN(a, b, o)`: o = a·b for M×K and K×N row-major; `_atS`: a given as aᵀ, its rows S apart) and one per elementwise kernel (`map_…(o, inputs…)`).",
      properties: [{ name: "memory", type: "{ readonly buffer: ArrayBuffer }" }, ...names.map((name) => ({ name, type: "(...addresses: number[]) => void" }))],
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
      doc: `The f64x2 SIMD kernels (${names.join(", ")}), assembled by the generator from the WebAssembly text that matmul's lowering (src/ops/matmul-simd.ts) and the elementwise printer (codegen/print-wat.ts) write (the text is at the end of this file), in ${pages} pages of memory that never grows.`,
      initializer: `await loadKernels("${binary}")`,
      exported: false,
    },
  ];
}
