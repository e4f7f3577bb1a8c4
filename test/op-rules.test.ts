// Every op's vector-Jacobian rule against central finite differences, and every backward-only op's
// eager kernel against its definition (written with the other ops) and against the derivative it
// stands for. The op table drives the tests: an op added to the table without cases here fails the
// coverage checks, and an op that gains a vjp is checked against finite differences automatically.
import { afterAll, describe, expect, it } from "vitest";
import { apply, sameShape, type Arity, type Attrs, type Inputs, type OpDef } from "../src/op.js";
import { opTable } from "../src/ops/table.js";
import {
  add,
  dim,
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
  tanh,
  type AnyMat,
  type Dim,
  type Mat,
  type Rng,
  type Shape,
  type SizeArg,
} from "../src/index.js";
import { broadcastRows, expandScalar, logSoftmaxGrad, softmaxCrossEntropyGrad, softmaxGrad, tanhGrad } from "../src/ops/index.js";
import { centralDiff, distributionRows, oneHotRows, relErr } from "./support/numeric.js";

// ---------------------------------------------------------------------------------------------
// Tolerances, the ops' roles, and the worst errors seen (printed after the run)

/** Rule vs finite differences: eps = 1e-5 leaves truncation ~eps²·f‴ and rounding ~1e-16·|f|/eps. */
const FD_TOL = 1e-7;
const FD_EPS = 1e-5;
/** Kernel vs the same formula written with other ops: only summation-order rounding may differ. */
const DEF_TOL = 1e-12;

/** Ops used only inside gradient rules: they have no vjp of their own. */
const BACKWARD_ONLY = ["tanhGrad", "softmaxGrad", "logSoftmaxGrad", "softmaxCrossEntropyGrad", "broadcastRows", "expandScalar"];
/** Inputs that only lend their shape (adjoint undefined), should such an op ever get a vjp. */
const SHAPE_ONLY: Readonly<Record<string, readonly number[]>> = { broadcastRows: [1], expandScalar: [1] };

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
const nonZero = (r: Rng) => () => (r.uniform() < 0.5 ? -1 : 1) * (0.5 + r.uniform());

/** Shapes for the elementwise and row-wise ops: 1×1, 1×k, k×1 and k×m, with literal and named dims. */
const SHAPES: readonly (readonly [SizeArg, SizeArg])[] = [
  [1, 1],
  [1, 5],
  [4, 1],
  [3, 4],
  [dim("n", 1), dim("d", 1)],
  [dim("n", 1), dim("d", 6)],
  [dim("n", 5), dim("d", 1)],
  [dim("n", 3), dim("d", 4)],
];

