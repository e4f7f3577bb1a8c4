// The emitter: from a plan to the parts of a TypeScript module. Every size is a constant; every
// index is arithmetic on constants and loop variables; transposes are read through; fused maps
// become locals inside their consumer's loop. The time loop wraps a step whose body does not grow
// with the number of steps, so V8 optimizes it at any T.
import type { ModelIR, Node } from "../src/ir/graph.js";
import { numberLiteral, type LoopContext } from "../src/op.js";
import { loop } from "../src/ops/loop-code.js";
import { findOp } from "../src/ops/table.js";
import { mapCode, mathOf, nestLines, shapeOnlyInputs } from "./lowering.js";
import { batchKeys } from "../src/interpret.js";
import type { Shape } from "../src/shape-error.js";
import { checkKernelMemory } from "./budget.js";
import type { Declaration, ModuleParts } from "./module-parts.js";
import { optimizerDeclarations } from "./optimizers.js";
import type { Kernel, Plan, Storage } from "./plan.js";

/** Identifiers for the model's own names carry a category prefix, so they never meet the generator's. */
const ids = {
  param: (name: string) => `param_${name}`,
  batch: (key: string) => `batch_${key}`,
  grad: (key: string) => `grad_${key}`,
  state: (name: string) => `state_${name}`,
  adjointIn: (name: string) => `adjointIn_${name}`,
  adjointOut: (name: string) => `adjointOut_${name}`,
  final: (name: string) => `final_${name}`,
};

/** Scratch arrays are shared by every loop nest (they run one at a time); a nest that needs several takes slots 0, 1, 2. */
const scratchName = (slot: number) => (slot === 0 ? "scratch" : `scratch${slot}`);

/** The module-level arrays that loop nests copy operands into: shared scratch, and one per parameter copy. */
interface Copies {
  /** The length of each scratch slot. */
  readonly scratch: number[];
  readonly lengths: Map<string, { readonly length: number; readonly op: string; readonly input: number }>;
  /** With SIMD kernels: each kernel's WebAssembly text, by name, in the order first used. */
  readonly kernels?: Map<string, string>;
}

/** `i * cols + j` with the zero and unit cases folded (a compound row index is parenthesized). */
function flatIndex(i: string, j: string, cols: number): string {
  const rowIndex = /^[A-Za-z0-9_]+$/.test(i) ? i : `(${i})`;
  const row = i === "0" ? "" : /^\d+$/.test(i) ? String(Number(i) * cols) : cols === 1 ? rowIndex : `${rowIndex} * ${cols}`;
  return [row, j === "0" ? "" : j].filter(Boolean).join(" + ") || "0";
}

function withBase(base: string, index: string): string {
  if (base === "") return index;
  return index === "0" ? base : `${base} + ${index}`;
}

function dimLabel(s: Shape): string {
  return `${s.rowDim}×${s.colDim}`;
}

class StepEmitter {
  private counter = 0;
  /** Per-step offsets the body used; declared at the top of the step. */
  readonly offsets = new Map<string, string>();

  /**
   * A stacked emitter reads every per-step value as one matrix of all steps' rows (slot 0 onward),
   * for the gradients computed after the backward loop.
   */
  constructor(
    private readonly plan: Plan,
    private readonly copies: Copies,
    private readonly stacked = false,
  ) {}

  /** Copies of parameters that this function makes once per call, before its time loop, by array. */
  readonly prelude = new Map<string, readonly string[]>();

  /** A parameter or a constant, or a transpose of one: the same at every step. */
  private sameEveryStep(id: number): boolean {
    const s = this.plan.storage.get(id)!;
    if (s.kind === "view") return this.sameEveryStep(this.nodes[id]!.inputs[0]!);
    return s.kind === "param" || s.kind === "const";
  }

  private get nodes(): readonly Node[] {
    return this.plan.ir.nodes;
  }

