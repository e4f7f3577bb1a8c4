// Encodes an ONNX model (codegen/onnx-graph.ts's records) with protobufjs and the official schema,
// onnx.proto from github.com/onnx/onnx (vendored in codegen/onnx/ with its licence). Tensors are
// written as little-endian raw_data, fields in a fixed order: the same model gives the same bytes.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import type { OnnxAttribute } from "../src/onnx-form.js";
import type { ElemType, GraphSpec, ModelSpec, TensorSpec, ValueSpec } from "./onnx-graph.js";

/** The schema, found beside this file in the sources and from dist/codegen/ in a build. */
function schemaPath(): string {
  for (const rel of ["./onnx/onnx.proto", "../../codegen/onnx/onnx.proto"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("codegen/onnx/onnx.proto is missing from the installation");
}

let modelType: protobuf.Type | undefined;
function modelProto(): protobuf.Type {
  modelType ??= new protobuf.Root().loadSync(schemaPath(), { keepCase: true }).lookupType("onnx.ModelProto");
  return modelType;
}

const dataType: Record<ElemType, number> = { float: 1, int64: 7, bool: 9, double: 11 };
/** ONNX IR version 8 goes with opset 17. */
const irVersion = 8;

function rawData(t: TensorSpec): Uint8Array {
  const n = t.values.length;
  if (t.type === "double") return new Uint8Array(Float64Array.from(t.values as ArrayLike<number>).buffer);
  if (t.type === "float") return new Uint8Array(Float32Array.from(t.values as ArrayLike<number>).buffer);
  if (t.type === "int64") return new Uint8Array(BigInt64Array.from(Array.from(t.values as ArrayLike<number>, (v) => BigInt(v))).buffer);
  return Uint8Array.from({ length: n }, (_, i) => ((t.values as readonly boolean[])[i] ? 1 : 0));
}

const tensor = (t: TensorSpec) => ({ name: t.name, dims: t.dims, data_type: dataType[t.type], raw_data: rawData(t) });

const valueInfo = (v: ValueSpec) => ({
  name: v.name,
  type: { tensor_type: { elem_type: dataType[v.type], shape: { dim: v.dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
});

function attribute(name: string, value: OnnxAttribute | GraphSpec) {
  if (typeof value === "number") return { name, type: 2, i: value };
  if (typeof value === "string") return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value };
  return { name, type: 5, g: graph(value as GraphSpec) };
}

function graph(g: GraphSpec): object {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({ name: n.name, op_type: n.opType, input: n.inputs, output: n.outputs, attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)) })),
    initializer: g.initializers.map(tensor),
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
  };
}

/** The model as ONNX protobuf bytes. */
export function encodeOnnx(model: ModelSpec, producerVersion: string): Uint8Array {
  const type = modelProto();
  const message = type.fromObject({
    ir_version: irVersion,
    producer_name: "shapegrad",
    producer_version: producerVersion,
    graph: graph(model.graph),
    opset_import: [{ domain: "", version: model.opset }],
    metadata_props: model.metadata.map(([key, value]) => ({ key, value })),
  });
  return type.encode(message).finish();
}

/** The metadata of an ONNX model's file (`shapegrad.vocabulary`, `shapegrad.sizes`, …), which ONNX Runtime's JavaScript API does not read. */
export function onnxMetadata(bytes: Uint8Array): Record<string, string> {
  const type = modelProto();
  const model = type.toObject(type.decode(bytes)) as { metadata_props?: { key: string; value: string }[] };
  return Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key, p.value]));
}
