// Every op's vector-Jacobian rule against central finite differences, and every backward-only op's
// eager kernel against its definition (written with the other ops) and against the derivative it
// stands for. The op table drives the tests (allOps(): the built-in ops and any a user defined):
// each op's inputs are derived from its shape rule (every general pattern of input shapes it accepts,
// test/support/op-shapes.ts, at sizes 1 and more, literal and named) and drawn in its domain (positive
// where a 0 or −1 gives a non-finite result), so an op added to the table is checked against finite
// differences with no entry here. EXTRA adds inputs that matter to one op (targets that are one-hot
// rows or distributions); a backward-only op needs an entry in KERNELS, and the coverage tests say so.
import { afterAll, describe, expect, it } from "vitest";
import { apply, sameShape, type Arity, type Attrs, type Inputs, type OpDef } from "../src/op.js";
import { allOps } from "../src/ops/table.js";
import {
  add,
  exp,
  logSoftmax,
  mat,
  matmul,
  mul,
  mulScalar,
  rng,
  shapeText,
  softmax,
  softmaxCrossEntropy,
  sub,
  sumAll,
  sumRows,
  sumCols,
  sigmoid,
  relu,
  tanh,
  type AnyMat,
  type Dim,
  type Mat,
  type Rng,
  type Shape,
  type SizeArg,
} from "../src/index.js";
import { broadcastCols, broadcastRows, expandScalar, logSoftmaxGrad, reluGrad, sigmoidGrad, softmaxCrossEntropyGrad, softmaxGrad, tanhGrad } from "../src/ops/index.js";
import { centralDiff, distributionRows, oneHotRows, relErr } from "./support/numeric.js";
import { attrChoices, candidateShapes, positiveInputs, type BoundDim } from "./support/op-shapes.js";

// ---------------------------------------------------------------------------------------------
// Tolerances, and the worst errors seen (printed after the run)

/** Rule vs finite differences: eps = 1e-5 leaves truncation ~eps²·f‴ and rounding ~1e-16·|f|/eps. */
const FD_TOL = 1e-7;
const FD_EPS = 1e-5;
/** Kernel vs the same formula written with other ops: only summation-order rounding may differ. */
const DEF_TOL = 1e-12;

const worst = { fd: { err: 0, where: "" }, def: { err: 0, where: "" } };

afterAll(() => {
  console.log(
    `op-rules: worst vjp-vs-finite-difference relErr ${worst.fd.err.toExponential(2)} (${worst.fd.where}); ` +
      `worst kernel-vs-definition relErr ${worst.def.err.toExponential(2)} (${worst.def.where})`,
  );
});

function close(kind: "fd" | "def", actual: ArrayLike<number>, expected: ArrayLike<number>, where: string): void {
  const e = relErr(actual, expected);
  if (!(e <= worst[kind].err) || worst[kind].where === "") worst[kind] = { err: e, where };
  expect(e, where).toBeLessThan(kind === "fd" ? FD_TOL : DEF_TOL);
}

// ---------------------------------------------------------------------------------------------
// Random matrices

/** mat() with sizes only known while the test runs; labels stay what the SizeArgs say. */
const matOf = mat as unknown as (rows: SizeArg, cols: SizeArg, data: ArrayLike<number>) => AnyMat;

function sizeOf(s: SizeArg): number {
  return typeof s === "number" ? s : s.size;
}

function randMat(rows: SizeArg, cols: SizeArg, draw: () => number): AnyMat {
  return matOf(rows, cols, Array.from({ length: sizeOf(rows) * sizeOf(cols) }, draw));
}

/** A matrix with exactly `s`'s labels and sizes. */
function shaped(s: Shape, data: Float64Array): AnyMat {
  if (data.length !== s.rows * s.cols) throw new RangeError("shaped: wrong data length");
  return { rowDim: s.rowDim, colDim: s.colDim, rows: s.rows, cols: s.cols, data };
}

function randLike(s: Shape, draw: () => number): AnyMat {
  return shaped(s, Float64Array.from({ length: s.rows * s.cols }, draw));
}

