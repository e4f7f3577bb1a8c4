// The eager library's WebAssembly kernels (src/wasm/): the product against hand-written loops and
// hand values at sizes around the register tile, the blocks and the crossover, with transposed
// views on either side; the memory (results are ordinary arrays, a loop of ops does not grow it,
// it grows to the largest op and no more, the cap); the JavaScript fallback without WebAssembly;
// and the generated module, regenerated from the op table and compared.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { dim, exp, fromRows, log, mat, matmul, meanCols, rng, sigmoid, softmax, sqrt, sumAll, sumCols, sumRows, tanh, toRows, transpose, type AnyMat, type Rng } from "../src/index.js";
import { sigmoidGrad, tanhGrad } from "../src/ops/index.js";
import { mapOnWasm, mapWasm } from "../src/wasm/maps.js";
import { lazyViewOf } from "../src/lazy-view.js";
import { productOnWasm } from "../src/ops/matmul-eager.js";
import { productWasm } from "../src/wasm/product.js";
import { memoryCap, wasmAvailable, wasmMemoryBytes, wasmScratch } from "../src/wasm/instance.js";
import { eagerKernelsPath, eagerKernelsSource } from "../codegen/eager-wasm.js";
import { relErr } from "./support/numeric.js";

/** A random rows×cols matrix with dims named by role ("n", "k", "m"), so that products of them check. */
function random(rows: number, cols: number, r: Rng, dims: string): AnyMat {
  const [rowName, colName] = dims as unknown as [string, string];
  return mat(dim(rowName as "r", rows as 1), dim(colName as "c", cols as 1), Float64Array.from({ length: rows * cols }, () => r.normal())) as AnyMat;
}

// Sizes known only at run time: the typed ops, seen as taking any matrices.
const mm = matmul as unknown as (a: AnyMat, b: AnyMat) => AnyMat;
const tr = transpose as unknown as (a: AnyMat) => AnyMat;

/** The product by its definition: out_ij = Σ_p a_ip b_pj, entries read with `at`. */
function naive(n: number, k: number, m: number, a: (i: number, p: number) => number, b: (p: number, j: number) => number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a(i, p) * b(p, j);
      out[i * m + j] = s;
    }
  }
  return out;
}

// n × k × m: 1×1; odd sizes; rows around the 4-row tile, columns around the 4-column tile; the
// crossover (12³ multiply-adds); the shared dim around its block of 256; rows around the block of 64.
const shapes: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [2, 2, 2], [3, 5, 7], [4, 4, 4], [5, 3, 5], [7, 9, 11], [8, 8, 8], [9, 9, 9],
  [11, 12, 13], [12, 12, 12], [13, 11, 12], [16, 16, 16], [17, 3, 33], [2, 40, 30], [3, 50, 1], [1, 70, 60],
  [63, 255, 5], [64, 256, 8], [65, 257, 9], [67, 300, 66], [130, 33, 129],
];

