// Small builders for the loop nests that ops describe for codegen (see Lowering in op.ts).

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

/**
 * Lines that set `max` and `lse` to the maximum of row `i` of `read` and log Σ_j exp(x_ij − max):
 * the numerically careful pass of softmax and its relatives (exp never sees a positive argument).
 */
export function rowLogSumExp(read: (j: string) => string, cols: number, names: { j: string; max: string; lse: string; sum: string }): string[] {
  const { j, max, lse, sum } = names;
  return [
    `let ${max} = -Infinity;`,
    ...loop(j, cols, [`${max} = Math.max(${max}, ${read(j)});`]),
    `let ${sum} = 0;`,
    ...loop(j, cols, [`${sum} += Math.exp(${read(j)} - ${max});`]),
    `const ${lse} = Math.log(${sum});`,
  ];
}