const normal = (r: Rng) => () => r.normal();
const positive = (r: Rng) => () => 0.5 + r.uniform();

const lit = (n: number): BoundDim => ({ label: n, size: n });
const named = (name: string, size: number): BoundDim => ({ label: name, size });

/**
 * Labels for the symbols A, B, C, D of an op's shape templates (A×B for an elementwise op, A×B · B×C
 * for a product): 1×1, 1×k, k×1 and k×m, literal and named, and the products' inner dims of 1 and more.
 */
const BINDINGS: readonly (readonly BoundDim[])[] = [
  [lit(1), lit(1), lit(1), lit(1)],
  [lit(1), lit(5), lit(1), lit(2)],
  [lit(4), lit(1), lit(3), lit(2)],
  [lit(3), lit(4), lit(2), lit(5)],
  [lit(1), lit(3), lit(4), lit(2)],
  [lit(4), lit(3), lit(1), lit(2)],
  [named("n", 1), named("d", 1), named("k", 1), named("m", 1)],
  [named("n", 1), named("d", 6), named("k", 2), named("m", 3)],
  [named("n", 5), named("d", 1), named("k", 3), named("m", 2)],
  [named("n", 3), named("d", 4), named("k", 2), named("m", 1)],
];

type TargetKind = "one-hot" | "distribution" | "weights";
const TARGET_KINDS: readonly TargetKind[] = ["one-hot", "distribution", "weights"];

/** Targets shaped like `o`: one-hot rows, distribution rows, or arbitrary non-negative weights. */
function targets(o: AnyMat, kind: TargetKind, r: Rng): AnyMat {
  if (kind === "one-hot") return shaped(o, oneHotRows(o.rows, o.cols, r));
  if (kind === "distribution") return shaped(o, distributionRows(o.rows, o.cols, r));
  return randLike(o, () => 2 * r.uniform());
}

// ---------------------------------------------------------------------------------------------
// Inputs in each op's domain, for every op in the table

interface Case {
  readonly label: string;
  readonly inputs: readonly AnyMat[];
  readonly attrs?: Attrs;
}

/**
 * Inputs derived from the op's definition: every shape its rule accepts under BINDINGS, each input
 * drawn normal, or positive (0.5 to 1.5) where the op needs it, for every choice of its attributes
 * (a random value, −1, 2.5 and 0).
 */
function genericCases(op: OpDef<Arity>, r: Rng): Case[] {
  const domains = positiveInputs(op);
  const attrs = attrChoices(op, [r.normal(), -1, 2.5, 0]);
  return candidateShapes(op, BINDINGS).flatMap((shapes) =>
    attrs.map((a) => {
      const inputs = shapes.map((s, k) => randLike(s, (domains[k] ? positive : normal)(r)));
      return { label: `${inputs.map(shapeText).join(", ")}${Object.keys(a).length ? ` ${JSON.stringify(a)}` : ""}`, inputs, attrs: a };
    }),
  );
}

/** Per shape of the generic cases of the op, targets of each kind (one-hot rows, distributions, weights). */
const targetCases = (op: OpDef<Arity>) => (r: Rng): Case[] =>
  TARGET_KINDS.flatMap((kind) =>
    candidateShapes(op, BINDINGS).map(([s]) => {
      const o = randLike(s!, () => 2 * r.normal());
      return { label: `${shapeText(o)}, ${kind} targets`, inputs: [o, targets(o, kind, r)] };
    }),
  );

/** Inputs that matter to one op beyond the generic ones: they add to its cases, never replace them. */
const EXTRA: Readonly<Record<string, (r: Rng) => Case[]>> = {
  softmaxCrossEntropy: (r) => targetCases(opNamed("softmaxCrossEntropy"))(r),
  softmaxCrossEntropyGrad: (r) => targetCases(opNamed("softmaxCrossEntropyGrad"))(r),
};

