// Loop nests printed as WebAssembly (codegen/wasm-nests.ts) against the same nests run on numbers
// (the eager kernels): every nest op of the table without a schedule of its own, at odd and even
// sizes (an innermost loop runs two iterations at a time, the last one alone), with each input in
// place or given as its transpose, must give the same bits.
import { describe, expect, it } from "vitest";
import { wasmAssembler } from "../codegen/assemble-wasm.js";
import { VectorFunctions } from "../codegen/print-wat.js";
import { wasmNest, type NestInput } from "../codegen/wasm-nests.js";
import { runNest } from "../src/kernel/direct.js";
import { recordNest } from "../src/kernel/record.js";
import type { AnyMat } from "../src/index.js";
import { allOps } from "../src/ops/table.js";
import type { Shape } from "../src/shape-error.js";
import { candidateShapes, filled, positiveInputs, probeAttrs, shapeOf } from "./support/op-shapes.js";
import { instantiate } from "./support/wasm.js";

const bindings = [
  [3, 5, 4, 7],
  [1, 2, 9, 6],
].map((sizes) => sizes.map((size, k) => ({ label: `d${k}`, size })));

function draw(seed: number, positive: boolean): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    return positive ? 0.1 + 2 * u : (u - 0.5) * 6;
  };
}

const transposedData = (m: AnyMat) => Float64Array.from({ length: m.rows * m.cols }, (_, k) => m.data[(k % m.rows) * m.cols + Math.floor(k / m.rows)]!);

describe("loop nests printed as WebAssembly", async () => {
  const assemble = await wasmAssembler();
  const nests = allOps().filter((op) => op.math.kind === "nest" && !op.schedule?.emit);

  it("covers the table's nests", () => expect(nests.map((op) => op.name)).toEqual(expect.arrayContaining(["softmax", "softmaxCrossEntropy", "sumRows"])));

  describe.each(nests.map((op) => [op.name, op] as const))("%s", (_name, op) => {
    const attrs = probeAttrs(op, 0.37);
    const cases = candidateShapes(op, bindings).flatMap((inputs) => [false, true].map((transposed) => ({ inputs, transposed })));
    it.each(cases.map((c) => [c.inputs.map((s) => `${s.rows}×${s.cols}`).join(", ") + (c.transposed ? " (transposed)" : ""), c] as const))("%s: the same bits as the nest on numbers", (_label, { inputs, transposed }) => {
      if (op.math.kind !== "nest") throw new Error("not a nest");
      const out = shapeOf(op, inputs, attrs)!;
      const positive = positiveInputs(op);
      const mats = inputs.map((s, k) => filled(s, draw(11 + k, positive[k] ?? false)));
      const want: AnyMat = { rowDim: out.rowDim, colDim: out.colDim, rows: out.rows, cols: out.cols, data: new Float64Array(out.rows * out.cols) };
      runNest(op.math.body, want, mats, attrs);
      // Inputs one after another in memory (each on its own 64-byte line), the output after them.
      let at = 0;
      const placed = mats.map((m) => {
        const address = at;
        at += Math.ceil((m.data.length * 8) / 64) * 64 + 64;
        return address;
      });
      const output = at;
      const places: NestInput[] = mats.map((m, k) => ({ kind: "array", address: String(placed[k]), cols: transposed ? m.rows : m.cols, transposed }));
      const functions = new VectorFunctions();
      const stmts = recordNest(op.math.body, inputs as Shape[], out, attrs, false);
      const nest = wasmNest("run", op.name, stmts, { inputs: places, output: { address: String(output), rows: out.rows, cols: out.cols } }, functions)!;
      expect(nest).toBeDefined();
      const text = ["(module (memory (export \"memory\") 1)", ...functions.texts(), nest.text, ")"].join("\n");
      const exports = instantiate<{ memory: { buffer: ArrayBuffer }; run(...addresses: number[]): void }>(assemble(text));
      mats.forEach((m, k) => new Float64Array(exports.memory.buffer, placed[k], m.data.length).set(transposed ? transposedData(m) : m.data));
      exports.run(...nest.addresses.map(Number));
      const got = new Float64Array(exports.memory.buffer, output, want.data.length);
      for (let k = 0; k < got.length; k++) expect(Object.is(got[k], want.data[k]) || (Number.isNaN(got[k]!) && Number.isNaN(want.data[k]!))).toBe(true);
    });
  });
});
