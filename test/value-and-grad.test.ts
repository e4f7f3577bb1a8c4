// valueAndGrad (tracing, reverse mode from the ops' rules, the interpreter) on the two declared
// models: against the independent hand-written references (1e-12) and against central finite
// differences (1e-6), with the project's one error measure, max|a−b| / max|b|.
import { describe, expect, it } from "vitest";
import mlp from "../dsl/mlp.js";
import rnn from "../dsl/rnn.js";
import { valueAndGrad, type AnyMat } from "../src/index.js";
import { mlpReference } from "./support/mlp-reference.js";
import { centralDiff, relErr } from "./support/numeric.js";
import { rnnReference, type RnnSizes } from "./support/rnn-reference.js";
import { mlpFixture, rnnFixture, type FixtureOptions } from "./support/rnn-fixture.js";

const rnnConfigs: { sizes: RnnSizes; options: FixtureOptions }[] = [
  { sizes: { n: 1, d: 5, h: 4, v: 5, T: 1 }, options: { seed: 1, targets: "oneHot", inputs: "oneHot" } },
  { sizes: { n: 3, d: 4, h: 5, v: 3, T: 4 }, options: { seed: 2, targets: "distribution", inputs: "dense" } },
  { sizes: { n: 2, d: 3, h: 6, v: 4, T: 7 }, options: { seed: 3, targets: "oneHot", inputs: "dense" } },
  { sizes: { n: 4, d: 6, h: 3, v: 6, T: 3 }, options: { seed: 4, targets: "distribution", inputs: "oneHot" } },
];

const plain = (m: AnyMat) => m.data;

describe.each(rnnConfigs)("RNN n=$sizes.n d=$sizes.d h=$sizes.h v=$sizes.v T=$sizes.T, $options.targets targets, $options.inputs inputs", ({ sizes, options }) => {
  const { params, batch } = rnnFixture(sizes, options);
  const run = valueAndGrad(rnn, sizes);
  const result = run(params, batch);
  const ref = rnnReference(sizes, { U: params.U.data, W: params.W.data, b: params.b.data, V: params.V.data, c: params.c.data }, { xs: batch.xs.data, ys: batch.ys.data, h0: batch.h0.data });

  it("matches the hand-written reference: loss, final state and every gradient (1e-12)", () => {
    expect(Math.abs(result.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-12);
    expect(relErr(plain(result.hT), ref.hT)).toBeLessThan(1e-12);
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) expect(relErr(plain(result.grads[key]), ref.grads[key]), key).toBeLessThan(1e-12);
  });

  it("matches central finite differences on every parameter and on h0 (1e-6)", () => {
    const inputs = { ...params, h0: batch.h0 };
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) {
      const numeric = centralDiff(() => run(params, batch).loss, inputs[key].data);
      expect(relErr(plain(result.grads[key]), numeric), key).toBeLessThan(1e-6);
    }
  });
});

describe("RNN at its default sizes (n=1, d=v=65, h=100, T=25)", () => {
  it("matches the reference", () => {
    const sizes = { n: 1, d: 65, h: 100, v: 65, T: 25 };
    const { params, batch } = rnnFixture(sizes, { seed: 9, targets: "oneHot", inputs: "oneHot", std: 0.1 });
    const result = valueAndGrad(rnn)(params, batch);
    const ref = rnnReference(sizes, { U: params.U.data, W: params.W.data, b: params.b.data, V: params.V.data, c: params.c.data }, { xs: batch.xs.data, ys: batch.ys.data, h0: batch.h0.data });
    expect(Math.abs(result.loss - ref.loss) / ref.loss).toBeLessThan(1e-12);
    for (const key of ["U", "W", "b", "V", "c", "h0"] as const) expect(relErr(plain(result.grads[key]), ref.grads[key]), key).toBeLessThan(1e-12);
  });
});

describe.each([
  { sizes: { n: 1, d: 3, h: 4, v: 2 }, targets: "oneHot" as const, seed: 5 },
  { sizes: { n: 6, d: 4, h: 5, v: 3 }, targets: "distribution" as const, seed: 6 },
  { sizes: { n: 5, d: 2, h: 7, v: 4 }, targets: "oneHot" as const, seed: 7 },
])("MLP n=$sizes.n d=$sizes.d h=$sizes.h v=$sizes.v, $targets targets", ({ sizes, targets, seed }) => {
  const { params, batch } = mlpFixture(sizes, { seed, targets });
  const run = valueAndGrad(mlp, sizes);
  const result = run(params, batch);

  it("matches the hand-written reference (1e-12)", () => {
    const ref = mlpReference(sizes, { W1: params.W1.data, b1: params.b1.data, W2: params.W2.data, b2: params.b2.data }, { x: batch.x.data, y: batch.y.data });
    expect(Math.abs(result.loss - ref.loss) / ref.loss).toBeLessThan(1e-12);
    for (const key of ["W1", "b1", "W2", "b2"] as const) expect(relErr(plain(result.grads[key]), ref.grads[key]), key).toBeLessThan(1e-12);
  });

  it("matches central finite differences on every parameter (1e-6)", () => {
    for (const key of ["W1", "b1", "W2", "b2"] as const) {
      const numeric = centralDiff(() => run(params, batch).loss, params[key].data);
      expect(relErr(plain(result.grads[key]), numeric), key).toBeLessThan(1e-6);
    }
  });
});
