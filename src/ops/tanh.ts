import type { Dim } from "../dims.js";
import type { Mat } from "../mat.js";
import { apply, type OpDef, type VectorEntry } from "../op.js";
import { call } from "../explain/notation.js";
import { unaryOp } from "./elementwise.js";
import { tanhGrad } from "./tanh-grad.js";
import { f64x2, horner, i64x2, powerOfTwo, signBit, toI64 } from "./vector-code.js";

/** d tanh(A) = (1 − tanh²(A)) ⊙ dA, written with the output H: adjoint G ⊙ (1 − H ⊙ H). */
export function tanhRule<R extends Dim, C extends Dim>(h: Mat<R, C>, g: Mat<R, C>): Mat<R, C> {
  return tanhGrad(h, g);
}

// fdlibm's s_tanh.c and s_expm1.c (Sun, 1993; the coefficients and thresholds below are theirs),
// which V8's Math.tanh runs too (src/base/ieee754.cc), on both lanes at once: every branch
// computed, then chosen lane by lane. With t = expm1(2|x|), tanh|x| = 1 − 2/(t + 2) for |x| ≥ 1;
// with t = expm1(−2|x|), −t/(t + 2) below; x itself for |x| < 2^−28 and 1 from 22 on (±Infinity
// too); x's sign. expm1(u) for these u, in (−2, −2^−27] or [2, 44): k = round(u/ln2) away from
// zero, 0 when |u| ≤ ln2/2 by the high word; xr = u − k·ln2 in two parts, c the reduction's
// rounding error; hxs = xr²/2, r1 = 1 + hxs·Q(hxs), t = 3 − r1·xr/2 and
// e = hxs·(r1 − t)/(6 − xr·t); then fdlibm's form for each k: k = 0, k = −1, k ≤ −2 or k > 56,
// 1 ≤ k < 20, 20 ≤ k ≤ 56 (its k = 1 form is for u in (0.35, 1.04), which tanh never asks for).
const Q = [1, -3.33333333333331316428e-2, 1.58730158725481460165e-3, -7.93650757867487942473e-5, 4.00821782732936239552e-6, -2.01099218183624371326e-7];
const get = (name: string) => `(local.get $${name})`;
const one = f64x2(1);
const between = (lo: number, hi: number) => `(v128.and (f64x2.ge ${get("k")} ${f64x2(lo)}) (f64x2.le ${get("k")} ${f64x2(hi)}))`;

