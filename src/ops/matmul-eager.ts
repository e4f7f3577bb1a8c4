// matmul's eager kernel: JavaScript loops for small products, the WebAssembly kernels of
// src/wasm/product.ts above the measured crossover. Either reads a transposed operand that has not
// been materialized (transpose's lazy view, see apply in op.ts) where it lies, so that
// matmul(transpose(a), b) and matmul(a, transpose(b)) make no copy of a or b. Every path sums each
// entry over the shared dim in order, from zero, as the op's math does: the results are the same
// bit for bit whichever runs.
import type { AnyMat } from "../mat.js";
import { lazyViewOf } from "../lazy-view.js";
import { productWasm, type Operand } from "../wasm/product.js";
import { transposeOp } from "./transpose.js";

/**
 * The smallest product (multiply-adds n·k·m) that runs on WebAssembly, which also needs two rows of
 * a and two columns of b at least; below, JavaScript is as fast or faster (the copies into and out
 * of the kernels' memory cost more than the kernel saves). Measured with
 * `taskset -c 1 npx tsx bench/eager-crossover.ts` (two runs, 2 Dec 2026, a shared 2-core EPYC, so
 * noisy): squares even at 8³ (0.63×, 1.30×) and 10³ (0.84×, 1.26×), WebAssembly ahead from 12³
 * (1.04×, 2.58×) and by 3.7–22× from 16³; a single row of a (1×k·k×m) never ahead (0.4–1.0× up to
 * 1×256·256×256: b is packed and read once), a single column of b ahead only from 64×64·64×1
 * (0.9–1.5×); two or three rows of a ahead by 1.8–4× from 2×64·64×64.
 */
export const wasmMinMultiplyAdds = 12 * 12 * 12;

/** Whether an n×k · k×m product runs on WebAssembly (when it runs here): see wasmMinMultiplyAdds. */
export function productOnWasm(n: number, k: number, m: number): boolean {
  return n >= 2 && m >= 2 && n * k * m >= wasmMinMultiplyAdds;
}

/** A matrix as it lies in memory: its own data, or its source's when it is an unread transpose view. */
export function operand(m: AnyMat): Operand {
  const view = lazyViewOf(m);
  if (view?.op === transposeOp) return { data: view.inputs[0]!.data, transposed: true };
  return { data: m.data, transposed: false };
}

/** out (zeroed) = a · b, on WebAssembly above the crossover (when it runs here), else in JavaScript. */
export function eagerProduct(out: AnyMat, a: AnyMat, b: AnyMat): void {
  const n = a.rows, k = a.cols, m = b.cols;
  const A = operand(a), B = operand(b);
  if (productOnWasm(n, k, m) && productWasm(out.data, A, B, n, k, m)) return;
  productJs(out.data, A, B, n, k, m);
}

/** out (zeroed) = a · b in JavaScript, each entry summed over p in order. */
export function productJs(O: Float64Array, a: Operand, b: Operand, n: number, k: number, m: number): void {
  const A = a.data, B = b.data;
  if (b.transposed && a.transposed) {
    productJs(O, a, { data: transposedCopy(B, k, m), transposed: false }, n, k, m);
  } else if (b.transposed) {
    // bᵀ's column j is b's row j: dot products of two contiguous rows.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[i * k + p]! * B[j * k + p]!;
        O[i * m + j] = s;
      }
    }
  } else if (a.transposed) {
    // aᵀ's row i is a's column i: the shared dim outermost reads a's row p.
    for (let p = 0; p < k; p++) {
      for (let i = 0; i < n; i++) {
        const aip = A[p * n + i]!;
        for (let j = 0; j < m; j++) O[i * m + j]! += aip * B[p * m + j]!;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < k; p++) {
        const aip = A[i * k + p]!;
        for (let j = 0; j < m; j++) O[i * m + j]! += aip * B[p * m + j]!;
      }
    }
  }
}

/** The rows × cols matrix whose transpose lies row-major in `data` (cols × rows). */
function transposedCopy(data: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) t[j * cols + i] = data[i * rows + j]!;
  return t;
}
