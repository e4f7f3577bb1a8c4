// Generates WAT text for f64x2 SIMD matrix kernels; assembles with wabt.
// All kernels take byte pointers into the imported memory "env.mem".
// Requirements: N even (matmul / matvec), K even (matvecT).
'use strict';
let uid = 0;
const L = (p) => `$${p}${uid++}`;

// out[i..i+R-1][j..j+2C-1] = A[i.., :] . B[:, j..]  ; U = k-unroll
function mmTile(R, C, U) {
  let s = '';
  for (let r = 0; r < R; r++)
    s += `(local.set $pa${r} (i32.add (local.get $a) (i32.shl (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $K)) (i32.const 3))))\n`;
  s += `(local.set $pb0 (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))\n`;
  for (let u = 1; u < U; u++) s += `(local.set $pb${u} (i32.add (local.get $pb${u - 1}) (local.get $nb)))\n`;
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) s += `(local.set $c${r}_${c} (v128.const f64x2 0 0))\n`;
  const body = (UU) => {
    let t = '';
    for (let u = 0; u < UU; u++) {
      for (let c = 0; c < C; c++) t += `(local.set $b${c} (v128.load offset=${16 * c} (local.get $pb${u})))\n`;
      for (let r = 0; r < R; r++) {
        t += `(local.set $av (f64x2.splat (f64.load offset=${8 * u} (local.get $pa${r}))))\n`;
        for (let c = 0; c < C; c++)
          t += `(local.set $c${r}_${c} (f64x2.add (local.get $c${r}_${c}) (f64x2.mul (local.get $av) (local.get $b${c}))))\n`;
      }
    }
    for (let r = 0; r < R; r++) t += `(local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const ${8 * UU})))\n`;
    for (let u = 0; u < (UU === 1 ? 1 : UU); u++)
      t += `(local.set $pb${u} (i32.add (local.get $pb${u}) (local.get $nbU)))\n`;
    return t;
  };
  // main k loop (unrolled by U)
  s += `(local.set $k (i32.const 0))\n`;
  if (U > 1) {
    s += `(local.set $nbU (i32.mul (local.get $nb) (i32.const ${U})))\n`;
    const bl = L('kb'), lp = L('kl');
    s += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.gt_s (i32.add (local.get $k) (i32.const ${U})) (local.get $K)))\n${body(U)}(local.set $k (i32.add (local.get $k) (i32.const ${U})))\n(br ${lp})))\n`;
  }
  s += `(local.set $nbU (local.get $nb))\n`;
  {
    const bl = L('kb'), lp = L('kl');
    s += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.ge_s (local.get $k) (local.get $K)))\n${body(1)}(local.set $k (i32.add (local.get $k) (i32.const 1)))\n(br ${lp})))\n`;
  }
  for (let r = 0; r < R; r++) {
    s += `(local.set $po (i32.add (local.get $o) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $N)) (local.get $j)) (i32.const 3))))\n`;
    for (let c = 0; c < C; c++) s += `(v128.store offset=${16 * c} (local.get $po) (local.get $c${r}_${c}))\n`;
  }
  return s;
}

function colLoops(R, C, U) {
  // j loop with C-vector tiles, then 1-vector tiles
  let s = `(local.set $j (i32.const 0))\n`;
  for (const CC of C > 1 ? [C, 1] : [1]) {
    const bl = L('jb'), lp = L('jl');
    s += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.gt_s (i32.add (local.get $j) (i32.const ${2 * CC})) (local.get $N)))\n${mmTile(R, CC, U)}(local.set $j (i32.add (local.get $j) (i32.const ${2 * CC})))\n(br ${lp})))\n`;
  }
  return s;
}

function matmulFunc(name, R, C, U) {
  let s = `(func $${name} (export "${name}") (param $a i32) (param $b i32) (param $o i32) (param $M i32) (param $K i32) (param $N i32)\n`;
  s += `(local $i i32) (local $j i32) (local $k i32) (local $nb i32) (local $nbU i32) (local $po i32) (local $av v128)\n`;
  for (let r = 0; r < R; r++) s += `(local $pa${r} i32)`;
  for (let u = 0; u < Math.max(U, 1); u++) s += `(local $pb${u} i32)`;
  for (let c = 0; c < C; c++) s += `(local $b${c} v128)`;
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) s += `(local $c${r}_${c} v128)`;
  s += `\n(local.set $nb (i32.shl (local.get $N) (i32.const 3)))\n(local.set $i (i32.const 0))\n`;
  for (const RR of R > 1 ? [R, 1] : [1]) {
    const bl = L('ib'), lp = L('il');
    s += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.gt_s (i32.add (local.get $i) (i32.const ${RR})) (local.get $M)))\n${colLoops(RR, C, U)}(local.set $i (i32.add (local.get $i) (i32.const ${RR})))\n(br ${lp})))\n`;
  }
  return s + ')\n';
}

