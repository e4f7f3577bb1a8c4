// What an op's ONNX form builds with: each op states, in its own file (OpDef.onnx), the ONNX nodes
// that compute it, through this small interface; the exporter (codegen/onnx-graph.ts) implements it
// and knows no op by name. Values are named by strings, as in an ONNX graph.
import type { Shape } from "./shape-error.js";

/** A node attribute: an integer (INT), a list of integers (INTS) or a string (STRING). */
export type OnnxAttribute = number | readonly number[] | string;

export interface OnnxBuilder {
  /** The shapes of the op's inputs as traced (a recurrent model's rows may vary when exported: read columns, not rows). */
  readonly inputs: readonly Shape[];
  /** The op's output shape as traced. */
  readonly output: Shape;
  /** Adds a node of an ONNX operator (default domain) and gives the name of its one output. */
  node(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string;
  /** A constant tensor of the exported float type (float64 or float32), row-major. */
  constant(values: readonly number[], dims: readonly number[]): string;
  /** A constant int64 tensor. */
  ints(values: readonly number[], dims: readonly number[]): string;
  /** A constant bool tensor. */
  bools(values: readonly boolean[], dims: readonly number[]): string;
}

/**
 * An op's ONNX form: from its inputs' value names and its attributes, the name of the value it
 * computes. Where ONNX Runtime has no kernel for an operator and type, the form builds a small
 * subgraph of operators it has.
 */
export type OnnxForm = (b: OnnxBuilder, inputs: readonly string[], attrs: Readonly<Record<string, number>>) => string;
