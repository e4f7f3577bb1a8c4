// A vector entry (OpDef.vector) in a small WebAssembly module of its own: a loop that reads a
// Float64Array from the module's memory two values at a time, calls the entry on them and writes
// the results after it. What the vector-math test and bench run.
import { wasmAssembler } from "../../codegen/assemble-wasm.js";
import type { VectorEntry } from "../../src/op.js";

/** The entry and every entry it uses, each once, a callee before its callers. */
export function withUses(entry: VectorEntry, seen = new Set<string>()): VectorEntry[] {
  if (seen.has(entry.name)) return [];
  seen.add(entry.name);
  return [...(entry.uses ?? []).flatMap((used) => withUses(used, seen)), entry];
}

// Reached through globalThis, as the generated modules do (the project's types include no DOM).
const host = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: { memory: { buffer: ArrayBuffer }; run: (count: number) => void } } }> };
};

export interface VectorRunner {
  /** Inputs: write up to `capacity` values here. */
  readonly input: Float64Array;
  /** Outputs: `run(count)` writes f(input[i]) to output[i] for i < count. */
  readonly output: Float64Array;
  run(count: number): void;
}

/** A module that maps up to `capacity` values through `entry`. */
export async function vectorRunner(entry: VectorEntry, capacity: number): Promise<VectorRunner> {
  const slots = Math.ceil(capacity / 2) * 2;
  const pages = Math.ceil((2 * slots * 8) / 65536) || 1;
  const text = `(module
  (memory (export "memory") ${pages})
  ${withUses(entry).map((e) => e.text).join("\n  ")}
  (func (export "run") (param $count i32)
    (local $p i32) (local $end i32)
    (local.set $end (i32.shl (local.get $count) (i32.const 3)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store offset=${slots * 8} (local.get $p) (call $${entry.name} (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next))))
)`;
  const assemble = await wasmAssembler();
  const { instance } = await host.WebAssembly.instantiate(assemble(text));
  const { memory, run } = instance.exports;
  return {
    input: new Float64Array(memory.buffer, 0, slots),
    output: new Float64Array(memory.buffer, slots * 8, slots),
    run: (count) => {
      if (!Number.isInteger(count) || count < 0 || count > slots) throw new Error(`vectorRunner: count must be an integer in [0, ${slots}], got ${count}`);
      run(count);
    },
  };
}

/** f(x) for each x, through `entry` in WebAssembly. */
export async function applyVector(entry: VectorEntry, xs: Float64Array): Promise<Float64Array> {
  const runner = await vectorRunner(entry, xs.length);
  runner.input.set(xs);
  runner.run(xs.length);
  return runner.output.slice(0, xs.length);
}
