// Refusing aliased arguments at the call: an entry point that writes arrays (lossAndGrad's
// gradients, an optimizer step's parameters and state) must not be handed an array that shares
// memory with another it writes or with one it reads (`grads.W` being `params.W`, or a view of the
// same buffer): the results would be silently wrong. A few comparisons of buffers and byte ranges
// per pair, into arrays allocated once, so a call still allocates nothing.
import type { Declaration } from "./module-parts.js";

/** An array an entry point touches: how the caller names it and how the function reaches it. */
export interface Touched {
  readonly name: string;
  readonly from: string;
}

/** The generated helper that throws when two of the arrays overlap. */
export function apartFunction(): Declaration {
  return {
    kind: "function",
    name: "expectApart",
    doc: "Throws when one of the first `written` arrays shares memory with any other array of `arrays` (the same buffer, overlapping bytes): a call would read what it has overwritten.",
    parameters: [
      { name: "fn", type: "string" },
      { name: "names", type: "readonly string[]" },
      { name: "arrays", type: "readonly Float64Array[]" },
      { name: "written", type: "number" },
    ],
    returnType: "void",
    body: [
      "for (let a = 0; a < written; a++) {",
      "const w = arrays[a]!;",
      "const start = w.byteOffset, end = start + w.byteLength;",
      "for (let b = a + 1; b < arrays.length; b++) {",
      "const r = arrays[b]!;",
      "if (r.buffer === w.buffer && r.byteOffset < end && start < r.byteOffset + r.byteLength) {",
      "throw new TypeError(`${fn}: ${names[a]} shares memory with ${names[b]}; ${fn} writes ${names[a]}, so it must be an array of its own`);",
      "}",
      "}",
      "}",
    ],
    exported: false,
  };
}

/** For entry point `fn`: the module-level arrays its check fills, and the lines that fill and check them. */
export function apartCheck(fn: string, written: readonly Touched[], read: readonly Touched[]): { declarations: Declaration[]; lines: string[] } {
  const all = [...written, ...read];
  const names = `${fn}Names`, arrays = `${fn}Arrays`;
  return {
    declarations: [
      { kind: "const", name: names, doc: `What ${fn} writes (the first ${written.length}) and reads, as its caller names them.`, initializer: `[${all.map((t) => JSON.stringify(t.name)).join(", ")}]`, exported: false },
      { kind: "const", name: arrays, doc: `The arrays of ${names}, filled at each call of ${fn} and checked apart.`, type: "Float64Array[]", initializer: `new Array<Float64Array>(${all.length})`, exported: false },
    ],
    lines: [...all.map((t, k) => `${arrays}[${k}] = ${t.from};`), `expectApart("${fn}", ${names}, ${arrays}, ${written.length});`],
  };
}
