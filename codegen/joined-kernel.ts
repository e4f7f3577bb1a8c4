// The loops of several nodes run as one node (side-by-side.ts: products that share an operand;
// summed-products.ts: products that are only added together): the op's own loops (its schedule:
// tiles, repacking, SIMD kernels, all unchanged) over operands joined from the members' operands,
// and an output joined from theirs. A schedule that copies an operand reads it block by block,
// from each member's own operand (LoopContext.blocks), and one that copies its result out writes
// each block into its member's output (outputColumns). Nodes are joined only for such schedules
// (joinPays, a dry run): one that reads or writes entries in place would need them packed first.
import type { Block, LoopContext, OutputBlock } from "../src/op.js";

/** An operand joined from blocks, each read where it lives. */
export interface JoinedOperand {
  readonly rows: number;
  readonly cols: number;
  readonly blocks: readonly Block[];
  /** True when every block is the same at every step of a time loop (a parameter): packed once per call. */
  readonly sameEveryStep: boolean;
}

/** Where the kernel puts what it packs. */
export interface JoinedSpace {
  /** Scratch space (shared by kernels that run one after another). */
  scratch(length: number): string;
  /** An array of the module's for input k, filled by `fill` once per call before the time loop; `layout` names one of several. */
  perCall(k: number, layout: string, length: number, fill: (array: string) => readonly string[]): string;
}

/**
 * The lines of the members run as one. `base` is the first member's loop context; `inputs[k]`
 * replaces its input k when given; `output`, when given, is the joined output's column blocks
 * (else the result is the first member's own output). Only for a schedule that copies what is
 * joined (see joinPays): one that reads a joined operand, or writes the joined output, in place
 * is an error here.
 */
export function joinedLines(
  base: LoopContext,
  inputs: readonly (JoinedOperand | undefined)[],
  output: readonly OutputBlock[] | undefined,
  space: JoinedSpace,
  loops: (ctx: LoopContext) => readonly string[],
): string[] {
  const inPlace = (what: string): never => {
    throw new Error(`internal: a joined kernel's schedule ${what} in place, which joinPays rules out`);
  };
  const width = output ? output.reduce((sum, block) => Math.max(sum, block.col + block.cols), 0) : base.output.cols;
  const joined = (k: number) => inputs[k];
  const ctx: LoopContext = {
    ...base,
    inputs: base.inputs.map((shape, k) => {
      const operand = joined(k);
      return operand ? { ...shape, rowDim: String(operand.rows), colDim: String(operand.cols), rows: operand.rows, cols: operand.cols } : shape;
    }),
    output: output ? { ...base.output, colDim: String(width), cols: width } : base.output,
    read: (k, i, j) => (joined(k) ? inPlace(`reads input ${k}`) : base.read(k, i, j)),
    transposed: (k) => !joined(k) && base.transposed(k),
    classOf: (k, i) => (joined(k) ? undefined : base.classOf(k, i)),
    ...(output && {
      at: () => inPlace("writes its output"),
      zero: () => inPlace("zeroes its output"),
      outputColumns: () => output,
    }),
    copyOf: (k, length, fill, layout = "") => {
      const operand = joined(k);
      if (!operand) return base.copyOf(k, length, fill, layout);
      if (operand.sameEveryStep) return { array: space.perCall(k, layout || "_copy", length, fill), lines: [] };
      const array = space.scratch(length);
      return { array, lines: fill(array) };
    },
    // A joined operand or output lives in blocks, never in place as one array.
    ...(base.simd && {
      simd: {
        ...base.simd,
        address: (k: number) => (joined(k) ? undefined : base.simd!.address?.(k)),
        transposedAddress: (k: number) => (joined(k) ? undefined : base.simd!.transposedAddress?.(k)),
        callerArray: (k: number) => (joined(k) ? undefined : base.simd!.callerArray?.(k)),
        outputAddress: () => (output ? undefined : base.simd!.outputAddress?.()),
      },
    }),
    blocks: (k) => {
      const operand = joined(k);
      const { rows, cols } = base.inputs[k]!;
      return operand ? operand.blocks : [{ row: 0, col: 0, rows, cols, read: (i, j) => base.read(k, i, j) }];
    },
  };
  return [...loops(ctx)];
}

/**
 * Whether the op's schedule, given the joined operands and output, copies them (block by block)
 * rather than reading or writing their entries in place: only then does joining pay. A dry run of
 * the schedule on a context that records what it touches and changes nothing. The WebAssembly
 * kernels copy every operand and result; the JavaScript loops read and write in place, where a
 * joined operand would first be packed and a joined result copied out: those run apart.
 */
export function joinPays(base: LoopContext, inputs: readonly (JoinedOperand | undefined)[], output: readonly OutputBlock[] | undefined, loops: (ctx: LoopContext) => readonly string[]): boolean {
  let inPlace = false;
  const joinedOutput = output !== undefined;
  const ctx: LoopContext = {
    inputs: base.inputs.map((shape, k) => {
      const operand = inputs[k];
      return operand ? { ...shape, rows: operand.rows, cols: operand.cols } : shape;
    }),
    output: output ? { ...base.output, cols: output.reduce((sum, block) => Math.max(sum, block.col + block.cols), 0) } : base.output,
    attrs: base.attrs,
    read: (k) => {
      if (inputs[k]) inPlace = true;
      return "0";
    },
    transposed: (k) => !inputs[k] && base.transposed(k),
    classOf: (k, i) => (inputs[k] ? undefined : base.classOf(k, i)),
    at: () => {
      if (joinedOutput) inPlace = true;
      return "out";
    },
    assign: base.assign,
    zero: () => {
      if (joinedOutput) inPlace = true;
      return [];
    },
    local: (hint) => hint,
    copyOf: (_k, _length, fill) => {
      fill("copy");
      return { array: "copy", lines: [] };
    },
    index: (hint, count) => (count === 1 ? "0" : hint),
    ...(base.simd && { simd: { kernel: () => "kernel", scratch: () => "scratch" } }),
    blocks: (k) => inputs[k]?.blocks.map((block) => ({ ...block, read: () => "0" })) ?? [{ row: 0, col: 0, rows: base.inputs[k]!.rows, cols: base.inputs[k]!.cols, read: () => "0" }],
    outputColumns: () => output?.map((block) => ({ ...block, write: () => [] })) ?? [{ col: 0, cols: base.output.cols, write: () => [] }],
  };
  loops(ctx);
  return !inPlace;
}
