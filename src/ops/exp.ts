import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef, type VectorEntry } from "../op.js";
import { call } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { mul } from "./mul.js";
import { f64x2, horner, i64x2, powerOfTwo, signBit, toI64 } from "./vector-code.js";

/** d exp(A) = exp(A) ⊙ dA: adjoint G ⊙ E, with E the forward output. */
export function expRule<R extends Dim, C extends Dim>(e: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return mul(g, e);
}

// fdlibm's e_exp.c (Sun, 1993; the coefficients and thresholds below are its), which V8's Math.exp
// runs too (src/base/ieee754.cc, with exp(1) = e as a special case), on both lanes at once: its
// branches all computed, then chosen lane by lane. k = round(x/ln2), away from zero and 0 when
// |x| ≤ ln2/2 by the high word, as fdlibm does; r = x − k·ln2 in two parts (Cody–Waite);
// c = r − r²·P(r²) and e^r = 1 − ((lo − r·c/(2 − c)) − hi); times 2^k in two exact factors, so
// that a subnormal result is rounded once. |x| < 2^−28 gives 1 + x; x above 709.78… +Infinity,
// below −745.13… 0, NaN NaN. Lanes beyond those thresholds compute garbage (k too large for its
// conversion, Infinity − Infinity), never a trap, and are replaced; clamping x first cost a quarter
// of the time (f64x2.min and max are NaN-aware sequences on x86).
const one = f64x2(1);
const P = [1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5, -1.65339022054652515390e-6, 4.13813679705723846039e-8];

export const expVector: VectorEntry = {
  name: "exp",
  provides: "exp",
  ulp: 0,
  text: `(func $exp (param $x v128) (result v128)
  (local $k v128) (local $hi v128) (local $lo v128) (local $r v128) (local $t v128) (local $c v128) (local $y v128) (local $n v128) (local $n1 v128)
  (local.set $k (f64x2.trunc (f64x2.add
    (f64x2.mul (local.get $x) ${f64x2(1.44269504088896338700e0)})
    (v128.bitselect (local.get $x) ${f64x2(0.5)} ${signBit}))))
  (local.set $k (v128.andnot (local.get $k) (i64x2.lt_s (v128.andnot (local.get $x) ${signBit}) ${i64x2(0x3fd62e4300000000n)})))
  (local.set $hi (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) ${f64x2(6.93147180369123816490e-1)})))
  (local.set $lo (f64x2.mul (local.get $k) ${f64x2(1.90821492927058770002e-10)}))
  (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
  (local.set $t (f64x2.mul (local.get $r) (local.get $r)))
  (local.set $c (f64x2.sub (local.get $r) (f64x2.mul (local.get $t) ${horner("(local.get $t)", P)})))
  (local.set $y (f64x2.sub ${one} (f64x2.sub
    (f64x2.sub (local.get $lo) (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub ${f64x2(2)} (local.get $c))))
    (local.get $hi))))
  (local.set $n ${toI64("(local.get $k)")})
  (local.set $n1 (i64x2.shr_s (local.get $n) (i32.const 1)))
  (local.set $y (f64x2.mul (f64x2.mul (local.get $y) ${powerOfTwo("(local.get $n1)")}) ${powerOfTwo("(i64x2.sub (local.get $n) (local.get $n1))")}))
  (local.set $y (v128.bitselect (f64x2.add ${one} (local.get $x)) (local.get $y) (f64x2.lt (f64x2.abs (local.get $x)) ${f64x2(2 ** -28)})))
  (local.set $y (v128.bitselect ${f64x2(Math.E)} (local.get $y) (f64x2.eq (local.get $x) ${one})))
  (local.set $y (v128.bitselect ${f64x2(Infinity)} (local.get $y) (f64x2.gt (local.get $x) ${f64x2(7.09782712893383973096e2)})))
  (v128.andnot (local.get $y) (f64x2.lt (local.get $x) ${f64x2(-7.45133219101941108420e2)})))`,
};

export const expOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Exp", [x!]),
  ...unaryOp("exp", (m, x) => m.exp(x), (_inputs, out, g) => [expRule(out, g)]),
  explain: {
    rule: { text: "d exp(A) = E ⊙ dA with E = exp(A), so G : dE = G ⊙ E : dA", latex: String.raw`d\exp(A) = E \odot dA,\ E = \exp(A):\ G : dE = G \odot E : dA` },
    differential: (_k, [a], d) => ({ text: `exp(${a!.text}) ⊙ ${d.text}`, latex: `\\exp(${a!.latex}) \\odot ${d.latex}` }),
    print: (args, _attrs, s) => call({ text: "exp", latex: "\\exp" }, args, s),
  },
  vector: expVector,
};

/** Exponential, entry by entry. */
export function exp<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(expOp, [a]) as Mat<R, C>;
}
