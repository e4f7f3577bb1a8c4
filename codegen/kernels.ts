// A kernel's code: one node's loops (a map's entry per output entry, or the op's loop nest through a
// LoopContext), or the copy of a value into an output. Each kernel numbers its own locals, folds the
// constants of its indices, and is a block of its own when it declares anything at its top level.
// With SIMD kernels a map or a loop nest is a call of a WebAssembly kernel instead (wasm-maps.ts,
// wasm-nests.ts), on the places kernel-places.ts finds.
import type { Node } from "../src/ir/graph.js";
import type { Block, LoopContext, OutputBlock } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { loop } from "../src/ops/loop-code.js";
import { kernelComment } from "./comments.js";
import { foldIndices } from "./fold-index.js";
import type { ReadMode, Target } from "./locations.js";
import { mathOf, nestLines } from "./lowering.js";
import { ids } from "./names.js";
import { joinedLines, joinPays, type JoinedOperand } from "./joined-kernel.js";
import type { Kernel, Plan } from "./plan.js";
import { byteAddress, KernelPlaces, type Copies } from "./kernel-places.js";
import { VectorFunctions } from "./print-wat.js";
import { blockCopy, vectorMap } from "./wasm-maps.js";
import { wasmNest, type NestInput } from "./wasm-nests.js";
import { recordNest } from "../src/kernel/record.js";
import { opNamed } from "../src/ops/table.js";

/** Lines without the bare blocks (`{ … }` on lines of their own) that declare nothing at their top level: such a block does nothing. */
export function withoutEmptyBlocks(lines: readonly string[]): string[] {
  const drop = new Set<number>();
  const open: { line: number; bare: boolean; declares: boolean }[] = [];
  lines.forEach((line, k) => {
    const text = line.trim();
    if (text.startsWith("}")) {
      const block = open.pop();
      if (block?.bare && !block.declares && text === "}") drop.add(block.line).add(k);
    }
    if (/^(const|let) /.test(text) && open.length > 0) open[open.length - 1]!.declares = true;
    if (text.endsWith("{")) open.push({ line: k, bare: text === "{", declares: false });
  });
  return lines.filter((_, k) => !drop.has(k));
}

/** Lines as a block of their own when they declare a name at their top level, so that kernels' locals never meet. */
export function scoped(lines: readonly string[]): string[] {
  let depth = 0, declares = false;
  for (const line of lines) {
    const text = line.trim();
    if (text.startsWith("}")) depth--;
    if (depth === 0 && /^(const|let) /.test(text)) declares = true;
    if (text.endsWith("{")) depth++;
  }
  return declares ? ["{", ...lines, "}"] : [...lines];
}


export class KernelEmitter extends KernelPlaces {
  /** Map kernels already computed where their product's result was written (consumers.ts): theirs are empty. */
  private readonly hosted = new Set<number>();
  /** For the kernel being emitted: the map each product computes where its result is written. */
  private hosting = new Map<number, number>();
  /** With SIMD kernels, the map a member of a joined product runs as a WebAssembly kernel on the block the product left in the kernels' memory. */
  private hostedInWasm = new Map<number, number>();

  constructor(plan: Plan, mode: ReadMode, copies: Copies) {
    super(plan, mode, copies);
  }

  /** The kernel's lines, its comment first. */
  kernel(k: Kernel): string[] {
    if (k.kind === "op" && this.hosted.has(k.node)) return [];
    this.hosting = new Map();
    this.hostedInWasm = new Map();
    const lines = this.nest(() => (k.kind === "copy" ? this.copyKernel(k) : k.kind === "sideBySide" || k.kind === "summed" ? this.joinedKernel(k) : this.opKernel(this.nodes[k.node]!)));
    if (lines.length === 0) return [];
    // Its comments (one per node it runs) head it.
    const head = Math.max(1, lines.findIndex((line) => !line.trimStart().startsWith("//")));
    return [...lines.slice(0, head), ...scoped(withoutEmptyBlocks(lines.slice(head).map(foldIndices)))];
  }

  /** `loss += …`, the step's loss term added to the sum. */
  addLoss(): string[] {
    return this.nest(() => {
      const pre: string[] = [];
      const value = this.read(this.plan.ir.outputs.loss, "0", "0", pre);
      return scoped([...pre, `loss += ${value};`]);
    });
  }

