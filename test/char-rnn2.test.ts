// dsl/char-rnn2.ts, the two-layer RNN with one-hot input: given character indices, it must compute
// what dsl/rnn2.ts computes given the one-hot rows of the same characters (rnn2 itself is held to
// an independent reference and to finite differences in test/rnn2.test.ts): the loss, both final
// states and every gradient, with the interpreter and with the generated lossAndGrad (both kernel
// kinds; at the defaults, the committed module of generated/), where X·U1 is a gather of rows and
// Xᵀ·G a scatter-add.
import { describe, expect, it } from "vitest";
import charRnn2 from "../dsl/char-rnn2.js";
import rnn2 from "../dsl/rnn2.js";
import { randomArguments } from "../cli/random-arguments.js";
import { valueAndGrad, type AnyMat } from "../src/index.js";
import { makeMat } from "../src/mat.js";
import { resolveSizes, traceModel } from "../src/trace-model.js";
import { generateAndImport, type GeneratedModule } from "./support/generated-module.js";
import { relErr } from "./support/numeric.js";

const gradKeys = ["U1", "W1", "b1", "U2", "W2", "b2", "V", "c", "h1_0", "h2_0"];
type Oracle = { loss: number; grads: Record<string, AnyMat> } & Record<string, AnyMat>;

const sizeCases = [
  { label: "n=1 d=3 h=5 v=4 T=4", sizes: { n: 1, d: 3, h: 5, v: 4, T: 4 }, seed: 611, std: 0.5 },
  { label: "n=3 d=4 h=9 v=5 T=3", sizes: { n: 3, d: 4, h: 9, v: 5, T: 3 }, seed: 602, std: 0.5 },
  { label: "defaults", sizes: {}, seed: 603, std: 0.1 },
] as const;

describe.each(sizeCases)("charRnn2 at $label", ({ label, sizes, seed, std }) => {
  const full = resolveSizes(charRnn2, sizes);
  const { params, batch } = randomArguments(traceModel(charRnn2, sizes), seed, std);
  // The same characters as one-hot rows, for rnn2.
  const indices = batch["xs"]!;
  const d = full["d"]!;
  const dense = new Float64Array(indices.rows * d);
  indices.data.forEach((c, row) => (dense[row * d + c] = 1));
  const denseBatch = { ...batch, xs: makeMat("Tn", "d", indices.rows, d, dense) };
  const oracle = valueAndGrad(rnn2, sizes as never)(params as never, denseBatch as never) as unknown as Oracle;

  it("the interpreter on indices agrees with rnn2 on one-hot rows (1e-12)", () => {
    const got = valueAndGrad(charRnn2, sizes as never)(params as never, batch as never) as unknown as Oracle;
    expect(new Set(Array.from(indices.data)).size, "several characters drawn").toBeGreaterThan(1);
    expect(Math.abs(got.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const key of ["h1_T", "h2_T"]) expect(relErr(got[key]!.data, oracle[key]!.data), key).toBeLessThan(1e-12);
    for (const key of gradKeys) expect(relErr(got.grads[key]!.data, oracle.grads[key]!.data), key).toBeLessThan(1e-12);
  });

  it.each(["js", "simd"] as const)("generated lossAndGrad (%s) agrees with rnn2 (1e-12)", async (kernels) => {
    const module = label !== "defaults" || kernels === "simd" ? (await generateAndImport(charRnn2, sizes, "dsl/char-rnn2.ts", kernels)).module : ((await import("../generated/char-rnn2.js")) as unknown as GeneratedModule["module"]);
    expect(module.sizes).toEqual({ ...full });
    const grads = Object.fromEntries([...Object.entries(params), ["h1_0", batch["h1_0"]!], ["h2_0", batch["h2_0"]!]].map(([k, m]) => [k, { ...(m as AnyMat), data: new Float64Array((m as AnyMat).data.length).fill(123) }]));
    const result = module.lossAndGrad(params, batch, grads);
    expect(Math.abs(result.loss - oracle.loss) / oracle.loss).toBeLessThan(1e-12);
    for (const key of ["h1_T", "h2_T"]) expect(relErr(result[key]!.data, oracle[key]!.data), key).toBeLessThan(1e-12);
    for (const key of gradKeys) expect(relErr(grads[key]!.data, oracle.grads[key]!.data), key).toBeLessThan(1e-12);
  });
});