function opNamed(name: string): OpDef<Arity> {
  const op = allOps().find((o) => o.name === name);
  if (!op) throw new Error(`op-rules: no op ${name} in the table`);
  return op;
}

/** Every case of an op: the generic ones, then its EXTRA ones. */
function casesOf(op: OpDef<Arity>, r: Rng): Case[] {
  return [...genericCases(op, r), ...(EXTRA[op.name]?.(r) ?? [])];
}

/** The inputs that only lend their shape (a map's shapeOnly): their adjoint is undefined. */
function shapeOnlyInputs(op: OpDef<Arity>): readonly number[] {
  return op.math.kind === "map" ? (op.math.shapeOnly ?? []) : [];
}

/** A seed per op name, so adding an op does not change the draws of the others. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Σ G ⊙ M */
function dot(g: AnyMat, m: AnyMat): number {
  let s = 0;
  for (let i = 0; i < g.data.length; i++) s += g.data[i]! * m.data[i]!;
  return s;
}

function run(op: OpDef<Arity>, inputs: readonly AnyMat[], attrs: Attrs = {}): AnyMat {
  return apply(op, inputs, attrs);
}

// ---------------------------------------------------------------------------------------------

describe("op table coverage", () => {
  it("every op has cases derived from its shape rule (or in EXTRA), and EXTRA names only ops of the table", () => {
    const without = allOps().filter((op) => casesOf(op, rng(seedOf(op.name))).length === 0).map((op) => op.name);
    expect(without, `ops whose shape rule accepts none of the candidate shapes, and with no EXTRA cases in test/op-rules.test.ts: ${without.join(", ")}`).toEqual([]);
    const stale = Object.keys(EXTRA).filter((name) => !allOps().some((op) => op.name === name));
    expect(stale, "EXTRA cases for ops not in the table").toEqual([]);
  });

  it("gives every op a vjp except backward-only ops, and checks every backward-only op's kernel (KERNELS)", () => {
    const withoutVjp = allOps().filter((op) => op.vjp === undefined);
    const notBackwardOnly = withoutVjp.filter((op) => !op.backwardOnly).map((op) => op.name);
    expect(notBackwardOnly, "ops without a vjp that a model may call (not backwardOnly)").toEqual([]);
    // Every op without a vjp has its kernel checked below, against a definition and a derivative.
    const unchecked = withoutVjp.filter((op) => !(op.name in KERNELS)).map((op) => op.name);
    expect(unchecked, `backward-only ops with no entry in KERNELS (test/op-rules.test.ts): ${unchecked.join(", ")}`).toEqual([]);
    const stale = Object.keys(KERNELS).filter((name) => !withoutVjp.some((op) => op.name === name));
    expect(stale, "KERNELS entries for ops that are not backward-only ops of the table").toEqual([]);
  });

  it("produces in-domain inputs whose shapes each op accepts, of sizes 1 and more", () => {
    for (const op of allOps()) {
      const cases = casesOf(op, rng(seedOf(op.name)));
      expect(cases.length, op.name).toBeGreaterThanOrEqual(BINDINGS.length / 2);
      expect(cases.some((c) => c.inputs.every((m) => m.rows === 1 && m.cols === 1)), `${op.name}: a case of 1×1 inputs`).toBe(true);
      expect(cases.some((c) => c.inputs.some((m) => m.rows > 1 && m.cols > 1)), `${op.name}: a case with a k×m input`).toBe(true);
      for (const c of cases) {
        const out = run(op, c.inputs, c.attrs);
        for (const x of out.data) expect(Number.isFinite(x), `${op.name} ${c.label}`).toBe(true);
      }
    }
  });

  it("derives the shapes a human would pick: a 1×C row for add and sub, 1×1 for mulScalar, K×M after N×K for matmul", () => {
    const labels = (name: string) => casesOf(opNamed(name), rng(1)).map((c) => c.inputs.map((m) => `${m.rowDim}×${m.colDim}`).join(", "));
    expect(labels("add")).toContain("4×1, 1×1");
    expect(labels("add")).toContain("n×d, 1×d");
    expect(labels("sub")).toContain("3×4, 1×4");
    expect(labels("mulScalar")).toContain("3×4, 1×1");
    expect(labels("matmul")).toContain("n×d, d×k");
    expect(labels("matmul")).toContain("1×3, 3×4");
  });
});

