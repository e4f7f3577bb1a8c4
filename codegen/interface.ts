// What a caller of a generated module sees: its types (Mat, Params, Batch, Grads, Result, sizes),
// the argument checks, and the two entry points, forward and lossAndGrad, which check every
// argument's shape, load the initial states and call the step functions.
import { apartCheck, apartFunction } from "./apart.js";
import { batchKeys, finalKey, type DataKey, type StateKey } from "../src/batch-names.js";
import type { ModelIR } from "../src/ir/graph.js";
import { numberLiteral } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { matType } from "./memory.js";
import type { Declaration } from "./module-parts.js";
import { ids } from "./names.js";
import type { Argument, StepArguments } from "./step-functions.js";

const dimLabel = (s: Shape) => `${s.rowDim}×${s.colDim}`;

/** The step functions' parameters, and how the entry points pass them. */
export function stepArguments(ir: ModelIR): StepArguments {
  const keys = batchKeys(ir);
  const array = (name: string, from: string): Argument => ({ name, type: "Float64Array", from });
  return {
    params: ir.params.map((d) => array(ids.param(d.name), `params.${d.name}.data`)),
    batch: keys.data.map((k) => array(ids.batch(k.key), `batch.${k.key}.data`)),
    grads: ir.params.map((d) => array(ids.grad(d.name), `grads.${d.name}.data`)),
    stateGrads: keys.state.map((k) => array(ids.grad(k.key), `grads.${k.key}.data`)),
  };
}

/** The exported types and sizes. */
export function typeDeclarations(ir: ModelIR): Declaration[] {
  const seq = ir.sequence;
  const keys = batchKeys(ir);
  const states = ir.state.length > 0;
  const prop = (name: string, shape: Shape) => ({ name, type: matType(shape) });
  return [
    {
      kind: "interface",
      name: "Mat",
      doc: "A row-major matrix whose dims are part of its type: structurally shapegrad's Mat, so the library's values pass as they are.",
      typeParameters: ["R extends string | number", "C extends string | number"],
      properties: [
        { name: "rowDim", type: "R" },
        { name: "colDim", type: "C" },
        { name: "rows", type: "number" },
        { name: "cols", type: "number" },
        { name: "data", type: "Float64Array" },
      ],
      exported: true,
    },
    { kind: "const", name: "sizes", doc: `The sizes this module was generated for.${seq ? ` ${seq.stacked} = ${seq.steps}·rows = ${seq.count * seq.rows}.` : ""}`, initializer: `{ ${Object.entries(ir.sizes).map(([k, v]) => `${k}: ${v}`).join(", ")} } as const`, exported: true },
    { kind: "interface", name: "Params", doc: `The parameters of ${ir.name}.`, properties: ir.params.map((d) => prop(d.name, d.shape)), exported: true },
    {
      kind: "interface",
      name: "Batch",
      doc: seq ? `One batch: each input and target stacked over the ${seq.count} steps, time-major (${seq.stacked} = ${seq.steps}·${ir.inputs[0]?.shape.rowDim ?? "rows"} rows)${states ? ", and each initial state" : ""}.` : "One batch of inputs and targets.",
      properties: [...keys.data, ...keys.state].map((k) => prop(k.key, k.shape)),
      exported: true,
    },
    {
      kind: "interface",
      name: "Grads",
      doc: `The gradient of the loss with respect to each parameter${states ? " and each initial state" : ""}; overwritten by lossAndGrad.`,
      properties: [...ir.params.map((d) => prop(d.name, d.shape)), ...keys.state.map((k) => prop(k.key, k.shape))],
      exported: true,
    },
    { kind: "interface", name: "Result", doc: states ? "The loss, and the final value of each state." : "The loss.", properties: [{ name: "loss", type: "number" }, ...ir.state.map((d) => prop(finalKey(d.name), d.shape))], exported: true },
  ];
}

/** The functions that check a caller's arguments: every shape, and one-hot inputs' class indices. */
export function checkFunctions(ir: ModelIR): Declaration[] {
  return [...shapeChecks(ir), apartFunction()];
}

function shapeChecks(ir: ModelIR): Declaration[] {
  const expectShape: Declaration = {
    kind: "function",
    name: "expectShape",
    doc: "Throws unless `m` is a rows×cols matrix: the generated loops read exactly that many numbers.",
    parameters: [
      { name: "fn", type: "string" },
      { name: "what", type: "string" },
      { name: "m", type: "Mat<string | number, string | number>" },
      { name: "rows", type: "number" },
      { name: "cols", type: "number" },
      { name: "dims", type: "string" },
    ],
    returnType: "void",
    body: [
      'if (typeof m !== "object" || m === null || !(m.data instanceof Float64Array)) {',
      "throw new TypeError(`${fn}: ${what} must be a ${dims} matrix (${rows}×${cols}) of float64`);",
      "}",
      'if (typeof m.rows !== "number" || typeof m.cols !== "number") {',
      "throw new TypeError(`${fn}: ${what} must be ${dims} = ${rows}×${cols}; its rows and cols are ${JSON.stringify(m.rows)} and ${JSON.stringify(m.cols)}, and sizes must be numbers`);",
      "}",
      "if (m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols) {",
      "throw new RangeError(`${fn}: ${what} must be ${dims} = ${rows}×${cols}, got ${m.rows}×${m.cols} with ${m.data.length} numbers`);",
      "}",
    ],
    exported: false,
  };
  if (!batchKeys(ir).data.some((k) => k.oneHot)) return [expectShape];
  const expectIndices: Declaration = {
    kind: "function",
    name: "expectIndices",
    doc: "Throws unless every entry is a class index in [0, classes): the generated loops index with them.",
    parameters: [
      { name: "fn", type: "string" },
      { name: "what", type: "string" },
      { name: "indices", type: "Float64Array" },
      { name: "classes", type: "number" },
    ],
    returnType: "void",
    body: [
      "for (let i = 0; i < indices.length; i++) {",
      "const k = indices[i]!;",
      "if (!(k >= 0 && k < classes && k === Math.floor(k))) {",
      "throw new RangeError(`${fn}: ${what} entry ${i} is ${k}, not a class index from 0 to ${classes - 1}`);",
      "}",
      "}",
    ],
    exported: false,
  };
  return [expectShape, expectIndices];
}