describe("eager matmul on WebAssembly", () => {
  it("runs here (WebAssembly with SIMD is in Node 20)", () => {
    expect(wasmAvailable()).toBe(true);
  });

  it.each(shapes)("n=%i k=%i m=%i: a·b, aᵀ·b, a·bᵀ, aᵀ·bᵀ agree with the definition to 1e-12", (n, k, m) => {
    const r = rng(n * 1000 + k * 10 + m);
    const a = random(n, k, r, "nk"), b = random(k, m, r, "km");
    const at = random(k, n, r, "kn"), bt = random(m, k, r, "mk"); // stored transposed
    const A = (i: number, p: number) => a.data[i * k + p]!, B = (p: number, j: number) => b.data[p * m + j]!;
    const At = (i: number, p: number) => at.data[p * n + i]!, Bt = (p: number, j: number) => bt.data[j * k + p]!;
    expect(relErr(mm(a, b).data, naive(n, k, m, A, B))).toBeLessThan(1e-12);
    expect(relErr(mm(tr(at), b).data, naive(n, k, m, At, B))).toBeLessThan(1e-12);
    expect(relErr(mm(a, tr(bt)).data, naive(n, k, m, A, Bt))).toBeLessThan(1e-12);
    expect(relErr(mm(tr(at), tr(bt)).data, naive(n, k, m, At, Bt))).toBeLessThan(1e-12);
  });

  it.each(shapes)("n=%i k=%i m=%i: the kernel itself (whatever the crossover) agrees with the definition to 1e-12", (n, k, m) => {
    const r = rng(n + 7 * k + 31 * m);
    const a = random(n, k, r, "nk"), bt = random(m, k, r, "mk");
    const out = new Float64Array(n * m);
    expect(productWasm(out, { data: a.data, transposed: false }, { data: bt.data, transposed: true }, n, k, m)).toBe(true);
    expect(relErr(out, naive(n, k, m, (i, p) => a.data[i * k + p]!, (p, j) => bt.data[j * k + p]!))).toBeLessThan(1e-12);
  });

  it("hand values: ones·ones is k everywhere, I·X is X, and a 2×3·3×2 product by hand", () => {
    const ones = (rows: number, cols: number, dims: string) => {
      const m = random(rows, cols, rng(0), dims);
      m.data.fill(1);
      return m;
    };
    expect(productOnWasm(20, 37, 21)).toBe(true);
    expect(Array.from(mm(ones(20, 37, "nk"), ones(37, 21, "km")).data)).toEqual(new Array<number>(20 * 21).fill(37));
    const X = random(24, 24, rng(3), "nn");
    const I = mat(dim("n", 24), dim("n", 24), Float64Array.from({ length: 24 * 24 }, (_, q) => (q % 25 === 0 ? 1 : 0)));
    expect(Array.from(mm(I, X).data)).toEqual(Array.from(X.data));
    expect(Array.from(mm(X, tr(I)).data)).toEqual(Array.from(X.data));
    const a = fromRows([[1, 2, 3], [4, 5, 6]]), b = fromRows([[7, 8], [9, 10], [11, 12]]);
    expect(toRows(mm(a, b))).toEqual([[58, 64], [139, 154]]);
    expect(toRows(mm(tr(b), tr(a)))).toEqual([[58, 139], [64, 154]]);
  });

  it("the crossover: products below 12³ multiply-adds, or with one row of a or one column of b, stay in JavaScript", () => {
    expect(productOnWasm(12, 12, 12)).toBe(true);
    expect(productOnWasm(11, 12, 12)).toBe(false);
    expect(productOnWasm(1, 500, 500)).toBe(false);
    expect(productOnWasm(500, 500, 1)).toBe(false);
    expect(productOnWasm(2, 100, 100)).toBe(true);
  });
});

