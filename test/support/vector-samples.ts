// Inputs on which a vector entry is compared with Math, and the distance between two doubles in
// units in the last place, from their bit patterns.
import { rng } from "../../src/random.js";

const view = new DataView(new ArrayBuffer(8));

function bitsOf(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigInt64(0);
}

function fromBits(bits: bigint): number {
  view.setBigUint64(0, BigInt.asUintN(64, bits));
  return view.getFloat64(0);
}

/** The doubles in order as integers: +0 and −0 are 0, the next double up is one more. */
function ordinal(x: number): bigint {
  const bits = bitsOf(x);
  return bits >= 0n ? bits : -(bits & 0x7fffffffffffffffn);
}

/** How many doubles apart two finite doubles are (0 for the same value, and for +0 and −0). */
export function ulpDistance(a: number, b: number): number {
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** `count` doubles with uniformly random bit patterns: every sign and exponent, NaN and ±Infinity among them. */
export function randomBitPatterns(count: number, seed: number): Float64Array {
  const r = rng(seed);
  const word = () => BigInt(Math.floor(r.uniform() * 2 ** 32));
  return Float64Array.from({ length: count }, () => fromBits((word() << 32n) | word()));
}

/** The points where the entries change branch or their results change kind (overflow, subnormal, saturation). */
const branchPoints = [
  Math.LN2 / 2, 1.5 * Math.LN2, Math.LN2 / 4, 0.75 * Math.LN2, 2 ** -28, 2 ** -27, 2 ** -54, 2 ** -20, // reductions, tiny arguments
  709.782712893384, 708.3964185322641, 745.1332191019412, 744.4400719213812, 36.04365338911715, 37.42994775023705, // exp's overflow and subnormal results; sigmoid's 1
  Math.SQRT2, Math.SQRT1_2, 1.3799991607666016, 1.4199991226196289, 1, 1 + 2 ** -20, 1 - 2 ** -20, 2, 0.5, 2 ** -1022, // log's normalization and its forms
  0.625, 22, 19.061547465398498, 10 * Math.LN2, 28 * Math.LN2, 3, // tanh: cephes' split, fdlibm's saturation and expm1's k = 20 and 56
];

/** Each of `points`, both signs, and the `spread` doubles on either side of it. */
function around(points: readonly number[], spread: number): number[] {
  return points.flatMap((p) => [p, -p].flatMap((q) => Array.from({ length: 2 * spread + 1 }, (_, i) => fromBits(bitsOf(q) + BigInt(i - spread)))));
}

/**
 * The test's inputs: special values, subnormals, dense samples near 0 and around branch points,
 * moderate and large magnitudes, random bit patterns; the dense parts grow with `randomCount`.
 */
export function vectorSamples(randomCount: number, seed: number): Float64Array {
  const r = rng(seed ^ 0x5eed);
  const signed = (x: number) => (r.uniform() < 0.5 ? -x : x);
  const dense = Math.max(20_000, Math.floor(randomCount / 5));
  const many = (count: number, draw: () => number) => Array.from({ length: count }, draw);
  const values: number[] = [
    0, -0, NaN, Infinity, -Infinity, 1, -1,
    ...around([Number.MIN_VALUE, 2 ** -1022, Number.MAX_VALUE], 3),
    // subnormals: random mantissas under a zero exponent
    ...many(dense / 10, () => signed(r.uniform() * 2 ** -1022)),
    // |x| < 1, uniform and over every binade
    ...many(dense, () => 2 * r.uniform() - 1),
    ...many(dense, () => signed(2 ** (-1074 * r.uniform()) * (1 + r.uniform()))),
    ...around(branchPoints, 40),
    ...branchPoints.flatMap((p) => [1e-3, 1e-6].flatMap((spread) => many(dense / 60, () => signed(p * (1 + (r.uniform() - 0.5) * spread))))),
    // moderate and large magnitudes up to the largest double
    ...many(dense, () => signed(800 * r.uniform())),
    ...many(dense / 4, () => signed(2 ** (1024 * r.uniform()))),
  ];
  return Float64Array.from([...values, ...randomBitPatterns(randomCount, seed)]);
}
