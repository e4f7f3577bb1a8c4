// Where a node's entries are, as code: the array and offset each storage kind lives at, an entry
// (i, j) as an expression (transposes read through, fused maps computed in place, one-hot inputs
// as comparisons with their class index), and a node's entries as an assignment target. What
// differs between the code in the time loop and the code over all steps' rows is one ReadMode.
import type { Node } from "../src/ir/graph.js";
import type { Shape } from "../src/shape-error.js";
import { foldIndex } from "./fold-index.js";
import { mapCode, shapeOnlyInputs } from "./lowering.js";
import { ids, localPlaceholder, Locals } from "./names.js";
import type { Plan, Storage } from "./plan.js";

/** How per-step values are read: step t's slot, in the time loop; or every step's rows as one matrix, before and after it. */
export interface ReadMode {
  /** Where the current step's slot starts in a per-step array of `stride` entries per step ("" for the array's start). */
  stepBase(array: string, stride: number): string;
  /** The rows of a per-step value of `rows` rows per step, as this mode reads it. */
  rows(rows: number): number;
  /** Whether a copy of a parameter is made once per call, before the time loop, rather than by the kernel that asks for it. */
  readonly copiesBeforeLoop: boolean;
}

/** Inside the time loop: step t's slot of each per-step array, at offsets that the step declares first. */
export class StepMode implements ReadMode {
  /** The offsets the kernels used, by name, to declare at the top of the step. */
  readonly offsets = new Map<string, string>();

  constructor(private readonly steps: number) {}

  stepBase(array: string, stride: number): string {
    if (this.steps === 1) return "";
    const name = ids.offset(array);
    this.offsets.set(name, `t * ${stride}`);
    return name;
  }

  rows(rows: number): number {
    return rows;
  }

  get copiesBeforeLoop(): boolean {
    return this.steps > 1;
  }
}

/** Before or after the time loop: every per-step value as one matrix of all steps' rows (slot 0 onward). */
export class StackedMode implements ReadMode {
  readonly copiesBeforeLoop = false;

  constructor(private readonly steps: number) {}

  stepBase(): string {
    return "";
  }

  rows(rows: number): number {
    return rows * this.steps;
  }
}

/** `i * cols + j` with the zero and unit cases folded (a compound row index is parenthesized). */
function flatIndex(i: string, j: string, cols: number): string {
  const rowIndex = /^[A-Za-z0-9_]+$/.test(i) || localPlaceholder.test(i) ? i : `(${i})`;
  const row = i === "0" ? "" : cols === 1 ? rowIndex : `${rowIndex} * ${cols}`;
  return [row, j === "0" ? "" : j].filter(Boolean).join(" + ") || "0";
}

/** `base + index`, its constants folded. */
export function withBase(base: string, index: string): string {
  return foldIndex(base === "" ? index : `${base} + ${index}`);
}

export interface Target {
  /** The entry (i, j), as an lvalue. */
  at(i: string, j: string): string;
  readonly assign: "=" | "+=";
  /** Statements that zero the target before a `+=` loop; none when it accumulates already. */
  zero(): string[];
}

export class Reader {
  /** The current loop nest's locals: each kernel starts its own (see newLocals). */
  locals: Locals;
  /** Values read as a local while a consumer is computed where they are written (consumers.ts), by node. */
  protected readonly overrides = new Map<number, string>();
  private readonly nodeNames: ReadonlySet<string>;

  constructor(
    readonly plan: Plan,
    readonly mode: ReadMode,
  ) {
    this.nodeNames = new Set(plan.names.names);
    this.locals = this.newLocals();
  }

  /** A nest's locals: numbered from 1, never a node's name. */
  protected newLocals(): Locals {
    return new Locals(this.nodeNames);
  }

  protected get nodes(): readonly Node[] {
    return this.plan.ir.nodes;
  }

  storage(id: number): Storage {
    return this.plan.storage.get(id)!;
  }

  /** The array and base offset where a stored node's entries live. */
  protected location(s: Storage, node: Node): { array: string; base: string } {
    const mode = this.mode;
    switch (s.kind) {
      case "param":
        return { array: ids.param(s.name), base: "" };
      case "data":
        return { array: ids.batch(s.key), base: mode.stepBase(ids.batch(s.key), s.stepSize) };
      case "state": {
        // Slot t holds the state coming into step t; the step writes slot t + 1.
        const size = this.stateSize(s.name);
        const base = mode.stepBase(ids.state(s.name), size);
        return { array: ids.state(s.name), base: s.slot === "out" ? withBase(base, String(size)) : base };
      }
      case "buffer":
        return { array: s.buffer, base: s.perStep ? mode.stepBase(s.buffer, node.shape.rows * node.shape.cols) : "" };
      case "const":
        return { array: s.buffer, base: "" };
      case "grad":
        return { array: ids.grad(s.name), base: "" };
      case "stateAdjointIn":
        return { array: ids.adjointIn(s.name), base: "" };
      case "stateAdjointOut":
        return { array: ids.adjointOut(s.name), base: "" };
      default:
        throw new Error(`%${node.id} (${node.op}) has no location of its own (${s.kind})`);
    }
  }

