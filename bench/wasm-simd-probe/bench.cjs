'use strict';
// `node bench/wasm-simd-probe/bench.cjs [quick]` (after `npm ci --prefix bench`, for wabt): the
// probe that chose the tiles of the generator's WebAssembly SIMD products (src/ops/matmul-simd.ts:
// 1×5 vectors for a matrix-vector product, 2×4 otherwise, no unrolling of the shared dim). It times
// float64 kernels at the RNN's sizes, written as register-tiled scalar JavaScript (scalar.cjs, as
// the generator writes them today) and as f64x2 WebAssembly (gen.cjs: WAT from templates,
// assembled with wabt), every result checked against the scalar one (< 1e-14), all operands in one
// WebAssembly.Memory made at its final size (growing it would detach an ArrayBuffer, which slows
// every typed-array access of the process: the scalar timing is repeated at the end to show it did
// not). js512_test.cjs and stride_test.cjs show the 4 KiB row-stride effect on each side.
// Measured on the project's machine (min µs per call, JS / wasm): x·W 1×100·100×100 4.03 / 1.25
// (3.2×), x·Wᵀ 5.93 / 1.39 (4.3×), 25×65·65×100 54.7 / 17.6 (3.1×), 1024×65·65×128 2810 / 932
// (3.0×), 64×512·512×512 10022 / 2317 (4.3×; 2.4× against JS with rows padded to 520).
// Kernels need an even column count (and x·Wᵀ an even k): a backend needs scalar tails for odd ones.
const { build } = require('./gen.cjs');
const { matvecJS, matvecTJS, matmulJS, naiveMM } = require('./scalar.cjs');
const QUICK = process.argv[2] === 'quick';
const RUNS = QUICK ? 5 : 9;
const RUN_MS = QUICK ? 15 : 40;

function rnd(n, seed) { const a = new Float64Array(n); let s = seed >>> 0; for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 4294967296 - 0.5; } return a; }
function relerr(a, b) { let m = 0, mb = 0; for (let i = 0; i < b.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); mb = Math.max(mb, Math.abs(b[i])); } return m / mb; }
function measure(fn) { // returns per-call µs {min, med}
  { const w0 = Date.now(); let c = 0; while (Date.now() - w0 < (QUICK ? 60 : 200) || c < 20) { fn(); c++; } } // JIT warm-up (tier-up / OSR exit)
  let n = 1;
  for (;;) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) fn(); const dt = Number(process.hrtime.bigint() - t0) / 1e6; if (dt > RUN_MS / 4) { n = Math.max(1, Math.ceil(n * RUN_MS / dt)); break; } n *= 2; }
  const res = [];
  for (let r = 0; r < RUNS; r++) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) fn(); res.push(Number(process.hrtime.bigint() - t0) / 1e3 / n); }
  res.sort((a, b) => a - b);
  return { min: res[0], med: res[res.length >> 1] };
}
const f = (x) => x.toFixed(x < 10 ? 2 : 1);
const rows = [];
function row(kernel, size, macs, js, w, note) {
  const r = { kernel, size, js: `${f(js.min)} / ${f(js.med)}`, wasm: `${f(w.min)} / ${f(w.med)}`, ratio: (js.min / w.min).toFixed(2) + 'x', 'GMAC/s js|wasm': `${(macs / js.min / 1e3).toFixed(2)} / ${(macs / w.min / 1e3).toFixed(2)}`, note };
  rows.push(r); console.log(JSON.stringify(r));
}

