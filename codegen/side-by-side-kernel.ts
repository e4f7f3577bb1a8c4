// The loops of products run side by side (side-by-side.ts): the op's own loops (its schedule:
// tiles, repacking, SIMD kernels, all unchanged) over the members' inputs 1 as one matrix and
// their outputs as one. A schedule that copies its operand reads it block by block, from each
// member's own input (LoopContext.columns), and one that copies its result out writes each
// block into its member's output (outputColumns); one that reads or writes entries in place gets
// the inputs packed into one array (once per call when they are parameters) and the result
// through scratch space, copied out after.
import type { LoopContext } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { loop, plus } from "../src/ops/loop-code.js";

/** What the kernel needs of one member: its input 1, its output, and how many columns it has. */
export interface SideBySideMember {
  readonly cols: number;
  /** Entry (p, j) of its input 1. */
  read(p: string, j: string): string;
  /** True when its input 1 is the same at every step of a time loop (a parameter): packed once per call. */
  readonly sameEveryStep: boolean;
  at(i: string, j: string): string;
  readonly assign: "=" | "+=";
}

/** Where the kernel puts what it packs. */
export interface SideBySideSpace {
  /** Scratch space (shared by kernels that run one after another). */
  scratch(length: number): string;
  /** An array of the module's, filled by `fill` once per call before the time loop; `layout` names one of several. */
  perCall(layout: string, length: number, fill: (array: string) => readonly string[]): string;
  index(hint: string, count: number): string;
}

/** `i * cols + j`, the zero cases folded. */
function flat(i: string, cols: number, j: string): string {
  const row = i === "0" ? "" : `${/^\w+$/.test(i) ? i : `(${i})`} * ${cols}`;
  return [row, j === "0" ? "" : j].filter(Boolean).join(" + ") || "0";
}

/** The lines of the members run as one: `base` is the first member's loop context (its input 0 is the shared one). */
export function sideBySideLines(base: LoopContext, members: readonly SideBySideMember[], space: SideBySideSpace, loops: (ctx: LoopContext) => readonly string[]): string[] {
  const [a, b] = base.inputs as readonly [Shape, Shape];
  const n = base.output.rows, k = b.rows;
  const width = members.reduce((sum, m) => sum + m.cols, 0);
  const offsets = members.map((_, at) => members.slice(0, at).reduce((sum, m) => sum + m.cols, 0));
  const perCall = members.every((m) => m.sameEveryStep);
  const blocks = members.map((m, at) => ({ offset: offsets[at]!, cols: m.cols, read: m.read, at: m.at, assign: m.assign }));
  // Made when the schedule first reads or writes in place.
  const before: string[] = [];
  let packed: string | undefined, out: string | undefined;
  const packedArray = (): string => {
    if (packed) return packed;
    const p = space.index("p", k);
    const pack = (array: string) => blocks.flatMap((block) => {
      const j = space.index("j", block.cols);
      return loop(p, k, loop(j, block.cols, [`${array}[${flat(p, width, plus(j, block.offset))}] = ${block.read(p, j)};`]));
    });
    if (perCall) packed = space.perCall("", k * width, pack);
    else before.push(...pack((packed = space.scratch(k * width))));
    return packed;
  };
  const outArray = (): string => (out ??= space.scratch(n * width));
  const ctx: LoopContext = {
    ...base,
    inputs: [a, { ...b, colDim: String(width), cols: width }],
    output: { ...base.output, colDim: String(width), cols: width },
    read: (input, i, j) => (input === 0 ? base.read(0, i, j) : `${packedArray()}[${flat(i, width, j)}]!`),
    transposed: (input) => input === 0 && base.transposed(0),
    classOf: (input, i) => (input === 0 ? base.classOf(0, i) : undefined),
    at: (i, j) => `${outArray()}[${flat(i, width, j)}]!`,
    assign: "=",
    zero: () => [`${outArray()}.fill(0, 0, ${n * width});`],
    copyOf: (input, length, fill, layout = "") => {
      if (input === 0) return base.copyOf(0, length, fill, layout);
      if (perCall) return { array: space.perCall(layout || "_copy", length, fill), lines: [] };
      const array = space.scratch(length);
      return { array, lines: fill(array) };
    },
    columns: (input) => (input === 0 ? [{ offset: 0, cols: a.cols, read: (i, j) => base.read(0, i, j) }] : blocks),
    outputColumns: () => blocks,
  };
  const lines = loops(ctx);
  const copyOut = out
    ? blocks.flatMap((block) => {
        const i = space.index("i", n), j = space.index("j", block.cols);
        return loop(i, n, loop(j, block.cols, [`${block.at(i, j)} ${block.assign} ${out}[${flat(i, width, plus(j, block.offset))}]!;`]));
      })
    : [];
  return [...before, ...lines, ...copyOut];
}
