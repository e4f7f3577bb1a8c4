// The eager library's WebAssembly kernels: one module, assembled at build time from the op table
// (codegen/eager-wasm.ts) and shipped as base64 (kernels.generated.ts), compiled synchronously the
// first time an op asks for it. Nothing here is Node-only, and nothing is compiled from text at run
// time. Where WebAssembly is missing or refuses the module (a browser that forbids synchronous
// compilation on its main thread, a policy without wasm-unsafe-eval), `wasmScratch` answers
// undefined and the ops run their JavaScript kernels.
//
// The memory is the kernels' scratch space, never the user's: an op copies its operands in and its
// result out into an ordinary Float64Array, every op from address 0, so a user never holds a view
// of it. It is never grown either: growing a WebAssembly memory detaches its old ArrayBuffer, and
// the first detached ArrayBuffer in a process makes V8 check every typed-array access of the
// process for detachment from then on (1.25–1.5× slower, measured in bench/rnn-peers.ts). An op
// that needs more than the memory holds gets a new memory of what it needs and a new instance of
// the same compiled module on it; the old ones are dropped, whole. So the memory is what the
// largest single op has needed, never more (a loop of ops of one size makes it once), and an op
// that would need more than `memoryCap` bytes runs in JavaScript instead.
import { kernelsBase64 } from "./kernels.generated.js";

/** The largest memory the kernels may have: 256 MiB (a 2896² product's operands and result). */
export const memoryCap = 256 * 1024 * 1024;

const pageBytes = 65536;

/** The members of WebAssembly used here (the project's lib settings declare none: no DOM types). */
interface Memory {
  readonly buffer: ArrayBuffer;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
  Memory: new (descriptor: { initial: number; maximum: number }) => Memory;
}
const host = globalThis as unknown as { readonly WebAssembly?: Wasm; atob(data: string): string };

/** The kernels on a memory, for one op: read `exports` and `f64` after asking, and drop both before the op returns. */
export interface Scratch {
  /** The module's functions by name, on this memory. */
  readonly exports: Readonly<Record<string, unknown>>;
  /** The memory as doubles. */
  readonly f64: Float64Array;
}

interface Kernels {
  readonly wasm: Wasm;
  readonly module: object;
  current?: { readonly memory: Memory; readonly exports: Readonly<Record<string, unknown>> };
}

let kernels: Kernels | null | undefined;

function compiled(): Kernels | undefined {
  if (kernels === undefined) {
    kernels = null;
    const wasm = host.WebAssembly;
    if (typeof wasm === "object" && wasm !== null && kernelsBase64 !== "") {
      try {
        kernels = { wasm, module: new wasm.Module(decodeBase64(kernelsBase64)) };
      } catch {
        kernels = null;
      }
    }
  }
  return kernels ?? undefined;
}

/** Whether the kernels run here (WebAssembly present, the module accepted). */
export function wasmAvailable(): boolean {
  return compiled() !== undefined;
}

/**
 * The kernels on a memory of at least `bytes`: the current one, or a new one of what this op
 * needs (whole pages). Undefined where WebAssembly cannot run them, above `memoryCap`, or when
 * the engine refuses the memory.
 */
export function wasmScratch(bytes: number): Scratch | undefined {
  const k = compiled();
  if (!k || bytes > memoryCap) return undefined;
  if (!k.current || k.current.memory.buffer.byteLength < bytes) {
    try {
      const pages = Math.max(1, Math.ceil(bytes / pageBytes));
      const memory = new k.wasm.Memory({ initial: pages, maximum: pages });
      k.current = { memory, exports: new k.wasm.Instance(k.module, { env: { memory } }).exports };
    } catch {
      return undefined;
    }
  }
  return { exports: k.current.exports, f64: new Float64Array(k.current.memory.buffer) };
}

/** The size of the kernels' memory in bytes (0 before the first op that used it). */
export function wasmMemoryBytes(): number {
  return kernels?.current?.memory.buffer.byteLength ?? 0;
}

function decodeBase64(text: string): Uint8Array {
  const binary = host.atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