describe("eager maps on WebAssembly", () => {
  const unary = { tanh: [tanh, Math.tanh], exp: [exp, Math.exp], log: [log, Math.log], sigmoid: [sigmoid, (x: number) => 1 / (1 + Math.exp(-x))], sqrt: [sqrt, Math.sqrt] } as const;
  // Entries around the crossover (512) and odd counts (the last entry alone), in shapes of one row, one column and many.
  const shapes: readonly (readonly [number, number])[] = [[1, 511], [1, 512], [1, 513], [513, 1], [23, 23], [32, 17], [100, 101]];
  const inputs = (rows: number, cols: number, seed: number, positive: boolean) => {
    const r = rng(seed);
    return random(rows, cols, r, "nm").data.map((x) => (positive ? Math.abs(x) * 3 + 1e-3 : x * 4));
  };

  it.each(Object.keys(unary).flatMap((name) => shapes.map(([rows, cols]) => [name, rows, cols] as const)))("%s on %i×%i agrees with Math to 1e-12", (name, rows, cols) => {
    const [op, f] = unary[name as keyof typeof unary];
    const x = mat(dim("n", rows as 1), dim("m", cols as 1), inputs(rows, cols, rows + cols, name === "log" || name === "sqrt"));
    const expected = x.data.map(f);
    expect(relErr((op as (a: AnyMat) => AnyMat)(x).data, expected)).toBeLessThan(1e-12);
  });

  it.each(shapes)("tanhGrad and sigmoidGrad on %i×%i agree with g⊙(1 − y²) and g⊙s⊙(1 − s) by hand to 1e-12", (rows, cols) => {
    const y = mat(dim("n", rows as 1), dim("m", cols as 1), inputs(rows, cols, 3, false).map(Math.tanh));
    const g = mat(dim("n", rows as 1), dim("m", cols as 1), inputs(rows, cols, 4, false));
    const hand = (f: (a: number, b: number) => number) => y.data.map((v, e) => f(v, g.data[e]!));
    expect(relErr(tanhGrad(y, g).data, hand((v, w) => w * (1 - v * v)))).toBeLessThan(1e-12);
    expect(relErr(sigmoidGrad(y, g).data, hand((v, w) => w * (v * (1 - v))))).toBeLessThan(1e-12);
  });

  it("special values at the WebAssembly sizes: what Math gives for ±0, ±Infinity, NaN and large magnitudes", () => {
    const specials = [0, -0, Infinity, -Infinity, NaN, 800, -800, 1e-310, -1e-310, 20, -20, 1e300];
    const values = Float64Array.from({ length: 600 }, (_, e) => specials[e % specials.length]!);
    const x = mat(1, 600, values);
    for (const [name, [op, f]] of Object.entries(unary)) {
      const got = (op as (a: AnyMat) => AnyMat)(x).data;
      values.forEach((v, e) => {
        const want = f(v);
        if (Number.isNaN(want) || !Number.isFinite(want) || want === 0) expect(Object.is(got[e], want), `${name}(${v}) = ${got[e]}, Math gives ${want}`).toBe(true);
        else expect(Math.abs(got[e]! - want) / Math.abs(want), `${name}(${v})`).toBeLessThan(1e-12);
      });
    }
  });

  it("the crossover: a map of 511 entries stays in JavaScript, one of 512 runs on WebAssembly", () => {
    expect(mapOnWasm(511)).toBe(false);
    expect(mapOnWasm(512)).toBe(true);
    const x = mat(1, 512, Float64Array.from({ length: 512 }, (_, e) => e / 100));
    const out = mat(1, 512, new Float64Array(512));
    expect(mapWasm("tanh", out, [x], {})).toBe(true);
    expect(relErr(out.data, x.data.map(Math.tanh))).toBeLessThan(1e-12);
    // No kernel: a single arithmetic operation (add), or a broadcast row.
    expect(mapWasm("add", out, [x, x], {})).toBe(false);
    expect(mapWasm("tanhGrad", out, [x, mat(1, 1, [2])], {})).toBe(false);
  });
});

