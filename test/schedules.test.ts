// An op's schedule is a faster form of its math (matmul's eager loops without per-entry calls): it
// must compute exactly what the math computes, in the same order, so the eager library, the
// interpreter and the generated code (printed from the math) agree to the last bit. For every op of
// the table with `schedule.eager`, random inputs of every shape its shape rule accepts (sizes 1,
// odd and even sizes, each dim in either role, so a product's transposed shapes too), with and
// without special values (±0, ±∞, NaN, subnormals, huge), give the same Float64Array, entry by entry
// (Object.is: −0 is not 0), from the schedule as from the math run directly.
import { describe, expect, it } from "vitest";
import { makeMat } from "../src/mat.js";
import { type Arity, type Attrs, type OpDef } from "../src/op.js";
import { allOps } from "../src/ops/table.js";
import { runMap, runNest } from "../src/kernel/direct.js";
import { rng, type AnyMat, type Rng } from "../src/index.js";
import { attrChoices, attrValues, candidateShapes, filled, type BoundDim } from "./support/op-shapes.js";

const lit = (n: number): BoundDim => ({ label: n, size: n });
const named = (name: string, size: number): BoundDim => ({ label: name, size });

/** Labels for the symbols A, B, C, D of an op's shape templates. */
const BINDINGS: readonly (readonly BoundDim[])[] = [
  [lit(1), lit(1), lit(1), lit(1)],
  [lit(1), lit(7), lit(3), lit(2)],
  [lit(7), lit(1), lit(3), lit(2)],
  [lit(3), lit(7), lit(1), lit(5)],
  [lit(2), lit(4), lit(6), lit(3)],
  [lit(5), lit(3), lit(7), lit(1)],
  [lit(7), lit(3), lit(5), lit(2)],
  [lit(17), lit(9), lit(33), lit(4)],
  [lit(33), lit(17), lit(9), lit(4)],
  [named("n", 1), named("d", 5), named("h", 1), named("m", 3)],
  [named("n", 6), named("d", 1), named("h", 11), named("m", 2)],
  [named("n", 13), named("d", 8), named("h", 5), named("m", 1)],
];

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 5e-324, -2.2250738585072014e-308, 1.7e308, -1e300, 1e-300];

/** Normal draws, or (`special`) one entry in four drawn from SPECIAL. */
function draw(r: Rng, special: boolean): () => number {
  return () => (special && r.uniform() < 0.25 ? SPECIAL[Math.floor(r.uniform() * SPECIAL.length)]! : r.normal());
}

/** The op's math run directly on numbers: what the schedule must reproduce. */
function byMath(op: OpDef<Arity>, out: AnyMat, inputs: readonly AnyMat[], attrs: Attrs): void {
  const m = op.math;
  if (m.kind === "map") runMap(m.entry, out, inputs, attrs, m.shapeOnly);
  else runNest(m.body, out, inputs, attrs);
}

function bySchedule(op: OpDef<Arity>, out: AnyMat, inputs: readonly AnyMat[], attrs: Attrs): void {
  op.schedule!.eager!(out, inputs as never, attrs);
}

function fresh(op: OpDef<Arity>, inputs: readonly AnyMat[], attrs: Attrs): AnyMat {
  const s = op.shape(inputs as never, attrs);
  return makeMat(s.rowDim, s.colDim, s.rows, s.cols, new Float64Array(s.rows * s.cols));
}

/** The first entry where the two differ (Object.is), or undefined. */
function firstDifference(a: Float64Array, b: Float64Array): number | undefined {
  if (a.length !== b.length) return -1;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return undefined;
}

interface Run {
  readonly label: string;
  readonly inputs: readonly AnyMat[];
  readonly attrs: Attrs;
}

/** Every shape the op accepts under BINDINGS, each with plain and special draws and every attribute choice. */
function runs(op: OpDef<Arity>, seed: number): Run[] {
  const r = rng(seed);
  const shapes = candidateShapes(op, BINDINGS);
  return shapes.flatMap((s) =>
    [false, true].flatMap((special) =>
      attrChoices(op, attrValues).map((attrs) => ({
        label: `${s.map((x) => `${x.rowDim}×${x.colDim} (${x.rows}×${x.cols})`).join(", ")}${special ? " with special values" : ""}${Object.keys(attrs).length ? ` ${JSON.stringify(attrs)}` : ""}`,
        inputs: s.map((x) => filled(x, draw(r, special))),
        attrs,
      })),
    ),
  );
}

/** The runs where schedule and math differ, as messages. */
function differences(op: OpDef<Arity>, seed: number): string[] {
  const found: string[] = [];
  for (const run of runs(op, seed)) {
    const want = fresh(op, run.inputs, run.attrs);
    byMath(op, want, run.inputs, run.attrs);
    const got = fresh(op, run.inputs, run.attrs);
    bySchedule(op, got, run.inputs, run.attrs);
    const at = firstDifference(got.data, want.data);
    if (at !== undefined) found.push(`${op.name} ${run.label}: entry ${at}: schedule ${got.data[at]}, math ${want.data[at]}`);
  }
  return found;
}

const scheduled = allOps().filter((op) => op.schedule?.eager !== undefined);

describe("eager schedules compute exactly what the op's math computes", () => {
  it("the table has ops with an eager schedule (matmul's, at least)", () => {
    expect(scheduled.length).toBeGreaterThan(0);
  });

  it.each(scheduled.map((op, i) => [op.name, op, i] as const))("%s: schedule = math, bit for bit, on every shape it accepts", (_name, op, i) => {
    const count = runs(op, 1000 + i).length;
    expect(count, `${op.name}: shapes its rule accepts`).toBeGreaterThanOrEqual(BINDINGS.length);
    expect(differences(op, 1000 + i)).toEqual([]);
  });

  it("the comparison notices a schedule that sums in another order", () => {
    // A schedule of each op that computes its math and then perturbs one entry by one ulp-sized step,
    // standing for a reordered sum (which rounds differently): the test above must report it.
    for (const op of scheduled) {
      const skewed: OpDef<Arity> = {
        ...op,
        schedule: {
          eager(out, inputs, attrs) {
            byMath(op, out, inputs as readonly AnyMat[], attrs);
            const k = out.data.findIndex((x) => Number.isFinite(x) && x !== 0);
            if (k >= 0) out.data[k] = out.data[k]! * (1 + Number.EPSILON);
          },
        },
      };
      expect(differences(skewed, 7).length, op.name).toBeGreaterThan(0);
    }
  });
});