  /** The length of the array a stored node lives in. */
  private arrayLength(s: Storage, node: Node): number {
    const size = node.shape.rows * node.shape.cols;
    if (s.kind === "state") return (this.plan.steps + 1) * this.stateSize(s.name);
    return s.kind === "buffer" && s.perStep ? size * this.plan.steps : size;
  }

  private stateSize(name: string): number {
    const shape = this.plan.ir.state.find((d) => d.name === name)!.shape;
    return shape.rows * shape.cols;
  }

  /** The entry (i, j) of node `id` as an expression; fused maps push their statements onto `pre`. */
  read(id: number, i: string, j: string, pre: string[]): string {
    const node = this.nodes[id]!;
    const s = this.storage(id);
    const local = this.overrides.get(id);
    if (local !== undefined) return local;
    if (s.kind === "view") return this.read(node.inputs[0]!, j, i, pre);
    if (s.kind === "literal") return s.code;
    if (s.kind === "oneHot") return `(${this.classIndex(s, i)} === ${j} ? 1 : 0)`;
    if (s.kind === "fused") {
      const v = this.locals.local(this.plan.names.hints[id]!);
      pre.push(`const ${v} = ${this.mapEntry(node, i, j, pre)};`);
      return v;
    }
    const { array, base } = this.location(s, node);
    // The `!` lets the module type-check under noUncheckedIndexedAccess, wherever --out puts it.
    return `${array}[${withBase(base, flatIndex(i, j, node.shape.cols))}]!`;
  }

  /** The class index of row i of a one-hot input. */
  private classIndex(s: Storage & { kind: "oneHot" }, i: string): string {
    return `${ids.batch(s.key)}[${withBase(this.mode.stepBase(ids.batch(s.key), s.stepRows), i)}]!`;
  }

  /**
   * The class of row i of node `id` when it is a one-hot input, or of column i when it is a
   * transpose of one; undefined otherwise (and for a double transpose, which readers see as neither).
   */
  classOf(id: number, i: string): string | undefined {
    let views = 0, source = id;
    while (this.storage(source).kind === "view") {
      views++;
      source = this.nodes[source]!.inputs[0]!;
    }
    const s = this.storage(source);
    if (s.kind !== "oneHot" || views > 1) return undefined;
    return this.classIndex(s, i);
  }

  /** A map node's entry (i, j): its inputs read at the same place, a 1×C input as a row, a 1×1 as a scalar. */
  mapEntry(node: Node, i: string, j: string, pre: string[]): string {
    const shapeOnly = shapeOnlyInputs(node);
    const args = node.inputs.map((input, k) => {
      if (shapeOnly.includes(k)) return "";
      const s = this.shapeOf(input);
      return this.read(input, s.rows === 1 ? "0" : i, s.cols === 1 ? "0" : j, pre);
    });
    return mapCode(node, args);
  }

  /** Node `id`'s own entries as an assignment target. */
  target(id: number): Target {
    return this.targetOf(this.storage(id), this.shapeOf(id), this.nodes[id]!);
  }

  /** The entries of storage `s` (of `node`'s size per step), `shape` as this mode reads them, as a target. */
  targetOf(s: Storage, shape: Shape, node: Node): Target {
    const { array, base } = this.location(s, node);
    const size = shape.rows * shape.cols;
    const accumulate = s.kind === "grad";
    const whole = base === "" && size === this.arrayLength(s, node);
    return {
      at: (i, j) => `${array}[${withBase(base, flatIndex(i, j, shape.cols))}]!`,
      assign: accumulate ? "+=" : "=",
      zero: () => (accumulate ? [] : whole ? [`${array}.fill(0);`] : [`${array}.fill(0, ${base || 0}, ${withBase(base, String(size))});`]),
    };
  }

  /** A node's shape as this mode reads it: a per-step value spans every step's rows over stacked steps. */
  shapeOf(id: number): Shape {
    const node = this.nodes[id]!;
    const s = this.storage(id);
    if (s.kind === "view") {
      const inner = this.shapeOf(node.inputs[0]!);
      return { rowDim: inner.colDim, colDim: inner.rowDim, rows: inner.cols, cols: inner.rows };
    }
    // A fused map is computed inside its consumer's loop, so over stacked rows when its consumer is.
    const perStep = s.kind === "data" || s.kind === "oneHot" || s.kind === "state" || s.kind === "fused" || (s.kind === "buffer" && s.perStep);
    return perStep ? { ...node.shape, rows: this.mode.rows(node.shape.rows) } : node.shape;
  }

  /** A parameter or a constant, or a transpose of one: the same at every step. */
  sameEveryStep(id: number): boolean {
    const s = this.storage(id);
    if (s.kind === "view") return this.sameEveryStep(this.nodes[id]!.inputs[0]!);
    return s.kind === "param" || s.kind === "const";
  }
}
