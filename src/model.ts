// Declaring a model: its dims (with default sizes), parameters, per-step inputs and targets, an
// optional recurrent state, and the step function, written with the typed ops. Only one step is
// typed: the state's type must come out of the step as it went in, and the compiler checks it.
import type { Dim } from "./dims.js";
import type { Mat } from "./mat.js";
import { callerLocation } from "./shape-error.js";

/** A dim of the model: one of its declared names, or a number literal. */
export type DimRef<D> = (keyof D & string) | number;
/** A declared shape: `["n", "d"]`. */
export type ShapeDecl<D> = readonly [DimRef<D>, DimRef<D>];
export type Shapes<D> = { readonly [name: string]: ShapeDecl<D> };

/** The matrices a set of shape declarations stands for: `{ U: ["d", "h"] }` gives `{ U: Mat<"d", "h"> }`. */
export type MatsOf<S> = { readonly [K in keyof S]: S[K] extends readonly [infer R extends Dim, infer C extends Dim] ? Mat<R, C> : never };

/**
 * What a step returns: its loss term, for a recurrent model the next state (typed as it came in),
 * and optionally the step's prediction (`output`, e.g. the logits), which sampling reads.
 */
export type StepResult<S> = (keyof S extends never ? { readonly loss: Mat<1, 1> } : { readonly loss: Mat<1, 1>; readonly state: MatsOf<S> }) & {
  readonly output?: Mat<Dim, Dim>;
};

export interface ModelSpec<D extends Readonly<Record<string, number>>, P, I, Y, S, Q extends string, O extends string = never> {
  /** An identifier; generated code and messages use it. */
  readonly name: string;
  /** Every dim with its default size. */
  readonly dims: D;
  readonly params: P;
  /** Per-step inputs (no gradient). */
  readonly inputs: I;
  /** Per-step targets (no gradient). */
  readonly targets: Y;
  /** Recurrent state; its initial value is an input of the model, with a gradient. */
  readonly state?: S;
  /**
   * For a recurrent model: the dim counting steps (`"T"`) and a name for the stacked rows of a
   * whole sequence (`"Tn"`: T steps of n rows each, time-major), which the batch's matrices use.
   */
  readonly sequence?: { readonly steps: keyof D & string; readonly stacked: Q };
  /** The loss is Σ_t (step loss) divided by the product of these dims' sizes (e.g. ["T", "n"]). */
  readonly meanOver?: readonly (keyof D & string)[];
  /**
   * Inputs given as class indices rather than rows: inside the step such an input is the one-hot
   * matrix they stand for (`Mat<"n", "d">`), in the batch one index per row (`Mat<"Tn", 1>`), and
   * generated code turns its products into row gathers and scatter-adds.
   */
  readonly oneHot?: readonly O[];
  /**
   * What training on characters needs to know (`shapegrad train --model`): which dims are the
   * vocabulary (set to the text's number of distinct characters: the one-hot input's width and the
   * target's), which dim is the width that `--hidden` sets, and, for a model without steps (no
   * `sequence`), which dim is the window of characters that `--seq` sets.
   */
  readonly trainable?: Trainable<keyof D & string>;
  step(params: MatsOf<P>, data: MatsOf<I> & MatsOf<Y>, state: MatsOf<S>, sizes: { readonly [K in keyof D]: number }): StepResult<S>;
}

export interface Model<D extends Readonly<Record<string, number>> = Readonly<Record<string, number>>, P = unknown, I = unknown, Y = unknown, S = unknown, Q extends string = string, O extends string = string> {
  readonly spec: ModelSpec<D, P, I, Y, S, Q, O>;
  /** Where defineModel was called: the model's file. */
  readonly source: string | undefined;
}

/** A model's declaration of how it trains on characters (ModelSpec.trainable). */
export interface Trainable<K extends string = string> {
  /** The dim (or dims) the vocabulary's size sets: e.g. `["d", "v"]`, input and output width. */
  readonly vocab: K | readonly K[];
  /** The width `--hidden` sets (e.g. `"h"`). */
  readonly hidden: K;
  /** A model without steps reads a window of characters: the dim `--seq` sets (e.g. `"T"`). */
  readonly window?: K;
  /**
   * Adagrad's learning rate for this model when `--lr` is not given (default: Adagrad's own, 0.1).
   * The character models' values were measured (README, "Training defaults, measured").
   */
  readonly lr?: number;
}

