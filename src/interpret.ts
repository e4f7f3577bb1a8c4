// The interpreter: runs a model's IR with the eager ops, forward over the steps and then backward
// (BPTT), giving library users valueAndGrad without generating anything. Plain on purpose: it is
// the oracle that generated code is tested against.
import type { ModelIR, Node } from "./ir/graph.js";
import { makeMat, type AnyMat } from "./mat.js";
import type { AnyModel, BatchOf, FinalStateOf, GradsOf, ParamsOf, SizesOf } from "./model.js";
import { apply } from "./op.js";
import { opNamed } from "./ops/table.js";
import { shapeText, type Shape } from "./shape-error.js";
import { traceModel } from "./trace-model.js";
import { batchKeys, finalKey, initialKey } from "./batch-names.js";

export { batchKeys } from "./batch-names.js";

export interface RunResult {
  readonly loss: number;
  /** Per parameter, and per initial state (`h0`); absent when gradients were not asked for. */
  readonly grads?: Readonly<Record<string, AnyMat>>;
  /** The final value of each state (`hT`). */
  readonly final: Readonly<Record<string, AnyMat>>;
  /** The model's output at each step, when it names one. */
  readonly outputs: readonly AnyMat[];
  /** Every forward node's value at each step (by node id), when asked for. */
  readonly forward?: readonly (readonly (AnyMat | undefined)[])[];
}

/** Checks a caller's matrix against its declared shape and gives it the declared dim labels. */
function argument(group: string, key: string, value: unknown, shape: Shape): AnyMat {
  const m = value as Partial<AnyMat> | undefined;
  if (!m || !(m.data instanceof Float64Array)) throw new TypeError(`${group}.${key}: expected a matrix of ${shapeText(shape)}, got ${m === undefined ? "nothing" : typeof m}`);
  if (m.rows !== shape.rows || m.cols !== shape.cols || m.data.length !== shape.rows * shape.cols) {
    throw new RangeError(`${group}.${key}: expected ${shapeText(shape)}, got ${m.rows}×${m.cols} with ${m.data.length} numbers`);
  }
  return makeMat(shape.rowDim, shape.colDim, shape.rows, shape.cols, m.data);
}

/** Throws unless every entry is an integer class index in [0, classes). */
export function checkIndices(what: string, indices: Float64Array, classes: number): void {
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= classes) throw new RangeError(`${what}: entry ${i} is ${k}, not a class index from 0 to ${classes - 1}`);
  }
}

function oneHotRows(indices: Float64Array, classes: number): Float64Array {
  const rows = new Float64Array(indices.length * classes);
  indices.forEach((k, i) => (rows[i * classes + k] = 1));
  return rows;
}

function zerosOf(shape: Shape): AnyMat {
  return makeMat(shape.rowDim, shape.colDim, shape.rows, shape.cols, new Float64Array(shape.rows * shape.cols));
}

function evaluate(node: Node, values: readonly (AnyMat | undefined)[]): AnyMat {
  return apply(opNamed(node.op), node.inputs.map((i) => values[i]!), node.attrs);
}

