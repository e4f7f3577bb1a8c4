// Tests of dims, constructors, accessors and the seeded random generator.
import { describe, expect, it } from "vitest";
import { ShapeError, at, dim, fromRows, mat, randn, randu, rng, toRows, withShape, zeros, type AnyMat, type Rng } from "../src/index.js";
import { labels, thrown } from "./support/assertions.js";
import { relErr } from "./support/numeric.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const err = relErr;




function expectThrow(f: () => unknown, type: new (...args: any[]) => Error, text: string): Error {
  const e = thrown(f);
  expect(e).toBeInstanceOf(type);
  expect((e as Error).message).toContain(text);
  return e as Error;
}

function lineOf(probe: Error): string {
  const match = /test\/constructors\.test\.ts:(\d+):\d+/.exec(probe.stack ?? "");
  if (!match) throw new Error(`no test/constructors.test.ts frame in ${probe.stack}`);
  return match[1]!;
}

/** Draws `count` values from `f`. */
function draws(count: number, f: () => number): number[] {
  return Array.from({ length: count }, f);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Central moment of order k. */
function moment(xs: readonly number[], k: number): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** k, 0) / xs.length;
}

// ---------------------------------------------------------------------------------------------
// dim

describe("dim", () => {
  it("binds a name to a size, frozen", () => {
    const n = dim("n", 4);
    expect(n).toEqual({ name: "n", size: 4 });
    expect(Object.isFrozen(n)).toBe(true);
    expect(dim("hidden_2", 1)).toEqual({ name: "hidden_2", size: 1 });
    expect(dim("_x", 7).name).toBe("_x");
    expect(dim("$", 3).name).toBe("$");
    expect(dim("D", 2 ** 20).size).toBe(2 ** 20);
  });

  it.each(["", "1n", "a b", "n-1", "n.d", " n", "n ", "h\n", "é€"])("rejects the non-identifier name %j", (name) => {
    expectThrow(() => dim(name as any, 4), TypeError, "is not an identifier");
  });

  it("rejects a name that is not a string", () => {
    expectThrow(() => dim(3 as any, 4), TypeError, "is not an identifier");
    expectThrow(() => dim(null as any, 4), TypeError, "is not an identifier");
  });

  it.each([0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, -0.5])("rejects the size %s", (size) => {
    expectThrow(() => dim("n", size), RangeError, `dim("n"): size must be a positive integer, got ${String(size)}`);
  });

  it("rejects a size that is not a number", () => {
    expectThrow(() => dim("n", "4" as any), RangeError, "size must be a positive integer");
    expectThrow(() => dim("n", undefined as any), RangeError, "size must be a positive integer");
  });
});

// ---------------------------------------------------------------------------------------------
// zeros / mat / fromRows / withShape

