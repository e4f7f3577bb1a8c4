// Inputs declared one-hot (class indices): the model dsl/char-rnn.ts against the dense dsl/rnn.ts
// on the same data (interpreter, 1e-12), and its generated gathers and scatter-adds against the
// interpreter (1e-12) and finite differences (1e-6), including sizes around the unroll factor.
import { describe, expect, it } from "vitest";
import charRnn from "../dsl/char-rnn.js";
import rnn from "../dsl/rnn.js";
import { dim, mat, valueAndGrad, type AnyMat } from "../src/index.js";
import { generateAndImport } from "./support/generated-module.js";
import { centralDiff, relErr } from "./support/numeric.js";
import { rnnFixture } from "./support/rnn-fixture.js";

/** The class index of each one-hot row. */
function indicesOf(m: AnyMat): Float64Array {
  return Float64Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * m.cols, (i + 1) * m.cols).indexOf(1));
}

describe.each([
  { n: 1, d: 5, h: 4, v: 5, T: 3 },
  { n: 3, d: 7, h: 5, v: 6, T: 4 },
  { n: 2, d: 3, h: 17, v: 3, T: 2 },
])("one-hot inputs at n=$n d=$d h=$h v=$v T=$T", (sizes) => {
  const { params, batch } = rnnFixture(sizes, { seed: 21 + sizes.h, targets: "distribution", inputs: "oneHot" });
  const indexBatch = { xs: mat(dim("Tn", sizes.T * sizes.n), 1, indicesOf(batch.xs)), ys: batch.ys, h0: batch.h0 };
  const dense = valueAndGrad(rnn, sizes)(params, batch);

  it("the one-hot model computes what the dense model does (interpreter, 1e-12)", () => {
    const sparse = valueAndGrad(charRnn, sizes)(params, indexBatch);
    expect(Math.abs(sparse.loss - dense.loss) / dense.loss).toBeLessThan(1e-12);
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) expect(relErr(sparse.grads[key].data, dense.grads[key].data), key).toBeLessThan(1e-12);
  });

  it("its generated gathers and scatter-adds match the interpreter (1e-12) and finite differences (1e-6)", async () => {
    const { module, source } = await generateAndImport(charRnn, sizes);
    expect(source).toMatch(/grad_U\[c\d* \* \d+ \+ j\d*\]! \+=/);
    const grads: Record<string, AnyMat> = Object.fromEntries(Object.entries({ ...params, h0: batch.h0 }).map(([k, m]) => [k, { ...m, data: new Float64Array(m.data.length) }]));
    const result = module.lossAndGrad(params, indexBatch, grads);
    expect(Math.abs(result.loss - dense.loss) / dense.loss).toBeLessThan(1e-12);
    const inputs: Record<string, AnyMat> = { ...params, h0: batch.h0 };
    for (const key of ["U", "W", "b", "V", "c", "h0"]) {
      expect(relErr(grads[key]!.data, dense.grads[key as "U"].data), key).toBeLessThan(1e-12);
      const numeric = centralDiff(() => module.forward(params, indexBatch).loss, inputs[key]!.data);
      expect(relErr(grads[key]!.data, numeric), key).toBeLessThan(1e-6);
    }
  });

  it("refuses an index that is not a class, in the interpreter and in generated code", async () => {
    const bad = { ...indexBatch, xs: mat(dim("Tn", sizes.T * sizes.n), 1, indicesOf(batch.xs).map((x, i) => (i === 1 ? sizes.d : x))) };
    expect(() => valueAndGrad(charRnn, sizes)(params, bad)).toThrow(new RegExp(`batch\\.xs: entry 1 is ${sizes.d}, not a class index from 0 to ${sizes.d - 1}`));
    const { module } = await generateAndImport(charRnn, sizes);
    expect(() => module.forward(params, bad)).toThrow(new RegExp(`forward: batch\\.xs entry 1 is ${sizes.d}, not a class index from 0 to ${sizes.d - 1}`));
    expect(() => module.forward(params, { ...indexBatch, xs: mat(dim("Tn", sizes.T * sizes.n), 1, new Float64Array(sizes.T * sizes.n).fill(0.5)) })).toThrow(RangeError);
  });
});