/** Runs the IR on `params` and `batch` (keys as in batchKeys), with gradients when `withGrads`. */
export function interpret(ir: ModelIR, params: Readonly<Record<string, unknown>>, batch: Readonly<Record<string, unknown>>, withGrads: boolean, keepForward = false): RunResult {
  const p = Object.fromEntries(ir.params.map((d) => [d.name, argument("params", d.name, params[d.name], d.shape)]));
  const keys = batchKeys(ir);
  const data = keys.data.map((k) => {
    const value = argument("batch", k.key, batch[k.key], k.shape);
    if (k.oneHot) checkIndices(`batch.${k.key}`, value.data, [...ir.inputs].find((d) => d.name === k.name)!.shape.cols);
    return { ...k, value };
  });
  let state = Object.fromEntries(keys.state.map((k) => [k.name, argument("batch", k.key, batch[k.key], k.shape)]));
  const steps = ir.sequence?.count ?? 1;
  const rows = ir.sequence?.rows ?? 0;

  const stepData = (t: number) =>
    Object.fromEntries(
      data.map((k) => {
        const decl = [...ir.inputs, ...ir.targets].find((d) => d.name === k.name)!.shape;
        const size = decl.rows * k.shape.cols;
        const view = ir.sequence ? k.value.data.subarray(t * rows * k.shape.cols, t * rows * k.shape.cols + size) : k.value.data;
        // A one-hot input arrives as indices; the ops see the rows they stand for.
        const rowsOf = k.oneHot ? oneHotRows(view, decl.cols) : view;
        return [k.name, makeMat(decl.rowDim, decl.colDim, decl.rows, decl.cols, rowsOf)];
      }),
    );

  const forward = ir.nodes.filter((n) => n.phase === "forward");
  const backward = ir.nodes.filter((n) => n.phase === "backward");
  const saved: (AnyMat | undefined)[][] = [];
  const outputs: AnyMat[] = [];
  let loss = 0;
  for (let t = 0; t < steps; t++) {
    const values: (AnyMat | undefined)[] = new Array(ir.nodes.length);
    const dataT = stepData(t);
    for (const node of forward) {
      const leaf = node.leaf;
      if (!leaf) values[node.id] = evaluate(node, values);
      else if (leaf.kind === "param") values[node.id] = p[leaf.name];
      else if (leaf.kind === "input" || leaf.kind === "target") values[node.id] = dataT[leaf.name];
      else if (leaf.kind === "state") values[node.id] = state[leaf.name];
      else if (leaf.kind === "const") values[node.id] = makeMat(node.shape.rowDim, node.shape.colDim, node.shape.rows, node.shape.cols, Float64Array.from(leaf.value!));
      else if (leaf.kind === "zeros") values[node.id] = zerosOf(node.shape);
    }
    loss += values[ir.outputs.loss]!.data[0]!;
    if (ir.outputs.output !== undefined) outputs.push(values[ir.outputs.output]!);
    state = Object.fromEntries(ir.state.map((d) => [d.name, values[ir.outputs.state[d.name]!]!]));
    if (withGrads) saved.push(values);
    else if (keepForward) saved.push(values);
  }
  const final = Object.fromEntries(ir.state.map((d) => [finalKey(d.name), state[d.name]!]));
  const totalLoss = ir.lossScale.factor * loss;
  if (!withGrads) return { loss: totalLoss, final, outputs, ...(keepForward && { forward: saved }) };

  const grads = Object.fromEntries(ir.params.map((d) => [d.name, zerosOf(d.shape)]));
  let stateAdjoint = Object.fromEntries(ir.state.map((d) => [d.name, zerosOf(d.shape)]));
  const seed = makeMat(1, 1, 1, 1, Float64Array.of(ir.lossScale.factor));
  for (let t = steps - 1; t >= 0; t--) {
    const values = saved[t]!;
    for (const node of backward) {
      const leaf = node.leaf;
      if (!leaf) values[node.id] = evaluate(node, values);
      else if (leaf.kind === "lossAdjoint") values[node.id] = seed;
      else if (leaf.kind === "stateAdjoint") values[node.id] = stateAdjoint[leaf.name];
      else if (leaf.kind === "const") values[node.id] = makeMat(node.shape.rowDim, node.shape.colDim, node.shape.rows, node.shape.cols, Float64Array.from(leaf.value!));
      else if (leaf.kind === "zeros") values[node.id] = zerosOf(node.shape);
    }
    for (const d of ir.params) {
      const g = grads[d.name]!.data;
      const contribution = values[ir.outputs.paramGrads[d.name]!]!.data;
      for (let i = 0; i < g.length; i++) g[i]! += contribution[i]!;
    }
    stateAdjoint = Object.fromEntries(ir.state.map((d) => [d.name, values[ir.outputs.stateGrads[d.name]!]!]));
  }
  for (const d of ir.state) grads[initialKey(d.name)] = stateAdjoint[d.name]!;
  return { loss: totalLoss, grads, final, outputs };
}

export type ValueAndGrad<M> = (params: ParamsOf<M>, batch: BatchOf<M>) => { readonly loss: number; readonly grads: GradsOf<M> } & FinalStateOf<M>;

/**
 * The loss and every gradient of a model, by tracing it once at `sizes` (its defaults where not
 * given) and interpreting the IR. For a recurrent model the batch holds each input and target
 * stacked over the steps (`xs`, `ys`) and each initial state (`h0`); the result holds the final
 * state (`hT`) and the gradients of the parameters and of the initial state.
 */
export function valueAndGrad<M extends AnyModel>(model: M, sizes?: SizesOf<M>): ValueAndGrad<M> {
  const ir = traceModel(model, (sizes ?? {}) as Readonly<Record<string, number | undefined>>);
  return ((params: ParamsOf<M>, batch: BatchOf<M>) => {
    const r = interpret(ir, params as Record<string, unknown>, batch as Record<string, unknown>, true);
    return { loss: r.loss, grads: r.grads, ...r.final };
  }) as ValueAndGrad<M>;
}