describe("zeros", () => {
  it("zeros(2, 3) is labelled 2×3 and all zeros", () => {
    const z = zeros(2, 3);
    expect(z.rowDim).toBe(2);
    expect(z.colDim).toBe(3);
    expect([z.rows, z.cols]).toEqual([2, 3]);
    expect(z.data).toBeInstanceOf(Float64Array);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("zeros(dim('n', 4), 3) keeps the name and takes the size", () => {
    const z = zeros(dim("n", 4), 3);
    expect(z.rowDim).toBe("n");
    expect(z.rows).toBe(4);
    expect(z.colDim).toBe(3);
    expect(z.cols).toBe(3);
    expect(z.data.length).toBe(12);
    expect(labels(zeros(dim("n", 4), dim("d", 65)))).toEqual(["n", "d", 4, 65]);
    expect(labels(zeros(1, dim("h", 5)))).toEqual([1, "h", 1, 5]);
  });

  it("gives each matrix its own storage", () => {
    const a = zeros(2, 2);
    const b = zeros(2, 2);
    a.data[0] = 1;
    expect(b.data[0]).toBe(0);
  });

  it.each([0, -1, 1.5, NaN, Infinity])("rejects the size %s", (size) => {
    expectThrow(() => zeros(size as any, 2), RangeError, "zeros (rows): size must be a positive integer");
    expectThrow(() => zeros(2, size as any), RangeError, "zeros (cols): size must be a positive integer");
  });

  it("rejects a size argument that is neither a number nor a dim", () => {
    expectThrow(() => zeros(null as any, 2), TypeError, "expected a number or a dim(name, size)");
    expectThrow(() => zeros("3" as any, 2), TypeError, "expected a number or a dim(name, size)");
    expectThrow(() => zeros(2, { size: 3 } as any), TypeError, "expected a number or a dim(name, size)");
    // a hand-made dim with a bad size is refused too
    expectThrow(() => zeros({ name: "n", size: 0 } as any, 2), RangeError, 'zeros (rows) (dim "n"): size must be a positive integer');
  });
});

describe("mat", () => {
  it("builds a row-major matrix with the given labels", () => {
    const m = mat(2, 3, [1, 2, 3, 4, 5, 6]);
    expect(labels(m)).toEqual([2, 3, 2, 3]);
    expect(at(m, 0, 2)).toBe(3);
    expect(at(m, 1, 0)).toBe(4);
    expect(toRows(m)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const named = mat(dim("n", 2), dim("d", 2), new Float64Array([0.5, -1, 2, 3]));
    expect(labels(named)).toEqual(["n", "d", 2, 2]);
    expect(at(named, 0, 1)).toBe(-1);
  });

  it("copies its data (arrays and typed arrays alike)", () => {
    const src = [1, 2, 3, 4];
    const m = mat(2, 2, src);
    src[0] = 99;
    expect(at(m, 0, 0)).toBe(1);
    const typed = new Float64Array([1, 2, 3, 4]);
    const t = mat(2, 2, typed);
    expect(t.data).not.toBe(typed);
    typed[3] = -7;
    expect(at(t, 1, 1)).toBe(4);
    t.data[0] = 42;
    expect(typed[0]).toBe(1);
  });

  it("rejects data of the wrong length", () => {
    expectThrow(() => mat(2, 3, [1, 2, 3, 4, 5]), RangeError, "mat: a 2×3 matrix needs 6 numbers, got 5");
    expectThrow(() => mat(2, 3, [1, 2, 3, 4, 5, 6, 7]), RangeError, "needs 6 numbers, got 7");
    expectThrow(() => mat(dim("n", 4), 3, new Float64Array(11)), RangeError, "mat: a n×3 matrix needs 12 numbers, got 11");
    expectThrow(() => mat(1, 1, []), RangeError, "needs 1 numbers, got 0");
  });

  it("rejects bad sizes", () => {
    expectThrow(() => mat(0 as any, 2, []), RangeError, "mat (rows): size must be a positive integer");
    expectThrow(() => mat(2, 1.5 as any, [1, 2, 3]), RangeError, "mat (cols): size must be a positive integer");
  });
});

describe("fromRows", () => {
  it("takes its dims from the literal rows", () => {
    const m = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(labels(m)).toEqual([2, 3, 2, 3]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(labels(fromRows([[7]]))).toEqual([1, 1, 1, 1]);
    expect(labels(fromRows([[1], [2], [3]]))).toEqual([3, 1, 3, 1]);
  });

  it("copies the rows", () => {
    const rows: [[number, number], [number, number]] = [
      [1, 2],
      [3, 4],
    ];
    const m = fromRows(rows);
    rows[1][0] = 99;
    expect(at(m, 1, 0)).toBe(3);
  });

  it("rejects ragged rows at run time", () => {
    expectThrow(() => fromRows([[1, 2], [3]] as any), RangeError, "fromRows: row 1 has 1 entries, row 0 has 2");
    expectThrow(() => fromRows([[1], [2, 3]] as any), RangeError, "fromRows: row 1 has 2 entries, row 0 has 1");
    expectThrow(() => fromRows([[1, 2], [3, 4], [5, 6, 7]] as any), RangeError, "row 2 has 3 entries");
  });

  it("rejects no rows and empty rows", () => {
    expectThrow(() => fromRows([] as any), RangeError, "fromRows: give at least one row");
    expectThrow(() => fromRows([[]] as any), RangeError, "size must be a positive integer");
  });
});

describe("withShape", () => {
  const m = mat(2, 3, [1, 2, 3, 4, 5, 6]);

  it("relabels a matrix whose sizes match", () => {
    const n = dim("n", 2);
    const d = dim("d", 3);
    const w = withShape(m, n, d);
    expect(labels(w)).toEqual(["n", "d", 2, 3]);
    expect(toRows(w)).toEqual(toRows(m));
    expect(labels(withShape(m, 2, 3))).toEqual([2, 3, 2, 3]);
    expect(labels(withShape(m, 2, dim("k", 3)))).toEqual([2, "k", 2, 3]);
    // sizes only known at run time enter through dim(...)
    const loadedRows = [10, 20].length;
    expect(labels(withShape(m, dim("batch", loadedRows), 3))).toEqual(["batch", 3, 2, 3]);
  });

  it("throws a ShapeError naming both shapes and the caller on a size mismatch", () => {
    const probe = new Error(); const e = thrown(() => withShape(m, 3, 2));
    expect(e).toBeInstanceOf(ShapeError);
    const se = e as ShapeError;
    expect(se.op).toBe("withShape");
    expect(se.message).toContain("withShape: the matrix is 2×3 but was declared 3×2");
    expect(se.message).toMatch(new RegExp(`\\(at test/constructors\\.test\\.ts:${lineOf(probe)}:\\d+\\)$`));
    const named = thrown(() => withShape(m, dim("n", 3), 3)) as ShapeError;
    expect(named).toBeInstanceOf(ShapeError);
    expect(named.message).toContain("withShape: the matrix is 2×3 but was declared n×3 (3×3)");
    expect(named.message).toContain("test/constructors.test.ts:");
  });

  it("checks each dim separately and the data length", () => {
    expect(thrown(() => withShape(m, 2, 4))).toBeInstanceOf(ShapeError);
    expect(thrown(() => withShape(m, 1, 3))).toBeInstanceOf(ShapeError);
    expect(thrown(() => withShape(m, 6, 1))).toBeInstanceOf(ShapeError);
    const short = { rowDim: 2, colDim: 3, rows: 2, cols: 3, data: new Float64Array(5) };
    expect(thrown(() => withShape(short, 2, 3))).toBeInstanceOf(TypeError);
  });

  it("rejects bad declared sizes", () => {
    expectThrow(() => withShape(m, 0 as any, 3), RangeError, "withShape (rows): size must be a positive integer");
    expectThrow(() => withShape(m, 2, dim("d", 3.5) as any), RangeError, "size must be a positive integer");
  });
});

// ---------------------------------------------------------------------------------------------
// at / toRows

describe("at", () => {
  const m = fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it("reads entry (i, j) row-major", () => {
    expect(at(m, 0, 0)).toBe(1);
    expect(at(m, 0, 2)).toBe(3);
    expect(at(m, 1, 1)).toBe(5);
    expect(at(m, 1, 2)).toBe(6);
  });

  it.each([
    [2, 0],
    [0, 3],
    [-1, 0],
    [0, -1],
    [0.5, 0],
    [0, 1.5],
    [NaN, 0],
    [0, Infinity],
    [3, 3],
  ])("rejects (%s, %s)", (i, j) => {
    expectThrow(() => at(m, i, j), RangeError, `at: (${i}, ${j}) is outside a 2×3 matrix`);
  });

  it("names a symbolic shape in its message", () => {
    expectThrow(() => at(zeros(dim("n", 2), 3), 2, 0), RangeError, "outside a n×3 (2×3) matrix");
  });
});

describe("toRows", () => {
  it("returns plain nested arrays, row by row", () => {
    const rows = toRows(mat(3, 2, [1, 2, 3, 4, 5, 6]));
    expect(rows).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(Array.isArray(rows)).toBe(true);
    expect(Array.isArray(rows[0])).toBe(true);
    expect(toRows(fromRows([[1], [2]]))).toEqual([[1], [2]]);
    expect(toRows(fromRows([[-0.5]]))).toEqual([[-0.5]]);
  });

  it("is a copy: changing it leaves the matrix alone", () => {
    const m = fromRows([[1, 2]]);
    const rows = toRows(m);
    rows[0]![0] = 9;
    expect(at(m, 0, 0)).toBe(1);
  });

  it("round-trips with fromRows", () => {
    const rows = [
      [0.1, -2, 3e10],
      [Infinity, NaN, -0],
    ];
    const back = toRows(fromRows(rows as [[number, number, number], [number, number, number]]));
    expect(back).toEqual(rows);
  });
});

// ---------------------------------------------------------------------------------------------
// rng / randn / randu

describe("rng", () => {
  it("is mulberry32: matches a reference implementation's first outputs", () => {
    // Reference values from an independent (Python, arbitrary-precision integer) mulberry32:
    //   s += 0x6D2B79F5; z = (s ^ s>>15)·(s|1); z ^= z + (z ^ z>>7)·(z|61); (z ^ z>>14) / 2^32
    const r1 = rng(1);
    expect(draws(4, () => r1.uniform())).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741]);
    const r42 = rng(42);
    expect(draws(4, () => r42.uniform())).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
  });

  it("same seed, same sequence (uniform and normal)", () => {
    const a = rng(123);
    const b = rng(123);
    expect(draws(100, () => a.uniform())).toEqual(draws(100, () => b.uniform()));
    expect(draws(100, () => a.normal())).toEqual(draws(100, () => b.normal()));
  });

  it("different seeds give different sequences", () => {
    const seqs = [0, 1, 2, 3, 1234567].map((seed) => {
      const r = rng(seed);
      return draws(20, () => r.uniform());
    });
    for (let i = 0; i < seqs.length; i++) {
      for (let j = i + 1; j < seqs.length; j++) {
        expect(seqs[i]).not.toEqual(seqs[j]);
        // not merely shifted copies either: few, if any, values in common
        const common = seqs[i]!.filter((x) => seqs[j]!.includes(x)).length;
        expect(common).toBeLessThan(5);
      }
    }
  });

  it("its state resumes the sequence", () => {
    const r = rng(7);
    draws(5, () => r.uniform());
    const saved = r.state;
    expect(Number.isInteger(saved) && saved >= 0 && saved < 2 ** 32).toBe(true);
    const next = draws(10, () => r.uniform());
    const resumed = rng(7, saved);
    expect(draws(10, () => resumed.uniform())).toEqual(next);
  });

  it("uniform draws lie in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12", () => {
    const r = rng(2024);
    const xs = draws(100_000, () => r.uniform());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // standard errors: mean 0.289/√1e5 ≈ 0.0009, variance ≈ 0.0003; tolerances are > 5σ
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(moment(xs, 2) - 1 / 12)).toBeLessThan(0.002);
    // each tenth of [0, 1) gets about a tenth of the draws (σ ≈ 0.00095)
    for (let k = 0; k < 10; k++) {
      const frac = xs.filter((x) => x >= k / 10 && x < (k + 1) / 10).length / xs.length;
      expect(Math.abs(frac - 0.1)).toBeLessThan(0.006);
    }
  });

  it.each([1, 99, 31337])("20000 normal draws (seed %s) have mean ≈ 0, variance ≈ 1, normal shape", (seed) => {
    const r = rng(seed);
    const xs = draws(20_000, () => r.normal());
    expect(xs.every(Number.isFinite)).toBe(true);
    // standard errors for n = 20000: mean 1/√n ≈ 0.0071, variance √(2/n) ≈ 0.010,
    // skewness √(6/n) ≈ 0.017, kurtosis √(24/n) ≈ 0.035, P(|x| < 1) √(0.68·0.32/n) ≈ 0.0033
    expect(Math.abs(mean(xs))).toBeLessThan(0.04);
    const variance = moment(xs, 2);
    expect(Math.abs(variance - 1)).toBeLessThan(0.06);
    expect(Math.abs(moment(xs, 3) / variance ** 1.5)).toBeLessThan(0.1);
    expect(Math.abs(moment(xs, 4) / variance ** 2 - 3)).toBeLessThan(0.2);
    const within1 = xs.filter((x) => Math.abs(x) < 1).length / xs.length;
    expect(Math.abs(within1 - 0.6826894921370859)).toBeLessThan(0.02);
  });

  it("refuses a non-finite seed", () => {
    expectThrow(() => rng(NaN), RangeError, "rng: the seed must be a finite number");
    expectThrow(() => rng(Infinity), RangeError, "rng: the seed must be a finite number");
  });
});

describe("randn and randu", () => {
  it("have the requested shape and labels", () => {
    expect(labels(randn(2, 3, rng(1)))).toEqual([2, 3, 2, 3]);
    expect(labels(randn(dim("d", 3), 4, rng(1)))).toEqual(["d", 4, 3, 4]);
    expect(labels(randu(dim("n", 5), dim("h", 2), rng(1)))).toEqual(["n", "h", 5, 2]);
    expect(randn(dim("d", 3), 4, rng(1)).data.length).toBe(12);
  });

  it("are reproducible from the seed and differ across seeds", () => {
    expect(Array.from(randn(3, 4, rng(9)).data)).toEqual(Array.from(randn(3, 4, rng(9)).data));
    expect(Array.from(randu(3, 4, rng(9)).data)).toEqual(Array.from(randu(3, 4, rng(9)).data));
    expect(Array.from(randn(3, 4, rng(9)).data)).not.toEqual(Array.from(randn(3, 4, rng(10)).data));
    expect(Array.from(randu(3, 4, rng(9)).data)).not.toEqual(Array.from(randu(3, 4, rng(10)).data));
  });

  it("fill row-major from the generator's draws, and advance it", () => {
    const twin: Rng = rng(5);
    expect(Array.from(randn(2, 3, rng(5)).data)).toEqual(draws(6, () => twin.normal()));
    const twinU: Rng = rng(5);
    expect(Array.from(randu(2, 3, rng(5)).data)).toEqual(draws(6, () => twinU.uniform()));
    const shared = rng(5);
    const first = randn(2, 2, shared);
    const second = randn(2, 2, shared);
    expect(Array.from(second.data)).not.toEqual(Array.from(first.data));
  });

  it("randn scales by std", () => {
    const base = randn(4, 4, rng(11));
    const small = randn(4, 4, rng(11), 0.01);
    expect(err(small.data, base.data.map((x) => 0.01 * x))).toBeLessThanOrEqual(1e-15);
    const r = randn(100, 200, rng(12), 0.5);
    const xs = Array.from(r.data);
    // variance 0.25 ± (0.25·√(2/20000) ≈ 0.0025)
    expect(Math.abs(mean(xs))).toBeLessThan(0.02);
    expect(Math.abs(moment(xs, 2) - 0.25)).toBeLessThan(0.015);
  });

  it("randu draws lie in [low, high)", () => {
    const u = randu(50, 40, rng(3), -2, 3);
    const xs = Array.from(u.data);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    // mean 0.5 ± (5/√12/√2000 ≈ 0.032)
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.16);
    const twin = rng(3);
    expect(err(xs.slice(0, 5), draws(5, () => -2 + 5 * twin.uniform()))).toBeLessThanOrEqual(1e-15);
    const d = randu(10, 10, rng(4));
    expect(d.data.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("reject bad sizes", () => {
    expectThrow(() => randn(0 as any, 2, rng(1)), RangeError, "randn (rows): size must be a positive integer");
    expectThrow(() => randu(2, -1 as any, rng(1)), RangeError, "randu (cols): size must be a positive integer");
  });
});

describe("withShape on a malformed matrix", () => {
  it("names the data length, not two equal shapes", () => {
    const broken = { rowDim: 2, colDim: 3, rows: 2, cols: 3, data: new Float64Array(5) };
    expect(() => withShape(broken, 2, 3)).toThrow(/data holds 5 numbers, not rows·cols = 6/);
  });
});
