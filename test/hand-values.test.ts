// Every built-in op against values computed by hand: an independent check of the one definition
// of each op's math (which both the eager kernels and the generated loops come from). The values
// are literals worked out on paper, or to 22 digits with an arbitrary-precision calculator (mpmath,
// mp.dps = 40) where the op is transcendental; the comment beside each says what was computed.
//
// The table drives the test: an op of the table without an entry in HAND fails, naming the op. Each
// case runs through `apply(op, …)` and through the op's typed function (found by its name among
// the library's exports), and both must agree with the hand values to 1e-15, entry by entry,
// relative to the entry (±Infinity, NaN and 0 exactly).
import { describe, expect, it } from "vitest";
import { apply, type Attrs } from "../src/op.js";
import { dim, fromRows, mat, type AnyMat, type Dim } from "../src/index.js";
import { builtInOps, typedFunction } from "./support/op-shapes.js";

const TOL = 1e-15;

interface HandCase {
  readonly what: string;
  readonly inputs: readonly AnyMat[];
  readonly attrs?: Attrs;
  /** The result, row by row. */
  readonly want: readonly (readonly number[])[];
  /** The result's labels, when they are not its literal sizes. */
  readonly labels?: readonly [Dim, Dim];
}

const rows = (...r: number[][]): AnyMat => fromRows(r as never) as AnyMat;
/** mat() with dims named at run time (the types are not what these tests check). */
const matOf = mat as unknown as (rows: unknown, cols: unknown, data: readonly number[]) => AnyMat;
const dimOf = dim as unknown as (name: string, size: number) => unknown;
const named = (r: string, rs: number, c: string, cs: number, data: number[]): AnyMat => matOf(dimOf(r, rs), dimOf(c, cs), data);

// exp(−2), exp(−1), 1 over their sum with 1: softmax of [1, 2, 3] (of any row that is [1, 2, 3] plus a constant).
const P1 = 0.09003057317038045799802;
const P2 = 0.244728471054797652473;
const P3 = 0.665240955774821889529;
// LSE below is log(1 + e⁻¹ + e⁻²) = 0.4076059644443803044829, the log-sum-exp of [1, 2, 3] after
// subtracting its maximum.