  /** Lines built with locals of their own, named once built; so are the copies they added to the prelude. */
  private nest(build: () => string[]): string[] {
    this.locals = this.newLocals();
    const before = new Set(this.prelude.keys());
    const lines = this.locals.name(build());
    for (const [array, fill] of this.prelude) if (!before.has(array)) this.prelude.set(array, scoped(withoutEmptyBlocks(this.locals.name(fill).map(foldIndices))));
    return lines;
  }

  private copyKernel(k: Kernel & { kind: "copy" }): string[] {
    const from = this.nodes[k.from]!;
    const t = this.targetOf(k.to, from.shape, from);
    const i = this.locals.index("i", from.shape.rows), j = this.locals.index("j", from.shape.cols), pre: string[] = [];
    const value = this.read(k.from, i, j, pre);
    const to = k.to as { kind: string; name: string };
    const what = to.kind === "grad" ? `the gradient of ${to.name}` : to.kind === "state" ? `the next state ${to.name}` : `the adjoint of state ${to.name}`;
    const op = k.accumulate ? "+=" : "=";
    return [`// ${what} ${op} ${this.plan.names.names[k.from]!}`, ...loop(i, from.shape.rows, loop(j, from.shape.cols, [...pre, `${t.at(i, j)} ${op} ${value};`]))];
  }

  /** A node's loops, into its own output or into `into`. */
  private opKernel(node: Node, into?: Target): string[] {
    const math = mathOf(node);
    if (math.kind === "view") return [];
    const shape = this.shapeOf(node.id);
    const comment = kernelComment(this.plan, node, shape.rows !== node.shape.rows ? shape : undefined);
    const t = into ?? this.target(node.id);
    if (math.kind === "map") {
      const wasm = into ? undefined : this.wasmMapKernel(node, shape, false);
      if (wasm) return [comment, ...wasm];
      const i = this.locals.index("i", shape.rows), j = this.locals.index("j", shape.cols), pre: string[] = [];
      const value = this.mapEntry(node, i, j, pre);
      return [comment, ...loop(i, shape.rows, loop(j, shape.cols, [...pre, `${t.at(i, j)} ${t.assign} ${value};`]))];
    }
    if (!into && !opNamed(node.op).schedule?.emit) {
      const wasm = this.wasmNestKernel(node, shape);
      if (wasm) return [comment, ...wasm];
    }
    const ctx = this.loopContext(node, { next: 0 }, t, into === undefined);
    // A product whose result the schedule copies out computes its consumer there (consumers.ts).
    const root = into ? undefined : this.plan.consumerRoots.get(node.id);
    if (root !== undefined && !this.hosted.has(root) && !this.wasmMapKernel(this.nodes[root]!, this.shapeOf(root), true) && joinPays(ctx, [], [{ col: 0, cols: shape.cols, write: () => [] }], (c) => nestLines(node, c))) {
      this.host(node.id, root);
      let written = false;
      const lines = nestLines(node, {
        ...ctx,
        outputColumns: () => {
          written = true;
          return [{ col: 0, cols: shape.cols, write: this.writer(node.id) }];
        },
      });
      if (written) return [comment, this.hostedComment(root), ...lines];
      // The schedule took another path than its dry run: the map keeps its own kernel.
      this.hosting.delete(node.id);
      this.hosted.delete(root);
    }
    return [comment, ...nestLines(node, ctx)];
  }

  /**
   * With SIMD kernels, map `node` and the maps fused into it as a WebAssembly kernel (wasm-maps.ts):
   * the lines that fill the copies it reads and call it; undefined when it cannot run there.
   * `dry`: only whether it can, with nothing added to the module.
   */
  private wasmMapKernel(node: Node, shape: Shape, dry: boolean): string[] | undefined {
    const kernels = this.copies.kernels;
    if (!kernels || !this.copies.vector) return undefined;
    const pre: string[] = [];
    const output = this.mapSource(node.id, dry, pre);
    if (output?.kind !== "array") return undefined;
    const name = dry ? "map" : this.uniqueKernel(`map_${this.plan.names.names[node.id]!}`);
    const nodes = {
      node: (id: number) => this.nodes[id]!,
      shapeOf: (id: number) => this.shapeOf(id),
      fused: (id: number) => this.storage(id).kind === "fused",
      source: (id: number) => this.mapSource(id, dry, pre),
    };
    const map = vectorMap(name, node, shape, output.address, this.target(node.id).assign, nodes, dry ? new VectorFunctions() : this.copies.vector);
    if (!map || dry) return map && [];
    kernels.set(name, map.text);
    return [...pre, `kernels.${name}(${map.addresses.join(", ")});`];
  }

