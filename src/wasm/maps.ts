// The eager maps on the WebAssembly kernels that codegen/eager-maps.ts prints from the op table:
// the inputs copied into the kernels' memory, the op's entry run on f64x2 vectors, the result
// copied out. A kernel is found by its name alone (op, attributes, how each input is read), so
// nothing here knows any op; where none exists (a row or column broadcast, an op whose entry has
// run-time numbers), or below the crossover, the op runs in JavaScript.
import type { AnyMat } from "../mat.js";
import type { Attrs } from "../op.js";
import { wasmScratch } from "./instance.js";

/** How a map kernel reads an input: an array of the output's shape, or a single value. */
export type MapWalk = "l" | "s";

/** The export name of a map kernel: `map_tanh_l`, `map_sub_swapped1_s_l`. */
export function mapKernelName(op: string, attrs: Attrs, walk: readonly MapWalk[]): string {
  let name = `map_${op}`;
  for (const a of Object.keys(attrs).sort()) name += `_${a}${attrs[a]}`;
  return `${name}_${walk.join("_")}`;
}

/**
 * The fewest entries a map runs on WebAssembly with. Measured with
 * `taskset -c 1 npx tsx bench/eager-crossover.ts --maps` (2 Dec 2026, a shared 2-core EPYC, load
 * 5–7, so noisy), JavaScript's time over WebAssembly's: at 256 entries 0.90–2.3 (exp 0.90, sqrt
 * 0.91, log 1.03, tanh 1.17), at 512 0.96–3.8 (sqrt 0.96, log 1.16, exp 1.30, tanh 4.0), at 1024
 * 1.24–5.2, at 65536 1.4–7.0; below 128, 0.3–1.0 for all but sigmoid.
 */
export const mapMinEntries = 512;

type MapKernel = (o: number, ...rest: number[]) => void;

/** Whether a map of `count` entries pays on WebAssembly (see mapMinEntries). */
export function mapOnWasm(count: number): boolean {
  return count >= mapMinEntries;
}

/** out = the map of `inputs` on WebAssembly; false (out untouched) when there is no kernel for it. */
export function mapWasm(op: string, out: AnyMat, inputs: readonly AnyMat[], attrs: Attrs): boolean {
  const count = out.data.length;
  const walk: MapWalk[] = [];
  for (const m of inputs) {
    if (m.rows === out.rows && m.cols === out.cols) walk.push("l");
    else if (m.rows === 1 && m.cols === 1) walk.push("s");
    else return false;
  }
  // Doubles: each input at a multiple of two (16 bytes), the output after them.
  const at: number[] = [];
  let next = 0;
  for (const m of inputs) {
    at.push(next);
    next += m.data.length + (m.data.length % 2);
  }
  const scratch = wasmScratch((next + count) * 8);
  const kernel = scratch?.exports[mapKernelName(op, attrs, walk)] as MapKernel | undefined;
  if (!scratch || typeof kernel !== "function") return false;
  const memory = scratch.f64;
  inputs.forEach((m, k) => memory.set(m.data, at[k]!));
  kernel(next * 8, ...at.map((a) => a * 8), count * 8);
  out.data.set(memory.subarray(next, next + count));
  return true;
}