describe("softmax and the reductions, eagerly", () => {
  // Shapes around the crossovers (512 entries), odd columns (the last entry of a row alone), 1×1,
  // one row, one column.
  const shapes: readonly (readonly [number, number])[] = [[1, 1], [1, 511], [1, 512], [1, 513], [513, 1], [16, 32], [23, 23], [32, 17], [100, 101], [7, 300]];
  const values = (rows: number, cols: number, seed: number, scale: number) => random(rows, cols, rng(seed), "nm").data.map((x) => x * scale);
  const sized = (rows: number, cols: number, data: Float64Array) => mat(dim("n", rows as 1), dim("m", cols as 1), data);

  it.each(shapes)("softmax on %i×%i agrees with exp(x − max)/Σ exp(x − max) by hand to 1e-12, logits ±3 and ±700", (rows, cols) => {
    for (const scale of [3, 700]) {
      const x = sized(rows, cols, values(rows, cols, rows * cols, scale));
      const expected = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        const row = Array.from(x.data.subarray(i * cols, (i + 1) * cols));
        const max = Math.max(...row);
        const total = row.reduce((s, v) => s + Math.exp(v - max), 0);
        row.forEach((v, j) => (expected[i * cols + j] = Math.exp(v - max) / total));
      }
      const got = softmax(x).data;
      expect(relErr(got, expected)).toBeLessThan(1e-12);
      for (let i = 0; i < rows; i++) expect(Math.abs(got.subarray(i * cols, (i + 1) * cols).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
    }
  });

  it("softmax by hand: [0, ln 2, ln 3] is [1/6, 2/6, 3/6] in every row, at WebAssembly size", () => {
    const x = mat(200, 3, Float64Array.from({ length: 600 }, (_, e) => [0, Math.LN2, Math.log(3)][e % 3]!));
    const got = softmax(x).data;
    got.forEach((v, e) => expect(Math.abs(v - [1 / 6, 2 / 6, 3 / 6][e % 3]!)).toBeLessThan(1e-15));
  });

  it.each(shapes)("sumRows, sumCols, sumAll and meanCols on %i×%i agree with hand-written loops to 1e-12", (rows, cols) => {
    const x = sized(rows, cols, values(rows, cols, 3 * rows + cols, 1));
    const columns = new Float64Array(cols), rowsSums = new Float64Array(rows);
    let total = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = x.data[i * cols + j]!;
        columns[j]! += v;
        rowsSums[i]! += v;
        total += v;
      }
    }
    expect(relErr(sumRows(x).data, columns)).toBeLessThan(1e-12);
    expect(relErr(sumCols(x).data, rowsSums)).toBeLessThan(1e-12);
    expect(relErr(meanCols(x).data, rowsSums.map((s) => s / cols))).toBeLessThan(1e-12);
    expect(relErr(sumAll(x).data, [total])).toBeLessThan(1e-12);
  });

  it("sumRows by hand at WebAssembly size: rows 1, 2, …, 40 of ones and of −0.5 sum to 820 and −20 per column", () => {
    const x = mat(40, 33, Float64Array.from({ length: 40 * 33 }, (_, e) => (e % 33 === 32 ? -0.5 : Math.floor(e / 33) + 1)));
    expect(Array.from(sumRows(x).data)).toEqual([...new Array<number>(32).fill(820), -20]);
  });
});

describe("transpose's eager result is a view until it is read", () => {
  it("a product reads it in place: the view is still unread afterwards, then reads as the transpose", () => {
    const a = random(30, 20, rng(5), "kn"), g = random(30, 10, rng(6), "km");
    const t = tr(a);
    const product = mm(t, g);
    expect(lazyViewOf(t)).toBeDefined();
    expect(relErr(product.data, naive(20, 30, 10, (i, p) => a.data[p * 20 + i]!, (p, j) => g.data[p * 10 + j]!))).toBeLessThan(1e-12);
    expect(toRows(t)).toEqual(Array.from({ length: 20 }, (_, i) => Array.from({ length: 30 }, (_, j) => a.data[j * 20 + i]!)));
    expect(lazyViewOf(t)).toBeUndefined();
    expect(t.rows).toBe(20);
    expect(t.data).toBe(t.data); // materialized once, then kept
  });

  it("reads its input when first read, as documented: a write into the input before that shows", () => {
    const a = fromRows([[1, 2], [3, 4]]);
    const t = tr(a);
    a.data[1] = 20;
    expect(toRows(t)).toEqual([[1, 3], [20, 4]]);
    a.data[1] = 2;
    expect(toRows(t)).toEqual([[1, 3], [20, 4]]);
  });

  it("a view of a view, and a view an elementwise op reads, are the plain values", () => {
    const a = fromRows([[1, 2, 3], [4, 5, 6]]);
    expect(toRows(tr(tr(a)))).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect({ ...tr(a) }.data).toEqual(Float64Array.from([1, 4, 2, 5, 3, 6]));
  });
});

