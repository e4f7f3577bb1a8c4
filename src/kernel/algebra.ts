// The scalar language an op's math is written in, once. An op states its math as a function of an
// Algebra: run with `numbers` it computes (the eager kernels), run with `records` (record.ts) it
// yields plain records that codegen prints as loops. Both follow the same operations in the same
// order, so generated code and the eager library agree to the last bit.

declare const scalarBrand: unique symbol;
/**
 * A value of an op's math: a number when the math runs, a record when it is recorded. Opaque, so
 * that math written against it is one function for both (and its types need no generics).
 */
export interface Scalar {
  readonly [scalarBrand]: true;
}

/** Scalar operations on values of type V: numbers, or records of the computation. */
export interface Algebra<V> {
  num(x: number): V;
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  div(a: V, b: V): V;
  neg(a: V): V;
  /** Math.max(a, b): NaN if either is NaN. */
  max(a: V, b: V): V;
  min(a: V, b: V): V;
  exp(a: V): V;
  log(a: V): V;
  tanh(a: V): V;
  sqrt(a: V): V;
  abs(a: V): V;
  /** `a > b ? then : otherwise` or `a !== b ? …` (a test with NaN is false for ">", true for "!=="). */
  choose(test: Test, a: V, b: V, then: V, otherwise: V): V;
}

/** The comparisons `choose` makes. */
export type Test = ">" | "!==";

/** The functions of Math that the language calls by name (what codegen prints as `Math.f`). */
export type MathFunction = "exp" | "log" | "tanh" | "sqrt" | "abs" | "max" | "min";

/**
 * The Algebra that computes: what the eager kernels run. A class, so that a loop nest run on
 * numbers (kernel/direct.ts) inherits its operations from the prototype instead of copying them.
 */
export class NumberAlgebra implements Algebra<number> {
  num(x: number): number {
    return x;
  }
  add(a: number, b: number): number {
    return a + b;
  }
  sub(a: number, b: number): number {
    return a - b;
  }
  mul(a: number, b: number): number {
    return a * b;
  }
  div(a: number, b: number): number {
    return a / b;
  }
  neg(a: number): number {
    return -a;
  }
  max(a: number, b: number): number {
    return Math.max(a, b);
  }
  min(a: number, b: number): number {
    return Math.min(a, b);
  }
  exp(a: number): number {
    return Math.exp(a);
  }
  log(a: number): number {
    return Math.log(a);
  }
  tanh(a: number): number {
    return Math.tanh(a);
  }
  sqrt(a: number): number {
    return Math.sqrt(a);
  }
  abs(a: number): number {
    return Math.abs(a);
  }
  choose(test: Test, a: number, b: number, then: number, otherwise: number): number {
    return (test === ">" ? a > b : a !== b) ? then : otherwise;
  }
}

export const numbers: Algebra<number> = new NumberAlgebra();
