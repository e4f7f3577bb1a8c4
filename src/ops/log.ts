import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef, type VectorEntry } from "../op.js";
import { call } from "../explain/notation.js";
import { div } from "./div.js";
import { unaryOp } from "./elementwise.js";
import { f64x2, horner, i64x2, toF64 } from "./vector-code.js";

/** d log(A) = dA / A: adjoint G / A. */
export function logRule<R extends Dim, C extends Dim>(a: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return div(g, a);
}

// fdlibm's e_log.c (Sun, 1993; the coefficients below are its), which V8's Math.log runs too
// (src/base/ieee754.cc), on both lanes at once: its branches all computed, then chosen lane by lane.
// x = 2^k·(1 + f) with 1 + f in [√2/2, √2) from the bits (a subnormal x scaled by 2^54 first);
// with s = f/(2 + f), log(1 + f) = f − (f²/2 − s·(f²/2 + R(s²))) where x's mantissa lies in
// [1.38, 1.42] (its top 20 bits in [0x6147a, 0x6b851]), f − s·(f − R) elsewhere, and
// f − f²·(1/2 − f/3) for |f| < 2^−20; plus k·ln2 in two parts. fdlibm's own forms for k = 0 are what
// these give with k = 0, exactly. Then Math's special values: ±0 → −Infinity, negative → NaN,
// +Infinity → +Infinity, NaN → NaN.
const Lg = [6.666666666666735130e-1, 3.999999999940941908e-1, 2.857142874366239149e-1, 2.222219843214978396e-1, 1.818357216161805012e-1, 1.531383769920937332e-1, 1.479819860511658591e-1];
const ln2Hi = f64x2(6.93147180369123816490e-1), ln2Lo = f64x2(1.90821492927058770002e-10);
const get = (name: string) => `(local.get $${name})`;
// dk·ln2_hi − ((a − dk·ln2_lo) − f), fdlibm's last step
const plusK = (a: string) => `(f64x2.sub (f64x2.mul ${get("dk")} ${ln2Hi}) (f64x2.sub (f64x2.sub ${a} (f64x2.mul ${get("dk")} ${ln2Lo})) ${get("f")}))`;

export const logVector: VectorEntry = {
  name: "log",
  provides: "log",
  ulp: 0,
  text: `(func $log (param $x v128) (result v128)
  (local $tiny v128) (local $b v128) (local $k v128) (local $m v128) (local $hx v128) (local $i v128) (local $f v128) (local $dk v128)
  (local $s v128) (local $z v128) (local $w v128) (local $R v128) (local $hfsq v128) (local $y v128)
  (local.set $tiny (f64x2.lt ${get("x")} ${f64x2(2 ** -1022)}))
  (local.set $b (v128.bitselect (f64x2.mul ${get("x")} ${f64x2(2 ** 54)}) ${get("x")} ${get("tiny")}))
  (local.set $k (i64x2.sub (i64x2.sub (i64x2.shr_u ${get("b")} (i32.const 52)) ${i64x2(1023n)}) (v128.and ${get("tiny")} ${i64x2(54n)})))
  (local.set $m (v128.and ${get("b")} ${i64x2(0xfffffffffffffn)}))
  (local.set $hx (i64x2.shr_u ${get("m")} (i32.const 32)))
  (local.set $i (v128.and (i64x2.add ${get("m")} ${i64x2(0x95f64n << 32n)}) ${i64x2(1n << 52n)}))
  (local.set $f (f64x2.sub (v128.or ${get("m")} (v128.xor ${get("i")} ${i64x2(0x3ff0000000000000n)})) ${f64x2(1)}))
  (local.set $k (i64x2.add ${get("k")} (i64x2.shr_u ${get("i")} (i32.const 52))))
  (local.set $dk ${toF64(get("k"))})
  (local.set $s (f64x2.div ${get("f")} (f64x2.add ${f64x2(2)} ${get("f")})))
  (local.set $z (f64x2.mul ${get("s")} ${get("s")}))
  (local.set $w (f64x2.mul ${get("z")} ${get("z")}))
  (local.set $R (f64x2.add
    (f64x2.mul ${get("z")} ${horner(get("w"), [Lg[0]!, Lg[2]!, Lg[4]!, Lg[6]!])})
    (f64x2.mul ${get("w")} ${horner(get("w"), [Lg[1]!, Lg[3]!, Lg[5]!])})))
  (local.set $hfsq (f64x2.mul (f64x2.mul ${f64x2(0.5)} ${get("f")}) ${get("f")}))
  (local.set $y (v128.bitselect
    (f64x2.sub (f64x2.mul ${get("dk")} ${ln2Hi}) (f64x2.sub (f64x2.sub ${get("hfsq")}
      (f64x2.add (f64x2.mul ${get("s")} (f64x2.add ${get("hfsq")} ${get("R")})) (f64x2.mul ${get("dk")} ${ln2Lo}))) ${get("f")}))
    ${plusK(`(f64x2.mul ${get("s")} (f64x2.sub ${get("f")} ${get("R")}))`)}
    (v128.and (i64x2.gt_s ${get("hx")} ${i64x2(0x61479n)}) (i64x2.lt_s ${get("hx")} ${i64x2(0x6b852n)}))))
  (local.set $y (v128.bitselect
    ${plusK(`(f64x2.mul (f64x2.mul ${get("f")} ${get("f")}) (f64x2.sub ${f64x2(0.5)} (f64x2.mul ${f64x2(0.33333333333333333)} ${get("f")})))`)}
    ${get("y")}
    (i64x2.lt_s (v128.and (i64x2.add ${get("hx")} ${i64x2(2n)}) ${i64x2(0xfffffn)}) ${i64x2(3n)})))
  (v128.bitselect ${get("y")}
    (v128.bitselect ${f64x2(-Infinity)} (v128.bitselect ${f64x2(NaN)} (f64x2.add ${get("x")} ${get("x")}) (f64x2.lt ${get("x")} ${f64x2(0)})) (f64x2.eq ${get("x")} ${f64x2(0)}))
    (v128.and (f64x2.gt ${get("x")} ${f64x2(0)}) (f64x2.lt ${get("x")} ${f64x2(Infinity)}))))`,
};

export const logOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Log", [x!]),
  ...unaryOp("log", (m, x) => m.log(x), ([a], _out, g) => [logRule(a, g)]),
  explain: {
    rule: { text: "d log(A) = dA ⊘ A, so G : d log(A) = G ⊘ A : dA", latex: String.raw`d\log(A) = dA \oslash A,\quad G : d\log(A) = G \oslash A : dA` },
    differential: (_k, [a], d) => ({ text: `${d.text} ⊘ ${a!.text}`, latex: `${d.latex} \\oslash ${a!.latex}` }),
    print: (args, _attrs, s) => call({ text: "log", latex: "\\log" }, args, s),
  },
  vector: logVector,
};

/** Natural logarithm (log of a negative entry is NaN, of 0 is -Infinity, as in IEEE arithmetic), entry by entry. */
export function log<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(logOp, [a]) as Mat<R, C>;
}
