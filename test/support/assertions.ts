// Small assertion helpers shared by the tests of the typed library.
import type { AnyMat } from "../../src/index.js";

/** A matrix's labels and sizes: [rowDim, colDim, rows, cols]. */
export function labels(m: AnyMat): [unknown, unknown, number, number] {
  return [m.rowDim, m.colDim, m.rows, m.cols];
}

/** What `f` throws; fails the test when it returns instead. */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw, but it returned");
}
