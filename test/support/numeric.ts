// Numeric helpers shared by the gradient tests: one error measure, one finite-difference scheme,
// and target generators, so every test judges accuracy the same way.

export interface UniformSource {
  uniform(): number;
}

/** The project's one error measure (see src/numeric.ts). */
export { relativeError as relErr } from "../../src/numeric.js";

/**
 * Central-difference gradient of f with respect to every entry of x. f reads x, so x is perturbed
 * in place; the saved value is written back (rather than subtracting eps) so x ends bit-identical.
 */
export function centralDiff(f: () => number, x: Float64Array, eps = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i]!;
    x[i] = saved + eps;
    const plus = f();
    x[i] = saved - eps;
    const minus = f();
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

/** `rows × cols`, row-major, each row a one-hot vector at a uniformly drawn column. */
export function oneHotRows(rows: number, cols: number, rng: UniformSource): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const j = Math.min(cols - 1, Math.floor(rng.uniform() * cols));
    out[i * cols + j] = 1;
  }
  return out;
}

/** `rows × cols`, row-major, each row strictly positive and summing to 1 (soft targets). */
export function distributionRows(rows: number, cols: number, rng: UniformSource): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      // The offset keeps every entry away from zero, so no row degenerates towards one-hot.
      const w = 0.1 + rng.uniform();
      out[i * cols + j] = w;
      sum += w;
    }
    for (let j = 0; j < cols; j++) out[i * cols + j] = out[i * cols + j]! / sum;
  }
  return out;
}
