// The expressions an explanation prints, as data: built from the backward IR (so they are the
// mathematics the generated code computes), printed in two notations (each op says how it prints:
// OpExplanation.print), and evaluated with the eager library by a test, so that a wrong
// explanation cannot pass unnoticed. Only leaves have kinds of their own; every op is one node kind.
import type { Attrs } from "../op.js";
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
  /** The loss's adjoint: 1/Π sizes[over], the factor of the loss's mean. */
  | { readonly k: "lossAdjoint"; readonly over: readonly string[]; readonly factor: number; readonly shape: Shape }
  /** A constant: its entries, row by row, or none for zeros. */
  | { readonly k: "const"; readonly node: number; readonly values: readonly number[] | undefined; readonly shape: Shape }
  /** An op applied to its inputs. */
  | { readonly k: "op"; readonly op: string; readonly args: readonly Expr[]; readonly attrs: Attrs; readonly shape: Shape };