export const tanhVector: VectorEntry = {
  name: "tanh",
  provides: "tanh",
  ulp: 0,
  text: `(func $tanh (param $x v128) (result v128)
  (local $ax v128) (local $big v128) (local $u v128) (local $k v128) (local $n v128) (local $hi v128) (local $lo v128) (local $xr v128) (local $c v128)
  (local $hfx v128) (local $hxs v128) (local $r1 v128) (local $t v128) (local $e v128) (local $twopk v128) (local $mk v128) (local $y v128)
  (local.set $ax (f64x2.abs ${get("x")}))
  (local.set $big (f64x2.ge ${get("ax")} ${one}))
  (local.set $u (f64x2.add ${get("ax")} ${get("ax")}))
  (local.set $u (v128.bitselect ${get("u")} (f64x2.neg ${get("u")}) ${get("big")}))
  ;; expm1(u)
  (local.set $k (f64x2.trunc (f64x2.add (f64x2.mul ${get("u")} ${f64x2(1.44269504088896338700e0)}) (v128.bitselect ${get("u")} ${f64x2(0.5)} ${signBit}))))
  (local.set $k (v128.andnot ${get("k")} (i64x2.lt_s (v128.andnot ${get("u")} ${signBit}) ${i64x2(0x3fd62e4300000000n)})))
  (local.set $hi (f64x2.sub ${get("u")} (f64x2.mul ${get("k")} ${f64x2(6.93147180369123816490e-1)})))
  (local.set $lo (f64x2.mul ${get("k")} ${f64x2(1.90821492927058770002e-10)}))
  (local.set $xr (f64x2.sub ${get("hi")} ${get("lo")}))
  (local.set $c (f64x2.sub (f64x2.sub ${get("hi")} ${get("xr")}) ${get("lo")}))
  (local.set $hfx (f64x2.mul ${f64x2(0.5)} ${get("xr")}))
  (local.set $hxs (f64x2.mul ${get("xr")} ${get("hfx")}))
  (local.set $r1 ${horner(get("hxs"), Q)})
  (local.set $t (f64x2.sub ${f64x2(3)} (f64x2.mul ${get("r1")} ${get("hfx")})))
  (local.set $e (f64x2.mul ${get("hxs")} (f64x2.div (f64x2.sub ${get("r1")} ${get("t")}) (f64x2.sub ${f64x2(6)} (f64x2.mul ${get("xr")} ${get("t")})))))
  (local.set $n ${toI64(get("k"))})
  (local.set $twopk ${powerOfTwo(get("n"))})
  (local.set $mk ${powerOfTwo(`(i64x2.neg ${get("n")})`)})
  ;; k = 0: xr − (xr·e − hxs), with e before the k ≠ 0 correction
  (local.set $y (f64x2.sub ${get("xr")} (f64x2.sub (f64x2.mul ${get("xr")} ${get("e")}) ${get("hxs")})))
  (local.set $e (f64x2.sub (f64x2.sub (f64x2.mul ${get("xr")} (f64x2.sub ${get("e")} ${get("c")})) ${get("c")}) ${get("hxs")}))
  (local.set $y (v128.bitselect ${get("y")}
    (v128.bitselect (f64x2.sub (f64x2.mul ${f64x2(0.5)} (f64x2.sub ${get("xr")} ${get("e")})) ${f64x2(0.5)})
      (v128.bitselect (f64x2.mul (f64x2.sub (f64x2.sub ${one} ${get("mk")}) (f64x2.sub ${get("e")} ${get("xr")})) ${get("twopk")})
        (v128.bitselect (f64x2.mul (f64x2.add (f64x2.sub ${get("xr")} (f64x2.add ${get("e")} ${get("mk")})) ${one}) ${get("twopk")})
          (f64x2.sub (f64x2.mul (f64x2.sub ${one} (f64x2.sub ${get("e")} ${get("xr")})) ${get("twopk")}) ${one})
          ${between(20, 56)})
        ${between(1, 19)})
      (f64x2.eq ${get("k")} ${f64x2(-1)}))
    (f64x2.eq ${get("k")} ${f64x2(0)})))
  ;; tanh|x|: 1 − 2/(t + 2) or −t/(t + 2)
  (local.set $t (f64x2.div (v128.bitselect ${f64x2(2)} (f64x2.neg ${get("y")}) ${get("big")}) (f64x2.add ${get("y")} ${f64x2(2)})))
  (local.set $t (v128.bitselect (f64x2.sub ${one} ${get("t")}) ${get("t")} ${get("big")}))
  (local.set $t (v128.bitselect ${one} ${get("t")} (f64x2.ge ${get("ax")} ${f64x2(22)})))
  (v128.bitselect ${get("x")} (v128.bitselect ${get("x")} ${get("t")} ${signBit}) (f64x2.lt ${get("ax")} ${f64x2(2 ** -28)})))`,
};

export const tanhOp: OpDef<1> = {
  onnx: (b, [x]) => b.node("Tanh", [x!]),
  ...unaryOp("tanh", (m, x) => m.tanh(x), (_inputs, out, g) => [tanhRule(out, g)]),
  explain: {
    rule: { text: "d tanh(A) = (1 − H ⊙ H) ⊙ dA with H = tanh(A), so G : dH = G ⊙ (1 − H ⊙ H) : dA", latex: String.raw`d\tanh(A) = (1 - H \odot H) \odot dA,\ H = \tanh(A):\ G : dH = G \odot (1 - H \odot H) : dA` },
    differential: (_k, [a], d) => ({ text: `(1 − tanh²(${a!.text})) ⊙ ${d.text}`, latex: `(1 - \\tanh^2(${a!.latex})) \\odot ${d.latex}` }),
    print: (args, _attrs, s) => call({ text: "tanh", latex: "\\tanh" }, args, s),
  },
  vector: tanhVector,
};

/** Hyperbolic tangent, entry by entry. */
export function tanh<R extends Dim, C extends Dim>(a: Mat<R, C>): Mat<R, C> {
  return apply(tanhOp, [a]) as Mat<R, C>;
}