  local(hint: string): string {
    // Buffers are named after their op and node (`scale5`): a local named after an op could shadow one.
    if (findOp(hint)) throw new Error(`codegen: the local name hint "${hint}" is an op's name, so its locals could shadow a buffer`);
    return `${hint}${++this.counter}`;
  }

  index(hint: string, count: number): string {
    return count === 1 ? "0" : this.local(hint);
  }

  private offset(name: string, code: string): string {
    this.offsets.set(name, code);
    return name;
  }

  /** The array and base offset where a stored node's entries live. */
  private location(s: Storage, node: Node): { array: string; base: string } {
    switch (s.kind) {
      case "param":
        return { array: ids.param(s.name), base: "" };
      case "data":
        return this.plan.steps > 1 && !this.stacked ? { array: ids.batch(s.key), base: this.offset(`off_${ids.batch(s.key)}`, `t * ${s.stepSize}`) } : { array: ids.batch(s.key), base: "" };
      case "state": {
        const size = this.stateSize(s.name);
        if (this.stacked) return { array: ids.state(s.name), base: s.slot === "out" ? String(size) : "" };
        const base = this.plan.steps > 1 || s.slot === "out" ? this.offset(`off_${ids.state(s.name)}`, `t * ${size}`) : "";
        return { array: ids.state(s.name), base: s.slot === "out" ? `${base} + ${size}` : base };
      }
      case "buffer":
        return { array: s.buffer, base: s.perStep && !this.stacked ? this.offset(`off_${s.buffer}`, `t * ${node.shape.rows * node.shape.cols}`) : "" };
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

  private stateSize(name: string): number {
    const shape = this.plan.ir.state.find((d) => d.name === name)!.shape;
    return shape.rows * shape.cols;
  }

  /** The entry (i, j) of node `id` as an expression; fused maps push their statements onto `pre`. */
  read(id: number, i: string, j: string, pre: string[]): string {
    const node = this.nodes[id]!;
    const s = this.plan.storage.get(id)!;
    if (s.kind === "view") return this.read(node.inputs[0]!, j, i, pre);
    if (s.kind === "literal") return s.code;
    if (s.kind === "oneHot") return `(${this.classIndex(s, i)} === ${j} ? 1 : 0)`;
    if (s.kind === "fused") {
      const v = `v${id}_${++this.counter}`;
      pre.push(`const ${v} = ${this.mapEntry(node, i, j, pre)};`);
      return v;
    }
    const { array, base } = this.location(s, node);
    // The `!` lets the module type-check under noUncheckedIndexedAccess, wherever --out puts it.
    return `${array}[${withBase(base, flatIndex(i, j, node.shape.cols))}]!`;
  }

  /** The class index of row i of a one-hot input. */
  private classIndex(s: Storage & { kind: "oneHot" }, i: string): string {
    const base = this.plan.steps > 1 && !this.stacked ? this.offset(`off_${ids.batch(s.key)}`, `t * ${s.stepRows}`) : "";
    return `${ids.batch(s.key)}[${withBase(base, i)}]!`;
  }

  /**
   * The class of row i of node `id` when it is a one-hot input, or of column i when it is a
   * transpose of one; undefined otherwise (and for a double transpose, which readers see as neither).
   */
  classOf(id: number, i: string): string | undefined {
    let views = 0, source = id;
    while (this.plan.storage.get(source)!.kind === "view") {
      views++;
      source = this.nodes[source]!.inputs[0]!;
    }
    const s = this.plan.storage.get(source)!;
    if (s.kind !== "oneHot" || views > 1) return undefined;
    return this.classIndex(s, i);
  }

  /** A map node's entry (i, j): its inputs read at the same place, a 1×C input as a row, a 1×1 as a scalar. */
  private mapEntry(node: Node, i: string, j: string, pre: string[]): string {
    const shapeOnly = shapeOnlyInputs(node);
    const args = node.inputs.map((input, k) => {
      if (shapeOnly.includes(k)) return "";
      const s = this.shapeOf(input);
      return this.read(input, s.rows === 1 ? "0" : i, s.cols === 1 ? "0" : j, pre);
    });
    return mapCode(node, args);
  }

  private target(id: number): { at: (i: string, j: string) => string; assign: "=" | "+="; zero: () => string[] } {
    return this.targetOf(this.plan.storage.get(id)!, this.shapeOf(id), this.nodes[id]!);
  }

  private targetOf(s: Storage, shape: Shape, node: Node): { at: (i: string, j: string) => string; assign: "=" | "+="; zero: () => string[] } {
    const { array, base } = this.location(s, node);
    const size = shape.rows * shape.cols;
    const accumulate = s.kind === "grad";
    return {
      at: (i, j) => `${array}[${withBase(base, flatIndex(i, j, shape.cols))}]!`,
      assign: accumulate ? "+=" : "=",
      zero: () => (accumulate ? [] : base === "" && size === this.arrayLength(s, size) ? [`${array}.fill(0);`] : [`${array}.fill(0, ${base || 0}, ${withBase(base, String(size))});`]),
    };
  }

  private arrayLength(s: Storage, size: number): number {
    return s.kind === "buffer" && s.perStep && !this.stacked ? size * this.plan.steps : size;
  }

  /** A node's shape as this emitter reads it: a per-step value spans every step's rows when stacked. */
  private shapeOf(id: number): Shape {
    const node = this.nodes[id]!;
    const s = this.plan.storage.get(id)!;
    if (s.kind === "view") {
      const inner = this.shapeOf(node.inputs[0]!);
      return { rowDim: inner.colDim, colDim: inner.rowDim, rows: inner.cols, cols: inner.rows };
    }
    // A fused map is computed inside its consumer's loop, so over stacked rows when its consumer is.
    const perStep = s.kind === "data" || s.kind === "oneHot" || s.kind === "state" || s.kind === "fused" || (s.kind === "buffer" && s.perStep);
    return this.stacked && perStep ? { ...node.shape, rows: node.shape.rows * this.plan.steps } : node.shape;
  }

  kernel(k: Kernel): string[] {
    if (k.kind === "copy") {
      const from = this.nodes[k.from]!;
      const t = this.targetOf(k.to, from.shape, from);
      const i = this.index("i", from.shape.rows), j = this.index("j", from.shape.cols), pre: string[] = [];
      const value = this.read(k.from, i, j, pre);
      const what = k.to.kind === "grad" ? `gradient of ${k.to.name}` : k.to.kind === "state" ? `next state ${k.to.name}` : `adjoint of state ${(k.to as { name: string }).name}`;
      return [`// ${what} ${k.accumulate ? "+=" : "="} %${k.from}`, ...loop(i, from.shape.rows, loop(j, from.shape.cols, [...pre, `${t.at(i, j)} ${k.accumulate ? "+=" : "="} ${value};`]))];
    }
    const node = this.nodes[k.node]!;
    const math = mathOf(node);
    const t = this.target(node.id);
    const shape = this.shapeOf(node.id);
    const stackedNote = shape.rows !== node.shape.rows ? ` over all steps (${shape.rows}×${shape.cols})` : "";
    const comment = `// %${node.id} = ${node.op}(${node.inputs.map((i) => `%${i}`).join(", ")}): ${dimLabel(node.shape)}${stackedNote}${node.loc ? `, ${node.loc}` : ""}`;
    if (math.kind === "map") {
      const i = this.index("i", shape.rows), j = this.index("j", shape.cols), pre: string[] = [];
      const value = this.mapEntry(node, i, j, pre);
      return [comment, ...loop(i, shape.rows, loop(j, shape.cols, [...pre, `${t.at(i, j)} ${t.assign} ${value};`]))];
    }
    if (math.kind === "view") return [];
    let slots = 0;
    const scratch = (length: number) => {
      const slot = slots++;
      this.copies.scratch[slot] = Math.max(this.copies.scratch[slot] ?? 0, length);
      return scratchName(slot);
    };
    const kernels = this.copies.kernels;
    const ctx: LoopContext = {
      inputs: node.inputs.map((i) => this.shapeOf(i)),
      output: shape,
      attrs: node.attrs,
      read: (input, i, j) => {
        const pre: string[] = [];
        const value = this.read(node.inputs[input]!, i, j, pre);
        if (pre.length > 0) throw new Error(`%${node.id}: a loop nest cannot read a fused value`);
        return value;
      },
      transposed: (input) => this.plan.storage.get(node.inputs[input]!)!.kind === "view",
      classOf: (input, i) => this.classOf(node.inputs[input]!, i),
      at: t.at,
      assign: t.assign,
      zero: t.zero,
      local: (hint) => this.local(hint),
      copyOf: (k, length, fill, layout = "") => {
        const input = node.inputs[k]!;
        // A copy of a parameter is made once per call, before the time loop, into an array of its own.
        if (!this.stacked && this.plan.steps > 1 && this.sameEveryStep(input)) {
          // One copy per input, op and layout, shared by every kernel that asks for the same.
          const array = `${node.op}Copy${input}${layout}`;
          if (!this.copies.lengths.has(array)) this.copies.lengths.set(array, { length, op: node.op, input });
          if (!this.prelude.has(array)) this.prelude.set(array, [...fill(array)]);
          return { array, lines: [] };
        }
        const array = scratch(length);
        return { array, lines: fill(array) };
      },
      index: (hint, count) => this.index(hint, count),
      ...(kernels && {
        simd: {
          kernel: (name, text) => {
            if (!kernels.has(name)) kernels.set(name, text(name));
            return `kernels.${name}`;
          },
          scratch,
        },
      }),
    };
    return [comment, ...nestLines(node, ctx)];
  }
}

interface Argument {
  readonly name: string;
  readonly type: string;
  /** How the exported function gets it: `params.U.data`. */
  readonly from: string;
}

export interface EmitOptions {
  /**
   * Run products as WebAssembly SIMD kernels, assembled from WebAssembly text by this function.
   * Without it every loop is JavaScript.
   */
  readonly assemble?: (text: string) => Uint8Array;
}

export function emitModule(plan: Plan, meta: { readonly source: string; readonly generator: string }, options: EmitOptions = {}): ModuleParts {
  const ir = plan.ir;
  const seq = ir.sequence;
  const keys = batchKeys(ir);
  const steps = plan.steps;
  const sizesText = Object.entries(ir.sizes).map(([k, v]) => `${k}=${v}`).join(" ");
  const matType = (s: Shape) => `Mat<${JSON.stringify(s.rowDim)}, ${JSON.stringify(s.colDim)}>`;

  const paramArgs: Argument[] = ir.params.map((d) => ({ name: ids.param(d.name), type: "Float64Array", from: `params.${d.name}.data` }));
  const batchArgs: Argument[] = keys.data.map((k) => ({ name: ids.batch(k.key), type: "Float64Array", from: `batch.${k.key}.data` }));
  const gradArgs: Argument[] = ir.params.map((d) => ({ name: ids.grad(d.name), type: "Float64Array", from: `grads.${d.name}.data` }));
  const stateGradArgs: Argument[] = keys.state.map((k) => ({ name: ids.grad(k.key), type: "Float64Array", from: `grads.${k.key}.data` }));

  // Forward steps.
  const copies: Copies = { scratch: [], lengths: new Map(), ...(options.assemble && { kernels: new Map<string, string>() }) };
  const fwd = new StepEmitter(plan, copies);
  const fwdStacked = new StepEmitter(plan, copies, true);
  const fwdBefore = stackedBlock(plan.forward.before, fwdStacked, "before");
  const fwdBody = plan.forward.loop.flatMap((k) => fwd.kernel(k));
  if (!plan.lossStacked) fwdBody.push(`loss += ${fwd.read(ir.outputs.loss, "0", "0", fwdBody)};`);
  const fwdAfter = stackedBlock(plan.forward.after, fwdStacked, "after");
  if (plan.lossStacked) fwdAfter.push(`loss += ${fwdStacked.read(ir.outputs.loss, "0", "0", fwdAfter)};`);
  const forwardSteps: Declaration = {
    kind: "function",
    name: "forwardSteps",
    doc: `Runs the forward pass of ${steps === 1 ? "the model" : `all ${steps} steps`} and returns Σ_t loss_t (unscaled).`,
    parameters: [...paramArgs, ...batchArgs],
    returnType: "number",
    body: ["let loss = 0;", ...fwdBefore, ...[...fwd.prelude.values()].flat(), ...timeLoop(steps, "forward", fwd.offsets, fwdBody), ...fwdAfter, "return loss;"],
    exported: false,
  };

  // Backward steps, t from last to first.
  const bwd = new StepEmitter(plan, copies);
  const stackedEmitter = new StepEmitter(plan, copies, true);
  const bwdBefore = stackedBlock(plan.backward.before, stackedEmitter, "before");
  const bwdBody = plan.backward.loop.flatMap((k) => bwd.kernel(k));
  const bwdAfter = stackedBlock(plan.backward.after, stackedEmitter, "after");
  const swaps = ir.state.flatMap((d) => [
    `const swap_${d.name} = ${ids.adjointIn(d.name)};`,
    `${ids.adjointIn(d.name)} = ${ids.adjointOut(d.name)};`,
    `${ids.adjointOut(d.name)} = swap_${d.name};`,
  ]);
  const backwardSteps: Declaration = {
    kind: "function",
    name: "backwardSteps",
    doc: "Runs the backward pass over the steps in reverse, accumulating each parameter's gradient and carrying each state's adjoint back to the initial state.",
    parameters: [...paramArgs, ...batchArgs, ...gradArgs, ...stateGradArgs],
    returnType: "void",
    body: [
      ...ir.state.flatMap((d) => [`let ${ids.adjointIn(d.name)} = adjointA_${d.name};`, `let ${ids.adjointOut(d.name)} = adjointB_${d.name};`, `${ids.adjointIn(d.name)}.fill(0);`]),
      ...bwdBefore,
      ...[...bwd.prelude.values()].flat(),
      ...timeLoop(steps, "backward", bwd.offsets, [...bwdBody, ...swaps]),
      ...bwdAfter,
      ...(plan.afterBackward.length ? ["// Gradients summed over the steps, each as one product over all steps' rows:", ...plan.afterBackward.flatMap((k) => stackedEmitter.kernel(k))] : []),
      ...ir.state.map((d) => `${ids.grad(`${d.name}0`)}.set(${ids.adjointIn(d.name)});`),
    ],
    exported: false,
  };

  const stateSize = (s: Shape) => s.rows * s.cols;
  const memory = copyDeclarations(copies, options.assemble, plan);
  const buffers: Declaration[] = [
    ...ir.state.map((d): Declaration => ({ kind: "const", name: ids.state(d.name), doc: `State ${d.name} at every step: slot t is its value coming into step t (slot 0 is the caller's ${d.name}0).`, initializer: `new Float64Array(${(steps + 1) * stateSize(d.shape)})`, exported: false })),
    ...ir.state.flatMap((d): Declaration[] => [
      { kind: "const", name: `adjointA_${d.name}`, initializer: `new Float64Array(${stateSize(d.shape)})`, exported: false },
      { kind: "const", name: `adjointB_${d.name}`, initializer: `new Float64Array(${stateSize(d.shape)})`, exported: false },
    ]),
    ...plan.buffers.map((b): Declaration => {
      const node = ir.nodes[b.node]!;
      const perStep = b.length > node.shape.rows * node.shape.cols;
      return { kind: "const", name: b.name, doc: `%${node.id} ${node.op}, ${dimLabel(node.shape)}${perStep ? `, one slot per step (the backward pass reads it)` : ""}`, initializer: `new Float64Array(${b.length})`, exported: false };
    }),
    ...memory.declarations,
    ...plan.constants.map((c): Declaration => ({ kind: "const", name: c.name, initializer: `Float64Array.of(${c.values.map(numberLiteral).join(", ")})`, exported: false })),
    ...ir.state.map((d): Declaration => ({
      kind: "const",
      name: ids.final(d.name),
      doc: `The final state ${d.name}T: a view of the last slot, overwritten by the next call.`,
      type: matType(d.shape),
      initializer: `{ rowDim: ${JSON.stringify(d.shape.rowDim)}, colDim: ${JSON.stringify(d.shape.colDim)}, rows: ${d.shape.rows}, cols: ${d.shape.cols}, data: ${ids.state(d.name)}.subarray(${steps * stateSize(d.shape)}) }`,
      exported: false,
    })),
  ];

  const checks = (fn: string, group: string, entries: readonly { key: string; shape: Shape }[]) => entries.map((e) => `expectShape("${fn}", "${group}.${e.key}", ${group}.${e.key}, ${e.shape.rows}, ${e.shape.cols}, "${dimLabel(e.shape)}");`);
  const paramChecks = (fn: string) => checks(fn, "params", ir.params.map((d) => ({ key: d.name, shape: d.shape })));
  const classes = (name: string) => ir.inputs.find((d) => d.name === name)!.shape.cols;
  const batchChecks = (fn: string) => [
    ...checks(fn, "batch", [...keys.data, ...keys.state].map((k) => ({ key: k.key, shape: k.shape }))),
    ...keys.data.filter((k) => k.oneHot).map((k) => `expectIndices("${fn}", "batch.${k.key}", batch.${k.key}.data, ${classes(k.name)});`),
  ];
  const gradChecks = checks("lossAndGrad", "grads", [...ir.params.map((d) => ({ key: d.name, shape: d.shape })), ...keys.state.map((k) => ({ key: k.key, shape: k.shape }))]);
  const loadState = keys.state.map((k) => `${ids.state(k.name)}.set(batch.${k.key}.data);`);
  const call = (name: string, args: readonly Argument[]) => `${name}(${args.map((a) => a.from).join(", ")})`;
  const result = `{ loss, ${ir.state.map((d) => `${d.name}T: ${ids.final(d.name)}`).join(", ")} }`.replace(", }", " }");
  const factor = numberLiteral(ir.lossScale.factor);
  const scaleDoc = ir.lossScale.over.length ? ` L = (1/(${ir.lossScale.over.join("·")})) Σ_t loss_t.` : "";
  const viewNote = ir.state.length ? ` ${ir.state.map((d) => `\`${d.name}T\``).join(", ")} views a buffer of this module that the next call overwrites: copy it to keep it.` : "";

  const declarations: Declaration[] = [
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
    { kind: "interface", name: "Params", doc: `The parameters of ${ir.name}.`, properties: ir.params.map((d) => ({ name: d.name, type: matType(d.shape) })), exported: true },
    {
      kind: "interface",
      name: "Batch",
      doc: seq ? `One batch: each input and target stacked over the ${seq.count} steps, time-major (${seq.stacked} = ${seq.steps}·${ir.inputs[0]?.shape.rowDim ?? "rows"} rows), and each initial state.` : "One batch of inputs and targets.",
      properties: [...keys.data, ...keys.state].map((k) => ({ name: k.key, type: matType(k.shape) })),
      exported: true,
    },
    { kind: "interface", name: "Grads", doc: "The gradient of the loss with respect to each parameter and each initial state; overwritten by lossAndGrad.", properties: [...ir.params.map((d) => ({ name: d.name, type: matType(d.shape) })), ...keys.state.map((k) => ({ name: k.key, type: matType(k.shape) }))], exported: true },
    { kind: "interface", name: "Result", doc: "The loss, and the final value of each state.", properties: [{ name: "loss", type: "number" }, ...ir.state.map((d) => ({ name: `${d.name}T`, type: matType(d.shape) }))], exported: true },
    ...buffers,
    {
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
        "if (typeof m !== \"object\" || m === null || !(m.data instanceof Float64Array)) {",
        "throw new TypeError(`${fn}: ${what} must be a ${dims} matrix (${rows}×${cols}) of float64`);",
        "}",
        "if (m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols) {",
        "throw new RangeError(`${fn}: ${what} must be ${dims} = ${rows}×${cols}, got ${m.rows}×${m.cols} with ${m.data.length} numbers`);",
        "}",
      ],
      exported: false,
    },
    ...(keys.data.some((k) => k.oneHot)
      ? [
          {
            kind: "function" as const,
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
          },
        ]
      : []),
    forwardSteps,
    backwardSteps,
    {
      kind: "function",
      name: "forward",
      doc: `The loss of ${ir.name} on one batch.${scaleDoc}${viewNote}`,
      parameters: [
        { name: "params", type: "Params" },
        { name: "batch", type: "Batch" },
      ],
      returnType: "Result",
      body: [...paramChecks("forward"), ...batchChecks("forward"), ...loadState, `const loss = ${factor} * ${call("forwardSteps", [...paramArgs, ...batchArgs])};`, `return ${result};`],
      exported: true,
    },
    {
      kind: "function",
      name: "lossAndGrad",
      doc: `The loss of ${ir.name} on one batch and its gradients, written into \`grads\` (overwritten).${scaleDoc} Allocates nothing but the result object.${viewNote}`,
      parameters: [
        { name: "params", type: "Params" },
        { name: "batch", type: "Batch" },
        { name: "grads", type: "Grads" },
      ],
      returnType: "Result",
      body: [
        ...paramChecks("lossAndGrad"),
        ...batchChecks("lossAndGrad"),
        ...gradChecks,
        ...loadState,
        `const loss = ${factor} * ${call("forwardSteps", [...paramArgs, ...batchArgs])};`,
        ...[...gradArgs].map((a) => `${a.from}.fill(0);`),
        `${call("backwardSteps", [...paramArgs, ...batchArgs, ...gradArgs, ...stateGradArgs])};`,
        `return ${result};`,
      ],
      exported: true,
    },
    ...optimizerDeclarations(ir),
  ];

  return {
    ...(memory.text && { footer: ["The kernels' WebAssembly text, from which the bytes of `kernels` above were assembled:", "", ...memory.text.split("\n")] }),
    header: [
      `Generated by ${meta.generator} from ${meta.source}: do not edit; regenerate with \`npx shapegrad generate\`.`,
      `Model ${ir.name} at ${sizesText}${seq ? ` (${seq.stacked} = ${seq.count * seq.rows})` : ""}: forward and backward loops specialized to these sizes.`,
    ],
    declarations,
  };
}