// y[j] = sum_k x[k] * W[j*K + k]   (W is N x K row-major; "x . W^T"); R rows at a time, U vectors along k
function matvecTFunc(name, R, U) {
  let s = `(func $${name} (export "${name}") (param $x i32) (param $w i32) (param $y i32) (param $K i32) (param $N i32)\n`;
  s += `(local $j i32) (local $k i32) (local $px i32) (local $xv v128)`;
  for (let r = 0; r < R; r++) s += `(local $pw${r} i32)(local $c${r} v128)`;
  s += `\n(local.set $j (i32.const 0))\n`;
  for (const RR of R > 1 ? [R, 1] : [1]) {
    const bl = L('jb'), lp = L('jl');
    let t = '';
    for (let r = 0; r < RR; r++) {
      t += `(local.set $pw${r} (i32.add (local.get $w) (i32.shl (i32.mul (i32.add (local.get $j) (i32.const ${r})) (local.get $K)) (i32.const 3))))\n`;
      t += `(local.set $c${r} (v128.const f64x2 0 0))\n`;
    }
    t += `(local.set $px (local.get $x))(local.set $k (i32.const 0))\n`;
    for (const UU of U > 1 ? [U, 1] : [1]) {
      const kb = L('kb'), kl = L('kl');
      let body = '';
      for (let u = 0; u < UU; u++) {
        body += `(local.set $xv (v128.load offset=${16 * u} (local.get $px)))\n`;
        for (let r = 0; r < RR; r++)
          body += `(local.set $c${r} (f64x2.add (local.get $c${r}) (f64x2.mul (local.get $xv) (v128.load offset=${16 * u} (local.get $pw${r})))))\n`;
      }
      body += `(local.set $px (i32.add (local.get $px) (i32.const ${16 * UU})))\n`;
      for (let r = 0; r < RR; r++) body += `(local.set $pw${r} (i32.add (local.get $pw${r}) (i32.const ${16 * UU})))\n`;
      t += `(block ${kb} (loop ${kl}\n(br_if ${kb} (i32.gt_s (i32.add (local.get $k) (i32.const ${2 * UU})) (local.get $K)))\n${body}(local.set $k (i32.add (local.get $k) (i32.const ${2 * UU})))\n(br ${kl})))\n`;
    }
    for (let r = 0; r < RR; r++)
      t += `(f64.store offset=${8 * r} (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c${r})) (f64x2.extract_lane 1 (local.get $c${r}))))\n`;
    s += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.gt_s (i32.add (local.get $j) (i32.const ${RR})) (local.get $N)))\n${t}(local.set $j (i32.add (local.get $j) (i32.const ${RR})))\n(br ${lp})))\n`;
  }
  return s + ')\n';
}

// same, but column panels outer, rows inner (B panel K x 2C stays in L1/L2 across all row tiles)
function matmulFuncJO(name, R, C, U) {
  let s = `(func $${name} (export "${name}") (param $a i32) (param $b i32) (param $o i32) (param $M i32) (param $K i32) (param $N i32)\n`;
  s += `(local $i i32) (local $j i32) (local $k i32) (local $nb i32) (local $nbU i32) (local $po i32) (local $av v128)\n`;
  for (let r = 0; r < R; r++) s += `(local $pa${r} i32)`;
  for (let u = 0; u < Math.max(U, 1); u++) s += `(local $pb${u} i32)`;
  for (let c = 0; c < C; c++) s += `(local $b${c} v128)`;
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) s += `(local $c${r}_${c} v128)`;
  s += `\n(local.set $nb (i32.shl (local.get $N) (i32.const 3)))\n(local.set $j (i32.const 0))\n`;
  for (const CC of C > 1 ? [C, 1] : [1]) {
    let inner = `(local.set $i (i32.const 0))\n`;
    for (const RR of R > 1 ? [R, 1] : [1]) {
      const bl = L('ib'), lp = L('il');
      inner += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.gt_s (i32.add (local.get $i) (i32.const ${RR})) (local.get $M)))\n${mmTile(RR, CC, U)}(local.set $i (i32.add (local.get $i) (i32.const ${RR})))\n(br ${lp})))\n`;
    }
    const bl = L('jb'), lp = L('jl');
    s += `(block ${bl} (loop ${lp}\n(br_if ${bl} (i32.gt_s (i32.add (local.get $j) (i32.const ${2 * CC})) (local.get $N)))\n${inner}(local.set $j (i32.add (local.get $j) (i32.const ${2 * CC})))\n(br ${lp})))\n`;
  }
  return s + ')\n';
}

function buildWat(variants) {
  let s = `(module\n(import "env" "mem" (memory 1))\n(func (export "nop"))\n`;
  s += `(func (export "nop3") (param i32 i32 i32))\n`;
  for (const v of variants.mm) s += matmulFunc(`mm_${v[0]}x${v[1]}_u${v[2]}`, v[0], v[1], v[2]);
  for (const v of variants.mmjo || []) s += matmulFuncJO(`mmjo_${v[0]}x${v[1]}_u${v[2]}`, v[0], v[1], v[2]);
  for (const v of variants.mvt) s += matvecTFunc(`mvt_${v[0]}_u${v[1]}`, v[0], v[1]);
  return s + ')\n';
}

async function build(variants) {
  const wabt = await require('wabt')();
  const wat = buildWat(variants);
  require('fs').writeFileSync(__dirname + '/kernels.wat', wat);
  const m = wabt.parseWat('kernels.wat', wat);
  m.validate();
  const bin = m.toBinary({}).buffer;
  require('fs').writeFileSync(__dirname + '/kernels.wasm', bin);
  return bin;
}
module.exports = { build, buildWat };
