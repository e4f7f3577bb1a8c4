// From a declared model and its sizes to the IR of one step, forward and backward: check the
// declaration, trace the step function with the typed ops, differentiate, drop what no output
// needs, and validate the result.
import { differentiate } from "./autodiff.js";
import type { Dim } from "./dims.js";
import { freeze, type Declared, type LeafKind, type ModelIR, type Node } from "./ir/graph.js";
import { validateModel } from "./ir/validate.js";
import type { AnyMat } from "./mat.js";
import type { AnyModel } from "./model.js";
import { nameProblem } from "./names.js";
import { shapeText, type Shape } from "./shape-error.js";
import { Tracer } from "./trace.js";
import { ModelError } from "./model-error.js";
import { dataKey, finalKey, initialKey } from "./batch-names.js";

export { ModelError };

/** The largest size a dim may have: far beyond any real model, small enough to refuse absurd input early. */
export const maxDimSize = 1 << 24;

export function resolveSizes(model: AnyModel, overrides: Readonly<Record<string, number | undefined>> = {}): Record<string, number> {
  const fail = (what: string): never => {
    throw new ModelError(`${model.source ?? model.spec.name}: ${what}`);
  };
  const sizes: Record<string, number> = {};
  const dims = model.spec.dims as Record<string, number>;
  const proto = typeof dims === "object" && dims !== null ? Object.getPrototypeOf(dims) : null;
  if (proto !== null && proto !== Object.prototype) fail(`dims: a plain "__proto__" key sets the object's prototype instead of declaring a dim; "__proto__" cannot be a name`);
  for (const [name, size] of Object.entries(dims)) {
    const problem = nameProblem(name);
    if (problem) fail(`dim ${problem}`);
    sizes[name] = size;
  }
  for (const [name, size] of Object.entries(overrides)) {
    if (size === undefined) continue;
    if (!Object.hasOwn(sizes, name)) fail(`unknown dim "${name}"; the model's dims are ${Object.keys(sizes).join(", ")}`);
    sizes[name] = size;
  }
  for (const [name, size] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(size) || size < 1 || size > maxDimSize) fail(`dim ${name} = ${String(size)}: a size must be an integer from 1 to ${maxDimSize}`);
  }
  return sizes;
}

