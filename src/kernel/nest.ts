// A loop nest, the form of an op's math that is not entry by entry (softmax, the reductions, the
// product): loops over constant counts, reads of the inputs, reductions and writes of the output.
// Written once against this interface; run directly it is the eager kernel (direct.ts), recorded
// it is the loop IR (record.ts) that codegen prints.
import type { Attrs } from "../op.js";
import type { Shape } from "../shape-error.js";
import type { Algebra, Scalar } from "./algebra.js";

/**
 * How a write combines with the output: "write" stores the entry's final value (codegen adds it
 * instead when the output accumulates a gradient); "accumulate" adds to an output that `zero()` cleared
 * first; "set" stores a value the nest reads back later (only when `accumulates` is false).
 */
export type WriteMode = "write" | "accumulate" | "set";

export interface Nest<V, I> extends Algebra<V> {
  readonly inputs: readonly Shape[];
  readonly output: Shape;
  readonly attrs: Attrs;
  /** True when generated code adds the result into an output (a gradient summed over steps). */
  readonly accumulates: boolean;
  /** `for (i = 0; i < count; i++) body(i)`; `hint` names the index in generated code. */
  loop(count: number, hint: string, body: (i: I) => void): void;
  /** A loop index as a value (for math that depends on the position, as a mask does). */
  indexValue(i: I): V;
  /** Entry (i, j) of input k. */
  read(k: number, i: I | 0, j: I | 0): V;
  /** Entry (i, j) of the output, as written so far. */
  readOut(i: I | 0, j: I | 0): V;
  write(i: I | 0, j: I | 0, value: V, mode?: WriteMode): void;
  /** Clears the output before "accumulate" writes (nothing when it accumulates already). */
  zero(): void;
  /** ((0 + term(0)) + term(1)) + …, in index order; `name` names the sum in generated code. */
  sum(count: number, name: string, term: (j: I) => V): V;
  /** max(max(−∞, term(0)), term(1)) …, in index order. */
  maxOver(count: number, name: string, term: (j: I) => V): V;
  /** A value computed once and read more than once, named `hint` in generated code. */
  bind(hint: string, value: V): V;
  /** A local that changes, starting at `initial`: read it as `cell.value`, change it with `set`. */
  cell(hint: string, initial: V): Cell<V>;
  set(cell: Cell<V>, value: V): void;
}

export interface Cell<V> {
  readonly value: V;
}

/** A nest written for any interpretation. */
export type NestBody = (nest: Nest<Scalar, LoopIndex>) => void;

declare const indexBrand: unique symbol;
/** A loop index of a nest: a number when the nest runs, a record when it is recorded. */
export interface LoopIndex {
  readonly [indexBrand]: true;
}