  /** With SIMD kernels, a loop nest without a schedule of its own as a WebAssembly kernel (wasm-nests.ts); undefined when it cannot run there. */
  private wasmNestKernel(node: Node, shape: Shape): string[] | undefined {
    const kernels = this.copies.kernels, math = mathOf(node);
    if (!kernels || !this.copies.vector || math.kind !== "nest") return undefined;
    const output = this.residentAddress(node.id);
    if (output === undefined) return undefined;
    const pre: string[] = [];
    const inputs = node.inputs.map((input): NestInput | undefined => {
      let source = input, views = 0;
      while (this.storage(source).kind === "view") {
        source = this.nodes[source]!.inputs[0]!;
        views++;
      }
      const s = this.storage(source), transposed = views % 2 === 1;
      if (s.kind === "oneHot") {
        const copy = this.callerCopy(ids.batch(s.key), s.key, s.stepRows * this.plan.steps, pre);
        return { kind: "oneHot", address: byteAddress(copy, this.mode.stepBase(copy, s.stepRows)), transposed };
      }
      const found = this.mapSource(source, false, pre);
      if (!found) return undefined;
      return found.kind === "number" ? found : { kind: "array", address: found.address, cols: this.shapeOf(source).cols, transposed };
    });
    const adds = this.target(node.id).assign === "+=";
    const stmts = recordNest(math.body, node.inputs.map((i) => this.shapeOf(i)), shape, node.attrs, adds);
    const name = this.uniqueKernel(`nest_${this.plan.names.names[node.id]!}`);
    const nest = wasmNest(name, `${node.op} over ${shape.rows}×${shape.cols}`, stmts, { inputs, output: { address: output, rows: shape.rows, cols: shape.cols, adds } }, this.copies.vector);
    if (!nest) return undefined;
    kernels.set(name, nest.text);
    return [...pre, `kernels.${name}(${nest.addresses.join(", ")});`];
  }







  /**
   * The block of member `id`, taken in place by its map's WebAssembly kernel when it has one (see
   * hostedInWasm), else copied (a gradient: added) into its array by a WebAssembly kernel when that
   * lives in the kernels' memory and no map is computed in its JavaScript copy-out (`hostsInJs`).
   */
  private inWasm(id: number, block: OutputBlock, hostsInJs: boolean): OutputBlock {
    const root = this.hostedInWasm.get(id);
    if (root === undefined) {
      const to = hostsInJs || !this.copies.kernels ? undefined : this.residentAddress(id);
      if (to === undefined) return block;
      const { rows, cols } = this.shapeOf(id), adds = this.target(id).assign === "+=";
      return {
        ...block,
        inPlace: (address, stride) => {
          const name = `block_${rows}x${cols}_from${stride}_to${cols}${adds ? "_add" : ""}`;
          if (!this.copies.kernels!.has(name)) this.copies.kernels!.set(name, blockCopy(name, rows, cols, stride, cols, adds));
          return [`kernels.${name}(${to}, ${address});`];
        },
      };
    }
    return {
      ...block,
      inPlace: (address, stride) => {
        this.placed.set(id, { address, stride });
        try {
          const lines = this.wasmMapKernel(this.nodes[root]!, this.shapeOf(root), false);
          if (!lines) throw new Error(`%${root}: its WebAssembly kernel failed after its dry run`);
          return lines;
        } finally {
          this.placed.delete(id);
        }
      },
    };
  }

  /** Product `id` computes map `root` where its result is written. */
  private host(id: number, root: number): void {
    this.hosting.set(id, root);
    this.hosted.add(root);
  }

  private hostedComment(root: number): string {
    return kernelComment(this.plan, this.nodes[root]!, undefined).replace(/^(\s*)\/\/ /, "$1// … and, as each entry comes out: ");
  }

  /**
   * How an entry of node `id`'s result is written: into its output, and, when it hosts a map (see
   * host), that map's entry computed from it (the node's own store left out when the map is its one reader).
   */
  private writer(id: number): (i: string, j: string, value: string) => string[] {
    const t = this.target(id);
    const root = this.hosting.get(id);
    if (root === undefined) return (i, j, value) => [`${t.at(i, j)} ${t.assign} ${value};`];
    const r = this.target(root);
    return (i, j, value) => {
      const v = this.locals.local(this.plan.names.hints[id]!);
      const pre: string[] = [];
      this.overrides.set(id, v);
      const entry = this.mapEntry(this.nodes[root]!, i, j, pre);
      this.overrides.delete(id);
      const store = this.plan.readOnlyByRoot.has(id) ? [] : [`${t.at(i, j)} ${t.assign} ${v};`];
      return [`const ${v} = ${value};`, ...store, ...pre, `${r.at(i, j)} ${r.assign} ${entry};`];
    };
  }

