// Tracing: the typed ops, applied to traced values, record IR nodes instead of computing
// (JAX's idea, Autodidax-sized). A traced value looks like any Mat to the ops and their types,
// but holds a node id instead of numbers.
import type { AnyMat } from "./mat.js";
import { withRecorder, type Arity, type Attrs, type OpDef, type Recorder } from "./op.js";
import { callerLocation, type Shape } from "./shape-error.js";
import type { LeafKind, Node } from "./ir/graph.js";
import { ModelError } from "./model-error.js";

// Registered (Symbol.for), like the recorder, so that every instance of the library recognizes a traced value.
const traced = Symbol.for("shapegrad.traced");

interface TracedMat extends AnyMat {
  readonly [traced]: { readonly tracer: Tracer; readonly id: number };
}

function plainShape(s: Shape): Shape {
  return { rowDim: s.rowDim, colDim: s.colDim, rows: s.rows, cols: s.cols };
}

export class Tracer implements Recorder {
  readonly nodes: Node[] = [];
  phase: "forward" | "backward" = "forward";
  /** While rules run, their nodes are attributed to the forward op being differentiated. */
  locationOverride: string | undefined;
  private readonly handles: TracedMat[] = [];

  constructor(readonly modelName: string) {}

  owns(value: unknown): value is TracedMat {
    return typeof value === "object" && value !== null && (value as Partial<TracedMat>)[traced]?.tracer === this;
  }

  /** The node id behind a traced value. */
  idOf(value: AnyMat): number {
    if (!this.owns(value)) throw new TypeError(`model ${this.modelName}: expected a value computed inside the model, got a plain matrix`);
    return value[traced].id;
  }

  /** The traced value of node `id`. */
  valueOf(id: number): AnyMat {
    const handle = this.handles[id];
    if (!handle) throw new RangeError(`no node %${id}`);
    return handle;
  }

  leaf(kind: LeafKind, name: string, shape: Shape, value?: readonly number[]): AnyMat {
    return this.add({ op: "leaf", inputs: [], attrs: {}, shape: plainShape(shape), leaf: value ? { kind, name, value } : { kind, name } });
  }

  record(op: OpDef<Arity>, inputs: readonly AnyMat[], attrs: Attrs, shape: Shape): AnyMat {
    // A plain matrix used inside the model becomes a constant leaf, holding a copy of its numbers.
    const ids = inputs.map((m) => (this.owns(m) ? m[traced].id : this.idOf(this.leaf("const", "", m, Array.from(m.data)))));
    const loc = this.locationOverride ?? callerLocation();
    if (op.backwardOnly && this.phase === "forward") {
      throw new ModelError(`${loc ? `${loc}: ` : ""}model ${this.modelName}: ${op.name} is a helper of gradient rules (shapegrad/ops), not an op of a model's step; use the op whose rule it serves`);
    }
    return this.add({ op: op.name, inputs: ids, attrs: { ...attrs }, shape: plainShape(shape), ...(loc && { loc }) });
  }

  label(value: AnyMat, name: string): void {
    const id = this.idOf(value);
    // A label is how derivations and generated code name the value: it must not be the name of a
    // parameter, input or target (a state's name is the label of its next value: cell_t beside cell_{t−1}).
    const declared = this.nodes.find((n) => n.leaf && ["param", "input", "target"].includes(n.leaf.kind) && n.leaf.name === name);
    if (declared && declared.id !== id) {
      const loc = callerLocation();
      throw new ModelError(`${loc ? `${loc}: ` : ""}model ${this.modelName}: named("${name}", …) would give a computed value the name of the model's ${declared.leaf!.kind} ${name}; choose another name`);
    }
    this.nodes[id] = { ...this.nodes[id]!, label: name };
  }

  /** Marks node `id` as the adjoint of forward node `of`, for explanations. */
  markAdjoint(id: number, of: number): void {
    if (this.nodes[id]!.adjointOf === undefined) this.nodes[id] = { ...this.nodes[id]!, adjointOf: of };
  }

  /** Runs `fn` with this tracer recording. */
  run<T>(fn: () => T): T {
    return withRecorder(this, fn);
  }

  private add(fields: Omit<Node, "id" | "phase">): AnyMat {
    const id = this.nodes.length;
    const node: Node = { id, phase: this.phase, ...fields };
    this.nodes.push(node);
    const tracer = this;
    const handle: TracedMat = {
      rowDim: node.shape.rowDim,
      colDim: node.shape.colDim,
      rows: node.shape.rows,
      cols: node.shape.cols,
      get data(): Float64Array {
        throw new TypeError(
          `model ${tracer.modelName}: %${id} (${node.op}) is a traced value: it has no numbers while the model is being declared; compute with it using the ops`,
        );
      },
      [traced]: { tracer, id },
    };
    this.handles.push(handle);
    return handle;
  }
}