/** Kernels over every step's rows stacked, with a comment that says why they are outside the loop. */
function stackedBlock(kernels: readonly Kernel[], emitter: StepEmitter, where: "before" | "after"): string[] {
  if (kernels.length === 0) return [];
  const why = where === "before" ? "Before the time loop, over all steps' rows at once: these do not depend on the recurrence." : "After the time loop, over all steps' rows at once: the recurrence does not read these.";
  return [`// ${why}`, ...kernels.flatMap((k) => emitter.kernel(k))];
}

function timeLoop(steps: number, phase: "forward" | "backward", offsets: ReadonlyMap<string, string>, body: readonly string[]): string[] {
  const declared = [...offsets].map(([name, code]) => `const ${name} = ${code};`);
  if (steps === 1) return ["{", "const t = 0;", ...declared, ...body, "}"];
  const head = phase === "forward" ? `for (let t = 0; t < ${steps}; t++) {` : `for (let t = ${steps - 1}; t >= 0; t--) {`;
  return [head, ...declared, ...body, "}"];
}

/**
 * The arrays that loop nests copy operands into. With SIMD kernels they are views of one
 * WebAssembly memory, laid out here and made at its final size: growing it would detach its
 * buffer, and a detached ArrayBuffer slows every typed-array access of the process.
 */
