// The expressions an explanation prints, as data: built from the backward IR (so they are the
// mathematics the generated code computes), rendered in three notations, and evaluated with the
// eager library by a test, so that a wrong explanation cannot pass unnoticed.
import type { Shape } from "../shape-error.js";

/** When a per-step value is taken: at step t, or one step earlier or later. */
export type Shift = -1 | 0 | 1;

export type Expr =
  /**
   * A forward value: a parameter (no step), or a per-step input, state or named value. `shift` is
   * the step whose values it reads (t + shift); `subscript` is how it is printed (the state coming
   * into step t is H_{t−1}).
   */
  | { readonly k: "value"; readonly name: string; readonly node: number; readonly perStep: boolean; readonly shift: Shift; readonly subscript: number; readonly shape: Shape }
  /** The adjoint G of a named forward value at step t + shift (zero past the last step). */
  | { readonly k: "adjoint"; readonly name: string; readonly node: number; readonly shift: Shift; readonly shape: Shape }
  | { readonly k: "transpose"; readonly a: Expr; readonly shape: Shape }
  | { readonly k: "matmul"; readonly a: Expr; readonly b: Expr; readonly shape: Shape }
  | { readonly k: "hadamard"; readonly a: Expr; readonly b: Expr; readonly shape: Shape }
  | { readonly k: "add"; readonly a: Expr; readonly b: Expr; readonly shape: Shape }
  | { readonly k: "sub"; readonly a: Expr; readonly b: Expr; readonly shape: Shape }
  /** 1 − A ⊙ A: tanh's derivative written with its output. */
  | { readonly k: "oneMinusSquare"; readonly a: Expr; readonly shape: Shape }
  /** The sum over rows, 1ᵀA: the adjoint of broadcasting a row. */
  | { readonly k: "sumRows"; readonly a: Expr; readonly shape: Shape }
  /** softmax(O) ⊙ rowsum(Y) − Y, printed Ŷ − Y (rows of Y summing to 1). */
  | { readonly k: "softmaxMinus"; readonly o: Expr; readonly y: Expr; readonly shape: Shape }
  /** A divided by the product of the named dims' sizes (the loss's mean). */
  | { readonly k: "mean"; readonly a: Expr; readonly over: readonly string[]; readonly factor: number; readonly shape: Shape }
  | { readonly k: "scale"; readonly a: Expr; readonly s: number; readonly shape: Shape }
  /** Any other op, as a function of its arguments. */
  | { readonly k: "op"; readonly op: string; readonly args: readonly Expr[]; readonly attrs: Readonly<Record<string, number>>; readonly shape: Shape };

/** Σ_t over the steps of a sequence (once, for a model without one). */
export interface Gradient {
  readonly param: string;
  readonly sumOverSteps: boolean;
  readonly expr: Expr;
}