export function traceModel(model: AnyModel, overrides: Readonly<Record<string, number | undefined>> = {}): ModelIR {
  const spec = model.spec;
  const where = model.source ?? spec.name;
  const fail = (what: string): never => {
    throw new ModelError(`${where}: model ${String(spec.name)}: ${what}`);
  };
  const nameIssue = nameProblem(spec.name);
  if (nameIssue) fail(`model name: ${nameIssue}`);
  const sizes = resolveSizes(model, overrides);

  const shapeOf = (group: string, name: string, decl: unknown): Shape => {
    if (!Array.isArray(decl) || decl.length !== 2) fail(`${group} ${name}: a shape is [rows, cols], got ${JSON.stringify(decl)}`);
    const [r, c] = (decl as unknown[]).map((d): { dim: Dim; size: number } => {
      if (typeof d === "string" && Object.hasOwn(sizes, d)) return { dim: d, size: sizes[d]! };
      if (typeof d === "number" && Number.isSafeInteger(d) && d >= 1 && d <= maxDimSize) return { dim: d, size: d };
      return fail(`${group} ${name}: ${JSON.stringify(d)} is neither a declared dim (${Object.keys(sizes).join(", ")}) nor a positive integer`);
    }) as [{ dim: Dim; size: number }, { dim: Dim; size: number }];
    return { rowDim: r.dim, colDim: c.dim, rows: r.size, cols: c.size };
  };

  const seen = new Set<string>();
  const declare = (group: string, shapes: unknown): Declared[] => {
    // A plain `__proto__: …` key in an object literal sets its prototype and declares nothing.
    const proto = shapes === undefined || shapes === null ? null : Object.getPrototypeOf(shapes);
    if (proto !== null && proto !== Object.prototype) fail(`${group}s: a plain "__proto__" key sets the object's prototype instead of declaring a ${group}; "__proto__" cannot be a name`);
    return Object.entries((shapes ?? {}) as Record<string, unknown>).map(([name, decl]) => {
      const problem = nameProblem(name);
      if (problem) fail(`${group} name: ${problem}`);
      if (seen.has(name)) fail(`the name "${name}" is declared twice`);
      seen.add(name);
      return { name, shape: shapeOf(group, name, decl) };
    });
  };
  const params = declare("param", spec.params);
  const oneHot = new Set((spec.oneHot ?? []) as string[]);
  const inputs = declare("input", spec.inputs).map((d) => (oneHot.has(d.name) ? { ...d, oneHot: true } : d));
  for (const name of oneHot) if (!inputs.some((d) => d.name === name)) fail(`oneHot: "${name}" is not a declared input`);
  const targets = declare("target", spec.targets);
  const state = declare("state", spec.state);

  let sequence: ModelIR["sequence"];
  if (spec.sequence) {
    const { steps, stacked } = spec.sequence as { steps: string; stacked: string };
    if (!Object.hasOwn(sizes, steps)) fail(`sequence.steps "${steps}" is not a declared dim`);
    const stackedProblem = nameProblem(stacked);
    if (stackedProblem) fail(`sequence.stacked: ${stackedProblem}`);
    if (Object.hasOwn(sizes, stacked)) fail(`sequence.stacked "${stacked}" names a dim already declared; it stands for ${steps} × rows`);
    const rowSizes = new Set([...inputs, ...targets].map((d) => d.shape.rows));
    if (rowSizes.size > 1) fail(`every per-step input and target must have the same rows to stack over ${steps}; got ${[...inputs, ...targets].map((d) => `${d.name} ${shapeText(d.shape)}`).join(", ")}`);
    sequence = { steps, count: sizes[steps]!, stacked, rows: [...rowSizes][0] ?? 1 };
  } else if (state.length > 0) {
    fail("a recurrent state needs a sequence: declare sequence: { steps, stacked }");
  }
  // The names a caller sees are derived (xs, h0, hT): two of them must not meet in one object.
  const derived = (group: string, keys: readonly string[]) => {
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) fail(`the ${group} would have two entries named "${dup}"; rename a parameter, input or state`);
  };
  const data = (list: readonly Declared[]) => list.map((d) => dataKey(d.name, sequence !== undefined));
  derived("gradients", [...params.map((d) => d.name), ...state.map((d) => initialKey(d.name))]);
  derived("batch", [...data(inputs), ...data(targets), ...state.map((d) => initialKey(d.name))]);
  derived("result", ["loss", ...state.map((d) => finalKey(d.name))]);
  const over = [...((spec.meanOver ?? []) as string[])];
  for (const d of over) if (!Object.hasOwn(sizes, d)) fail(`meanOver: "${d}" is not a declared dim`);
  const factor = 1 / over.reduce((p, d) => p * sizes[d]!, 1);

  // Trace the step.
  const tracer = new Tracer(String(spec.name));
  const leafIds = new Map<string, number>();
  const leaves = (kind: LeafKind, group: readonly Declared[]): Record<string, AnyMat> =>
    Object.fromEntries(
      group.map((d) => {
        const m = tracer.leaf(kind, d.name, d.shape);
        leafIds.set(d.name, tracer.idOf(m));
        return [d.name, m];
      }),
    );
  const paramValues = leaves("param", params);
  const dataValues = { ...leaves("input", inputs), ...leaves("target", targets) };
  const stateValues = leaves("state", state);
  const result = tracer.run(() => (spec.step as (...args: unknown[]) => unknown)(paramValues, dataValues, stateValues, Object.freeze({ ...sizes }))) as {
    loss?: unknown;
    state?: Record<string, unknown>;
    output?: unknown;
  };

  if (!result || typeof result !== "object") fail("step must return { loss } (and state, for a recurrent model)");
  if (!tracer.owns(result.loss)) fail("step's loss must be computed from the model's values with the ops");
  const lossShape = (result.loss as AnyMat);
  // By label too, as the types say (Mat<1, 1>): a loss labelled n×1 at n = 1 is not a scalar.
  if (lossShape.rows !== 1 || lossShape.cols !== 1 || lossShape.rowDim !== 1 || lossShape.colDim !== 1) fail(`step's loss must be 1×1, got ${shapeText(lossShape)}`);
  const nextState: Record<string, number> = {};
  for (const d of state) {
    const next = result.state?.[d.name];
    if (!tracer.owns(next)) fail(`step must return the next value of state ${d.name}, computed with the ops`);
    const s = next as AnyMat;
    if (s.rowDim !== d.shape.rowDim || s.colDim !== d.shape.colDim || s.rows !== d.shape.rows || s.cols !== d.shape.cols) {
      fail(`state ${d.name} goes into the step as ${shapeText(d.shape)} but comes out as ${shapeText(s)}`);
    }
    nextState[d.name] = tracer.idOf(s);
  }
  for (const key of Object.keys(result.state ?? {})) if (!state.some((d) => d.name === key)) fail(`step returned state "${key}", which is not declared`);
  const lossId = tracer.idOf(result.loss as AnyMat);
  if (result.output !== undefined && !tracer.owns(result.output)) fail("step's output must be computed from the model's values with the ops");
  const outputId = result.output === undefined ? undefined : tracer.idOf(result.output as AnyMat);

  // Differentiate, with zeros for a parameter or state that the loss does not depend on.
  const wanted = [...params, ...state].map((d) => leafIds.get(d.name)!);
  const { adjoints } = differentiate(tracer, { loss: lossId, state: nextState }, wanted);
  const gradOf = (d: Declared): number =>
    adjoints.get(leafIds.get(d.name)!) ?? tracer.idOf(tracer.leaf("zeros", "", d.shape));
  const paramGrads = Object.fromEntries(params.map((d) => [d.name, gradOf(d)]));
  const stateGrads = Object.fromEntries(state.map((d) => [d.name, gradOf(d)]));

  const roots = [lossId, ...(outputId === undefined ? [] : [outputId]), ...Object.values(nextState), ...Object.values(paramGrads), ...Object.values(stateGrads)];
  const { nodes, remap } = pruneUnused(tracer.nodes, roots, leafIds);
  const renumber = (rec: Record<string, number>) => Object.fromEntries(Object.entries(rec).map(([k, id]) => [k, remap.get(id)!]));
  const ir: ModelIR = freeze({
    name: String(spec.name),
    ...(model.source && { source: model.source }),
    sizes,
    ...(sequence && { sequence }),
    lossScale: { factor, over },
    params,
    inputs,
    targets,
    state,
    nodes,
    outputs: {
      loss: remap.get(lossId)!,
      ...(outputId !== undefined && { output: remap.get(outputId)! }),
      state: renumber(nextState),
      paramGrads: renumber(paramGrads),
      stateGrads: renumber(stateGrads),
    },
  });
  validateModel(ir);
  return ir;
}

/** Keeps the declared leaves and what the outputs depend on, renumbered densely in the same order. */
function pruneUnused(nodes: readonly Node[], roots: readonly number[], declared: ReadonlyMap<string, number>): { nodes: Node[]; remap: Map<number, number> } {
  const keep = new Set<number>([...roots, ...declared.values()]);
  for (let id = nodes.length - 1; id >= 0; id--) if (keep.has(id)) for (const i of nodes[id]!.inputs) keep.add(i);
  const remap = new Map<number, number>();
  const kept: Node[] = [];
  for (const node of nodes) {
    if (!keep.has(node.id)) continue;
    remap.set(node.id, kept.length);
    const adjointOf = node.adjointOf === undefined ? undefined : remap.get(node.adjointOf);
    const { adjointOf: _dropped, ...rest } = node;
    kept.push({ ...rest, id: kept.length, inputs: node.inputs.map((i) => remap.get(i)!), ...(adjointOf !== undefined && { adjointOf }) });
  }
  return { nodes: kept, remap };
}