const HAND: Readonly<Record<string, readonly HandCase[]>> = {
  matmul: [
    // [1 2 3; 4 5 6]·[7 8; 9 10; 11 12]: 1·7 + 2·9 + 3·11 = 58, 1·8 + 2·10 + 3·12 = 64, 4·7 + 5·9 + 6·11 = 139, 4·8 + 5·10 + 6·12 = 154.
    { what: "2×3 · 3×2", inputs: [rows([1, 2, 3], [4, 5, 6]), rows([7, 8], [9, 10], [11, 12])], want: [[58, 64], [139, 154]] },
    { what: "1×1 · 1×1 (a scalar)", inputs: [rows([3]), rows([-2])], want: [[-6]] },
    // 0.5·2 − 1.5·(−1) = 2.5; 0.5·4 − 1.5·0.25 = 1.625; 0.5·6 − 1.5·1 = 1.5.
    { what: "n×k · k×m with named dims", inputs: [named("n", 1, "k", 2, [0.5, -1.5]), named("k", 2, "m", 3, [2, 4, 6, -1, 0.25, 1])], want: [[2.5, 1.625, 1.5]], labels: ["n", "m"] },
    { what: "k×1 · 1×k (an outer product)", inputs: [rows([1], [2]), rows([3, 4])], want: [[3, 4], [6, 8]] },
    // 1·∞ + 0·1 = ∞; 1·(−∞) + 0·NaN = NaN.
    { what: "∞ and NaN propagate", inputs: [rows([1, 0]), rows([Infinity, -Infinity], [1, NaN])], want: [[Infinity, NaN]] },
  ],
  transpose: [
    { what: "2×3 → 3×2", inputs: [rows([1, 2, 3], [4, 5, 6])], want: [[1, 4], [2, 5], [3, 6]] },
    { what: "named n×d → d×n", inputs: [named("n", 1, "d", 2, [7, -8])], want: [[7], [-8]], labels: ["d", "n"] },
    { what: "1×1", inputs: [rows([5])], want: [[5]] },
  ],
  add: [
    { what: "equal shapes", inputs: [rows([1, 2], [3, 4]), rows([0.5, -2], [10, -4])], want: [[1.5, 0], [13, 0]] },
    { what: "a 1×C row broadcast onto every row", inputs: [rows([1, 2, 3], [4, 5, 6]), rows([10, 20, 30])], want: [[11, 22, 33], [14, 25, 36]] },
    { what: "a 1×C row onto named n×d", inputs: [named("n", 2, "d", 2, [1, 2, 3, 4]), mat(1, dim("d", 2), [0.25, -1]) as AnyMat], want: [[1.25, 1], [3.25, 3]], labels: ["n", "d"] },
    { what: "1×1 + 1×1", inputs: [rows([2]), rows([3])], want: [[5]] },
    { what: "∞ + (−∞) and NaN", inputs: [rows([Infinity, 1]), rows([-Infinity, NaN])], want: [[NaN, NaN]] },
  ],
  sub: [
    { what: "equal shapes", inputs: [rows([1, 2], [3, 4]), rows([0.5, -2], [10, -4])], want: [[0.5, 4], [-7, 8]] },
    { what: "a 1×C row subtracted from every row", inputs: [rows([1, 2, 3], [4, 5, 6]), rows([1, 1, 1])], want: [[0, 1, 2], [3, 4, 5]] },
    { what: "1×1 − 1×1", inputs: [rows([2]), rows([3])], want: [[-1]] },
    { what: "∞ − ∞", inputs: [rows([Infinity, -Infinity]), rows([Infinity, 1])], want: [[NaN, -Infinity]] },
  ],
  mul: [
    { what: "entry by entry", inputs: [rows([1, 2], [3, 4]), rows([0.5, -2], [10, -4])], want: [[0.5, -4], [30, -16]] },
    { what: "1×1", inputs: [rows([-1.5]), rows([4])], want: [[-6]] },
    { what: "0·∞ is NaN", inputs: [rows([0, 2]), rows([Infinity, -Infinity])], want: [[NaN, -Infinity]] },
  ],
  div: [
    // 3/10 is rounded once, like the literal 0.3.
    { what: "entry by entry", inputs: [rows([1, 2], [3, 4]), rows([0.5, -2], [10, -4])], want: [[2, -1], [0.3, -1]] },
    { what: "1×1", inputs: [rows([1]), rows([8])], want: [[0.125]] },
    { what: "x/0 is ±∞, 0/0 is NaN", inputs: [rows([1, -1, 0]), rows([0, 0, 0])], want: [[Infinity, -Infinity, NaN]] },
  ],
  scale: [
    { what: "by 3", inputs: [rows([1, -2], [0.5, 0])], attrs: { s: 3 }, want: [[3, -6], [1.5, 0]] },
    { what: "by −0.5", inputs: [rows([1, -2], [0.5, 0])], attrs: { s: -0.5 }, want: [[-0.5, 1], [-0.25, -0]] },
    { what: "1×1 by 0", inputs: [rows([7])], attrs: { s: 0 }, want: [[0]] },
    { what: "by ∞ (0·∞ is NaN)", inputs: [rows([1, 0, -1])], attrs: { s: Infinity }, want: [[Infinity, NaN, -Infinity]] },
  ],
  mulScalar: [
    { what: "2×2 times a 1×1", inputs: [rows([1, -2], [0.5, 4]), rows([-3])], want: [[-3, 6], [-1.5, -12]] },
    { what: "1×1 times 1×1", inputs: [rows([0.5]), rows([0.5])], want: [[0.25]] },
    { what: "named n×d times a 1×1", inputs: [named("n", 2, "d", 1, [2, 3]), rows([0.25])], want: [[0.5], [0.75]], labels: ["n", "d"] },
  ],
  tanh: [
    // tanh(0.5), tanh(−1), tanh(−0.125); tanh(20) = 1 − 8.5e−18 rounds to 1.
    { what: "at 0, 0.5, −1, −0.125", inputs: [rows([0, 0.5], [-1, -0.125])], want: [[0, 0.4621171572600097585023], [-0.7615941559557648881195, -0.1243530017715962080546]] },
    { what: "saturates: 20, ±∞, NaN", inputs: [rows([20, Infinity, -Infinity, NaN])], want: [[1, 1, -1, NaN]] },
  ],
  exp: [
    { what: "at 0, 1, −1, 2", inputs: [rows([0, 1], [-1, 2])], want: [[1, 2.71828182845904523536], [0.3678794411714423215955, 7.38905609893065022723]] },
    // exp(710) > 1.8e308 overflows; exp(−746) < 2.5e−324 underflows.
    { what: "overflow, underflow, ±∞, NaN", inputs: [rows([710, -746, Infinity, -Infinity, NaN])], want: [[Infinity, 0, Infinity, 0, NaN]] },
    { what: "1×1", inputs: [rows([-0.5])], want: [[0.6065306597126334236038]] },
  ],
  log: [
    { what: "at 1, 2, 0.5, 10", inputs: [rows([1, 2], [0.5, 10])], want: [[0, 0.6931471805599453094172], [-0.6931471805599453094172, 2.302585092994045684018]] },
    { what: "log 0 is −∞, of a negative NaN, of ∞ ∞", inputs: [rows([0, -1, Infinity, NaN])], want: [[-Infinity, NaN, Infinity, NaN]] },
    { what: "1×1", inputs: [rows([3])], want: [[1.098612288668109691395]] },
  ],
  softmax: [
    // Row [1, 2, 3]: e⁻², e⁻¹, 1 over 1 + e⁻¹ + e⁻²; [3, 2, 1] the same reversed; [0, −1]: 1 and e⁻¹ over 1 + e⁻¹.
    { what: "row by row", inputs: [rows([1, 2, 3], [3, 2, 1])], want: [[P1, P2, P3], [P3, P2, P1]] },
    { what: "two columns", inputs: [rows([0, -1])], want: [[0.7310585786300048792512, 0.2689414213699951207488]] },
    // Huge logits: the same differences give the same values, and exp(−2000) underflows to 0.
    { what: "huge logits stay finite", inputs: [rows([1000, 1001, 1002])], want: [[P1, P2, P3]] },
    { what: "one logit 2000 above the other", inputs: [rows([1000, -1000])], want: [[1, 0]] },
    { what: "1×1 is 1", inputs: [rows([-5])], want: [[1]] },
  ],
  logSoftmax: [
    { what: "[1, 2, 3]: x − 3 − log(1 + e⁻¹ + e⁻²)", inputs: [rows([1, 2, 3])], want: [[-2.407605964444380304483, -1.407605964444380304483, -0.4076059644443803044829]] },
    { what: "huge logits stay finite", inputs: [rows([1000, 1001, 1002], [-1000, 1000, -1000])], want: [[-2.407605964444380304483, -1.407605964444380304483, -0.4076059644443803044829], [-2000, 0, -2000]] },
    { what: "1×1 is 0", inputs: [rows([42])], want: [[0]] },
  ],
  sumRows: [
    { what: "2×3 → 1×3", inputs: [rows([1, 2, 3], [4, 5, 6])], want: [[5, 7, 9]] },
    { what: "named n×d → 1×d", inputs: [named("n", 3, "d", 1, [1, 2, 4])], want: [[7]], labels: [1, "d"] },
    { what: "∞ and NaN in their column", inputs: [rows([Infinity, 1, NaN], [-Infinity, 2, 0])], want: [[NaN, 3, NaN]] },
  ],
  sumAll: [
    { what: "2×3 → 1×1", inputs: [rows([1, 2, 3], [4, 5, 6])], want: [[21]] },
    { what: "1×1", inputs: [rows([-2.5])], want: [[-2.5]] },
    { what: "named n×d", inputs: [named("n", 2, "d", 2, [0.5, 0.25, 0.125, 1])], want: [[1.875]] },
  ],
  softmaxCrossEntropy: [
    // −(log softmax(1,2,3)₃ + log softmax(1,2,3)₁) = LSE + (2 + LSE).
    { what: "one-hot targets, summed over rows", inputs: [rows([1, 2, 3], [1, 2, 3]), rows([0, 0, 1], [1, 0, 0])], want: [[2.815211928888760608966]] },
    // −(0.25·(−2 − LSE) + 0.25·(−1 − LSE) + 0.5·(−LSE)) = 0.75 + LSE.
    { what: "distribution targets", inputs: [rows([1, 2, 3]), rows([0.25, 0.25, 0.5])], want: [[1.157605964444380304483]] },
    { what: "huge logits stay finite", inputs: [rows([1000, 1001, 1002]), rows([0, 1, 0])], want: [[1.407605964444380304483]] },
    // log softmax of the second logit is −1.7e308 − 1.7e308 = −∞; its target 0 contributes 0, not 0·(−∞) = NaN.
    { what: "a zero target where the log-probability underflows to −∞", inputs: [rows([1.7e308, -1.7e308]), rows([1, 0])], want: [[0]] },
    { what: "a zero target on a −∞ logit", inputs: [rows([0, -Infinity]), rows([1, 0])], want: [[0]] },
    { what: "a NaN target propagates", inputs: [rows([0, 0]), rows([NaN, 1])], want: [[NaN]] },
    // One class: log softmax is 0.
    { what: "1×1", inputs: [rows([3]), rows([1])], want: [[0]] },
  ],
  sigmoid: [
    // 1/(1 + e^∓1) and 1/(1 + e^−3) to 22 digits (mpmath); e^800 overflows to ∞, so σ(−800) is 1/∞ = 0, its limit.
    { what: "σ(0), σ(±1), σ(3)", inputs: [rows([0, 1, -1, 3])], want: [[0.5, 0.7310585786300048792512, 0.2689414213699951207488, 0.9525741268224332191212]] },
    { what: "saturates at ±800 without NaN", inputs: [rows([-800, 800])], want: [[0, 1]] },
    { what: "named n×d, NaN", inputs: [named("n", 1, "d", 2, [0, NaN])], want: [[0.5, NaN]], labels: ["n", "d"] },
  ],
  relu: [
    { what: "negative, zero, positive", inputs: [rows([-2, 0, 3.5], [-0, 1e-300, -1e-300])], want: [[0, 0, 3.5], [0, 1e-300, 0]] },
    { what: "∞ and NaN", inputs: [rows([Infinity, -Infinity, NaN])], want: [[Infinity, 0, NaN]] },
  ],
  sqrt: [
    { what: "squares and √2, √3 (mpmath)", inputs: [rows([0, 1, 4, 2.25], [2, 3, 1e-300, 1e300])], want: [[0, 1, 2, 1.5], [1.414213562373095048802, 1.732050807568877293527, 1e-150, 1e150]] },
    { what: "negative is NaN, ∞ stays", inputs: [rows([-1, Infinity])], want: [[NaN, Infinity]] },
  ],
  square: [
    { what: "entry by entry", inputs: [rows([-3, 0.5, 0], [1e200, -1e-200, 7])], want: [[9, 0.25, 0], [Infinity, 0, 49]] },
    { what: "NaN and −∞", inputs: [rows([NaN, -Infinity])], want: [[NaN, Infinity]] },
  ],
  neg: [
    { what: "entry by entry", inputs: [rows([1, -2.5, 0], [Infinity, NaN, -0])], want: [[-1, 2.5, -0], [-Infinity, NaN, 0]] },
  ],
  sumCols: [
    { what: "2×3 → 2×1", inputs: [rows([1, 2, 3], [4, 5, 6])], want: [[6], [15]] },
    { what: "named n×d → n×1", inputs: [named("n", 1, "d", 3, [0.5, 0.25, -1])], want: [[-0.25]], labels: ["n", 1] },
    { what: "∞ and NaN in their row", inputs: [rows([Infinity, -Infinity], [1, NaN])], want: [[NaN], [NaN]] },
  ],
  meanCols: [
    // (1 + 2 + 3)/3 = 2, (4 + 5 + 6)/3 = 5; (0.5 + 1)/2 = 0.75.
    { what: "2×3 → 2×1", inputs: [rows([1, 2, 3], [4, 5, 6])], want: [[2], [5]] },
    { what: "named n×d → n×1", inputs: [named("n", 1, "d", 2, [0.5, 1])], want: [[0.75]], labels: ["n", 1] },
  ],
  causalMask: [
    { what: "3×3: −∞ above the diagonal", inputs: [rows([1, 2, 3], [4, 5, 6], [7, 8, 9])], attrs: { fill: -Infinity }, want: [[1, -Infinity, -Infinity], [4, 5, -Infinity], [7, 8, 9]] },
    { what: "fill 0 (its gradient's form), named T×T", inputs: [named("T", 2, "T", 2, [1, 2, 3, 4])], attrs: { fill: 0 }, want: [[1, 0], [3, 4]], labels: ["T", "T"] },
    { what: "1×1 keeps its entry", inputs: [rows([NaN])], attrs: { fill: -Infinity }, want: [[NaN]] },
  ],
  sigmoidGrad: [
    // g·s·(1 − s): 2·0.5·0.5 = 0.5; 1·0.25·0.75 = 0.1875; −4·1·0 = −0.
    { what: "G ⊙ S ⊙ (1 − S)", inputs: [rows([0.5, 0.25, 1]), rows([2, 1, -4])], want: [[0.5, 0.1875, -0]] },
  ],
  reluGrad: [
    { what: "G where A > 0, else 0 (0 at exactly 0)", inputs: [rows([1, 0, -1], [-0, 1e-300, NaN]), rows([2, 3, 4], [5, 6, 7])], want: [[2, 0, 0], [0, 6, 0]] },
  ],
  broadcastCols: [
    { what: "a 2×1 column onto 2×3", inputs: [rows([1], [2]), rows([9, 9, 9], [9, 9, 9])], want: [[1, 1, 1], [2, 2, 2]] },
  ],
  tanhGrad: [
    // g ⊙ (1 − h ⊙ h): 2·0.75, 4·(1 − 1/16), 3·1, 5·0.
    { what: "G ⊙ (1 − H ⊙ H)", inputs: [rows([0.5, -0.25], [0, 1]), rows([2, 4], [3, 5])], want: [[1.5, 3.75], [3, 0]] },
    { what: "1×1", inputs: [rows([0.5]), rows([-1])], want: [[-0.75]] },
  ],
  softmaxGrad: [
    // Row 1: rowsum(g ⊙ y) = 0.25 + 2.25 = 2.5, y ⊙ (g − 2.5) = (−0.375, 0.375); row 2: the sum is 0.
    { what: "Y ⊙ (G − rowsum(G ⊙ Y))", inputs: [rows([0.25, 0.75], [0.5, 0.5]), rows([1, 3], [2, -2])], want: [[-0.375, 0.375], [1, -1]] },
    { what: "1×1 is 0", inputs: [rows([1]), rows([7])], want: [[0]] },
  ],
  logSoftmaxGrad: [
    // g − exp(y)·rowsum(g): rowsum 3; 1 − 3·e⁰ = −2, 2 − 3e⁻¹.
    { what: "G − exp(Y) ⊙ rowsum(G)", inputs: [rows([0, -1]), rows([1, 2])], want: [[-2, 0.8963616764856730352134]] },
    { what: "1×1 (y = 0)", inputs: [rows([0]), rows([4])], want: [[0]] },
  ],
  softmaxCrossEntropyGrad: [
    // softmax(o) ⊙ rowsum(y) − y.
    { what: "one-hot targets", inputs: [rows([1, 2, 3]), rows([0, 0, 1])], want: [[P1, P2, -0.334759044225178110471]] },
    { what: "targets summing to 2", inputs: [rows([1, 2, 3]), rows([1, 0, 1])], want: [[-0.819938853659239084004, 0.4894569421095953049459, 0.330481911549643779058]] },
    { what: "huge logits stay finite", inputs: [rows([1000, 1001, 1002], [1000, -1000, 0]), rows([0, 0, 1], [0, 1, 0])], want: [[P1, P2, -0.334759044225178110471], [1, -1, 0]] },
    { what: "1×1", inputs: [rows([5]), rows([1])], want: [[0]] },
  ],
  broadcastRows: [
    { what: "a 1×C row onto every row of like", inputs: [rows([1, 2, 3]), rows([0, 0, 0], [9, 9, 9])], want: [[1, 2, 3], [1, 2, 3]] },
    { what: "onto named n×d", inputs: [mat(1, dim("d", 2), [0.5, -1]) as AnyMat, named("n", 3, "d", 2, [1, 1, 1, 1, 1, 1])], want: [[0.5, -1], [0.5, -1], [0.5, -1]], labels: ["n", "d"] },
  ],
  expandScalar: [
    { what: "a 1×1 onto every entry of like", inputs: [rows([7]), rows([0, 1], [2, 3])], want: [[7, 7], [7, 7]] },
    { what: "1×1 like", inputs: [rows([-0.5]), rows([3])], want: [[-0.5]] },
  ],
};

