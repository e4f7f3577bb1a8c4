// Numeric tests of every op against values computed by hand (the derivation is in the comments;
// transcendental constants were taken to 22 digits from an arbitrary-precision calculator), plus
// the run-time checks that take over when the types are bypassed with casts. The table-driven hand
// values that every op must have are in test/hand-values.test.ts; the refusals of non-matrices here
// run over every op of the table, through its typed function.
import { describe, expect, it } from "vitest";
import {
  ShapeError,
  add,
  dim,
  div,
  exp,
  fromRows,
  log,
  logSoftmax,
  mat,
  matmul,
  mul,
  scale,
  softmax,
  softmaxCrossEntropy,
  sub,
  sumAll,
  sumRows,
  tanh,
  transpose,
  zeros,
  type AnyMat,
} from "../src/index.js";
import type { Arity, OpDef } from "../src/op.js";
import { labels, thrown } from "./support/assertions.js";
import { builtInOps, probeAttrs, typedFunction } from "./support/op-shapes.js";
import { relErr } from "./support/numeric.js";

// ---------------------------------------------------------------------------------------------
// Helpers


const err = relErr;
const TOL = 1e-12;

function flat(rows: readonly (readonly number[])[]): number[] {
  return rows.flatMap((r) => [...r]);
}

/** Shape equal to `expected`'s and err ≤ tol. */
function expectClose(m: AnyMat, expected: readonly (readonly number[])[], tol = TOL): void {
  expect([m.rows, m.cols]).toEqual([expected.length, expected[0]!.length]);
  expect(m.data.length).toBe(m.rows * m.cols);
  const e = err(m.data, flat(expected));
  expect(e, `err ${e} for ${JSON.stringify(Array.from(m.data))}`).toBeLessThanOrEqual(tol);
}

/** Shape equal and every entry identical (NaN matches NaN; ±Infinity must match exactly). */
function expectExact(m: AnyMat, expected: readonly (readonly number[])[]): void {
  expect([m.rows, m.cols]).toEqual([expected.length, expected[0]!.length]);
  const want = flat(expected);
  const got = Array.from(m.data);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    const same = g === w || (Number.isNaN(g) && Number.isNaN(w));
    expect(same, `entry ${i}: got ${g}, want ${w}`).toBe(true);
  });
}



/** The line of this test file that `probe` was created on, as the stack reports it. */
function lineOf(probe: Error): string {
  const match = /test\/ops\.test\.ts:(\d+):\d+/.exec(probe.stack ?? "");
  if (!match) throw new Error(`no test/ops.test.ts frame in ${probe.stack}`);
  return match[1]!;
}

/**
 * `f` throws a ShapeError for `op` whose message contains `text` and the caller's location.
 * Call it with `f` and `probe = new Error()` on the SAME line, so the expected line is known.
 */
function expectShapeError(f: () => unknown, op: string, text: string, probe: Error): ShapeError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(ShapeError);
  const se = e as ShapeError;
  expect(se.name).toBe("ShapeError");
  expect(se.op).toBe(op);
  expect(se.message.startsWith(`${op}: `)).toBe(true);
  expect(se.message).toContain(text);
  expect(se.message).toContain("test/ops.test.ts:");
  expect(se.message).toMatch(new RegExp(`\\(at test/ops\\.test\\.ts:${lineOf(probe)}:\\d+\\)$`));
  expect(se.location).toMatch(new RegExp(`^test/ops\\.test\\.ts:${lineOf(probe)}:\\d+$`));
  expect(se.shapes.length).toBe(2);
  return se;
}

function expectTypeError(f: () => unknown, text: string): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(TypeError);
  expect(e).not.toBeInstanceOf(ShapeError);
  expect((e as Error).message).toContain(text);
}

// Shared fixtures: A is 2×3, B is 3×2.
const A = fromRows([
  [1, 2, 3],
  [4, 5, 6],
]);
const B = fromRows([
  [7, 8],
  [9, 10],
  [11, 12],
]);

