// A model's forward computation as an ONNX graph, in plain records (codegen/onnx-write.ts encodes
// them): every op by its own ONNX form (OpDef.onnx), so nothing here names an op. A model without
// steps is its step's graph; a recurrent one runs its step under ONNX Scan, so the sequence length
// and the rows of a step are symbolic and one graph runs a whole sequence or one step at a time.
import { dataKey, finalKey, initialKey } from "../src/batch-names.js";
import type { Declared, ModelIR, Node } from "../src/ir/graph.js";
import { ModelError } from "../src/model-error.js";
import type { OnnxAttribute, OnnxBuilder } from "../src/onnx-form.js";
import { opNamed } from "../src/ops/table.js";
import type { Shape } from "../src/shape-error.js";

export type ElemType = "float" | "double" | "int64" | "bool";
export interface TensorSpec {
  readonly name: string;
  readonly type: ElemType;
  readonly dims: readonly number[];
  readonly values: ArrayLike<number> | readonly boolean[];
}
export interface ValueSpec {
  readonly name: string;
  readonly type: ElemType;
  /** Each dim a size, or a name for a symbolic size. */
  readonly dims: readonly (number | string)[];
}
export interface NodeSpec {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, OnnxAttribute | GraphSpec>>;
}
export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
}
export interface ModelSpec {
  readonly graph: GraphSpec;
  readonly opset: number;
  readonly metadata: readonly (readonly [string, string])[];
}

/** The opset written: ONNX Runtime runs every operator used here at it, for float and double. */
export const onnxOpset = 17;

/** A graph under construction; constants go to the outermost graph's initializers, which a Scan body may read. */
class Graph implements OnnxBuilder {
  readonly nodes: NodeSpec[] = [];
  inputs: readonly Shape[] = [];
  output: Shape = { rowDim: 1, colDim: 1, rows: 1, cols: 1 };
  constructor(
    private readonly prefix: string,
    private readonly counter: { n: number },
    readonly initializers: TensorSpec[],
    private readonly floatType: ElemType,
  ) {}
  fresh(hint: string): string {
    return `${this.prefix}${hint}_${this.counter.n++}`;
  }
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, OnnxAttribute | GraphSpec>> = {}, outputs?: readonly string[]): string {
    const outs = outputs ?? [this.fresh(opType)];
    this.nodes.push({ opType, name: `${outs[0]!}_node`, inputs, outputs: outs, attributes });
    return outs[0]!;
  }
  private tensor(type: ElemType, values: TensorSpec["values"], dims: readonly number[]): string {
    const name = this.fresh("const");
    this.initializers.push({ name, type, dims, values });
    return name;
  }
  constant(values: readonly number[], dims: readonly number[]): string {
    return this.tensor(this.floatType, values, dims);
  }
  ints(values: readonly number[], dims: readonly number[]): string {
    return this.tensor("int64", values, dims);
  }
  bools(values: readonly boolean[], dims: readonly number[]): string {
    return this.tensor("bool", values, dims);
  }
}

/** The forward nodes that the step's output and next states depend on, in order. */
function neededNodes(ir: ModelIR): Node[] {
  const roots = [ir.outputs.output, ...Object.values(ir.outputs.state)].filter((id): id is number => id !== undefined);
  const keep = new Set(roots);
  for (let id = ir.nodes.length - 1; id >= 0; id--) if (keep.has(id)) for (const i of ir.nodes[id]!.inputs) keep.add(i);
  return ir.nodes.filter((n) => keep.has(n.id));
}

/** Refuses, naming it, the first op of the forward computation that has no ONNX form. */
export function checkExportable(ir: ModelIR): void {
  if (ir.outputs.output === undefined) throw new ModelError(`model ${ir.name} names no output in its step (return { loss, output }), so there is nothing to export`);
  for (const node of neededNodes(ir)) {
    if (node.op === "leaf") continue;
    if (!opNamed(node.op).onnx) throw new ModelError(`model ${ir.name} uses op ${node.op}, which has no ONNX form (OpDef.onnx), so it cannot be exported`);
  }
}

/** Writes the step's nodes into `g`, from the names of its leaves' values; gives each node's value name. */
function emitStep(g: Graph, ir: ModelIR, leafValue: (leaf: NonNullable<Node["leaf"]>) => string): Map<number, string> {
  const values = new Map<number, string>();
  for (const node of neededNodes(ir)) {
    const leaf = node.leaf;
    if (leaf) {
      const value = leaf.kind === "const" ? g.constant([...leaf.value!], [node.shape.rows, node.shape.cols]) : leafValue(leaf);
      values.set(node.id, value);
      continue;
    }
    g.inputs = node.inputs.map((i) => ir.nodes[i]!.shape);
    g.output = node.shape;
    values.set(node.id, opNamed(node.op).onnx!(g, node.inputs.map((i) => values.get(i)!), node.attrs));
  }
  return values;
}

/** Class indices [rows, 1] (int64) as the one-hot rows they stand for, in the float type. */
function oneHotRows(g: Graph, indices: string, classes: number, to: number): string {
  const equal = g.node("Equal", [indices, g.ints(Array.from({ length: classes }, (_, k) => k), [1, classes])]);
  return g.node("Cast", [equal], { to });
}

const typeCode: Record<ElemType, number> = { float: 1, int64: 7, bool: 9, double: 11 };