  /** Nodes run as one (side-by-side.ts, summed-products.ts): their operands and outputs joined. */
  private joinedKernel(k: Kernel & { kind: "sideBySide" | "summed" }): string[] {
    const members = k.nodes;
    const slots = { next: 0 };
    const first = this.nodes[members[0]!]!;
    const base = this.loopContext(first, slots);
    const operand = (input: number, stacked: boolean): JoinedOperand => {
      let row = 0, col = 0;
      const blocks = members.map((id): Block => {
        const source = this.nodes[id]!.inputs[input]!;
        const { rows, cols } = this.shapeOf(source);
        const block = { row, col, rows, cols, read: (i: string, j: string) => this.readWhole(id, source, i, j), place: () => this.placeOf(source) };
        if (stacked) row += rows;
        else col += cols;
        return block;
      });
      const last = blocks[blocks.length - 1]!;
      return { rows: last.row + last.rows, cols: last.col + last.cols, blocks, sameEveryStep: this.mode.copiesBeforeLoop && members.every((id) => this.sameEveryStep(this.nodes[id]!.inputs[input]!)) };
    };
    // Side by side: input 0 shared, inputs 1 side by side, outputs side by side. Summed: inputs 0
    // side by side, inputs 1 stacked, the sum into the first member's output.
    const inputs = k.kind === "sideBySide" ? [undefined, operand(1, false)] : [operand(0, false), operand(1, true)];
    const blocks = (write: (id: number) => OutputBlock["write"]): OutputBlock[] => {
      let col = 0;
      return members.map((id): OutputBlock => {
        const block = { col, cols: this.shapeOf(id).cols, write: write(id) };
        col += block.cols;
        return block;
      });
    };
    if (!joinPays(base, inputs, k.kind === "sideBySide" ? blocks(() => () => []) : undefined, (ctx) => nestLines(first, ctx))) return this.apart(k);
    // Each member computes its consumer as its result comes out (consumers.ts).
    const roots: number[] = [];
    const hosting = new Set<number>();
    for (const id of k.kind === "sideBySide" ? members : []) {
      const root = this.plan.consumerRoots.get(id);
      if (root === undefined || this.hosted.has(root)) continue;
      if (this.wasmMapKernel(this.nodes[root]!, this.shapeOf(root), true)) {
        if (!this.plan.readOnlyByRoot.has(id)) continue;
        this.hostedInWasm.set(id, root);
        this.hosted.add(root);
        roots.push(root);
        continue;
      }
      this.host(id, root);
      hosting.add(id);
      roots.push(root);
    }
    const output = k.kind === "sideBySide" ? blocks((id) => this.writer(id)).map((block, m) => this.inWasm(members[m]!, block, hosting.has(members[m]!))) : undefined;
    const sources = (input: number) => members.map((id) => this.sourceName(this.nodes[id]!.inputs[input]!)).join("_");
    const lines = joinedLines(
      base,
      inputs,
      output,
      {
        scratch: (length) => this.scratchSlot(slots, length),
        perCall: (input, layout, length, fill) => {
          const array = this.copyArrayFor(JSON.stringify([first.op, k.kind, members, input, layout]), sources(input), length, first.op, layout);
          if (!this.prelude.has(array)) this.prelude.set(array, fill(array));
          return array;
        },
      },
      (ctx) => nestLines(first, ctx),
    );
    const heads = [...members.map((id) => kernelComment(this.plan, this.nodes[id]!, undefined)), ...roots.map((root) => this.hostedComment(root))];
    if (k.kind === "summed") heads.push(`// … summed into ${this.plan.names.names[members[0]!]!} as one product: ${members.slice(1).map((id) => this.plan.names.names[id]!).join(", ")} read as 0`);
    return [...heads, ...lines];
  }

