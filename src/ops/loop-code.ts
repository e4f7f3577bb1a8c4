// The loop builder that the loop IR's printer (codegen/print-loops.ts) and the schedules that write
// their own loops (matmul's tiles and SIMD kernels) share.
import type { Block, LoopContext, OutputBlock } from "../op.js";

/**
 * `for (let v = 0; v < count; v++) { body }` as lines. An index of a dim of size 1 is the literal
 * "0" (see LoopContext.index), and its loop is just the body: generated code then has no
 * one-trip loops and folds `0 * cols` out of its indexing.
 */
export function loop(v: string, count: number, body: readonly string[]): string[] {
  if (v === "0") return [...body];
  if (count === 1) return ["{", `const ${v} = 0;`, ...body, "}"];
  return [`for (let ${v} = 0; ${v} < ${count}; ${v}++) {`, ...body, "}"];
}

/** Input k's blocks (one, unless codegen runs several nodes as one: LoopContext.blocks). */
export function inputBlocks(ctx: LoopContext, k: number): readonly Block[] {
  const { rows, cols } = ctx.inputs[k]!;
  return ctx.blocks?.(k) ?? [{ row: 0, col: 0, rows, cols, read: (i, j) => ctx.read(k, i, j) }];
}

/** The output's column blocks (one, unless codegen runs several nodes as one: LoopContext.outputColumns). */
export function outputColumns(ctx: LoopContext): readonly OutputBlock[] {
  return ctx.outputColumns?.() ?? [{ col: 0, cols: ctx.output.cols, write: (i, j, value) => [`${ctx.at(i, j)} ${ctx.assign} ${value};`] }];
}

/** `j + offset` as an index, the zero offset left out. */
export function plus(j: string, offset: number): string {
  return offset === 0 ? j : j === "0" ? String(offset) : `${j} + ${offset}`;
}