function copyDeclarations(copies: Copies, assemble: ((text: string) => Uint8Array) | undefined, plan: Plan): { declarations: Declaration[]; text?: string } {
  const arrays = [
    ...copies.scratch.map((length, slot) => ({ name: scratchName(slot), length, doc: "Scratch space of the loop nests that repack an operand (see matmul's lowering), shared: they run one at a time." })),
    ...[...copies.lengths].map(([name, { length, op, input }]) => ({ name, length, doc: `%${input} repacked for the ${op} kernels that read it at every step, refilled once per call.` })),
  ];
  if (!copies.kernels || copies.kernels.size === 0 || !assemble) {
    return { declarations: arrays.map((a) => ({ kind: "const", name: a.name, doc: a.doc, initializer: `new Float64Array(${a.length})`, exported: false })) };
  }
  // Each array starts on a 64-byte cache line.
  let bytes = 0;
  const placed = arrays.map((a) => {
    const offset = bytes;
    bytes += Math.ceil((a.length * 8) / 64) * 64;
    return { ...a, offset };
  });
  checkKernelMemory(plan, bytes);
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const text = [`(module`, `(memory (export "memory") ${pages} ${pages})`, ...copies.kernels.values(), `)`].join("\n");
  const binary = Buffer.from(assemble(text)).toString("base64");
  const names = [...copies.kernels.keys()];
  const declarations: Declaration[] = [
    {
      kind: "interface",
      name: "Kernels",
      doc: "The module's WebAssembly exports: its memory, and one kernel per product size (`product_MxKxN(a, b, o)`: o = a·b for M×K and K×N row-major at byte addresses of the memory, sizes padded to whole register tiles).",
      properties: [{ name: "memory", type: "{ readonly buffer: ArrayBuffer }" }, ...names.map((name) => ({ name, type: "(a: number, b: number, o: number) => void" }))],
      exported: false,
    },
    {
      kind: "function",
      name: "loadKernels",
      doc: "Compiles the kernels. Reached through globalThis so that the module type-checks without the DOM's or Node's type declarations.",
      parameters: [{ name: "base64", type: "string" }],
      returnType: "Promise<Kernels>",
      body: [
        "const host = globalThis as unknown as { atob(data: string): string; WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }> } };",
        "const text = host.atob(base64);",
        "const bytes = new Uint8Array(text.length);",
        "for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);",
        "const { instance } = await host.WebAssembly.instantiate(bytes);",
        "return instance.exports as Kernels;",
      ],
      exported: false,
      async: true,
    },
    {
      kind: "const",
      name: "kernels",
      doc: `The products' f64x2 SIMD kernels (${names.join(", ")}), assembled by the generator from the WebAssembly text that matmul's lowering writes (src/ops/matmul-simd.ts; the text is at the end of this file), in ${pages} page${pages === 1 ? "" : "s"} of memory that never grows.`,
      initializer: `await loadKernels("${binary}")`,
      exported: false,
    },
    ...placed.map((a): Declaration => ({ kind: "const", name: a.name, doc: a.doc, initializer: `new Float64Array(kernels.memory.buffer, ${a.offset}, ${a.length})`, exported: false })),
  ];
  return { declarations, text };
}