/** Every entry within TOL of the hand value, relative to it; ±Infinity, NaN and 0 exactly. */
function expectHand(got: AnyMat, c: HandCase, where: string): void {
  const want = c.want.flat();
  const labels = c.labels ?? [c.want.length, c.want[0]!.length];
  expect([got.rowDim, got.colDim, got.rows, got.cols], `${where}: labels and sizes`).toEqual([...labels, c.want.length, c.want[0]!.length]);
  got.data.forEach((g, i) => {
    const w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) || w === 0 ? g === w : Math.abs(g - w) <= TOL * Math.abs(w);
    expect(ok, `${where}, entry ${i}: got ${g}, by hand ${w} (relative error ${Math.abs(g - w) / Math.abs(w)})`).toBe(true);
  });
}

describe("hand values: the table's coverage", () => {
  it("every built-in op has hand values, and no entry names an op that is not in the table", () => {
    const names = builtInOps().map((op) => op.name);
    const missing = names.filter((n) => !(n in HAND));
    expect(missing, `ops without hand values in test/hand-values.test.ts: ${missing.join(", ")}`).toEqual([]);
    const stale = Object.keys(HAND).filter((n) => !names.includes(n));
    expect(stale, `hand values for ops that are not in the table: ${stale.join(", ")}`).toEqual([]);
  });

  it("covers the edge cases: huge logits, log 0, an underflowing zero-target term, a 1×C row, 1×1 inputs", () => {
    const whats = Object.entries(HAND).flatMap(([op, cases]) => cases.map((c) => `${op}: ${c.what}`));
    for (const needle of ["softmax: huge logits", "log: log 0 is −∞", "softmaxCrossEntropy: a zero target where the log-probability underflows", "add: a 1×C row", "mulScalar: 1×1 times 1×1"]) {
      expect(whats.some((w) => w.startsWith(needle)), needle).toBe(true);
    }
  });
});

describe.each(builtInOps().filter((op) => op.name in HAND).map((op) => [op.name, op] as const))("hand values: %s", (name, op) => {
  it.each(HAND[name]!.map((c) => [c.what, c] as const))("%s", (_what, c) => {
    const where = `${name} (${c.what})`;
    const viaApply = apply(op, c.inputs, c.attrs ?? {});
    expectHand(viaApply, c, `${where} via apply`);
    const viaTyped = typedFunction(op)(c.inputs, c.attrs);
    expectHand(viaTyped, c, `${where} via its typed function`);
    expect(Array.from(viaTyped.data), `${where}: the typed function is apply of the op`).toEqual(Array.from(viaApply.data));
  });
});