describe("the kernels' memory", () => {
  it("results are ordinary arrays, intact when a larger op replaces the memory, and no buffer is ever detached", () => {
    const a = random(40, 40, rng(1), "nn");
    const first = mm(a, a);
    const copy = Float64Array.from(first.data);
    const before = wasmScratch(8)!; // a view of the memory as it is now
    expect(first.data.buffer).not.toBe(before.f64.buffer);
    const big = random(300, 300, rng(2), "nn");
    const size = wasmMemoryBytes();
    mm(big, big);
    expect(wasmMemoryBytes()).toBeGreaterThan(size); // a larger memory (the largest op so far) …
    expect(before.f64.byteLength).toBe(size); // … and the old one is not detached (never grown) …
    expect(first.data.byteLength).toBe(40 * 40 * 8); // … nor is any result
    expect(Array.from(first.data)).toEqual(Array.from(copy));
  });

  it("is what the largest op needs, no more; a long loop of ops does not enlarge it", () => {
    const n = 333; // operands and result: (336·333 + 333·336 + 336·336)·8 bytes, more than any earlier test's
    const need = (336 * 333 + 333 * 336 + 336 * 336) * 8;
    const a = random(n, n, rng(8), "nn");
    mm(a, a);
    const size = wasmMemoryBytes();
    expect(size).toBeGreaterThanOrEqual(need);
    expect(size - need).toBeLessThan(65536);
    const small = random(50, 50, rng(9), "nn");
    let x = small;
    for (let step = 0; step < 300; step++) x = tanh(mm(small, tr(x)) as never) as AnyMat;
    mm(a, a);
    expect(wasmMemoryBytes()).toBe(size);
  });

  it("refuses more than the cap (the op then runs in JavaScript)", () => {
    expect(wasmScratch(memoryCap + 8)).toBeUndefined();
    expect(memoryCap).toBe(256 * 1024 * 1024);
  });
});

describe("without WebAssembly", () => {
  it("the ops run their JavaScript kernels, with the same results", async () => {
    const a = random(40, 30, rng(11), "nk"), b = random(30, 20, rng(12), "km");
    const expected = naive(40, 30, 20, (i, p) => a.data[i * 30 + p]!, (p, j) => b.data[p * 20 + j]!);
    vi.resetModules();
    vi.stubGlobal("WebAssembly", undefined);
    try {
      const fresh = await import("../src/index.js");
      const instance = await import("../src/wasm/instance.js");
      const out = (fresh.matmul as unknown as typeof mm)((fresh.transpose as unknown as typeof tr)((fresh.transpose as unknown as typeof tr)(a)), b);
      expect(instance.wasmAvailable()).toBe(false);
      expect(instance.wasmScratch(8)).toBeUndefined();
      expect(relErr(out.data, expected)).toBeLessThan(1e-12);
      // Maps, softmax and column sums at sizes that run on WebAssembly where it is present.
      const x = mat(20, 30, Float64Array.from({ length: 600 }, (_, e) => Math.sin(e)));
      expect(relErr(fresh.tanh(x).data, x.data.map(Math.tanh))).toBeLessThan(1e-12);
      expect(relErr(fresh.sumRows(x).data, sumRows(x).data)).toBe(0);
      expect(relErr(fresh.softmax(x).data, softmax(x).data)).toBe(0);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

describe("the generated module", () => {
  it(`${eagerKernelsPath} is what the op table gives now, and regenerating gives the same bytes`, async () => {
    const text = await eagerKernelsSource();
    expect(await eagerKernelsSource()).toBe(text);
    expect(readFileSync(eagerKernelsPath, "utf8")).toBe(text);
  });

  it("the library imports nothing Node-only and compiles no code at run time", () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".ts") ? [join(dir, f)] : []));
    for (const file of files("src")) {
      const source = readFileSync(file, "utf8");
      expect(source, file).not.toMatch(/from "node:|import\("node:|\brequire\(/);
      expect(source, file).not.toMatch(/from "\.\.\/(\.\.\/)?(codegen|train|cli)\//);
      expect(source, file).not.toMatch(/\beval\(|new Function\(/);
    }
  });
});
