'use strict';
// Scalar JS kernels (register-tiled), all row-major Float64Array with offsets.

// y[0..N) = x[0..K) . W (K x N); xo/wo/yo are element offsets
function matvecJS(x, xo, W, wo, y, yo, K, N) {
  for (let j = 0; j < N; j++) y[yo + j] = 0;
  let p = 0;
  for (; p + 8 <= K; p += 8) {
    const x0 = x[xo + p], x1 = x[xo + p + 1], x2 = x[xo + p + 2], x3 = x[xo + p + 3],
      x4 = x[xo + p + 4], x5 = x[xo + p + 5], x6 = x[xo + p + 6], x7 = x[xo + p + 7];
    const r0 = wo + p * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N, r4 = r3 + N, r5 = r4 + N, r6 = r5 + N, r7 = r6 + N;
    for (let j = 0; j < N; j++) {
      y[yo + j] += x0 * W[r0 + j] + x1 * W[r1 + j] + x2 * W[r2 + j] + x3 * W[r3 + j] +
        x4 * W[r4 + j] + x5 * W[r5 + j] + x6 * W[r6 + j] + x7 * W[r7 + j];
    }
  }
  for (; p < K; p++) {
    const xp = x[xo + p], r = wo + p * N;
    for (let j = 0; j < N; j++) y[yo + j] += xp * W[r + j];
  }
}

// y[j] = sum_k x[k] W[j*K+k]  (W is N x K)
function matvecTJS(x, xo, W, wo, y, yo, K, N) {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const r0 = wo + j * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    let k = 0;
    for (; k + 2 <= K; k += 2) {
      const a = x[xo + k], b = x[xo + k + 1];
      s0 += a * W[r0 + k]; t0 += b * W[r0 + k + 1];
      s1 += a * W[r1 + k]; t1 += b * W[r1 + k + 1];
      s2 += a * W[r2 + k]; t2 += b * W[r2 + k + 1];
      s3 += a * W[r3 + k]; t3 += b * W[r3 + k + 1];
    }
    for (; k < K; k++) { const a = x[xo + k]; s0 += a * W[r0 + k]; s1 += a * W[r1 + k]; s2 += a * W[r2 + k]; s3 += a * W[r3 + k]; }
    y[yo + j] = s0 + t0; y[yo + j + 1] = s1 + t1; y[yo + j + 2] = s2 + t2; y[yo + j + 3] = s3 + t3;
  }
  for (; j < N; j++) {
    const r = wo + j * K; let s = 0;
    for (let k = 0; k < K; k++) s += x[xo + k] * W[r + k];
    y[yo + j] = s;
  }
}

// O (M x N) = A (M x K) . B (K x N); 4-row x 8-deep register tiles
function matmulJS(A, ao, B, bo, O, oo, M, K, N) {
  for (let t = 0; t < M * N; t++) O[oo + t] = 0;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = ao + i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const o0 = oo + i * N, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N;
    let p = 0;
    for (; p + 8 <= K; p += 8) {
      const a00 = A[a0 + p], a01 = A[a0 + p + 1], a02 = A[a0 + p + 2], a03 = A[a0 + p + 3], a04 = A[a0 + p + 4], a05 = A[a0 + p + 5], a06 = A[a0 + p + 6], a07 = A[a0 + p + 7];
      const a10 = A[a1 + p], a11 = A[a1 + p + 1], a12 = A[a1 + p + 2], a13 = A[a1 + p + 3], a14 = A[a1 + p + 4], a15 = A[a1 + p + 5], a16 = A[a1 + p + 6], a17 = A[a1 + p + 7];
      const a20 = A[a2 + p], a21 = A[a2 + p + 1], a22 = A[a2 + p + 2], a23 = A[a2 + p + 3], a24 = A[a2 + p + 4], a25 = A[a2 + p + 5], a26 = A[a2 + p + 6], a27 = A[a2 + p + 7];
      const a30 = A[a3 + p], a31 = A[a3 + p + 1], a32 = A[a3 + p + 2], a33 = A[a3 + p + 3], a34 = A[a3 + p + 4], a35 = A[a3 + p + 5], a36 = A[a3 + p + 6], a37 = A[a3 + p + 7];
      const r0 = bo + p * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N, r4 = r3 + N, r5 = r4 + N, r6 = r5 + N, r7 = r6 + N;
      for (let j = 0; j < N; j++) {
        const b0 = B[r0 + j], b1 = B[r1 + j], b2 = B[r2 + j], b3 = B[r3 + j], b4 = B[r4 + j], b5 = B[r5 + j], b6 = B[r6 + j], b7 = B[r7 + j];
        O[o0 + j] += a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3 + a04 * b4 + a05 * b5 + a06 * b6 + a07 * b7;
        O[o1 + j] += a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3 + a14 * b4 + a15 * b5 + a16 * b6 + a17 * b7;
        O[o2 + j] += a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3 + a24 * b4 + a25 * b5 + a26 * b6 + a27 * b7;
        O[o3 + j] += a30 * b0 + a31 * b1 + a32 * b2 + a33 * b3 + a34 * b4 + a35 * b5 + a36 * b6 + a37 * b7;
      }
    }
    for (; p < K; p++) {
      const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p], r = bo + p * N;
      for (let j = 0; j < N; j++) { const b = B[r + j]; O[o0 + j] += x0 * b; O[o1 + j] += x1 * b; O[o2 + j] += x2 * b; O[o3 + j] += x3 * b; }
    }
  }
  for (; i < M; i++) matvecJS(A, ao + i * K, B, bo, O, oo + i * N, K, N);
}

function naiveMM(A, B, M, K, N) {
  const O = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { let s = 0; for (let p = 0; p < K; p++) s += A[i * K + p] * B[p * N + j]; O[i * N + j] = s; }
  return O;
}
module.exports = { matvecJS, matvecTJS, matmulJS, naiveMM };