describe("err helper", () => {
  it("measures the max error relative to the max of the reference, and is NaN-sensitive", () => {
    expect(err([1, 2], [1, 2])).toBe(0);
    expect(err([1, 2.5], [1, 2])).toBe(0.25);
    expect(err([0.5, 0], [0, 0])).toBe(0.5);
    expect(err([NaN, 0], [1, 0]) <= TOL).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// matmul / transpose

describe("matmul", () => {
  it("multiplies a 2×3 by a 3×2", () => {
    // [1 2 3]·[7 9 11]ᵀ = 7+18+33 = 58,  [1 2 3]·[8 10 12]ᵀ = 8+20+36 = 64
    // [4 5 6]·[7 9 11]ᵀ = 28+45+66 = 139, [4 5 6]·[8 10 12]ᵀ = 32+50+72 = 154
    const c = matmul(A, B);
    expectExact(c, [
      [58, 64],
      [139, 154],
    ]);
    expect(labels(c)).toEqual([2, 2, 2, 2]);
  });

  it("multiplies a 3×2 by a 2×3 (the other order gives a 3×3)", () => {
    // row i of B times columns (1,4), (2,5), (3,6) of A
    const c = matmul(B, A);
    expectExact(c, [
      [7 + 32, 14 + 40, 21 + 48],
      [9 + 40, 18 + 50, 27 + 60],
      [11 + 48, 22 + 60, 33 + 72],
    ]);
    expectExact(c, [
      [39, 54, 69],
      [49, 68, 87],
      [59, 82, 105],
    ]);
  });

  it("handles fractional entries and a non-square 1×2 · 2×3", () => {
    // [0.5 −1.5] · [[2 4 −1] [−2 0.25 3]] = [1+3, 2−0.375, −0.5−4.5] = [4, 1.625, −5]
    const x = fromRows([[0.5, -1.5]]);
    const w = fromRows([
      [2, 4, -1],
      [-2, 0.25, 3],
    ]);
    expectExact(matmul(x, w), [[4, 1.625, -5]]);
  });

  it("gives a 1×1 inner product for 1×k · k×1", () => {
    // 1·4 + 2·5 + 3·6 = 32
    const c = matmul(fromRows([[1, 2, 3]]), fromRows([[4], [5], [6]]));
    expectExact(c, [[32]]);
    expect(labels(c)).toEqual([1, 1, 1, 1]);
  });

  it("gives the outer product for k×1 · 1×k", () => {
    const c = matmul(fromRows([[1], [2]]), fromRows([[3, 4, 5]]));
    expectExact(c, [
      [3, 4, 5],
      [6, 8, 10],
    ]);
    expect(labels(c)).toEqual([2, 3, 2, 3]);
  });

  it("handles the 1×1 · 1×1 case", () => {
    expectExact(matmul(fromRows([[-3]]), fromRows([[0.5]])), [[-1.5]]);
  });

  it("multiplies by a transpose: A·Aᵀ and Aᵀ·A", () => {
    // A·Aᵀ: 1+4+9 = 14, 4+10+18 = 32, 16+25+36 = 77
    expectExact(matmul(A, transpose(A)), [
      [14, 32],
      [32, 77],
    ]);
    // Aᵀ·A: columns (1,4), (2,5), (3,6) dotted pairwise
    expectExact(matmul(transpose(A), A), [
      [17, 22, 27],
      [22, 29, 36],
      [27, 36, 45],
    ]);
  });

  it("keeps the outer dims' labels with named dims (X·Wᵀ is n×h)", () => {
    const n = dim("n", 2);
    const d = dim("d", 3);
    const h = dim("h", 2);
    const x = mat(n, d, [1, 0, -1, 2, 1, 0]);
    const w = mat(h, d, [1, 2, 3, 0.5, 0.5, 0.5]);
    // row (1,0,−1): 1·1+0·2−1·3 = −2, 1·0.5 + 0 − 0.5 = 0
    // row (2,1,0):  2+2+0 = 4,         1+0.5+0 = 1.5
    const y = matmul(x, transpose(w));
    expect(labels(y)).toEqual(["n", "h", 2, 2]);
    expectExact(y, [
      [-2, 0],
      [4, 1.5],
    ]);
  });

  it("multiplying by the identity leaves a matrix unchanged", () => {
    const i3 = fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expectExact(matmul(A, i3), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("does not modify its inputs", () => {
    const a = fromRows([[1, 2]]);
    const b = fromRows([[3], [4]]);
    matmul(a, b);
    expect(Array.from(a.data)).toEqual([1, 2]);
    expect(Array.from(b.data)).toEqual([3, 4]);
  });

  it("propagates NaN and ±Infinity IEEE-style", () => {
    const eye = fromRows([
      [1, 0],
      [0, 1],
    ]);
    // row (1, NaN): 1·1 + NaN·0 = NaN, 1·0 + NaN·1 = NaN; row (2, 3) is untouched by the NaN.
    expectExact(
      matmul(
        fromRows([
          [1, NaN],
          [2, 3],
        ]),
        eye,
      ),
      [
        [NaN, NaN],
        [2, 3],
      ],
    );
    // ∞·1 + 1·1 = ∞; −∞·2 + 1·3 = −∞; ∞·0 = NaN; ∞ + (−∞) = NaN
    expectExact(matmul(fromRows([[Infinity, 1]]), fromRows([[1], [1]])), [[Infinity]]);
    expectExact(matmul(fromRows([[-Infinity, 1]]), fromRows([[2], [3]])), [[-Infinity]]);
    expectExact(matmul(fromRows([[Infinity, 1]]), fromRows([[0], [1]])), [[NaN]]);
    expectExact(matmul(fromRows([[Infinity, -Infinity]]), fromRows([[1], [1]])), [[NaN]]);
  });
});

describe("transpose", () => {
  it("swaps rows and columns, sizes and labels", () => {
    const t = transpose(A);
    expectExact(t, [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(labels(t)).toEqual([3, 2, 3, 2]);
    const n = dim("n", 2);
    const tn = transpose(mat(n, 3, [1, 2, 3, 4, 5, 6]));
    expect(labels(tn)).toEqual([3, "n", 3, 2]);
    expectExact(tn, [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it("turns a row into a column and back; transposing twice is the identity", () => {
    const col = transpose(fromRows([[1, 2, 3]]));
    expectExact(col, [[1], [2], [3]]);
    expectExact(transpose(transpose(A)), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Elementwise binary ops

describe("add and sub", () => {
  const P = fromRows([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);

  it("add with equal shapes", () => {
    expectExact(
      add(
        fromRows([
          [1, 2],
          [3, 4],
        ]),
        fromRows([
          [10, 20],
          [30, 40],
        ]),
      ),
      [
        [11, 22],
        [33, 44],
      ],
    );
    expectExact(add(fromRows([[0.25, -1]]), fromRows([[0.5, 1]])), [[0.75, 0]]);
  });

  it("sub with equal shapes", () => {
    expectExact(
      sub(
        fromRows([
          [5, 5],
          [5, 5],
        ]),
        fromRows([
          [1, 2],
          [3, 4],
        ]),
      ),
      [
        [4, 3],
        [2, 1],
      ],
    );
  });

  it("add broadcasts a 1×C row given second onto every row", () => {
    const s = add(P, fromRows([[10, 20]]));
    expectExact(s, [
      [11, 22],
      [13, 24],
      [15, 26],
    ]);
    expect(labels(s)).toEqual([3, 2, 3, 2]);
  });

  it("sub broadcasts a 1×C row given second onto every row", () => {
    expectExact(sub(P, fromRows([[1, 10]])), [
      [0, -8],
      [2, -6],
      [4, -4],
    ]);
  });

  it("broadcasts with named dims and keeps a's labels", () => {
    const n = dim("n", 2);
    const h = dim("h", 3);
    const x = mat(n, h, [1, 2, 3, 4, 5, 6]);
    const bias = mat(1, h, [0.5, -1, 2]);
    const s = add(x, bias);
    expect(labels(s)).toEqual(["n", "h", 2, 3]);
    expectExact(s, [
      [1.5, 1, 5],
      [4.5, 4, 8],
    ]);
    expectExact(sub(x, bias), [
      [0.5, 3, 1],
      [3.5, 6, 4],
    ]);
  });

  it("a 1×C row plus a 1×C row is plain entrywise", () => {
    expectExact(add(fromRows([[1, 2, 3]]), fromRows([[4, 5, 6]])), [[5, 7, 9]]);
    expectExact(sub(fromRows([[1, 2, 3]]), fromRows([[4, 5, 6]])), [[-3, -3, -3]]);
  });

  it("propagates NaN and ±Infinity", () => {
    // 1 + NaN = NaN; ∞ + 1 = ∞; ∞ + (−∞) = NaN; −∞ + 5 = −∞
    expectExact(add(fromRows([[1, Infinity, Infinity, -Infinity]]), fromRows([[NaN, 1, -Infinity, 5]])), [[NaN, Infinity, NaN, -Infinity]]);
    // ∞ − ∞ = NaN; a broadcast NaN poisons its whole column and nothing else
    expectExact(sub(fromRows([[Infinity, 1]]), fromRows([[Infinity, 1]])), [[NaN, 0]]);
    expectExact(
      add(
        fromRows([
          [1, 2],
          [3, 4],
        ]),
        fromRows([[NaN, 0]]),
      ),
      [
        [NaN, 2],
        [NaN, 4],
      ],
    );
  });

  it("does not modify its inputs", () => {
    const a = fromRows([[1, 2]]);
    const b = fromRows([[3, 4]]);
    add(a, b);
    sub(a, b);
    expect(Array.from(a.data)).toEqual([1, 2]);
    expect(Array.from(b.data)).toEqual([3, 4]);
  });
});

describe("mul", () => {
  it("multiplies entry by entry (Hadamard)", () => {
    expectExact(
      mul(
        fromRows([
          [1, 2],
          [3, 4],
        ]),
        fromRows([
          [5, 6],
          [7, 8],
        ]),
      ),
      [
        [5, 12],
        [21, 32],
      ],
    );
    expectExact(mul(fromRows([[0.5, -3, 0]]), fromRows([[0.5, 2, -7]])), [[0.25, -6, -0]]);
  });

  it("propagates NaN and ±Infinity (0·∞ = NaN)", () => {
    expectExact(mul(fromRows([[NaN, Infinity, Infinity, -2]]), fromRows([[1, 0, -1, -Infinity]])), [[NaN, NaN, -Infinity, Infinity]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Elementwise unary ops

describe("scale", () => {
  it("multiplies every entry by the factor", () => {
    const x = fromRows([
      [1, -2],
      [0.5, 0],
    ]);
    expectExact(scale(x, 3), [
      [3, -6],
      [1.5, 0],
    ]);
    expectExact(scale(x, -0.5), [
      [-0.5, 1],
      [-0.25, -0],
    ]);
    expectExact(scale(x, 0), [
      [0, -0],
      [0, 0],
    ]);
    expect(labels(scale(mat(dim("n", 1), 2, [1, 2]), 2))).toEqual(["n", 2, 1, 2]);
  });

  it("follows IEEE rules for infinite factors, and refuses a NaN factor (an attribute must be a number)", () => {
    expectExact(scale(fromRows([[1, 0, -1]]), Infinity), [[Infinity, NaN, -Infinity]]);
    // Since attributes are checked at apply (src/op.ts attrsProblem), NaN is refused rather than computed.
    expectTypeError(() => scale(fromRows([[1, 2]]), NaN), "scale: attribute s must be a number, got NaN");
  });

  it("refuses a factor that is not a number", () => {
    expectTypeError(() => scale(fromRows([[1]]), "2" as any), "scale");
  });
});

describe("tanh, exp, log", () => {
  it("tanh at hand-known points", () => {
    // tanh 0 = 0, tanh 0.5 = 0.46211715726000975850…, tanh 1 = 0.76159415595576488812…,
    // tanh(−2) = −0.96402758007581688395…, tanh 20 = 1 − 8.5e-18 (= 1 in float64)
    expectClose(tanh(fromRows([[0, 0.5, 1, -2, 20]])), [[0, 0.4621171572600097585, 0.7615941559557648881, -0.9640275800758168839, 1]]);
    // odd function
    expectExact(tanh(fromRows([[0.5, -0.5]])), [[Math.tanh(0.5), -Math.tanh(0.5)]]);
  });

  it("tanh saturates at ±∞ and propagates NaN", () => {
    expectExact(tanh(fromRows([[Infinity, -Infinity, NaN, 1000, -1000]])), [[1, -1, NaN, 1, -1]]);
  });

  it("exp at hand-known points and at ±∞/NaN", () => {
    // e = 2.71828182845904523536…, 1/e = 0.36787944117144232160…, e² = 7.38905609893065022723…,
    // e^−0.5 = 0.60653065971263342360…
    expectClose(exp(fromRows([[0, 1, -1, 2, -0.5]])), [[1, 2.7182818284590452354, 0.3678794411714423216, 7.3890560989306502272, 0.6065306597126334236]]);
    expectExact(exp(fromRows([[0, -Infinity, Infinity, NaN, 1000, -1000]])), [[1, 0, Infinity, NaN, Infinity, 0]]);
  });

  it("log at hand-known points", () => {
    // ln 10 = 2.30258509299404568402…, ln 0.5 = −0.69314718055994530942…, ln 3 = 1.09861228866810969140…
    expectClose(log(fromRows([[1, 10, 0.5, 3]])), [[0, 2.302585092994045684, -0.6931471805599453094, 1.0986122886681096914]]);
  });

  it("log(0) = −∞, log(−1) = NaN, log(∞) = ∞, log(NaN) = NaN", () => {
    expectExact(log(fromRows([[0, -1, Infinity, NaN, -0]])), [[-Infinity, NaN, Infinity, NaN, -Infinity]]);
  });

  it("log∘exp and exp∘log round-trip", () => {
    expectClose(log(exp(fromRows([[-3, 0.25, 7]]))), [[-3, 0.25, 7]]);
    expectClose(exp(log(fromRows([[0.125, 2, 100]]))), [[0.125, 2, 100]]);
  });

  it("keep the shape and labels", () => {
    const x = mat(dim("n", 2), dim("d", 1), [0, 1]);
    for (const f of [tanh, exp, log] as const) expect(labels(f(x))).toEqual(["n", "d", 2, 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// Row-wise softmax / logSoftmax

/** Sum of each row, to check that softmax rows sum to 1. */
function rowSums(m: AnyMat): number[] {
  return Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * m.cols, (i + 1) * m.cols).reduce((s, x) => s + x, 0));
}

const LN2 = 0.6931471805599453094;
const LN3 = 1.0986122886681096914;
const LN6 = 1.791759469228055;
// softmax([0, 1, 2]) = [1, e, e²] / (1 + e + e²) — and softmax is shift-invariant, so also of [1000, 1001, 1002].
const SM012 = [0.090030573170380457998, 0.24472847105479765247, 0.66524095577482188953];
// log Σ exp([0, 1, 2]) − 2 = ln(1 + e^−1 + e^−2) = 0.40760596444438030448…
const LSE012_MINUS_2 = 0.40760596444438030448;

describe("softmax", () => {
  it("softmax of [0, ln 2, ln 3] is [1/6, 2/6, 3/6]; [0, 0] is [1/2, 1/2]", () => {
    const s = softmax(
      fromRows([
        [0, LN2, LN3],
        [5, 5, 5],
      ]),
    );
    expectClose(s, [
      [1 / 6, 2 / 6, 3 / 6],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    expectClose(softmax(fromRows([[0, 0]])), [[0.5, 0.5]]);
  });

  it("works row by row, with hand-computed values", () => {
    // row 0: [1, e, e²]/(1+e+e²); row 1: [0, 1] → [1/(1+e), e/(1+e)] = [0.26894142136999512075, 0.73105857863000487925]
    const s = softmax(
      fromRows([
        [0, 1, 2],
        [3, 4, -Infinity],
      ]),
    );
    expectClose(s, [SM012, [0.26894142136999512075, 0.73105857863000487925, 0]]);
    for (const r of rowSums(s)) expect(Math.abs(r - 1)).toBeLessThanOrEqual(TOL);
  });

  it("is finite and correct for huge inputs (no overflow)", () => {
    const s = softmax(
      fromRows([
        [1000, 1001, 1002],
        [-1000, 0, -1000],
      ]),
    );
    expect(s.data.every(Number.isFinite)).toBe(true);
    // e^−1000 ≈ 5e−435 underflows to 0, so row 1 is exactly [0, 1, 0] in float64.
    expectClose(s, [SM012, [0, 1, 0]]);
    expectExact(softmax(fromRows([[-1000, 0]])), [[0, 1]]);
    for (const r of rowSums(s)) expect(Math.abs(r - 1)).toBeLessThanOrEqual(TOL);
    // A row of equal huge values is uniform, not NaN (∞/∞)
    expectClose(softmax(fromRows([[1e300, 1e300, 1e300, 1e300]])), [[0.25, 0.25, 0.25, 0.25]]);
  });

  it("rows of random-ish values sum to 1 and lie in [0, 1]", () => {
    const x = fromRows([
      [0.3, -7.1, 2.2, 40],
      [-50, -51, -52, -53.5],
      [1e-9, 0, -1e-9, 3],
    ]);
    const s = softmax(x);
    for (const r of rowSums(s)) expect(Math.abs(r - 1)).toBeLessThanOrEqual(TOL);
    expect(s.data.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(labels(s)).toEqual([3, 4, 3, 4]);
  });

  it("propagates NaN within its row only", () => {
    const s = softmax(
      fromRows([
        [0, NaN],
        [0, 0],
      ]),
    );
    expectExact(s, [
      [NaN, NaN],
      [0.5, 0.5],
    ]);
  });
});

describe("logSoftmax", () => {
  it("logSoftmax of [0, ln 2, ln 3] is [−ln 6, ln 2 − ln 6, ln 3 − ln 6]", () => {
    expectClose(logSoftmax(fromRows([[0, LN2, LN3]])), [[-LN6, LN2 - LN6, LN3 - LN6]]);
    expectClose(logSoftmax(fromRows([[7, 7]])), [[-LN2, -LN2]]);
  });

  it("is finite and correct for huge inputs (no overflow)", () => {
    const l = logSoftmax(
      fromRows([
        [1000, 1001, 1002],
        [0, 1, 2],
      ]),
    );
    expect(l.data.every(Number.isFinite)).toBe(true);
    const row = [-2 - LSE012_MINUS_2, -1 - LSE012_MINUS_2, -LSE012_MINUS_2];
    expectClose(l, [row, row]);
    // [−1000, 0]: log(1 + e^−1000) rounds to 0, so the result is [−1000, 0]
    expectExact(logSoftmax(fromRows([[-1000, 0]])), [[-1000, 0]]);
    expectClose(logSoftmax(fromRows([[-1000, 0]])), [[-1000, 0]]);
  });

  it("exp of logSoftmax sums to 1 in every row", () => {
    const e = exp(
      logSoftmax(
        fromRows([
          [2, -1, 0.5],
          [1000, -1000, 999],
        ]),
      ),
    );
    for (const r of rowSums(e)) expect(Math.abs(r - 1)).toBeLessThanOrEqual(TOL);
  });

  it("agrees with log(softmax(x)) where that is finite", () => {
    const x = fromRows([
      [0.1, 0.2, 0.3],
      [-4, 4, 0],
    ]);
    expectClose(logSoftmax(x), [
      Array.from(log(softmax(x)).data.subarray(0, 3)),
      Array.from(log(softmax(x)).data.subarray(3, 6)),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Reductions

describe("sumRows", () => {
  it("sums over rows to a 1×C row", () => {
    const s = sumRows(A);
    expectExact(s, [[5, 7, 9]]);
    expect(labels(s)).toEqual([1, 3, 1, 3]);
  });

  it("keeps a named column dim and handles a single row and a single column", () => {
    const s = sumRows(mat(dim("n", 3), dim("h", 2), [1, -1, 2, 0.5, 3, 0.25]));
    expect(labels(s)).toEqual([1, "h", 1, 2]);
    expectExact(s, [[6, -0.25]]);
    expectExact(sumRows(fromRows([[4, 5]])), [[4, 5]]);
    expectExact(sumRows(fromRows([[1], [2], [3]])), [[6]]);
  });

  it("propagates NaN/Infinity in their column", () => {
    expectExact(
      sumRows(
        fromRows([
          [NaN, 1, Infinity],
          [1, 1, -Infinity],
        ]),
      ),
      [[NaN, 2, NaN]],
    );
  });
});

describe("sumAll", () => {
  it("sums every entry to a 1×1", () => {
    const s = sumAll(A);
    expectExact(s, [[21]]);
    expect(labels(s)).toEqual([1, 1, 1, 1]);
    expectExact(sumAll(fromRows([[0.5, -0.25], [2, -3]])), [[-0.75]]);
    expectExact(sumAll(fromRows([[Infinity, 1]])), [[Infinity]]);
    expectExact(sumAll(fromRows([[NaN, 1]])), [[NaN]]);
  });
});

// ---------------------------------------------------------------------------------------------
// softmaxCrossEntropy

describe("softmaxCrossEntropy", () => {
  it("one-hot targets: the sum over rows of −log p(target)", () => {
    // row 0: −log softmax([1,2,3])₃ = lse([1,2,3]) − 3 = ln(1 + e^−1 + e^−2) = 0.40760596444438030448
    // row 1: −log softmax([0, ln2, ln3])₁ = −log(1/6) = ln 6 = 1.79175946922805500081
    // total: 2.19936543367243530530
    const loss = softmaxCrossEntropy(
      fromRows([
        [1, 2, 3],
        [0, LN2, LN3],
      ]),
      fromRows([
        [0, 0, 1],
        [1, 0, 0],
      ]),
    );
    expect(labels(loss)).toEqual([1, 1, 1, 1]);
    expectClose(loss, [[2.1993654336724353053]]);
  });

  it("distribution targets", () => {
    // logits [0, ln2, ln3] → p = [1/6, 2/6, 3/6]; y = [0.5, 0.25, 0.25]
    // −(0.5·ln(1/6) + 0.25·ln(1/3) + 0.25·ln(1/2)) = 0.5 ln 6 + 0.25 ln 3 + 0.25 ln 2 = 1.34381960192104125061
    expectClose(softmaxCrossEntropy(fromRows([[0, LN2, LN3]]), fromRows([[0.5, 0.25, 0.25]])), [[1.3438196019210412506]]);
    // equal logits: p = [1/2, 1/2], any distribution y gives ln 2
    expectClose(softmaxCrossEntropy(fromRows([[4, 4]]), fromRows([[0.3, 0.7]])), [[LN2]]);
  });

  it("huge logits stay finite and correct", () => {
    // [1000, 1001, 1002] with target 3: same as [1, 2, 3] (shift invariance)
    expectClose(softmaxCrossEntropy(fromRows([[1000, 1001, 1002]]), fromRows([[0, 0, 1]])), [[LSE012_MINUS_2]]);
    // [1000, −1000] with target 1: log(1 + e^−2000) = 0 in float64; with target 2: 2000 + log(1 + e^−2000) = 2000
    expectExact(softmaxCrossEntropy(fromRows([[1000, -1000]]), fromRows([[1, 0]])), [[0]]);
    expectExact(softmaxCrossEntropy(fromRows([[1000, -1000]]), fromRows([[0, 1]])), [[2000]]);
    // [1e300, −1e300], target 1: 0; a 50/50 target: 0.5·0 + 0.5·2e300 = 1e300
    expectClose(softmaxCrossEntropy(fromRows([[1e300, -1e300]]), fromRows([[1, 0]])), [[0]]);
    expectClose(softmaxCrossEntropy(fromRows([[1e300, -1e300]]), fromRows([[0.5, 0.5]])), [[1e300]]);
  });

  // For logits [1e308, −1e308] (finite), x − max = −2e308 overflows to −∞ in the log-softmax; a
  // zero target must not multiply it (0·−∞ = NaN): the true loss log(1 + e^−2e308) is exactly 0.
  it("a zero target weight on an overflowing log-probability contributes 0, not NaN", () => {
    const loss = softmaxCrossEntropy(fromRows([[1e308, -1e308]]), fromRows([[1, 0]]));
    expectExact(loss, [[0]]);
    expectExact(softmaxCrossEntropy(fromRows([[0, -Infinity]]), fromRows([[1, 0]])), [[0]]);
    expect(softmaxCrossEntropy(fromRows([[0, 1]]), fromRows([[NaN, 0]])).data[0]).toBeNaN();
  });

  it("agrees with −Σ y ⊙ logSoftmax(o) built from the other ops", () => {
    const o = fromRows([
      [0.2, -1.3, 2.5, 0],
      [3, 3, -3, 1],
    ]);
    const y = fromRows([
      [0, 0, 1, 0],
      [0.1, 0.2, 0.3, 0.4],
    ]);
    const viaOps = -sumAll(mul(y, logSoftmax(o))).data[0]!;
    expectClose(softmaxCrossEntropy(o, y), [[viaOps]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Run-time shape checks (types bypassed)

describe("run-time shape checks", () => {
  const n = dim("n", 4);
  const d = dim("d", 3);
  const h = dim("h", 5);
  const v = dim("v", 5); // same size as h, different dim
  const X = zeros(n, d); // n×d (4×3)
  const H = zeros(n, h); // n×h (4×5)

  it("matmul refuses mismatched inner dims, naming both shapes and the caller", () => {
    const e = expectShapeError(() => matmul(X, H as any), "matmul", "matmul: a is n×d (4×3) but b is n×h (4×5); inner dims d and n differ", new Error());
    expect(e.shapes[0]).toMatchObject({ rowDim: "n", colDim: "d", rows: 4, cols: 3 });
    expect(e.shapes[1]).toMatchObject({ rowDim: "n", colDim: "h", rows: 4, cols: 5 });
    expectShapeError(() => matmul(A, A as any), "matmul", "matmul: a is 2×3 but b is 2×3; inner dims 3 and 2 differ", new Error());
  });

  it("matmul refuses dims with equal sizes but different names", () => {
    const q = dim("q", 4);
    const Y = zeros(dim("n", 2), q); // n×q (2×4)
    expectShapeError(() => matmul(Y, zeros(dim("k", 4), 3) as any), "matmul", "matmul: a is n×q (2×4) but b is k×3 (4×3); inner dims q and k differ", new Error());
    // a literal 4 is not the dim q either, and q is not the literal 4
    expectShapeError(() => matmul(Y, zeros(4, 3) as any), "matmul", "matmul: a is n×q (2×4) but b is 4×3; inner dims q and 4 differ", new Error());
    expectShapeError(() => matmul(zeros(2, 4), zeros(q, 3) as any), "matmul", "matmul: a is 2×4 but b is q×3 (4×3); inner dims 4 and q differ", new Error());
    // a hand-made dim with the same name but a different size is refused too
    expectShapeError(() => matmul(Y, zeros(dim("q", 5), 3) as any), "matmul", "matmul: a is n×q (2×4) but b is q×3 (5×3); inner dims q and q differ", new Error());
  });

  it("add and sub refuse a 1×v row onto n×h, even when v and h have the same size", () => {
    expectShapeError(() => add(H, zeros(1, v) as any), "add", "add: a is n×h (4×5) but b is 1×v (1×5); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
    expectShapeError(() => sub(H, zeros(1, v) as any), "sub", "sub: a is n×h (4×5) but b is 1×v (1×5); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
    expectShapeError(() => add(H, zeros(1, 3) as any), "add", "add: a is n×h (4×5) but b is 1×3; b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
  });

  it("add and sub refuse other mismatches (transposed, named-vs-literal, n×v)", () => {
    expectShapeError(() => add(H, zeros(n, v) as any), "add", "add: a is n×h (4×5) but b is n×v (4×5); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
    expectShapeError(() => sub(H, zeros(h, n) as any), "sub", "sub: a is n×h (4×5) but b is h×n (5×4); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
    expectShapeError(() => add(H, zeros(4, 5) as any), "add", "add: a is n×h (4×5) but b is 4×5; b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
    // a 2-row matrix is not a broadcast row
    expectShapeError(() => add(H, zeros(2, h) as any), "add", "add: a is n×h (4×5) but b is 2×h (2×5); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
  });

  it("a broadcast row or column only works as the second argument; a number works on either side", () => {
    const bias = zeros(1, h);
    expect(labels(add(H, bias))).toEqual(["n", "h", 4, 5]);
    expectShapeError(() => add(bias, H as any), "add", "add: a is 1×h (1×5) but b is n×h (4×5); b must be 1×h, 1×h (a row), 1×1 (a column) or a number", new Error());
    expectShapeError(() => sub(zeros(n, 1), H as any), "sub", "sub: a is n×1 (4×1) but b is n×h (4×5); b must be n×1, 1×1 (a row), n×1 (a column) or a number", new Error());
    expect(labels(sub(1, H))).toEqual(["n", "h", 4, 5]);
    expect(Array.from(sub(1, fromRows([[0.25, 2]])).data)).toEqual([0.75, -1]);
    expect(Array.from(div(fromRows([[1, 2]]), 4).data)).toEqual([0.25, 0.5]);
  });

  it("a dim named other than 1 is not a broadcast row, even with size 1", () => {
    const one = dim("one", 1);
    expectShapeError(() => add(H, zeros(one, h) as any), "add", "add: a is n×h (4×5) but b is one×h (1×5); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
  });

  it("mul and div broadcast as add does: a row, a column, a number", () => {
    const m = fromRows([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(mul(m, fromRows([[1, 10, 100]])).data)).toEqual([1, 20, 300, 4, 50, 600]);
    expect(Array.from(mul(m, fromRows([[2], [-1]])).data)).toEqual([2, 4, 6, -4, -5, -6]);
    expect(Array.from(div(m, fromRows([[2], [4]])).data)).toEqual([0.5, 1, 1.5, 1, 1.25, 1.5]);
    expect(Array.from(mul(0.5, m).data)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expectShapeError(() => mul(X, H as any), "mul", "mul: a is n×d (4×3) but b is n×h (4×5); b must be n×d, 1×d (a row), n×1 (a column) or a number", new Error());
    expectShapeError(() => mul(zeros(2, 3), zeros(3, 2) as any), "mul", "mul: a is 2×3 but b is 3×2; b must be 2×3, 1×3 (a row), 2×1 (a column) or a number", new Error());
    expectShapeError(() => div(H, zeros(n, v) as any), "div", "div: a is n×h (4×5) but b is n×v (4×5); b must be n×h, 1×h (a row), n×1 (a column) or a number", new Error());
  });

  it("softmaxCrossEntropy needs logits and targets of equal shape", () => {
    const logits = zeros(n, v);
    expectShapeError(() => softmaxCrossEntropy(logits, H as any), "softmaxCrossEntropy", "softmaxCrossEntropy: a is n×v (4×5) but b is n×h (4×5); the shapes must be equal", new Error());
    expectShapeError(() => softmaxCrossEntropy(logits, zeros(1, v) as any), "softmaxCrossEntropy", "softmaxCrossEntropy: a is n×v (4×5) but b is 1×v (1×5); the shapes must be equal", new Error());
    expectShapeError(() => softmaxCrossEntropy(zeros(2, 3), zeros(3, 2) as any), "softmaxCrossEntropy", "softmaxCrossEntropy: a is 2×3 but b is 3×2; the shapes must be equal", new Error());
  });

  it("the ShapeError message names the shapes before the location", () => {
    const e = expectShapeError(() => matmul(X, H as any), "matmul", "matmul: a is n×d (4×3) but b is n×h (4×5)", new Error());
    expect(e.message).toMatch(/^matmul: a is n×d \(4×3\) but b is n×h \(4×5\); inner dims d and n differ \(at test\/ops\.test\.ts:\d+:\d+\)$/);
    expect(e.detail).toBe("a is n×d (4×3) but b is n×h (4×5); inner dims d and n differ");
    expect(e).toBeInstanceOf(Error);
  });
});

/** Whether an op's typed function takes plain numbers as operands (1×1 constants): tried, not listed. */
function acceptsNumbers(op: OpDef<Arity>): boolean {
  try {
    const out = typedFunction(op)(Array.from({ length: op.arity }, (_, i) => (i === 0 ? fromRows([[1, 2]]) : 3)) as AnyMat[], probeAttrs(op, 2));
    return out.rows === 1 && out.cols === 2;
  } catch {
    return false;
  }
}

describe("non-matrix inputs throw TypeError, never garbage", () => {
  const good = fromRows([
    [1, 2],
    [3, 4],
  ]);
  const wrongLength = { ...good, data: new Float64Array(3) };
  const plainArrayData = { ...good, data: [1, 2, 3, 4] };
  const zeroRows = { rowDim: 0, colDim: 2, rows: 0, cols: 2, data: new Float64Array(0) };
  const fractionalRows = { rowDim: 1.5, colDim: 2, rows: 1.5, cols: 2, data: new Float64Array(3) };
  const noLabels = { rows: 2, cols: 2, data: new Float64Array(4) };
  const bad: [string, unknown][] = [
    ["null", null],
    ["undefined", undefined],
    ["a number", 3],
    ["a plain object", {}],
    ["a nested array", [[1, 2], [3, 4]]],
    ["a Mat whose data length is wrong", wrongLength],
    ["a Mat whose data is a plain array", plainArrayData],
    ["a 0-row matrix", zeroRows],
    ["fractional sizes", fractionalRows],
    ["missing labels", noLabels],
  ];

  // Every op of the table, through its typed function (found by the op's name; attributes 2).
  for (const op of builtInOps()) {
    const f = (...mats: unknown[]) => typedFunction(op)(mats as AnyMat[], probeAttrs(op, 2));
    it(`${op.name} refuses every non-matrix as any argument`, () => {
      // A number is an operand of the elementwise ops (a constant), and of nothing else.
      for (const [what, value] of bad) {
        if (what === "a number" && acceptsNumbers(op)) continue;
        for (let k = 0; k < op.arity; k++) {
          const args = Array.from({ length: op.arity }, (_, i) => (i === k ? value : good));
          expectTypeError(() => f(...args), `${op.name}: argument ${k + 1} is not a matrix`);
        }
      }
    });
  }

  it("names the wrong data length in the message", () => {
    expectTypeError(() => add(good, wrongLength as any), "rows=2, cols=2, data length=3");
  });
});
