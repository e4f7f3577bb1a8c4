// Pieces of WebAssembly text shared by the ops' vector entries (OpDef.vector): constants spelled
// exactly, on both lanes of a v128.

/** A double as a WebAssembly hexadecimal float literal: its exact value, whatever the parser. */
function hexFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? "-" : "";
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & 0xfffffffffffffn).toString(16).padStart(13, "0");
  if (exponent === 0) return `${sign}0x0.${mantissa}p-1022`;
  return `${sign}0x1.${mantissa}p${exponent - 1023}`;
}

/** `value` on both lanes, as f64. */
export function f64x2(value: number): string {
  const v = hexFloat(value);
  return `(v128.const f64x2 ${v} ${v})`;
}

/** `value` on both lanes, as a 64-bit integer (written in hexadecimal, two's complement). */
export function i64x2(value: bigint): string {
  const v = `0x${BigInt.asUintN(64, value).toString(16)}`;
  return `(v128.const i64x2 ${v} ${v})`;
}

/** The sign bit of each f64 lane. */
export const signBit = i64x2(1n << 63n);

/** c₀ + t·(c₁ + t·(c₂ + …)), evaluated in that order (no fused multiply-add), t an expression. */
export function horner(t: string, coefficients: readonly number[]): string {
  const [first, ...rest] = coefficients;
  if (first === undefined) throw new Error("horner: no coefficients");
  return rest.length === 0 ? f64x2(first) : `(f64x2.add ${f64x2(first)} (f64x2.mul ${t} ${horner(t, rest)}))`;
}

// A double that is an integer of magnitude below 2^51 plus 1.5·2^52 has that integer in its low
// bits: integers move between f64 and i64 lanes (which have no conversion instruction) through it.
const magic = 1.5 * 2 ** 52;

/** The i64 lanes of an f64 expression whose lanes are integers below 2^51 in magnitude. */
export function toI64(integral: string): string {
  return `(i64x2.sub (f64x2.add ${integral} ${f64x2(magic)}) ${i64x2(0x4338000000000000n)})`;
}

/** The f64 lanes of an i64 expression whose lanes are below 2^51 in magnitude. */
export function toF64(integer: string): string {
  return `(f64x2.sub (i64x2.add ${integer} ${i64x2(0x4338000000000000n)}) ${f64x2(magic)})`;
}

/** 2^n for the i64 lanes n of an expression, each in [−1022, 1023]: n + 1023 in the exponent bits. */
export function powerOfTwo(n: string): string {
  return `(i64x2.shl (i64x2.add ${n} ${i64x2(1023n)}) (i32.const 52))`;
}
