// Row-wise softmax and its relatives share one numerically careful pass: subtract the row's maximum
// before exponentiating, so huge logits never overflow (exp of a value ≤ 0 is at most 1).
import type { Nest } from "../kernel/nest.js";

/** The maximum of row i of input k and log Σ_j exp(x_ij − max). */
export function rowLogSumExp<V, I>(n: Nest<V, I>, k: number, i: I, cols: number): { max: V; lse: V } {
  const x = (j: I) => n.read(k, i, j);
  const max = n.maxOver(cols, "max", x);
  const sum = n.sum(cols, "sum", (j) => n.exp(n.sub(x(j), max)));
  return { max, lse: n.bind("lse", n.log(sum)) };
}
