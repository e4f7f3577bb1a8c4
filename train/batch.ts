// One batch of characters for any character model, in the keys and shapes the model's generated
// code and the interpreter take (src/batch-names.ts): T characters from each of n streams, stacked
// time-major (row t·n + k is stream k's character t), the input as vocabulary indices (one-hot) and
// the target as one-hot rows of the next characters; and each state's initial value, which the
// caller carries from step to step.
import { batchKeys, initialKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import type { CharacterLayout } from "./character-model.js";

export interface CharacterBatch {
  /** What lossAndGrad or forward takes. */
  readonly batch: Readonly<Record<string, AnyMat>>;
  /** Each state's initial value, by state name: the same matrices as in `batch`. */
  readonly states: Readonly<Record<string, AnyMat>>;
  /** Fills the input and target from stream k's position positions[k] onwards. */
  fill(indices: Int32Array, positions: ArrayLike<number>): void;
}

export function characterBatch(ir: ModelIR, layout: CharacterLayout): CharacterBatch {
  const keys = batchKeys(ir);
  const matOf = (s: { rowDim: AnyMat["rowDim"]; colDim: AnyMat["colDim"]; rows: number; cols: number }) => makeMat(s.rowDim, s.colDim, s.rows, s.cols, new Float64Array(s.rows * s.cols));
  const batch: Record<string, AnyMat> = {};
  for (const d of keys.data) batch[d.key] = matOf(d.shape);
  const states = Object.fromEntries(keys.state.map((s) => [s.name, matOf(s.shape)]));
  for (const s of layout.states) batch[initialKey(s.name)] = states[s.name]!;
  const x = keys.data.find((d) => d.name === layout.input.name)!, y = keys.data.find((d) => d.name === layout.target.name)!;
  const xs = batch[x.key]!.data, ys = batch[y.key]!.data;
  const v = y.shape.cols, n = layout.streams, T = layout.length;
  return {
    batch,
    states,
    fill(indices, positions) {
      ys.fill(0);
      for (let t = 0; t < T; t++) {
        for (let k = 0; k < n; k++) {
          const p = positions[k]! + t;
          xs[t * n + k] = indices[p]!;
          ys[(t * n + k) * v + indices[p + 1]!] = 1;
        }
      }
    },
  };
}

/** Stream k reads the k-th of n equal segments of a text of `length` characters (the last one taking the remainder). */
export function segments(length: number, n: number): { start: number; end: number }[] {
  const size = Math.floor(length / n);
  return Array.from({ length: n }, (_, k) => ({ start: k * size, end: k === n - 1 ? length : (k + 1) * size }));
}