describe("vector-Jacobian rules match central finite differences of Σ G ⊙ op(inputs)", () => {
  const withVjp = allOps().filter((op) => op.vjp !== undefined);

  it.each(withVjp.map((op) => [op.name, op] as const))("%s", (name, op) => {
    const r = rng(seedOf(name));
    const cases = casesOf(op, r);
    expect(cases.length, `${name}: no inputs derived from its shape rule`).toBeGreaterThan(0);
    for (const c of cases) {
      const attrs = c.attrs ?? {};
      const out = run(op, c.inputs, attrs);
      const g = randLike(out, normal(r));
      const adjoints = op.vjp!(c.inputs as unknown as Inputs<AnyMat, Arity>, out, g, attrs);
      expect(adjoints.length, `${name} ${c.label}`).toBe(op.arity);

      const shapeOnly = adjoints.flatMap((a, i) => (a === undefined ? [i] : []));
      expect(shapeOnly, `${name} ${c.label}: shape-only inputs`).toEqual(shapeOnlyInputs(op));

      const f = () => dot(g, run(op, c.inputs, attrs));
      c.inputs.forEach((x, i) => {
        const adj = adjoints[i];
        if (adj === undefined) return;
        const where = `${name} ${c.label}, input ${i + 1}`;
        expect(sameShape(adj, x), `${where}: adjoint is ${shapeText(adj)}, input is ${shapeText(x)}`).toBe(true);
        close("fd", adj.data, centralDiff(f, x.data, FD_EPS), where);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Backward-only ops

/** rowsum(x) copied across the columns: x · 1 (C×1) · 1 (1×C), written with matmul. */
function rowSumsSpread(x: AnyMat): AnyMat {
  const col = shaped({ rowDim: x.colDim, colDim: 1, rows: x.cols, cols: 1 }, new Float64Array(x.cols).fill(1));
  const row = shaped({ rowDim: 1, colDim: x.colDim, rows: 1, cols: x.cols }, new Float64Array(x.cols).fill(1));
  return matmul(matmul(x, col), row);
}

function ones(like: Shape): AnyMat {
  return shaped(like, new Float64Array(like.rows * like.cols).fill(1));
}

/** Shapes for the derivative checks of the backward-only kernels: 1×1, 1×k, k×1 and k×m, literal and named. */
const SHAPES: readonly (readonly [SizeArg, SizeArg])[] = [
  [1, 1],
  [1, 5],
  [4, 1],
  [3, 4],
  [{ name: "n", size: 1 }, { name: "d", size: 1 }],
  [{ name: "n", size: 1 }, { name: "d", size: 6 }],
  [{ name: "n", size: 5 }, { name: "d", size: 1 }],
  [{ name: "n", size: 3 }, { name: "d", size: 4 }],
];

function zerosLike(like: Shape): AnyMat {
  return shaped(like, new Float64Array(like.rows * like.cols));
}

interface KernelCheck {
  /** The op's value written with other ops (or by hand), from the same inputs. */
  definition(inputs: readonly AnyMat[]): AnyMat;
  /** Checks that the kernel is the derivative it stands for, with finite differences. */
  derivative(r: Rng): void;
}

const KERNELS: Readonly<Record<string, KernelCheck>> = {
  // tanhGrad(h, g) = g ⊙ (1 − h ⊙ h), and with h = tanh(a) it is ∂/∂a Σ g ⊙ tanh(a).
  tanhGrad: {
    definition: ([h, g]) => mul(g!, sub(ones(h!), mul(h!, h!))),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const a = randMat(rows, cols, normal(r));
        const g = randLike(a, normal(r));
        const fd = centralDiff(() => dot(g, tanh(a)), a.data, FD_EPS);
        close("fd", tanhGrad(tanh(a), g).data, fd, `tanhGrad ${shapeText(a)} as ∂/∂a Σ G ⊙ tanh(a)`);
      }
    },
  },
  // softmaxGrad(y, g) = y ⊙ (g − rowsum(g ⊙ y)), and with y = softmax(o) it is ∂/∂o Σ g ⊙ softmax(o).
  softmaxGrad: {
    definition: ([y, g]) => mul(y!, sub(g!, rowSumsSpread(mul(g!, y!)))),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const o = randMat(rows, cols, () => 2 * r.normal());
        const g = randLike(o, normal(r));
        const fd = centralDiff(() => dot(g, softmax(o)), o.data, FD_EPS);
        close("fd", softmaxGrad(softmax(o), g).data, fd, `softmaxGrad ${shapeText(o)} as ∂/∂o Σ G ⊙ softmax(o)`);
      }
    },
  },
  // logSoftmaxGrad(y, g) = g − exp(y) ⊙ rowsum(g), and with y = logSoftmax(o) it is ∂/∂o Σ g ⊙ logSoftmax(o).
  logSoftmaxGrad: {
    definition: ([y, g]) => sub(g!, mul(exp(y!), rowSumsSpread(g!))),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const o = randMat(rows, cols, () => 2 * r.normal());
        const g = randLike(o, normal(r));
        const fd = centralDiff(() => dot(g, logSoftmax(o)), o.data, FD_EPS);
        close("fd", logSoftmaxGrad(logSoftmax(o), g).data, fd, `logSoftmaxGrad ${shapeText(o)} as ∂/∂o Σ G ⊙ logSoftmax(o)`);
      }
    },
  },
  // softmaxCrossEntropyGrad(o, y) = softmax(o) ⊙ rowsum(y) − y = ∂/∂o softmaxCrossEntropy(o, y).
  softmaxCrossEntropyGrad: {
    definition: ([o, y]) => sub(mul(softmax(o!), rowSumsSpread(y!)), y!),
    derivative(r) {
      for (const c of targetCases(opNamed("softmaxCrossEntropyGrad"))(r)) {
        const [o, y] = c.inputs as [AnyMat, AnyMat];
        const fd = centralDiff(() => softmaxCrossEntropy(o, y).data[0]!, o.data, FD_EPS);
        close("fd", softmaxCrossEntropyGrad(o, y).data, fd, `softmaxCrossEntropyGrad ${c.label} as ∂/∂o softmaxCrossEntropy(o, y)`);
      }
    },
  },
  // broadcastRows(row, like) = 0 + row on every row (add's broadcast); linear in the row with adjoint
  // sumRows, the rule it serves, and independent of like's entries.
  broadcastRows: {
    definition: ([row, like]) => add(zerosLike(like!), row!),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const like = randMat(rows, cols, normal(r));
        const row = randMat(1, cols, normal(r)) as Mat<1, Dim>;
        const g = randLike(like, normal(r));
        const f = () => dot(g, broadcastRows(row, like));
        const where = `broadcastRows row ${shapeText(row)} like ${shapeText(like)}`;
        close("fd", centralDiff(f, row.data, FD_EPS), sumRows(g).data, `${where}: ∂/∂row = sumRows(G)`);
        expect(centralDiff(f, like.data, FD_EPS).every((x) => x === 0), `${where}: like is shape-only`).toBe(true);
      }
    },
  },
  // expandScalar(s, like) = ones(like) · s (mulScalar); linear in s with adjoint sumAll, the rule it
  // serves, and independent of like's entries.
  expandScalar: {
    definition: ([s, like]) => mulScalar(ones(like!), s as Mat<1, 1>),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const like = randMat(rows, cols, normal(r));
        const s = mat(1, 1, [r.normal()]);
        const g = randLike(like, normal(r));
        const f = () => dot(g, expandScalar(s, like));
        const where = `expandScalar like ${shapeText(like)}`;
        close("fd", centralDiff(f, s.data, FD_EPS), sumAll(g).data, `${where}: ∂/∂s = sumAll(G)`);
        expect(centralDiff(f, like.data, FD_EPS).every((x) => x === 0), `${where}: like is shape-only`).toBe(true);
      }
    },
  },
  // sigmoidGrad(s, g) = g ⊙ s ⊙ (1 − s), and with s = sigmoid(a) it is ∂/∂a Σ g ⊙ sigmoid(a).
  sigmoidGrad: {
    definition: ([s, g]) => mul(g!, mul(s!, sub(ones(s!), s!))),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const a = randMat(rows, cols, () => 3 * r.normal());
        const g = randLike(a, normal(r));
        const fd = centralDiff(() => dot(g, sigmoid(a)), a.data, FD_EPS);
        close("fd", sigmoidGrad(sigmoid(a), g).data, fd, `sigmoidGrad ${shapeText(a)} as ∂/∂a Σ G ⊙ sigmoid(a)`);
      }
    },
  },
  // reluGrad(a, g) = g where a > 0, else 0 (also at exactly 0); away from 0 it is ∂/∂a Σ g ⊙ relu(a).
  reluGrad: {
    definition: ([a, g]) => mul(g!, shaped(a!, a!.data.map((x) => (x > 0 ? 1 : 0)))),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        // Kept at least 0.1 away from 0, where relu has no derivative.
        const a = randMat(rows, cols, () => { const x = r.normal(); return x + (x < 0 ? -0.1 : 0.1); });
        const g = randLike(a, normal(r));
        const fd = centralDiff(() => dot(g, relu(a)), a.data, FD_EPS);
        close("fd", reluGrad(a, g).data, fd, `reluGrad ${shapeText(a)} as ∂/∂a Σ G ⊙ relu(a)`);
      }
      const zero = mat(1, 3, [0, -0, 0]);
      expect(Array.from(reluGrad(zero, mat(1, 3, [1, 2, 3])).data), "reluGrad at exactly 0 is 0").toEqual([0, 0, 0]);
    },
  },
  // broadcastCols(col, like) = 0 + col on every column; linear in the column with adjoint sumCols,
  // the rule it serves, and independent of like's entries.
  broadcastCols: {
    definition: ([col, like]) => matmul(col!, shaped({ rowDim: 1, colDim: like!.colDim, rows: 1, cols: like!.cols }, new Float64Array(like!.cols).fill(1)) as never),
    derivative(r) {
      for (const [rows, cols] of SHAPES) {
        const like = randMat(rows, cols, normal(r));
        const col = shaped({ rowDim: like.rowDim, colDim: 1, rows: like.rows, cols: 1 }, Float64Array.from({ length: like.rows }, () => r.normal()));
        const g = randLike(like, normal(r));
        const f = () => dot(g, broadcastCols(col as Mat<Dim, 1>, like as never));
        const where = `broadcastCols col ${shapeText(col)} like ${shapeText(like)}`;
        close("fd", centralDiff(f, col.data, FD_EPS), sumCols(g).data, `${where}: ∂/∂col = sumCols(G)`);
        expect(centralDiff(f, like.data, FD_EPS).every((x) => x === 0), `${where}: like is shape-only`).toBe(true);
      }
    },
  },
};

describe("backward-only ops: eager kernels match their definitions and are true derivatives", () => {
  describe.each(Object.entries(KERNELS))("%s", (name, check) => {
    const op = allOps().find((o) => o.name === name);

    it("kernel equals its definition written with other ops", () => {
      expect(op, `${name} is in the op table`).toBeDefined();
      for (const c of casesOf(op!, rng(seedOf(name)))) {
        const got = run(op!, c.inputs);
        const want = check.definition(c.inputs);
        expect(sameShape(got, want), `${name} ${c.label}: ${shapeText(got)} vs ${shapeText(want)}`).toBe(true);
        close("def", got.data, want.data, `${name} ${c.label}`);
      }
    });

    it("is the derivative it stands for (finite differences)", () => {
      check.derivative(rng(seedOf(name) ^ 0x5eed));
    });
  });
});
