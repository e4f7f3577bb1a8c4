// The generator's WebAssembly product kernel (src/ops/matmul-simd.ts) against a naive loop: every
// entry is Σ_p a_ip·b_pj summed in p order, so the same bits, at sizes around its tiles (the edge
// columns, an odd last column, the last row), with a given as its transpose, b's rows further apart
// than its width, and the result added to what the output holds.
import { describe, expect, it } from "vitest";
import { wasmAssembler } from "../codegen/assemble-wasm.js";
import { productKernel, productTile } from "../src/ops/matmul-simd.js";
import { instantiate } from "./support/wasm.js";

function numbers(count: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 4;
  });
}

const sizes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 9],
  [1, 100, 100],
  [1, 13, 65],
  [2, 5, 8],
  [3, 4, 7],
  [5, 9, 17],
  [17, 3, 10],
  [25, 65, 100],
  [4, 6, 512],
];

describe("the WebAssembly product kernel", async () => {
  const assemble = await wasmAssembler();
  const cases = sizes.flatMap(([n, k, m]) => [
    { n, k, m, transposed: false, adds: false },
    { n, k, m, transposed: true, adds: false },
    { n, k, m, transposed: false, adds: true },
  ]);
  it.each(cases.map((c) => [`${c.n}×${c.k}·${c.k}×${c.m}${c.transposed ? ", a given as aᵀ" : ""}${c.adds ? ", added" : ""}`, c] as const))("%s: the bits of the naive loop", (_label, { n, k, m, transposed, adds }) => {
    const tile = productTile(n, k, m);
    const bStride = m + 3; // rows of b apart by more than its width: only the kernel's stride reads them
    const text = `(module (memory (export "memory") 16)\n${productKernel("product", n, k, m, tile, transposed ? n : undefined, bStride, adds)}\n)`;
    const { memory, product } = instantiate<{ memory: { buffer: ArrayBuffer }; product(a: number, b: number, o: number): void }>(assemble(text));
    const a = numbers(n * k, 1), b = numbers(k * bStride, 2), before = numbers(n * m, 3);
    const line = (bytes: number) => Math.ceil(bytes / 64) * 64 + 64;
    const A = 0, B = line(8 * n * k), O = B + line(8 * k * bStride);
    // a row-major, or its transpose row-major (aᵀ is k×n).
    new Float64Array(memory.buffer, A, n * k).set(transposed ? Float64Array.from({ length: n * k }, (_, q) => a[(q % n) * k + Math.floor(q / n)]!) : a);
    new Float64Array(memory.buffer, B, k * bStride).set(b);
    // What lies just past the output must stay as it was: the kernel writes n×m entries, no more.
    const out = new Float64Array(memory.buffer, O, n * m + 4);
    out.set(before);
    out.fill(7, n * m);
    product(A, B, O);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * bStride + j]!;
        expect(out[i * m + j]).toBe(adds ? before[i * m + j]! + sum : sum);
      }
    }
    expect([...out.subarray(n * m)]).toEqual([7, 7, 7, 7]);
  });
});
