// Source files for the type-checking benchmark: `count` typed ops, one per statement, each using
// earlier results; and a baseline of the same length that calls an imported identity function,
// which is what any chain of imported calls costs the compiler without shape checking.
const cycle: readonly ((i: number) => string)[] = [
  (i) => `matmul(x${i - 1}, W)`,
  (i) => `add(x${i - 1}, b)`,
  (i) => `tanh(x${i - 1})`,
  (i) => `mul(x${i - 1}, x${i - 2})`,
  (i) => `sub(x${i - 1}, x${i - 3})`,
  (i) => `matmul(x${i - 1}, transpose(matmul(transpose(x${i - 2}), x${i - 4})))`,
  (i) => `scale(x${i - 1}, 0.5)`,
  (i) => `add(x${i - 1}, sumRows(x${i - 2}))`,
];

function chain(count: number, header: readonly string[], call: (i: number) => string): string {
  const lines = [...header, `const x0 = zeros(n, h), x1 = zeros(n, h), x2 = zeros(n, h), x3 = zeros(n, h);`];
  for (let i = 4; i < count + 4; i++) lines.push(`const x${i} = ${call(i)};`);
  lines.push(`export const result: Mat<"n", "h"> = x${count + 3};`, "");
  return lines.join("\n");
}

export function shapegradChain(count: number, importFrom: string): string {
  const header = [
    `import { add, dim, matmul, mul, scale, sub, sumRows, tanh, transpose, zeros, type Mat } from "${importFrom}";`,
    `const n = dim("n", 4), h = dim("h", 8);`,
    `const W = zeros(h, h), b = zeros(1, h);`,
  ];
  return chain(count, header, (i) => cycle[i % cycle.length]!(i));
}

/** The baseline: needs `identity.ts` (below) beside it. */
export function identityChain(count: number, importFrom: string): string {
  const header = [`import { dim, zeros, type Mat } from "${importFrom}";`, `import { identity } from "./identity.js";`, `const n = dim("n", 4), h = dim("h", 8);`];
  return chain(count, header, (i) => `identity(x${i - 1})`);
}

export function identityModule(importFrom: string): string {
  return `import type { Dim, Mat } from "${importFrom}";\nexport function identity<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {\n  return a;\n}\n`;
}