/** N, K, M for matmul. */
const MATMUL_SHAPES: readonly (readonly [SizeArg, SizeArg, SizeArg])[] = [
  [1, 1, 1],
  [1, 4, 1],
  [3, 1, 2],
  [1, 3, 4],
  [4, 3, 1],
  [3, 4, 2],
  [dim("n", 1), dim("k", 1), dim("m", 1)],
  [dim("n", 2), dim("k", 3), dim("m", 4)],
  [dim("n", 5), dim("k", 1), dim("m", 3)],
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

const perShape = (make: (rows: SizeArg, cols: SizeArg) => Case): Case[] => SHAPES.map(([rows, cols]) => make(rows, cols));
const unary = (draw: (r: Rng) => () => number) => (r: Rng) =>
  perShape((rows, cols) => {
    const a = randMat(rows, cols, draw(r));
    return { label: shapeText(a), inputs: [a] };
  });
const binarySame = (drawA: (r: Rng) => () => number, drawB: (r: Rng) => () => number) => (r: Rng) =>
  perShape((rows, cols) => {
    const a = randMat(rows, cols, drawA(r));
    return { label: shapeText(a), inputs: [a, randLike(a, drawB(r))] };
  });
/** Equal shapes, then b a 1×C row broadcast onto a's rows (for a literal 1-row a, that is equal shapes again). */
const broadcasting = (r: Rng): Case[] => [
  ...binarySame(normal, normal)(r),
  ...perShape((rows, cols) => {
    const a = randMat(rows, cols, normal(r));
    const b = randMat(1, cols, normal(r));
    return { label: `${shapeText(a)} with row ${shapeText(b)}`, inputs: [a, b] };
  }),
];
/** (forward output or logits, second input) for the row-wise backward ops. */
const fromPrimal = (primal: (a: AnyMat) => AnyMat) => (r: Rng) =>
  perShape((rows, cols) => {
    const a = randMat(rows, cols, () => 2 * r.normal());
    return { label: shapeText(a), inputs: [primal(a), randLike(a, normal(r))] };
  });
const targetCases = (r: Rng): Case[] =>
  TARGET_KINDS.flatMap((kind) =>
    perShape((rows, cols) => {
      const o = randMat(rows, cols, () => 2 * r.normal());
      return { label: `${shapeText(o)}, ${kind} targets`, inputs: [o, targets(o, kind, r)] };
    }),
  );

const CASES: Readonly<Record<string, (r: Rng) => Case[]>> = {
  matmul: (r) =>
    MATMUL_SHAPES.map(([n, k, m]) => {
      const a = randMat(n, k, normal(r));
      const b = randMat(k, m, normal(r));
      return { label: `${shapeText(a)} · ${shapeText(b)}`, inputs: [a, b] };
    }),
  transpose: unary(normal),
  add: broadcasting,
  sub: broadcasting,
  mul: binarySame(normal, normal),
  div: binarySame(normal, nonZero),
  scale: (r) =>
    [r.normal(), -1, 2.5, 0].flatMap((s) =>
      perShape((rows, cols) => {
        const a = randMat(rows, cols, normal(r));
        return { label: `${shapeText(a)}, s = ${s}`, inputs: [a], attrs: { s } };
      }),
    ),
  mulScalar: (r) =>
    perShape((rows, cols) => {
      const a = randMat(rows, cols, normal(r));
      return { label: shapeText(a), inputs: [a, randMat(1, 1, normal(r))] };
    }),
  tanh: unary(normal),
  exp: unary(normal),
  log: unary(positive),
  softmax: unary((r) => () => 2 * r.normal()),
  logSoftmax: unary((r) => () => 2 * r.normal()),
  sumRows: unary(normal),
  sumAll: unary(normal),
  softmaxCrossEntropy: targetCases,
  tanhGrad: fromPrimal(tanh),
  softmaxGrad: fromPrimal(softmax),
  logSoftmaxGrad: fromPrimal(logSoftmax),
  softmaxCrossEntropyGrad: targetCases,
  broadcastRows: (r) =>
    perShape((rows, cols) => {
      const like = randMat(rows, cols, normal(r));
      const row = randMat(1, cols, normal(r));
      return { label: `row ${shapeText(row)} like ${shapeText(like)}`, inputs: [row, like] };
    }),
  expandScalar: (r) =>
    perShape((rows, cols) => {
      const like = randMat(rows, cols, normal(r));
      return { label: `like ${shapeText(like)}`, inputs: [randMat(1, 1, normal(r)), like] };
    }),
};

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
  it("has inputs for every op, and no cases for ops that no longer exist", () => {
    expect(Object.keys(CASES).sort()).toEqual([...opTable.keys()].sort());
  });

  it("gives every op a vjp except the backward-only ops", () => {
    const withoutVjp = [...opTable.values()].filter((op) => op.vjp === undefined).map((op) => op.name);
    for (const name of withoutVjp) expect(BACKWARD_ONLY, `${name} has no vjp`).toContain(name);
    // Every backward-only op without a vjp has its kernel checked below.
    expect(Object.keys(KERNELS).sort()).toEqual([...withoutVjp].sort());
  });

  it("produces in-domain inputs whose shapes each op accepts", () => {
    for (const [name, op] of opTable) {
      const cases = CASES[name]!(rng(seedOf(name)));
      expect(cases.length, name).toBeGreaterThanOrEqual(SHAPES.length);
      for (const c of cases) {
        const out = run(op, c.inputs, c.attrs);
        for (const x of out.data) expect(Number.isFinite(x), `${name} ${c.label}`).toBe(true);
      }
    }
  });
});

describe("vector-Jacobian rules match central finite differences of Σ G ⊙ op(inputs)", () => {
  const withVjp = [...opTable.values()].filter((op) => op.vjp !== undefined);

  it.each(withVjp.map((op) => [op.name, op] as const))("%s", (name, op) => {
    const r = rng(seedOf(name));
    const cases = CASES[name]!(r);
    for (const c of cases) {
      const attrs = c.attrs ?? {};
      const out = run(op, c.inputs, attrs);
      const g = randLike(out, normal(r));
      const adjoints = op.vjp!(c.inputs as unknown as Inputs<AnyMat, Arity>, out, g, attrs);
      expect(adjoints.length, `${name} ${c.label}`).toBe(op.arity);

      const shapeOnly = adjoints.flatMap((a, i) => (a === undefined ? [i] : []));
      expect(shapeOnly, `${name} ${c.label}: shape-only inputs`).toEqual(SHAPE_ONLY[name] ?? []);

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
      for (const c of targetCases(r)) {
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
};

describe("backward-only ops: eager kernels match their definitions and are true derivatives", () => {
  describe.each(Object.entries(KERNELS))("%s", (name, check) => {
    const op = opTable.get(name);

    it("kernel equals its definition written with other ops", () => {
      expect(op, `${name} is in the op table`).toBeDefined();
      for (const c of CASES[name]!(rng(seedOf(name)))) {
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