  /**
   * The members one after another, where joining would not pay (see joinPays): each into its own
   * output; summed ones each added into the first one's output, which holds their sum.
   */
  private apart(k: Kernel & { kind: "sideBySide" | "summed" }): string[] {
    const [first, ...rest] = k.nodes;
    const lines = [this.opKernel(this.nodes[first!]!)];
    for (const id of rest) {
      if (k.kind === "sideBySide") lines.push(this.opKernel(this.nodes[id]!));
      else {
        const into = this.target(first!);
        lines.push(this.opKernel(this.nodes[id]!, { at: into.at, assign: "+=", zero: () => [] }));
      }
    }
    // One comment per member heads the kernel; each member's own comment stays above its loops.
    return [...k.nodes.map((id) => kernelComment(this.plan, this.nodes[id]!, undefined)), ...lines.flatMap((l) => l.slice(1))];
  }

  /** Entry (i, j) of a node's input, which a loop nest reads whole (never a fused value). */
  private readWhole(node: number, input: number, i: string, j: string): string {
    const pre: string[] = [];
    const value = this.read(input, i, j, pre);
    if (pre.length > 0) throw new Error(`%${node}: a loop nest cannot read a fused value`);
    return value;
  }

  private scratchSlot(slots: { next: number }, length: number): string {
    const slot = slots.next++;
    this.copies.scratch[slot] = Math.max(this.copies.scratch[slot] ?? 0, length);
    return ids.scratch(slot);
  }

  /** What an op's loop nest may use: its operands' shapes and entries, its output, locals, copies, and SIMD kernels. */
  private loopContext(node: Node, slots = { next: 0 }, t: Target = this.target(node.id), own = false): LoopContext {
    const scratch = (length: number) => this.scratchSlot(slots, length);
    const kernels = this.copies.kernels;
    return {
      inputs: node.inputs.map((i) => this.shapeOf(i)),
      output: this.shapeOf(node.id),
      attrs: node.attrs,
      read: (input, i, j) => this.readWhole(node.id, node.inputs[input]!, i, j),
      transposed: (input) => this.storage(node.inputs[input]!).kind === "view",
      classOf: (input, i) => this.classOf(node.inputs[input]!, i),
      at: t.at,
      assign: t.assign,
      zero: t.zero,
      local: (hint) => this.locals.local(hint),
      copyOf: (k, length, fill, layout = "") => {
        const input = node.inputs[k]!;
        // A copy of a parameter is made once per call, before the time loop, into an array of its own.
        if (this.mode.copiesBeforeLoop && this.sameEveryStep(input)) {
          const array = this.copyArray(node.op, input, length, layout);
          if (!this.prelude.has(array)) this.prelude.set(array, fill(array));
          return { array, lines: [] };
        }
        const array = scratch(length);
        return { array, lines: fill(array) };
      },
      index: (hint, count) => this.locals.index(hint, count),
      ...(kernels && {
        simd: {
          kernel: (name, text) => {
            if (!kernels.has(name)) kernels.set(name, text(name));
            return `kernels.${name}`;
          },
          scratch,
          address: (k) => this.residentAddress(node.inputs[k]!),
          outputAddress: () => (own && t.assign === "=" ? this.residentAddress(node.id) : undefined),
          outputAdds: () => (own && t.assign === "+=" ? this.residentAddress(node.id) : undefined),
          transposedAddress: (k) => this.transposedAddress(node.inputs[k]!),
          copyBlock: (rows, cols, from, to) => {
            const name = `block_${rows}x${cols}_from${from.stride}_to${to.stride}`;
            if (!kernels.has(name)) kernels.set(name, blockCopy(name, rows, cols, from.stride, to.stride, false));
            return `kernels.${name}(${to.address}, ${from.address});`;
          },
          callerArray: (k) => {
            const s = this.storage(node.inputs[k]!);
            // The caller's data whole: every step's rows, read as one matrix outside the time loop.
            if (s.kind === "data") return this.mode.stepBase(ids.batch(s.key), s.stepSize) === "" ? ids.batch(s.key) : undefined;
            return s.kind === "param" ? ids.param(s.name) : undefined;
          },
        },
      }),
    };
  }







  /** One copy per input, op and layout, shared by every kernel that asks for the same: `copy_U`, `copy_U_a`. */
  private copyArray(op: string, input: number, length: number, layout: string): string {
    return this.copyArrayFor(JSON.stringify([op, input, layout]), this.sourceName(input), length, op, layout);
  }



  /** A node's name, with a `t` for each transpose it is read through: `Wt`. */
  private sourceName(input: number): string {
    let source = input, transposes = "";
    while (this.storage(source).kind === "view") {
      source = this.nodes[source]!.inputs[0]!;
      transposes += "t";
    }
    return `${this.plan.names.names[source]!}${transposes}`;
  }
}
