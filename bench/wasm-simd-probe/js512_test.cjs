// JS scalar 64x512x512 is bimodal across runs (5.5-10 ms). Test: time for N=512 vs N=520 with several fresh allocations.
const { matmulJS } = require('./scalar.cjs');
for (const N of [512, 520, 512, 520]) {
  const M = 64, K = 512, res = [];
  for (let trial = 0; trial < 3; trial++) {
    const pad = new Float64Array(1 + trial * 37); // perturb allocation placement
    const A = new Float64Array(M * K).fill(0.5), B = new Float64Array(K * N).fill(0.25), O = new Float64Array(M * N);
    for (let w = 0; w < 15; w++) matmulJS(A, 0, B, 0, O, 0, M, K, N);
    let best = 1e9; for (let r = 0; r < 5; r++) { const t0 = process.hrtime.bigint(); for (let w = 0; w < 3; w++) matmulJS(A, 0, B, 0, O, 0, M, K, N); best = Math.min(best, Number(process.hrtime.bigint() - t0) / 3e3); }
    res.push((M * K * N / best / 1e3).toFixed(2) + ' GMAC/s');
  }
  console.log('N=' + N, res.join('  '));
}
