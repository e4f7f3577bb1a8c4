// Where a kernel in WebAssembly finds what it reads and writes: the module's arrays in the kernels'
// memory (byte addresses, as code), the caller's parameters and data through copies made there once
// per call, a block a product left where it computed it; and the names of the module's copy arrays
// and kernels. The emitter (kernels.ts) asks here; nothing here writes a kernel's loops.
import { ids, Unique } from "./names.js";
import { Reader, type ReadMode } from "./locations.js";
import type { Plan } from "./plan.js";
import { VectorFunctions } from "./print-wat.js";
import type { MapSource } from "./wasm-maps.js";

/** The module-level arrays that loop nests copy operands into: shared scratch, and one per parameter copy. */
export interface Copies {
  /** The length of each scratch slot. */
  readonly scratch: number[];
  /** Copies made once per call, by op, input and layout: each array's name, length, and what it copies. */
  readonly arrays: Map<string, { readonly name: string; readonly length: number; readonly op: string; readonly source: string }>;
  readonly names: Unique;
  /** With SIMD kernels: each kernel's WebAssembly text, by name, in the order first used. */
  readonly kernels?: Map<string, string>;
  /** With SIMD kernels: the vector functions (exp, tanh, …) that elementwise kernels call. */
  readonly vector?: VectorFunctions;
}

export function newCopies(simd: boolean): Copies {
  return { scratch: [], arrays: new Map(), names: new Unique(), ...(simd && { kernels: new Map<string, string>(), vector: new VectorFunctions() }) };
}

/** `array`'s entry `base` as a byte address in the kernels' memory. */
export function byteAddress(array: string, base: string): string {
  return base === "" ? `${array}.byteOffset` : `${array}.byteOffset + 8 * ${/^\w+$/.test(base) ? base : `(${base})`}`;
}

export abstract class KernelPlaces extends Reader {
  /** Copies of parameters that this function makes once per call, before its time loop, by array. */
  readonly prelude = new Map<string, readonly string[]>();
  /** Values read in place while a map is computed on a product's block: the block's address and row distance, by node. */
  protected readonly placed = new Map<number, { address: string; stride: number }>();

  constructor(
    plan: Plan,
    mode: ReadMode,
    protected readonly copies: Copies,
  ) {
    super(plan, mode);
  }

  /** A kernel name not yet taken. */
  protected uniqueKernel(name: string): string {
    let unique = name;
    for (let k = 2; this.copies.kernels!.has(unique); k++) unique = `${name}_${k}`;
    return unique;
  }

  /**
   * Where a kernel in WebAssembly finds node `id`: the module's arrays where they are; a parameter
   * or the caller's data through a copy in the kernels' memory, refilled once per call (its fill
   * pushed onto `pre` when the kernel itself must make it); undefined for what it cannot read.
   */
  protected mapSource(id: number, dry: boolean, pre: string[]): MapSource | undefined {
    const placed = this.placed.get(id);
    if (placed) return { kind: "array", ...placed };
    const s = this.storage(id), node = this.nodes[id]!;
    switch (s.kind) {
      case "literal": {
        const value = Number(s.code.replace(/[()\s]/g, ""));
        return Number.isNaN(value) && !/NaN/.test(s.code) ? undefined : { kind: "number", value };
      }
      case "state":
      case "buffer":
      case "const":
      case "stateAdjointIn":
      case "stateAdjointOut":
      // With SIMD kernels a gradient is computed in the kernels' memory (see entryPoints).
      case "grad": {
        if (dry) return { kind: "array", address: "" };
        const { array, base } = this.location(s, node);
        return { kind: "array", address: byteAddress(array, base) };
      }
      case "param":
      case "data": {
        if (dry) return { kind: "array", address: "" };
        const from = s.kind === "param" ? ids.param(s.name) : ids.batch(s.key);
        const length = s.kind === "param" ? node.shape.rows * node.shape.cols : s.stepSize * this.plan.steps;
        const copy = this.callerCopy(from, s.kind === "param" ? s.name : s.key, length, pre);
        return { kind: "array", address: byteAddress(copy, s.kind === "data" ? this.mode.stepBase(copy, s.stepSize) : "") };
      }
      default:
        return undefined;
    }
  }

  /**
   * A copy in the kernels' memory of the caller's array `from` (`length` entries), refilled once per
   * call: before the time loop, or by the kernel itself (its fill pushed onto `pre`) where there is none.
   */
  protected callerCopy(from: string, name: string, length: number, pre: string[]): string {
    const copy = this.copyArrayFor(JSON.stringify(["copy", from]), name, length, "copy", "");
    const fill = [`${copy}.set(${from});`];
    if (this.mode.copiesBeforeLoop) {
      if (!this.prelude.has(copy)) this.prelude.set(copy, fill);
    } else pre.push(...fill);
    return copy;
  }

  /** Where node `id` lives in the kernels' memory, with the lines that copy it there first when it is a caller's (see Block.place). */
  protected placeOf(id: number): { address: string; stride: number; lines: string[] } | undefined {
    if (!this.copies.kernels) return undefined;
    const lines: string[] = [];
    const found = this.mapSource(id, false, lines);
    return found?.kind === "array" && found.stride === undefined ? { address: found.address, stride: this.shapeOf(id).cols, lines } : undefined;
  }

  /** Where the array that view `id` transposes lives in the kernels' memory (see SimdContext.transposedAddress). */
  protected transposedAddress(id: number): { address: string; stride: number; lines: string[] } | undefined {
    if (this.storage(id).kind !== "view") return undefined;
    const source = this.nodes[id]!.inputs[0]!;
    if (this.storage(source).kind === "view") return undefined;
    const lines: string[] = [];
    const found = this.mapSource(source, false, lines);
    return found?.kind === "array" && found.stride === undefined ? { address: found.address, stride: this.shapeOf(source).cols, lines } : undefined;
  }

  /** The byte address of a node that lives in the kernels' memory as it is (see SimdContext.address), as code. */
  protected residentAddress(id: number): string | undefined {
    const s = this.storage(id);
    if (s.kind !== "state" && s.kind !== "buffer" && s.kind !== "const" && s.kind !== "stateAdjointIn" && s.kind !== "stateAdjointOut" && s.kind !== "grad") return undefined;
    const { array, base } = this.location(s, this.nodes[id]!);
    return byteAddress(array, base);
  }

  protected copyArrayFor(key: string, sourceName: string, length: number, op: string, layout: string): string {
    const known = this.copies.arrays.get(key);
    if (known) return known.name;
    const name = this.copies.names.name(ids.copy(sourceName, layout));
    this.copies.arrays.set(key, { name, length, op, source: sourceName });
    return name;
  }
}
