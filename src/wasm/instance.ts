// The eager library's WebAssembly kernels: one module, assembled at build time from the op table
// (codegen/eager-wasm.ts) and shipped as base64 (kernels.generated.ts), instantiated synchronously
// the first time an op asks for it. Nothing here is Node-only, and nothing is compiled from text at
// run time. Where WebAssembly is missing or refuses the module (a browser that forbids synchronous
// compilation on its main thread, a policy without wasm-unsafe-eval), `wasmKernels` answers
// undefined and the ops run their JavaScript kernels.
//
// The memory is the kernels' scratch space, never the user's: an op copies its operands in and
// its result out into an ordinary Float64Array, every op from address 0. So a user never holds a
// view of this memory (growing it detaches only views made here, and none outlives its op), and it
// grows to what the largest single op has needed, never more: a loop of ops of one size grows it
// once. An op that would need more than `memoryCap` bytes runs in JavaScript instead.
import { kernelsBase64 } from "./kernels.generated.js";

/** The largest memory the kernels may have: 256 MiB (a 2896² product's operands and result). */
export const memoryCap = 256 * 1024 * 1024;

const pageBytes = 65536;

/** The members of WebAssembly used here (the project's lib settings declare none: no DOM types). */
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmHost {
  readonly WebAssembly?: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
    Memory: abstract new (...args: never[]) => Memory;
  };
  atob(data: string): string;
}
const host = globalThis as unknown as WasmHost;

export interface WasmKernels {
  /** The module's exports: the memory and every op's functions, by name. */
  readonly exports: Readonly<Record<string, unknown>>;
  readonly memory: Memory;
}

let kernels: WasmKernels | null | undefined;

/** The kernels, instantiated on first use, or undefined where WebAssembly cannot run them. */
export function wasmKernels(): WasmKernels | undefined {
  if (kernels === undefined) kernels = instantiate();
  return kernels ?? undefined;
}

function instantiate(): WasmKernels | null {
  const wasm = host.WebAssembly;
  if (typeof wasm !== "object" || wasm === null || kernelsBase64 === "") return null;
  try {
    const instance = new wasm.Instance(new wasm.Module(decodeBase64(kernelsBase64)), {});
    const memory = instance.exports["memory"];
    if (!(memory instanceof wasm.Memory)) return null;
    return { exports: instance.exports, memory };
  } catch {
    return null;
  }
}

/**
 * The kernels' memory as doubles, at least `bytes` long (grown if it must be), for one op: use it
 * and drop it before the op returns. Undefined above `memoryCap` or when the memory cannot grow.
 */
export function scratch(k: WasmKernels, bytes: number): Float64Array | undefined {
  if (bytes > memoryCap) return undefined;
  const have = k.memory.buffer.byteLength;
  if (have < bytes) {
    try {
      k.memory.grow(Math.ceil((bytes - have) / pageBytes));
    } catch {
      return undefined;
    }
  }
  return new Float64Array(k.memory.buffer);
}

function decodeBase64(text: string): Uint8Array {
  const binary = host.atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
