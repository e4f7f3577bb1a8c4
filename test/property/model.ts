// Running a program: one interpreter over the library's typed ops (types bypassed with casts), used
// both inside a model's step (where the ops trace) and eagerly on concrete matrices; the model
// declaration around a program; and the arguments a program's IR runs on.
import { randomArguments, type Arguments } from "../../cli/random-arguments.js";
import { defineModel, dim, mat, rng, type AnyMat, type AnyModel, type ModelIR } from "../../src/index.js";
import { batchKeys } from "../../src/interpret.js";
import type { Attrs } from "../../src/op.js";
import { opNamed } from "../../src/ops/table.js";
import { typedFunction } from "../support/op-shapes.js";
import { isConst, isLeaf, operandsOf, type Expr, type Label, type Program } from "./program.js";

/**
 * The typed function of the op named `name`, called through one untyped door (random programs are
 * not written for tsc): found by the op's name among the library's exports, or a loud error.
 */
const typed = new Map<string, (inputs: readonly AnyMat[], attrs?: Attrs) => AnyMat>();
function call(name: string, operands: readonly AnyMat[], attrs: Attrs | undefined): AnyMat {
  let f = typed.get(name);
  if (!f) typed.set(name, (f = typedFunction(opNamed(name))));
  return f(operands, attrs);
}

export interface Env {
  readonly params: Readonly<Record<string, AnyMat>>;
  readonly data: Readonly<Record<string, AnyMat>>;
  readonly state: Readonly<Record<string, AnyMat>>;
  readonly sizes: Readonly<Record<string, number>>;
}

export interface Hooks {
  /** Called with an op node's operands just before the op runs; may replace them. */
  beforeOp?(node: Expr, operands: AnyMat[]): AnyMat[];
  /** Called with every value computed (eagerly only: traced values hold no numbers). */
  onValue?(node: Expr, value: AnyMat): void;
}

function sizeArg(l: Label, sizes: Readonly<Record<string, number>>): unknown {
  return typeof l === "number" ? l : dim(l as never, sizes[l]!);
}

/** The loss and next states of one step: each node evaluated once (shared nodes are one value). */
export function runStep(p: Program, env: Env, hooks: Hooks = {}): { loss: AnyMat; state: Record<string, AnyMat> } {
  const values = new Map<Expr, AnyMat>();
  const value = (e: Expr): AnyMat => {
    const known = values.get(e);
    if (known) return known;
    let v: AnyMat;
    if (isLeaf(e)) {
      v = e.op === "param" ? env.params[e.name]! : e.op === "state" ? env.state[e.name]! : env.data[e.name]!;
    } else if (isConst(e)) {
      const rows = typeof e.r === "number" ? e.r : env.sizes[e.r]!;
      const cols = typeof e.c === "number" ? e.c : env.sizes[e.c]!;
      v = (mat as (r: unknown, c: unknown, d: ArrayLike<number>) => AnyMat)(sizeArg(e.r, env.sizes), sizeArg(e.c, env.sizes), new Array(rows * cols).fill(e.value));
    } else {
      const operands = operandsOf(e).map(value);
      const args = hooks.beforeOp ? hooks.beforeOp(e, operands) : operands;
      v = call(e.op, args, e.attrs);
    }
    hooks.onValue?.(e, v);
    values.set(e, v);
    return v;
  };
  const loss = value(p.loss);
  const state = Object.fromEntries(Object.entries(p.next).map(([k, e]) => [k, value(e)]));
  return { loss, state };
}

/** The program as a model: defineModel around a step that interprets it with the typed ops. */
export function modelOf(p: Program): AnyModel {
  const spec = {
    name: p.name,
    dims: p.dims,
    params: p.params,
    inputs: p.inputs,
    targets: p.targets,
    ...(Object.keys(p.state).length > 0 && { state: p.state }),
    ...(p.sequence && { sequence: { steps: "T", stacked: "Tn" } }),
    ...(p.meanOver.length > 0 && { meanOver: p.meanOver }),
    ...(p.oneHot.length > 0 && { oneHot: p.oneHot }),
    step(params: Record<string, AnyMat>, data: Record<string, AnyMat>, state: Record<string, AnyMat>, sizes: Record<string, number>) {
      const r = runStep(p, { params, data, state, sizes });
      return Object.keys(p.state).length > 0 ? { loss: r.loss, state: r.state } : { loss: r.loss };
    },
  };
  return (defineModel as (s: unknown) => AnyModel)(spec);
}

/**
 * randomArguments for the IR (weights and initial state with a small std, inputs normal, targets
 * rows of a distribution), with class indices for one-hot inputs, which randomArguments does not
 * know about (it would fill them with normal draws).
 */
export function argumentsFor(ir: ModelIR, seed: number, std = 0.3): Arguments {
  const args = randomArguments(ir, seed, std);
  const random = rng(seed + 1);
  for (const k of batchKeys(ir).data) {
    if (!k.oneHot) continue;
    const classes = ir.inputs.find((d) => d.name === k.name)!.shape.cols;
    const m = args.batch[k.key]!;
    for (let i = 0; i < m.data.length; i++) m.data[i] = Math.min(classes - 1, Math.floor(random.uniform() * classes));
  }
  return args;
}

/** The loss and final states by calling the typed ops eagerly, step by step, on concrete matrices. */
export function runEagerly(p: Program, ir: ModelIR, args: Arguments, hooks: Hooks = {}): { loss: number; final: Record<string, AnyMat> } {
  const keys = batchKeys(ir);
  const steps = ir.sequence?.count ?? 1;
  let state: Record<string, AnyMat> = Object.fromEntries(keys.state.map((k) => [k.name, args.batch[k.key]!]));
  let total = 0;
  for (let t = 0; t < steps; t++) {
    const data: Record<string, AnyMat> = {};
    for (const k of keys.data) {
      const d = [...ir.inputs, ...ir.targets].find((x) => x.name === k.name)!;
      const stepSize = d.shape.rows * k.shape.cols;
      const slice = args.batch[k.key]!.data.subarray(t * stepSize, (t + 1) * stepSize);
      let rows: Float64Array = Float64Array.from(slice);
      if (k.oneHot) {
        rows = new Float64Array(d.shape.rows * d.shape.cols);
        slice.forEach((c, i) => (rows[i * d.shape.cols + c] = 1));
      }
      data[k.name] = (mat as (r: unknown, c: unknown, x: ArrayLike<number>) => AnyMat)(sizeArg(d.shape.rowDim, ir.sizes), sizeArg(d.shape.colDim, ir.sizes), rows);
    }
    const params = Object.fromEntries(ir.params.map((d) => [d.name, args.params[d.name]!]));
    const r = runStep(p, { params, data, state, sizes: ir.sizes }, hooks);
    total += r.loss.data[0]!;
    state = r.state;
  }
  return { loss: ir.lossScale.factor * total, final: state };
}

/** Matrices shaped like `shapes`, full of garbage: lossAndGrad must overwrite, not add to, them. */
export function garbageLike(shapes: Readonly<Record<string, AnyMat>>): Record<string, AnyMat> {
  return Object.fromEntries(Object.entries(shapes).map(([k, m]) => [k, { ...m, data: new Float64Array(m.rows * m.cols).fill(123) }]));
}
