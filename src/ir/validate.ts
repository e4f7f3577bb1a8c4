// The validator: every node of an IR is checked again from scratch, so that a mismatch smuggled
// past the types (a cast, `any`, an IR built or edited by hand) is refused with the file and line
// of the op, the op, and both shapes, before anything runs it or turns it into code.
import { nameProblem } from "../names.js";
import { attrsProblem } from "../op.js";
import { findOp } from "../ops/table.js";
import { ShapeError, shapeText, type Shape } from "../shape-error.js";
import type { ModelIR, Node } from "./graph.js";

/** An IR that cannot be run or generated; `node` is the offending node when there is one. */
export class IRError extends Error {
  override readonly name = "IRError";
  constructor(
    message: string,
    readonly node?: Node,
  ) {
    super(message);
  }
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.rowDim === b.rowDim && a.colDim === b.colDim && a.rows === b.rows && a.cols === b.cols;
}

function positive(n: unknown): boolean {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 1;
}

/** Throws an IRError for the first problem found. */
export function validateModel(ir: ModelIR): void {
  const at = (node: Node) => `${node.loc ?? ir.source ?? ir.name}: `;
  const fail = (message: string, node?: Node): never => {
    throw new IRError(node ? `${at(node)}${message}` : `${ir.source ?? ir.name}: ${message}`, node);
  };
  const modelName = nameProblem(ir.name);
  if (modelName) fail(`model name: ${modelName}`);
  for (const [name, size] of Object.entries(ir.sizes)) {
    const problem = nameProblem(name);
    if (problem) fail(`dim ${problem}`);
    if (!positive(size)) fail(`dim ${name} = ${String(size)} is not a positive integer`);
  }

  const declared = new Map<string, Shape>();
  for (const d of [...ir.params, ...ir.inputs, ...ir.targets, ...ir.state]) {
    const problem = nameProblem(d.name);
    if (problem) fail(problem);
    if (declared.has(d.name)) fail(`the name "${d.name}" is declared twice`);
    declared.set(d.name, d.shape);
  }

  ir.nodes.forEach((node, index) => {
    if (node.id !== index) fail(`node %${index} carries id %${node.id}`, node);
    if (!positive(node.shape.rows) || !positive(node.shape.cols)) fail(`%${index} has shape ${shapeText(node.shape)}; sizes must be positive integers`, node);
    for (const input of node.inputs) {
      // Inputs must come earlier: this is also what rules out a cycle.
      if (!Number.isInteger(input) || input < 0 || input >= index) fail(`%${index} (${node.op}) uses %${input}, which does not come before it`, node);
    }
    if (node.adjointOf !== undefined && ir.nodes[node.adjointOf]?.phase !== "forward") fail(`%${index} is marked as the adjoint of %${node.adjointOf}, which is not a forward node`, node);
    if (node.op === "leaf") {
      if (!node.leaf || node.inputs.length > 0) fail(`%${index} is a leaf without a kind, or with inputs`, node);
      const { kind, name, value } = node.leaf!;
      if (kind === "const") {
        if (!value || value.length !== node.shape.rows * node.shape.cols) fail(`%${index}: a constant needs ${node.shape.rows * node.shape.cols} values`, node);
      } else if (kind === "param" || kind === "input" || kind === "target" || kind === "state" || kind === "stateAdjoint") {
        const shape = declared.get(name);
        if (!shape) fail(`%${index} is ${kind} "${name}", which is not declared`, node);
        if (!sameShape(shape!, node.shape)) fail(`%${index}: ${kind} ${name} is declared ${shapeText(shape!)} but used as ${shapeText(node.shape)}`, node);
      }
      return;
    }
    if (node.phase !== "forward" && node.phase !== "backward") fail(`%${index} has phase ${JSON.stringify(node.phase)}; it must be "forward" or "backward"`, node);
    const op = findOp(node.op);
    if (!op) fail(`%${index}: unknown op "${node.op}"`, node);
    if (node.phase === "forward") {
      if (op!.backwardOnly) fail(`%${index}: ${node.op} is a helper of gradient rules; it cannot be a forward node`, node);
      const late = node.inputs.find((i) => ir.nodes[i]?.phase === "backward");
      if (late !== undefined) fail(`%${index}: the forward node ${node.op} reads %${late}, a backward node`, node);
    }
    const attrIssue = attrsProblem(op!, node.attrs ?? {});
    if (attrIssue) fail(`%${index}: ${node.op}: ${attrIssue}`, node);
    if (node.inputs.length !== op!.arity) fail(`%${index}: ${node.op} takes ${op!.arity} inputs, got ${node.inputs.length}`, node);
    const inputShapes = node.inputs.map((i) => ir.nodes[i]!.shape);
    let expected: Shape;
    try {
      expected = op!.shape(inputShapes as never, node.attrs);
    } catch (e) {
      if (e instanceof ShapeError) fail(`${e.op}: ${e.detail}`, node);
      throw e;
    }
    if (!sameShape(expected!, node.shape)) {
      fail(`%${index}: ${node.op} of ${inputShapes.map(shapeText).join(" and ")} gives ${shapeText(expected!)}, but the node says ${shapeText(node.shape)}`, node);
    }
  });

  const node = (id: number, what: string): Node => {
    const n = ir.nodes[id];
    if (!n) fail(`${what} refers to %${id}, which does not exist`);
    return n!;
  };
  if (ir.outputs.output !== undefined) node(ir.outputs.output, "the output");
  const lossNode = node(ir.outputs.loss, "the loss");
  if (lossNode.shape.rowDim !== 1 || lossNode.shape.colDim !== 1 || lossNode.shape.rows !== 1 || lossNode.shape.cols !== 1) fail(`the loss must be 1×1, got ${shapeText(lossNode.shape)}`, lossNode);
  const check = (group: string, rec: Readonly<Record<string, number>>, decls: readonly { name: string; shape: Shape }[]) => {
    for (const d of decls) {
      if (!Object.hasOwn(rec, d.name)) fail(`${group} ${d.name} has no output`);
      const n = node(rec[d.name]!, `${group} ${d.name}`);
      if (!sameShape(n.shape, d.shape)) fail(`${group} ${d.name} is ${shapeText(n.shape)} but ${d.name} is declared ${shapeText(d.shape)}`, n);
    }
    for (const key of Object.keys(rec)) if (!decls.some((d) => d.name === key)) fail(`${group} ${key} is not declared`);
  };
  check("next state", ir.outputs.state, ir.state);
  check("gradient of", ir.outputs.paramGrads, ir.params);
  check("gradient of state", ir.outputs.stateGrads, ir.state);
}