// ---------- baseline scalar JS timing BEFORE any wasm exists ----------
const K0 = 100, N0 = 100, T = 25;
const Wjs = rnd(K0 * N0, 1), Xjs = rnd(T * K0, 2), Yjs = new Float64Array(T * N0);
const seqJS = () => { for (let t = 0; t < T; t++) matvecJS(Xjs, t * K0, Wjs, 0, Yjs, t * N0, K0, N0); };
const seqTJS = () => { for (let t = 0; t < T; t++) matvecTJS(Xjs, t * K0, Wjs, 0, Yjs, t * N0, K0, N0); };
for (let w = 0; w < 3000; w++) { seqJS(); seqTJS(); } // warm up JIT so before/after compare like with like
const best3 = (fn) => { let b = null; for (let r = 0; r < 3; r++) { const m = measure(fn); if (!b || m.min < b.min) b = { min: m.min, med: Math.min(m.med, b ? b.med : 1e9) }; } return b; };
const before = best3(seqJS), beforeT = best3(seqTJS);
console.log('baseline scalar matvec before wasm (µs/call):', f(before.min / T), f(before.med / T), ' transposed:', f(beforeT.min / T), f(beforeT.med / T));

(async () => {
  const variants = {
    mm: [[1, 2, 1], [1, 4, 1], [1, 4, 2], [1, 5, 1], [1, 5, 2], [1, 6, 1], [1, 8, 1], [1, 10, 1],
      [2, 4, 1], [2, 4, 2], [3, 4, 1], [4, 2, 1], [4, 2, 2], [4, 3, 1], [4, 4, 1], [6, 2, 1], [5, 2, 1]],
    mmjo: [[2, 4, 1], [4, 2, 1], [3, 4, 1], [4, 3, 1], [2, 5, 1], [4, 2, 2]],
    mvt: [[1, 1], [2, 2], [4, 1], [4, 2], [4, 5], [5, 2], [8, 1]],
  };
  const bin = await build(variants);
  // synchronous compile + instantiate
  const PAGES = 256; // 16 MiB, fixed: initial === maximum, never grown
  const mem = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
  const tc = process.hrtime.bigint();
  const mod = new WebAssembly.Module(bin);
  const inst = new WebAssembly.Instance(mod, { env: { mem } });
  console.log(`sync new WebAssembly.Module+Instance OK: ${bin.length} bytes, ${(Number(process.hrtime.bigint() - tc) / 1e6).toFixed(2)} ms`);
  const E = inst.exports;
  const H = new Float64Array(mem.buffer);
  let top = 64;
  const alloc = (n) => { const p = top; top += Math.ceil(n * 8 / 64) * 64; if (top > PAGES * 65536) throw new Error('oom'); return p; }; // byte ptr, 64-aligned

  // ---------- call overhead ----------
  { const nop = E.nop, nop3 = E.nop3; const N = 1000;
    const a = measure(() => { for (let i = 0; i < N; i++) nop(); });
    const b = measure(() => { for (let i = 0; i < N; i++) nop3(i, 8, 16); });
    const c = measure(() => { let s = 0; for (let i = 0; i < N; i++) s += i; return s; });
    console.log(`JS->wasm empty call: ${(a.min / N * 1e3).toFixed(1)} ns (median ${(a.med / N * 1e3).toFixed(1)}); with 3 i32 args: ${(b.min / N * 1e3).toFixed(1)} ns; empty JS loop iter ${(c.min / N * 1e3).toFixed(2)} ns`); }

  // ---------- 1. recurrent matvec y = x.W, 25 steps ----------
  {
    const pW = alloc(K0 * N0), pX = alloc(T * K0), pY = alloc(T * N0), pXc = alloc(K0), pYc = alloc(N0);
    H.set(Wjs, pW / 8); H.set(Xjs, pX / 8);
    seqJS(); const ref = Yjs.slice();
    const refN = naiveMM(Xjs, Wjs, T, K0, N0); console.log('scalar matvec check vs naive:', relerr(ref, refN).toExponential(2));
    const best = {};
    for (const v of variants.mm.filter((v) => v[0] === 1)) {
      const fn = E[`mm_${v[0]}x${v[1]}_u${v[2]}`];
      const run = () => { for (let t = 0; t < T; t++) fn(pX + t * K0 * 8, pW, pY + t * N0 * 8, 1, K0, N0); };
      H.fill(0, pY / 8, pY / 8 + T * N0); run();
      const err = relerr(H.subarray(pY / 8, pY / 8 + T * N0), ref); if (!(err < 1e-14)) throw new Error('mismatch ' + v + ' ' + err);
      const m = measure(run); console.log(`  mv variant 1x${v[1]} u${v[2]}: ${f(m.min / T)} µs/call (med ${f(m.med / T)}) err ${err.toExponential(1)}`);
      if (!best.m || m.min < best.m.min) { best.m = m; best.fn = fn; best.name = `1x${v[1]}vec u${v[2]}`; }
    }
    const js = measure(seqJS);
    const per = (m) => ({ min: m.min / T, med: m.med / T });
    row('matvec x·W (×25 steps)', '1×100·100×100', K0 * N0, per(js), per(best.m), `resident; ${best.name}`);
    // copy-in / copy-out version: data in JS Float64Arrays
    const fn = best.fn; const Yc = new Float64Array(T * N0);
    const runCopy = () => { for (let t = 0; t < T; t++) { H.set(Xjs.subarray(t * K0, t * K0 + K0), pXc / 8); fn(pXc, pW, pYc, 1, K0, N0); Yc.set(H.subarray(pYc / 8, pYc / 8 + N0), t * N0); } };
    runCopy(); const errc = relerr(Yc, ref); if (!(errc < 1e-14)) throw new Error('copy mismatch');
    row('matvec x·W (×25 steps)', '1×100·100×100', K0 * N0, per(js), per(measure(runCopy)), 'copy x in + y out per call');
    // scalar JS operating on views of wasm memory
    const HW = H; const runJSonMem = () => { for (let t = 0; t < T; t++) matvecJS(HW, pX / 8 + t * K0, HW, pW / 8, HW, pY / 8 + t * N0, K0, N0); };
    const jm = measure(runJSonMem);
    console.log(`  scalar JS on memory.buffer view: ${f(jm.min / T)} µs/call (med ${f(jm.med / T)})`);
  }

  // ---------- 1b. y = x.W^T  (W is 100x100, rows dotted with x) ----------
  {
    const pW = alloc(K0 * N0), pX = alloc(T * K0), pY = alloc(T * N0), pXc = alloc(K0), pYc = alloc(N0);
    H.set(Wjs, pW / 8); H.set(Xjs, pX / 8);
    seqTJS(); const ref = Yjs.slice();
    // check vs naive: x . W^T
    const WT = new Float64Array(K0 * N0); for (let a = 0; a < N0; a++) for (let b = 0; b < K0; b++) WT[b * N0 + a] = Wjs[a * K0 + b];
    console.log('scalar matvecT check vs naive:', relerr(ref, naiveMM(Xjs, WT, T, K0, N0)).toExponential(2));
    const best = {};
    for (const v of variants.mvt) {
      const fn = E[`mvt_${v[0]}_u${v[1]}`];
      const run = () => { for (let t = 0; t < T; t++) fn(pX + t * K0 * 8, pW, pY + t * N0 * 8, K0, N0); };
      H.fill(0, pY / 8, pY / 8 + T * N0); run();
      const err = relerr(H.subarray(pY / 8, pY / 8 + T * N0), ref); if (!(err < 1e-14)) throw new Error('mismatch T ' + v + ' ' + err);
      const m = measure(run); console.log(`  mvT variant ${v[0]} rows u${v[1]}: ${f(m.min / T)} µs/call (med ${f(m.med / T)}) err ${err.toExponential(1)}`);
      if (!best.m || m.min < best.m.min) { best.m = m; best.fn = fn; best.name = `${v[0]} rows u${v[1]}`; }
    }
    const js = measure(seqTJS);
    const per = (m) => ({ min: m.min / T, med: m.med / T });
    row('matvec x·Wᵀ (×25 steps)', '1×100·(100×100)ᵀ', K0 * N0, per(js), per(best.m), `resident; ${best.name}`);
    const fn = best.fn; const Yc = new Float64Array(T * N0);
    const runCopy = () => { for (let t = 0; t < T; t++) { H.set(Xjs.subarray(t * K0, t * K0 + K0), pXc / 8); fn(pXc, pW, pYc, K0, N0); Yc.set(H.subarray(pYc / 8, pYc / 8 + N0), t * N0); } };
    runCopy(); if (!(relerr(Yc, ref) < 1e-14)) throw new Error('copy mismatch T');
    row('matvec x·Wᵀ (×25 steps)', '1×100·(100×100)ᵀ', K0 * N0, per(js), per(measure(runCopy)), 'copy x in + y out per call');
  }

  // ---------- 2. matmul ----------
  for (const [M, K, N] of [[25, 65, 100], [1024, 65, 128], [64, 512, 512]]) {
    const A = rnd(M * K, 3 + M), B = rnd(K * N, 4 + N), O = new Float64Array(M * N);
    matmulJS(A, 0, B, 0, O, 0, M, K, N);
    console.log(`scalar matmul ${M}x${K}x${N} check vs naive:`, relerr(O, naiveMM(A, B, M, K, N)).toExponential(2));
    const ref = O.slice();
    const pA = alloc(M * K), pB = alloc(K * N), pO = alloc(M * N);
    H.set(A, pA / 8); H.set(B, pB / 8);
    const best = {};
    const cands = [...variants.mm.map((v) => [`mm_${v[0]}x${v[1]}_u${v[2]}`, v]), ...variants.mmjo.map((v) => [`mmjo_${v[0]}x${v[1]}_u${v[2]}`, ['jo ' + v[0], v[1], v[2]]])];
    for (const [nm, v] of cands) {
      const fn = E[nm];
      H.fill(0, pO / 8, pO / 8 + M * N); fn(pA, pB, pO, M, K, N);
      const err = relerr(H.subarray(pO / 8, pO / 8 + M * N), ref); if (!(err < 1e-14)) throw new Error(`mismatch mm ${v} ${err}`);
      const m = measure(() => fn(pA, pB, pO, M, K, N));
      console.log(`  mm variant ${v[0]}x${v[1]}vec u${v[2]}: ${f(m.min)} µs (med ${f(m.med)}) ${(M * K * N / m.min / 1e3).toFixed(2)} GMAC/s`);
      if (!best.m || m.min < best.m.min) { best.m = m; best.fn = fn; best.name = `${v[0]}x${v[1]}vec u${v[2]}`; }
    }
    const js = measure(() => matmulJS(A, 0, B, 0, O, 0, M, K, N));
    const size = `${M}×${K}·${K}×${N}`;
    row('matmul A·B', size, M * K * N, js, best.m, `resident; ${best.name}`);
    const fn = best.fn, Oc = new Float64Array(M * N);
    const runCopyAll = () => { H.set(A, pA / 8); H.set(B, pB / 8); fn(pA, pB, pO, M, K, N); Oc.set(H.subarray(pO / 8, pO / 8 + M * N)); };
    runCopyAll(); if (!(relerr(Oc, ref) < 1e-14)) throw new Error('copy mismatch mm');
    row('matmul A·B', size, M * K * N, js, measure(runCopyAll), 'copy A,B in + out out');
    const runCopyA = () => { H.set(A, pA / 8); fn(pA, pB, pO, M, K, N); Oc.set(H.subarray(pO / 8, pO / 8 + M * N)); };
    row('matmul A·B', size, M * K * N, js, measure(runCopyA), 'copy A in + out out (B resident)');
  }

  // ---------- detach check: same scalar JS timing after everything ----------
  const after = best3(seqJS), afterT = best3(seqTJS);
  console.log('baseline scalar matvec AFTER wasm (µs/call):', f(after.min / T), f(after.med / T), ' transposed:', f(afterT.min / T), f(afterT.med / T),
    `(before: ${f(before.min / T)}, ${f(beforeT.min / T)})`);
  console.log('memory.buffer.byteLength', mem.buffer.byteLength, 'H still attached:', H.length > 0);
  console.log('\n| kernel | size | JS µs min / med | wasm µs min / med | JS/wasm (min) | GMAC/s JS / wasm | note |\n|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.kernel} | ${r.size} | ${r.js} | ${r.wasm} | ${r.ratio} | ${r['GMAC/s js|wasm']} | ${r.note} |`);
})().catch((e) => { console.error(e); process.exit(1); });
