// The loop builder that the loop IR's printer (codegen/print-loops.ts) and the schedules that write
// their own loops (matmul's tiles and SIMD kernels) share.

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