export interface ExportOptions {
  readonly dtype: "f64" | "f32";
  /** Every parameter's values, row-major, by name. */
  readonly params: Readonly<Record<string, ArrayLike<number>>>;
  readonly metadata: readonly (readonly [string, string])[];
}

/** The model's forward computation as an ONNX model: output for every step, and final states. */
export function onnxModel(ir: ModelIR, options: ExportOptions): ModelSpec {
  checkExportable(ir);
  const floatType: ElemType = options.dtype === "f32" ? "float" : "double";
  const initializers: TensorSpec[] = ir.params.map((d) => {
    const values = options.params[d.name];
    if (!values || values.length !== d.shape.rows * d.shape.cols) throw new ModelError(`parameter ${d.name}: expected ${d.shape.rows * d.shape.cols} values, got ${values?.length ?? "none"}`);
    return { name: d.name, type: floatType, dims: [d.shape.rows, d.shape.cols], values };
  });
  const counter = { n: 0 };
  const main = new Graph("", counter, initializers, floatType);
  const seq = ir.sequence;
  const inputs: ValueSpec[] = [];
  const outputs: ValueSpec[] = [];
  const outShape = ir.nodes[ir.outputs.output!]!.shape;
  // A data input as the model's step reads it (one-hot indices as rows), stacked when recurrent.
  const dataInput = (d: Declared, rows: number | string): string => {
    const key = dataKey(d.name, seq !== undefined);
    inputs.push({ name: key, type: d.oneHot ? "int64" : floatType, dims: [rows, d.oneHot ? 1 : d.shape.cols] });
    return d.oneHot ? oneHotRows(main, key, d.shape.cols, typeCode[floatType]) : key;
  };
  if (!seq) {
    const data = new Map(ir.inputs.map((d) => [d.name, dataInput(d, d.shape.rows)]));
    const values = emitStep(main, ir, (leaf) => (leaf.kind === "param" ? leaf.name : data.get(leaf.name)!));
    main.node("Identity", [values.get(ir.outputs.output!)!], {}, ["output"]);
    outputs.push({ name: "output", type: floatType, dims: [outShape.rows, outShape.cols] });
  } else {
    // The rows of one step: symbolic, named by the states' row dim (fixed as traced when there is no state).
    const rowName = typeof ir.state[0]?.shape.rowDim === "string" ? ir.state[0].shape.rowDim : "rows";
    const rowsDim: number | string = ir.state.length > 0 ? rowName : seq.rows;
    const stateInputs = ir.state.map((d) => {
      inputs.push({ name: initialKey(d.name), type: floatType, dims: [rowsDim, d.shape.cols] });
      return initialKey(d.name);
    });
    const rowsNow = ir.state.length > 0 ? main.node("Shape", [stateInputs[0]!], { start: 0, end: 1 }) : main.ints([seq.rows], [1]);
    const stepsOf = (name: string, cols: number) => main.node("Reshape", [name, main.node("Concat", [main.ints([-1], [1]), rowsNow, main.ints([cols], [1])], { axis: 0 })]);
    const scanInputs = ir.inputs.map((d) => stepsOf(dataInput(d, seq.stacked), d.shape.cols));
    // The step as the Scan body: states in and out, each step's rows of the data in, the output out.
    const body = new Graph("step_", counter, initializers, floatType);
    const bodyState = new Map(ir.state.map((d) => [d.name, `step_${d.name}_in`]));
    const bodyData = new Map(ir.inputs.map((d) => [d.name, `step_${d.name}_in`]));
    const values = emitStep(body, ir, (leaf) => (leaf.kind === "param" ? leaf.name : leaf.kind === "state" ? bodyState.get(leaf.name)! : bodyData.get(leaf.name)!));
    const stateOut = ir.state.map((d) => body.node("Identity", [values.get(ir.outputs.state[d.name]!)!], {}, [`step_${d.name}_out`]));
    const stepOut = body.node("Identity", [values.get(ir.outputs.output!)!], {}, ["step_output"]);
    const bodyGraph: GraphSpec = {
      name: "step",
      nodes: body.nodes,
      initializers: [],
      inputs: [
        ...ir.state.map((d) => ({ name: bodyState.get(d.name)!, type: floatType, dims: [rowsDim, d.shape.cols] })),
        ...ir.inputs.map((d) => ({ name: bodyData.get(d.name)!, type: floatType, dims: [rowsDim, d.shape.cols] })),
      ],
      outputs: [
        ...ir.state.map((d, i) => ({ name: stateOut[i]!, type: floatType, dims: [rowsDim, d.shape.cols] })),
        { name: stepOut, type: floatType, dims: [rowsDim, outShape.cols] },
      ],
    };
    const finals = ir.state.map((d) => finalKey(d.name));
    const stacked = main.fresh("outputs");
    main.node("Scan", [...stateInputs, ...scanInputs], { body: bodyGraph, num_scan_inputs: ir.inputs.length }, [...finals, stacked]);
    main.node("Reshape", [stacked, main.ints([-1, outShape.cols], [2])], {}, ["output"]);
    outputs.push({ name: "output", type: floatType, dims: [seq.stacked, outShape.cols] });
    ir.state.forEach((d, i) => outputs.push({ name: finals[i]!, type: floatType, dims: [rowsDim, d.shape.cols] }));
  }
  return { graph: { name: ir.name, nodes: main.nodes, initializers, inputs, outputs }, opset: onnxOpset, metadata: options.metadata };
}
