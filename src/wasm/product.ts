// The eager product on the WebAssembly kernels of product-text.ts, for any sizes: the operands
// packed into the kernels' memory (a transposed operand read where it lies, so aᵀ·b and a·bᵀ
// copy nothing more than a·b), the kernel run over blocks of the shared dim and of a's rows that
// stay in cache, and the result copied out.
import { eagerProductText, type EagerTile } from "./product-text.js";
import { wasmScratch } from "./instance.js";

/** An operand as it lies in memory: row-major, or the row-major data of its transpose. */
export interface Operand {
  readonly data: Float64Array;
  readonly transposed: boolean;
}

/**
 * Four rows by two vectors (4×4 entries, eight accumulators). Measured at 64²–1024² (kernel with
 * packing, one thread, noisy shared machine), rows×vectors: 4×2 and 2×4 at 10–20 GFLOP/s, 4×3,
 * 6×2, 3×4 and 4×4 at 8–14, 1×4 at 9–17. Products with fewer than two rows run in JavaScript
 * (see matmul-eager.ts), so the tile needs no single-row variant.
 */
const tile: EagerTile = { rows: 4, vectors: 2 };

const kernelName = (t: EagerTile): string => `product_${t.rows}x${2 * t.vectors}`;

/** The WebAssembly text of the product kernels (matmul's `schedule.wasm`). */
export function productKernelTexts(): readonly string[] {
  return [eagerProductText(kernelName(tile), tile)];
}

/**
 * Blocks of the shared dim and of a's rows per kernel call, so that a block of b's panel (depth ×
 * 2C values) stays in L1 while the row tiles of a block of a (rows × depth) stream from L2.
 * Measured at 512² and 1024² (depth 128, 256, 512, all; rows 64, 128, 256, all): 256 × 64 among
 * the fastest, within the machine's noise of 128 × 64.
 */
const blockDepth = 256;
const blockRows = 64;

type Kernel = (a: number, b: number, o: number, rowTiles: number, panels: number, depth: number, aStride: number, bStride: number, oStride: number, accumulate: number) => void;

/**
 * out (n×m, row-major, zeroed) = a (n×k) · b (k×m) on the WebAssembly kernels, summed exactly as
 * the JavaScript loops sum. False, with out untouched, where WebAssembly is missing or the op
 * would need more memory than the cap: the caller runs JavaScript then.
 */
export function productWasm(out: Float64Array, a: Operand, b: Operand, n: number, k: number, m: number): boolean {
  const R = tile.rows, W = 2 * tile.vectors;
  const rowTiles = Math.ceil(n / R), panels = Math.ceil(m / W);
  const rows = rowTiles * R, cols = panels * W;
  // Doubles: a packed at 0, b packed after it, the result after b (each a multiple of 16 bytes).
  const aAt = 0, bAt = rows * k, oAt = bAt + k * cols;
  const scratch = wasmScratch((oAt + rows * cols) * 8);
  if (!scratch) return false;
  const memory = scratch.f64;
  packRowTiles(memory, aAt, a, n, k, R);
  packPanels(memory, bAt, b, k, m, W);
  const kernel = scratch.exports[kernelName(tile)] as Kernel;
  const tilesPerBlock = Math.max(1, Math.floor(blockRows / R));
  for (let p0 = 0; p0 < k; p0 += blockDepth) {
    const depth = Math.min(blockDepth, k - p0);
    for (let t0 = 0; t0 < rowTiles; t0 += tilesPerBlock) {
      const count = Math.min(tilesPerBlock, rowTiles - t0);
      kernel((aAt + t0 * R * k + p0 * R) * 8, (bAt + p0 * W) * 8, (oAt + t0 * R * cols) * 8, count, panels, depth, R * k * 8, W * k * 8, cols * 8, p0 > 0 ? 1 : 0);
    }
  }
  if (cols === m) out.set(memory.subarray(oAt, oAt + n * m));
  else for (let i = 0; i < n; i++) out.set(memory.subarray(oAt + i * cols, oAt + i * cols + m), i * m);
  return true;
}

/** a (n×k) as row tiles of R rows: entry (t·R + r, p) at at + t·R·k + p·R + r; rows past n are zero. */
function packRowTiles(f: Float64Array, at: number, a: Operand, n: number, k: number, R: number): void {
  const A = a.data;
  for (let t = 0; t * R < n; t++) {
    const base = at + t * R * k;
    for (let r = 0; r < R; r++) {
      const i = t * R + r;
      if (i >= n) for (let p = 0; p < k; p++) f[base + p * R + r] = 0;
      else if (a.transposed) for (let p = 0; p < k; p++) f[base + p * R + r] = A[p * n + i]!; // aᵀ's row p is a's column: (i, p) at p·n + i
      else for (let p = 0, row = i * k; p < k; p++) f[base + p * R + r] = A[row + p]!;
    }
  }
}

/** b (k×m) as panels of W columns: entry (p, s·W + c) at at + s·W·k + p·W + c; columns past m are zero. */
function packPanels(f: Float64Array, at: number, b: Operand, k: number, m: number, W: number): void {
  const B = b.data;
  for (let s = 0; s * W < m; s++) {
    const base = at + s * W * k;
    for (let c = 0; c < W; c++) {
      const j = s * W + c;
      if (j >= m) for (let p = 0; p < k; p++) f[base + p * W + c] = 0;
      else if (b.transposed) for (let p = 0, row = j * k; p < k; p++) f[base + p * W + c] = B[row + p]!; // (p, j) at j·k + p
      else for (let p = 0; p < k; p++) f[base + p * W + c] = B[p * m + j]!;
    }
  }
}
