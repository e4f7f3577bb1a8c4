// The eager result of a view op (the transpose): an ordinary Mat whose `data` is made the first
// time it is read, then kept. An op that can read the view's inputs in place (a product reading aᵀ
// from a's rows, src/ops/matmul-eager.ts) asks `lazyViewOf` and never makes the copy. The view
// reads its inputs when it is first read, so a write into an input's data in between shows in it.
import { makeMat, type AnyMat } from "./mat.js";
import type { Shape } from "./shape-error.js";

/** What a view reads until its data is made: the op (an OpDef, kept opaque here) and its inputs. */
export interface LazyView<Op = unknown> {
  readonly op: Op;
  readonly inputs: readonly AnyMat[];
}

const views = new WeakMap<object, LazyView>();

/** A Mat of shape `s` whose data `make` fills (zeroed, once) when it is first read. */
export function lazyMat(s: Shape, view: LazyView, make: (out: AnyMat) => void): AnyMat {
  const m = { rowDim: s.rowDim, colDim: s.colDim, rows: s.rows, cols: s.cols } as { -readonly [K in keyof AnyMat]: AnyMat[K] };
  Object.defineProperty(m, "data", {
    enumerable: true,
    configurable: true,
    get() {
      const out = makeMat(s.rowDim, s.colDim, s.rows, s.cols, new Float64Array(s.rows * s.cols));
      make(out);
      views.delete(m);
      Object.defineProperty(m, "data", { value: out.data, enumerable: true, configurable: true, writable: true });
      return out.data;
    },
  });
  views.set(m, view);
  return m;
}

/** The op and inputs of a view whose data has not been read yet, or undefined. */
export function lazyViewOf(m: unknown): LazyView | undefined {
  return typeof m === "object" && m !== null ? views.get(m) : undefined;
}
