// The WebAssembly printer of map entries (codegen/print-wat.ts) against the ops' math run on numbers
// (the eager kernels' algebra): every map op of the table whose entry is IEEE arithmetic must give
// the same bits, two lanes at a time, over ordinary values and NaN, ±Infinity and ±0.
import { describe, expect, it } from "vitest";
import { wasmAssembler } from "../codegen/assemble-wasm.js";
import { vectorEntry, VectorFunctions, NoVectorForm, watNumber } from "../codegen/print-wat.js";
import { numbers, type Algebra, type Scalar } from "../src/kernel/algebra.js";
import type { Attrs, OpDef } from "../src/op.js";
import { allOps } from "../src/ops/table.js";
import { instantiate } from "./support/wasm.js";

const specials = [0, -0, 1, -1, 0.5, -2.25, 3e-310, -7e300, Infinity, -Infinity, NaN, 1e-5, 42];

function inputs(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let s = seed;
  for (let i = 0; i < count; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = i < specials.length ? specials[(i + seed) % specials.length]! : (s / 2147483648 - 0.5) * 8;
  }
  return out;
}

/** A module whose `run(count)` computes the op's entry on arrays a and b into o, two entries a step. */
function moduleText(body: string, functions: VectorFunctions): string {
  return [
    "(module (memory (export \"memory\") 1)",
    ...functions.texts(),
    "(func (export \"run\") (param $count i32) (local $p i32)",
    "  (loop $l",
    "    (v128.store offset=16384 (local.get $p)",
    `      ${body})`,
    "    (local.set $p (i32.add (local.get $p) (i32.const 16)))",
    "    (br_if $l (i32.lt_u (local.get $p) (i32.shl (local.get $count) (i32.const 3))))))",
    ")",
  ].join("\n");
}

const attrsOf = (op: OpDef): Attrs => Object.fromEntries((op.attrs ?? []).map((name) => [name, 0.37]));

describe("map entries printed as WebAssembly f64x2", async () => {
  const assemble = await wasmAssembler();
  const maps = allOps().filter((op) => op.math.kind === "map");

  it("watNumber reads back as the same double", () => {
    for (const x of [0.1, 1 / 3, -1e-300, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2]) expect(Number(watNumber(x))).toBe(x);
    expect([watNumber(NaN), watNumber(Infinity), watNumber(-Infinity), watNumber(-0)]).toEqual(["nan", "inf", "-inf", "-0"]);
  });

  it.each(maps.map((op) => [op.name, op] as const))("%s: the same bits as its math on numbers, or no vector form", (_name, op) => {
    const functions = new VectorFunctions();
    const args = [0, 1].slice(0, op.arity).map((k) => `(v128.load offset=${k * 8192} (local.get $p))`);
    let body: string;
    try {
      body = vectorEntry(op, attrsOf(op), args, functions);
    } catch (e) {
      // Only a transcendental function without a vector form may stop it.
      expect(e).toBeInstanceOf(NoVectorForm);
      return;
    }
    const count = 256;
    const a = inputs(count, 3), b = inputs(count, 7);
    const { memory, run } = instantiate<{ memory: { buffer: ArrayBuffer }; run(count: number): void }>(assemble(moduleText(body, functions)));
    new Float64Array(memory.buffer, 0, count).set(a);
    new Float64Array(memory.buffer, 8192, count).set(b);
    run(count);
    const got = new Float64Array(memory.buffer, 16384, count);
    if (op.math.kind !== "map") throw new Error("not a map");
    const entry = op.math.entry(numbers as unknown as Algebra<Scalar>, attrsOf(op)) as unknown as (x: number, y: number) => number;
    const usesVector = functions.texts().length > 0;
    for (let i = 0; i < count; i++) {
      const want = entry(a[i]!, op.arity === 2 ? b[i]! : NaN);
      if (usesVector) {
        // Through a vector function: its stated ulp, and NaN exactly where the math gives NaN.
        expect(Number.isNaN(got[i]!)).toBe(Number.isNaN(want));
        if (Number.isFinite(want) && want !== 0) expect(Math.abs(got[i]! - want) / Math.abs(want)).toBeLessThan(1e-14);
        else if (!Number.isNaN(want)) expect(got[i]).toBe(want);
      } else expect(Object.is(got[i], want) || (Number.isNaN(got[i]!) && Number.isNaN(want))).toBe(true);
    }
  });
});