/** The exported entry points: forward (the loss) and lossAndGrad (the loss and every gradient). */
/**
 * The exported functions. With `gradients` (SIMD kernels), lossAndGrad computes the gradients in
 * arrays of the kernels' memory (ids.gradient), where kernels write them in place, and copies each
 * into the caller's array once at the end.
 */
export function entryPoints(ir: ModelIR, args: StepArguments, gradients = false): Declaration[] {
  const keys = batchKeys(ir);
  const checks = (fn: string, group: string, entries: readonly { key: string; shape: Shape }[]) =>
    entries.map((e) => `expectShape("${fn}", "${group}.${e.key}", ${group}.${e.key}, ${e.shape.rows}, ${e.shape.cols}, "${dimLabel(e.shape)}");`);
  const params = ir.params.map((d) => ({ key: d.name, shape: d.shape }));
  const classes = (k: DataKey) => ir.inputs.find((d) => d.name === k.name)!.shape.cols;
  const argumentChecks = (fn: string) => [
    ...checks(fn, "params", params),
    ...checks(fn, "batch", [...keys.data, ...keys.state]),
    ...keys.data.filter((k) => k.oneHot).map((k) => `expectIndices("${fn}", "batch.${k.key}", batch.${k.key}.data, ${classes(k)});`),
  ];
  const loadState = keys.state.map((k: StateKey) => `${ids.state(k.name)}.set(batch.${k.key}.data);`);
  const call = (name: string, list: readonly Argument[]) => `${name}(${list.map((a) => a.from).join(", ")})`;
  const result = `return { loss${ir.state.map((d) => `, ${finalKey(d.name)}: ${ids.final(d.name)}`).join("")} };`;
  const loss = `const loss = ${numberLiteral(ir.lossScale.factor)} * ${call("forwardSteps", [...args.params, ...args.batch])};`;
  const { scale, views } = lossNote(ir);
  // The gradients' keys, in the order of args.grads then args.stateGrads.
  const gradKeys = [...params, ...keys.state].map((e) => e.key);
  // lossAndGrad writes the gradients: none may share memory with another, with what it reads, or
  // with this module's own states (a final state returned by the last call views one).
  const apart = apartCheck(
    "lossAndGrad",
    [...params, ...keys.state].map((e) => ({ name: `grads.${e.key}`, from: `grads.${e.key}.data` })),
    [
      ...params.map((e) => ({ name: `params.${e.key}`, from: `params.${e.key}.data` })),
      ...[...keys.data, ...keys.state].map((k) => ({ name: `batch.${k.key}`, from: `batch.${k.key}.data` })),
      ...ir.state.map((d) => ({ name: `this module's state ${d.name} (${finalKey(d.name)} of a call views it)`, from: ids.state(d.name) })),
    ],
  );
  return [
    ...apart.declarations,
    {
      kind: "function",
      name: "forward",
      doc: `The loss of ${ir.name} on one batch.${scale}${views}`,
      parameters: [
        { name: "params", type: "Params" },
        { name: "batch", type: "Batch" },
      ],
      returnType: "Result",
      body: [...argumentChecks("forward"), ...loadState, loss, result],
      exported: true,
    },
    {
      kind: "function",
      name: "lossAndGrad",
      doc: `The loss of ${ir.name} on one batch and its gradients, written into \`grads\` (overwritten).${scale} Allocates nothing but the result object.${views}`,
      parameters: [
        { name: "params", type: "Params" },
        { name: "batch", type: "Batch" },
        { name: "grads", type: "Grads" },
      ],
      returnType: "Result",
      body: [
        ...argumentChecks("lossAndGrad"),
        ...checks("lossAndGrad", "grads", [...params, ...keys.state]),
        ...apart.lines,
        ...loadState,
        loss,
        ...(gradients
          ? [
              ...params.map((e) => `${ids.gradient(e.key)}.fill(0);`),
              `${call("backwardSteps", [...args.params, ...args.batch, ...[...args.grads, ...args.stateGrads].map((a, k) => ({ ...a, from: ids.gradient(gradKeys[k]!) }))])};`,
              ...[...args.grads, ...args.stateGrads].map((a, k) => `${a.from}.set(${ids.gradient(gradKeys[k]!)});`),
            ]
          : [...args.grads.map((a) => `${a.from}.fill(0);`), `${call("backwardSteps", [...args.params, ...args.batch, ...args.grads, ...args.stateGrads])};`]),
        result,
      ],
      exported: true,
    },
  ];
}

/** How the loss is scaled (`L = (1/(T·n)) Σ_t loss_t`), and that a final state is a view the next call overwrites. */
function lossNote(ir: ModelIR): { scale: string; views: string } {
  const over = ir.lossScale.over;
  const factor = over.length === 1 ? `1/${over[0]}` : `1/(${over.join("·")})`;
  const scale = over.length ? ` L = (${factor}) ${ir.sequence ? "Σ_t loss_t" : "loss"}.` : "";
  const views = ir.state.length ? ` ${ir.state.map((d) => `\`${finalKey(d.name)}\``).join(", ")} views a buffer of this module that the next call overwrites: copy it to keep it.` : "";
  return { scale, views };
}
