// Random, seeded parameters and batches for the RNN and the MLP, as the library's typed matrices
// (labelled with the models' dim names), shared by every gradient test.
import mlp from "../../dsl/mlp.js";
import rnn from "../../dsl/rnn.js";
import { dim, mat, rng, type BatchOf, type ParamsOf } from "../../src/index.js";
import { distributionRows, oneHotRows } from "./numeric.js";
import type { RnnSizes } from "./rnn-reference.js";
import type { MlpSizes } from "./mlp-reference.js";

export interface FixtureOptions {
  readonly seed: number;
  /** One-hot target rows, or rows that are distributions. */
  readonly targets: "oneHot" | "distribution";
  /** Dense normal inputs, or one-hot rows (as characters are). */
  readonly inputs: "dense" | "oneHot";
  /** Standard deviation of the weights (0.5 by default: large enough that tanh is not linear, small enough that it is not saturated). */
  readonly std?: number;
}

function normals(count: number, random: ReturnType<typeof rng>, std: number): Float64Array {
  return Float64Array.from({ length: count }, () => std * random.normal());
}

export function rnnFixture(s: RnnSizes, o: FixtureOptions): { params: ParamsOf<typeof rnn>; batch: BatchOf<typeof rnn> } {
  const random = rng(o.seed);
  const std = o.std ?? 0.5;
  const n = dim("n", s.n), d = dim("d", s.d), h = dim("h", s.h), v = dim("v", s.v), Tn = dim("Tn", s.T * s.n);
  const params = {
    U: mat(d, h, normals(s.d * s.h, random, std)),
    W: mat(h, h, normals(s.h * s.h, random, std)),
    b: mat(1, h, normals(s.h, random, std)),
    V: mat(h, v, normals(s.h * s.v, random, std)),
    c: mat(1, v, normals(s.v, random, std)),
  };
  const xs = o.inputs === "dense" ? normals(s.T * s.n * s.d, random, 1) : oneHotRows(s.T * s.n, s.d, random);
  const ys = o.targets === "oneHot" ? oneHotRows(s.T * s.n, s.v, random) : distributionRows(s.T * s.n, s.v, random);
  const batch = { xs: mat(Tn, d, xs), ys: mat(Tn, v, ys), h0: mat(n, h, normals(s.n * s.h, random, 0.5)) };
  return { params, batch };
}

export function mlpFixture(s: MlpSizes, o: Omit<FixtureOptions, "inputs">): { params: ParamsOf<typeof mlp>; batch: BatchOf<typeof mlp> } {
  const random = rng(o.seed);
  const n = dim("n", s.n), d = dim("d", s.d), h = dim("h", s.h), v = dim("v", s.v);
  const params = {
    W1: mat(d, h, normals(s.d * s.h, random, 0.5)),
    b1: mat(1, h, normals(s.h, random, 0.5)),
    W2: mat(h, v, normals(s.h * s.v, random, 0.5)),
    b2: mat(1, v, normals(s.v, random, 0.5)),
  };
  const y = o.targets === "oneHot" ? oneHotRows(s.n, s.v, random) : distributionRows(s.n, s.v, random);
  return { params, batch: { x: mat(n, d, normals(s.n * s.d, random, 1)), y: mat(n, v, y) } };
}