/** A model of any shape, for code that handles models generically (tracing checks it at run time). */
export interface AnyModel {
  readonly spec: {
    readonly name: string;
    readonly dims: Readonly<Record<string, number>>;
    readonly params: unknown;
    readonly inputs: unknown;
    readonly targets: unknown;
    readonly state?: unknown;
    readonly sequence?: { readonly steps: string; readonly stacked: string };
    readonly meanOver?: readonly string[];
    readonly oneHot?: readonly string[];
    readonly trainable?: Trainable;
    step(...args: never[]): unknown;
  };
  readonly source: string | undefined;
}

/** Declares a model. Nothing runs here: tracing happens when the model is used (valueAndGrad, generate). */
/** Marks what defineModel made (registered, so both instances of the library, compiled and source, see one symbol). */
export const modelBrand: unique symbol = Symbol.for("shapegrad.model") as never;

export function defineModel<
  const D extends Readonly<Record<string, number>>,
  const P extends Shapes<D>,
  const I extends Shapes<D>,
  const Y extends Shapes<D>,
  const S extends Shapes<D> = {},
  const Q extends string = never,
  const O extends keyof I & string = never,
>(spec: ModelSpec<D, P, I, Y, S, Q, O>): Model<D, P, I, Y, S, Q, O> {
  const location = callerLocation();
  return Object.freeze({ spec, source: location?.replace(/:\d+:\d+$/, ""), [modelBrand]: true });
}

type Digit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
/** The separator before a state's suffix, as batch-names.ts forms it: `_` after a trailing digit (`h1` → `h1_0`), else none. */
type SuffixSeparator<K extends string> = K extends `${string}${Digit}` ? "_" : "";
/** A state's initial key: `h0`, or `h1_0` for a state `h1` (batch-names.ts, initialKey). */
export type InitialKey<K extends string> = `${K}${SuffixSeparator<K>}0`;
/** A state's final key: `hT`, or `h1_T` for a state `h1` (batch-names.ts, finalKey). */
export type FinalKey<K extends string> = `${K}${SuffixSeparator<K>}T`;

type Stacked<Q, S> = S extends readonly [Dim, infer C extends Dim] ? Mat<Q & Dim, C> : never;

/**
 * The batch a model runs on. For a recurrent model, each input and target `x` arrives as `xs`,
 * its T steps stacked time-major (`Mat<"Tn", "d">`, or `Mat<"Tn", 1>` of class indices for a
 * one-hot input), and each state `h` as its initial value `h0` (`h1_0` for a state `h1`: see InitialKey).
 */
export type BatchOf<M> =
  M extends Model<infer _D, infer _P, infer I, infer Y, infer S, infer Q, infer O>
    ? [Q] extends [never]
      ? { readonly [K in keyof I]: K extends O ? Mat<I[K] extends readonly [infer R extends Dim, Dim] ? R : never, 1> : MatsOf<I>[K] } & MatsOf<Y>
      : { readonly [K in keyof I & string as `${K}s`]: K extends O ? Mat<Q & Dim, 1> : Stacked<Q, I[K]> } & { readonly [K in keyof Y & string as `${K}s`]: Stacked<Q, Y[K]> } & {
          readonly [K in keyof S & string as InitialKey<K>]: MatsOf<S>[K];
        }
    : never;

/** The parameters a model trains. */
export type ParamsOf<M> = M extends Model<infer _D, infer P> ? MatsOf<P> : never;

/** The gradients: one per parameter, and one per initial state (`h0`, or `h1_0` for a state `h1`). */
export type GradsOf<M> =
  M extends Model<infer _D, infer P, infer _I, infer _Y, infer S> ? MatsOf<P> & { readonly [K in keyof S & string as InitialKey<K>]: MatsOf<S>[K] } : never;

/** The final state of each recurrent state (`hT`, or `h1_T` for a state `h1`). */
export type FinalStateOf<M> = M extends Model<infer _D, infer _P, infer _I, infer _Y, infer S> ? { readonly [K in keyof S & string as FinalKey<K>]: MatsOf<S>[K] } : never;

/** Sizes to override a model's defaults with. */
export type SizesOf<M> = M extends Model<infer D> ? { readonly [K in keyof D]?: number } : never;
