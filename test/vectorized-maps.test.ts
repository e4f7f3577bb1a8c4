// The eager kernel of a map runs its recorded math a node at a time over whole arrays
// (src/kernel/vector.ts); running the math entry by entry (src/kernel/direct.ts) is the plain
// reading of the same definition. Every map op of the table, at every broadcast it accepts, with
// its attributes (and swapped operands where it takes them) and special values: the same bits.
import { describe, expect, it } from "vitest";
import { runMap } from "../src/kernel/direct.js";
import { runMapVectorized } from "../src/kernel/vector.js";
import { makeMat, type AnyMat } from "../src/mat.js";
import type { Attrs } from "../src/op.js";
import type { Shape } from "../src/shape-error.js";
import { allOps } from "../src/ops/table.js";
import { rng } from "../src/random.js";
import { attrChoices } from "./support/op-shapes.js";

const specials = [0, -0, 1, -1, 0.5, 1e-300, 1e300, Infinity, -Infinity, NaN];
const shape = (rows: number, cols: number): Shape => ({ rowDim: rows, colDim: cols, rows, cols });

function filled(s: Shape, seed: number): AnyMat {
  const r = rng(seed);
  const data = Float64Array.from({ length: s.rows * s.cols }, (_, i) => (i % 3 === 0 ? specials[(i + seed) % specials.length]! : 4 * r.normal()));
  return makeMat(s.rowDim, s.colDim, s.rows, s.cols, data);
}

describe("maps run as whole arrays give the bits of the math entry by entry", () => {
  for (const op of allOps().filter((o) => o.math.kind === "map")) {
    it(op.name, () => {
      const math = op.math as Extract<typeof op.math, { kind: "map" }>;
      const full = shape(3, 5);
      const shapes = [full, shape(1, 5), shape(3, 1), shape(1, 1)];
      const pairs: [Shape, Shape | undefined][] = op.arity === 1 ? [[full, undefined]] : shapes.flatMap((a) => shapes.map((b): [Shape, Shape] => [a, b]));
      const attrsList: Attrs[] = attrChoices(op, [0.5, -3]).flatMap((a) => ((op.optionalAttrs ?? []).includes("swapped") ? [a, { ...a, swapped: 1 }] : [a]));
      let checked = 0;
      for (const [first, second] of pairs) {
        const inputs = [filled(first, 1), ...(second ? [filled(second, 2)] : [])];
        let out: Shape;
        try {
          out = op.shape(inputs as never, {});
        } catch {
          continue;
        }
        for (const attrs of attrsList) {
          const plain = makeMat(out.rowDim, out.colDim, out.rows, out.cols, new Float64Array(out.rows * out.cols));
          const vector = makeMat(out.rowDim, out.colDim, out.rows, out.cols, new Float64Array(out.rows * out.cols));
          runMap(math.entry, plain, inputs, attrs, math.shapeOnly);
          runMapVectorized(math.entry, vector, inputs, attrs, math.shapeOnly ?? []);
          const same = Array.from(plain.data).every((x, i) => Object.is(x, vector.data[i]));
          expect(same, `${op.name} ${JSON.stringify(attrs)} a ${first.rows}×${first.cols} b ${second ? `${second.rows}×${second.cols}` : "none"}`).toBe(true);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
