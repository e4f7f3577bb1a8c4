// Row-wise softmax and log-softmax share one numerically careful pass: subtract the row's maximum
// before exponentiating, so huge logits never overflow (exp of a value ≤ 0 is at most 1).
import type { AnyMat } from "../mat.js";

/** Calls `emit(i, max, logSumExp)` for each row i, where logSumExp = log Σ_j exp(x_ij − max). */
export function forEachRowLogSumExp(a: AnyMat, emit: (row: number, max: number, logSumExp: number) => void): void {
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, data[i * cols + j]!);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(data[i * cols + j]! - max);
    emit(i, max, Math.log(sum));
  }
}
