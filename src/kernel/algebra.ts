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

/** The functions of Math that the language calls by name (what codegen prints as `Math.f`). */
export type Test = ">" | "!==";

export type MathFunction = "exp" | "log" | "tanh" | "sqrt" | "abs" | "max" | "min";

/** The Algebra that computes: what the eager kernels run. */
export const numbers: Algebra<number> = {
  num: (x) => x,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  max: Math.max,
  min: Math.min,
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sqrt: Math.sqrt,
  abs: Math.abs,
  choose: (test, a, b, then, otherwise) => ((test === ">" ? a > b : a !== b) ? then : otherwise),
};
