// The RNN's loss and gradients in plain C (float64), a compiled peer for bench/rnn-peers.ts, which
// compiles it with `cc -O3 -march=native -o <tmp> bench/rnn.c -lm` and runs it as a subprocess.
// The method of bench/hand-rnn.ts (see there for the formulas), written the plain way C allows,
// leaving the rest to the compiler:
//   - every buffer allocated once, before timing; a call allocates nothing;
//   - A·B in i-k-j order, no manual tiling: the innermost loop is contiguous, and gcc vectorizes it
//     with -march=native (what hand-rnn.ts gets from register tiles, C gets from SIMD);
//   - A·Bᵀ (G_O Vᵀ, G_A Wᵀ) as A·(Bᵀ) with Vᵀ and Wᵀ transposed once per call: without
//     -ffast-math gcc will not vectorize a dot product (it may not reassociate the sum), but it does
//     vectorize the i-k-j update; the transposes cost h·v + h² moves against T·n·(h·v + h²)
//     multiply-adds;
//   - bias + tanh fused into the loop finishing each row of A_t, softmax + loss + G_O into the loop
//     finishing each row of O_t;
//   - the weight gradients as one product over all T·n rows after the recurrence.
// No BLAS: this is what a compiler makes of the loops, and numpy (bench/rnn_numpy.py) is the BLAS peer.
//
// Usage: rnn INPUT OUTPUT BUDGET_SECONDS MIN_CALLS (the file formats of bench/rnn-io.ts)
//   INPUT:  int32 n, d, h, v, T and three int32 zeros (32 bytes), then float64 little-endian
//           U (d·h), W (h·h), b (h), V (h·v), c (v), xs (T·n·d), ys (T·n·v), h0 (n·h), row-major.
//   OUTPUT: float64 loss, then dU, dW, db, dV, dc, dh0 (same shapes as the parameters and h0).
//   stdout: one JSON line {"ms": median ms per call, "calls": timed calls, "warmup": warm-up calls}.
// Warm-up runs for a fifth of the budget (at least three calls), then calls are timed one by one until
// the budget is spent and at least MIN_CALLS were timed.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int n, d, h, v, T;
static double *U, *W, *b, *V, *c, *xs, *ys, *h0;                   // inputs
static double *gU, *gW, *gb, *gV, *gc, *gh0;                        // outputs
static double *hs, *go, *ga, *carry, *Vt, *Wt;                      // work buffers

static double *alloc(size_t count) {
  double *p = calloc(count ? count : 1, sizeof(double));
  if (!p) { fprintf(stderr, "rnn.c: out of memory\n"); exit(1); }
  return p;
}

// out[r·J + j] += Σ_k a[r·K + k] · bm[k·J + j] for r < R: i-k-j.
static void rows_times(int R, int K, int J, double *restrict out, const double *restrict a, const double *restrict bm) {
  for (int r = 0; r < R; r++) {
    double *restrict o = out + (size_t)r * J;
    const double *ar = a + (size_t)r * K;
    for (int k = 0; k < K; k++) {
      const double x = ar[k];
      const double *restrict bk = bm + (size_t)k * J;
      for (int j = 0; j < J; j++) o[j] += x * bk[j];
    }
  }
}

// out[k·J + j] += Σ_r a[r·K + k] · bm[r·J + j]: Aᵀ B as rank-1 updates over the rows r (i-k-j with i = r).
static void transpose_times(int R, int K, int J, double *restrict out, const double *restrict a, const double *restrict bm) {
  for (int r = 0; r < R; r++) {
    const double *ar = a + (size_t)r * K;
    const double *restrict br = bm + (size_t)r * J;
    for (int k = 0; k < K; k++) {
      const double x = ar[k];
      double *restrict o = out + (size_t)k * J;
      for (int j = 0; j < J; j++) o[j] += x * br[j];
    }
  }
}

static void transpose(int R, int C, double *restrict out, const double *restrict m) {
  for (int r = 0; r < R; r++)
    for (int j = 0; j < C; j++) out[(size_t)j * R + r] = m[(size_t)r * C + j];
}

static double loss_and_grad(void) {
  const int nh = n * h, nv = n * v, nd = n * d, Tn = T * n;
  const double s = 1.0 / Tn;
  memcpy(hs, h0, sizeof(double) * nh);
  double total = 0;
  for (int t = 0; t < T; t++) {
    double *prev = hs + (size_t)t * nh, *cur = prev + nh;
    memset(cur, 0, sizeof(double) * nh);
    rows_times(n, d, h, cur, xs + (size_t)t * nd, U);
    rows_times(n, h, h, cur, prev, W);
    for (int r = 0; r < n; r++)
      for (int j = 0; j < h; j++) cur[r * h + j] = tanh(cur[r * h + j] + b[j]);
    double *o = go + (size_t)t * nv;
    memset(o, 0, sizeof(double) * nv);
    rows_times(n, h, v, o, cur, V);
    const double *y = ys + (size_t)t * nv;
    for (int r = 0; r < n; r++) {
      double *orow = o + (size_t)r * v;
      const double *yrow = y + (size_t)r * v;
      double max = -INFINITY;
      for (int j = 0; j < v; j++) {
        orow[j] += c[j];
        if (orow[j] > max) max = orow[j];
      }
      double sum = 0;
      for (int j = 0; j < v; j++) sum += exp(orow[j] - max);
      const double lse = max + log(sum);
      double yTotal = 0;
      for (int j = 0; j < v; j++) {
        if (yrow[j] != 0) total += yrow[j] * (orow[j] - lse);
        yTotal += yrow[j];
      }
      for (int j = 0; j < v; j++) orow[j] = (exp(orow[j] - lse) * yTotal - yrow[j]) * s;
    }
  }

  transpose(h, v, Vt, V);
  transpose(h, h, Wt, W);
  memset(carry, 0, sizeof(double) * nh);
  for (int t = T - 1; t >= 0; t--) {
    double *a = ga + (size_t)t * nh;
    const double *cur = hs + (size_t)(t + 1) * nh;
    memcpy(a, carry, sizeof(double) * nh);
    rows_times(n, v, h, a, go + (size_t)t * nv, Vt);
    for (int k = 0; k < nh; k++) a[k] *= 1 - cur[k] * cur[k];
    memset(carry, 0, sizeof(double) * nh);
    rows_times(n, h, h, carry, a, Wt);
  }
  memcpy(gh0, carry, sizeof(double) * nh);

  memset(gU, 0, sizeof(double) * d * h);
  memset(gW, 0, sizeof(double) * h * h);
  memset(gb, 0, sizeof(double) * h);
  memset(gV, 0, sizeof(double) * h * v);
  memset(gc, 0, sizeof(double) * v);
  transpose_times(Tn, d, h, gU, xs, ga);
  transpose_times(Tn, h, h, gW, hs, ga);
  transpose_times(Tn, h, v, gV, hs + nh, go);
  for (int r = 0; r < Tn; r++) {
    for (int j = 0; j < h; j++) gb[j] += ga[(size_t)r * h + j];
    for (int j = 0; j < v; j++) gc[j] += go[(size_t)r * v + j];
  }
  return -total * s;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *x, const void *y) {
  const double a = *(const double *)x, bb = *(const double *)y;
  return (a > bb) - (a < bb);
}

static void read_doubles(FILE *f, double *p, size_t count) {
  if (fread(p, sizeof(double), count, f) != count) { fprintf(stderr, "rnn.c: input file too short\n"); exit(1); }
}

static void write_doubles(FILE *f, const double *p, size_t count) {
  if (fwrite(p, sizeof(double), count, f) != count) { fprintf(stderr, "rnn.c: cannot write output\n"); exit(1); }
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s INPUT OUTPUT BUDGET_SECONDS MIN_CALLS\n", argv[0]); return 2; }
  const double budget = atof(argv[3]);
  const int minCalls = atoi(argv[4]);
  FILE *in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 1; }
  int32_t header[8];
  if (fread(header, sizeof header, 1, in) != 1) { fprintf(stderr, "rnn.c: no header\n"); return 1; }
  n = header[0], d = header[1], h = header[2], v = header[3], T = header[4];
  const size_t nh = (size_t)n * h;
  U = alloc((size_t)d * h), W = alloc((size_t)h * h), b = alloc(h), V = alloc((size_t)h * v), c = alloc(v);
  xs = alloc((size_t)T * n * d), ys = alloc((size_t)T * n * v), h0 = alloc(nh);
  read_doubles(in, U, (size_t)d * h), read_doubles(in, W, (size_t)h * h), read_doubles(in, b, h);
  read_doubles(in, V, (size_t)h * v), read_doubles(in, c, v);
  read_doubles(in, xs, (size_t)T * n * d), read_doubles(in, ys, (size_t)T * n * v), read_doubles(in, h0, nh);
  fclose(in);
  gU = alloc((size_t)d * h), gW = alloc((size_t)h * h), gb = alloc(h), gV = alloc((size_t)h * v), gc = alloc(v), gh0 = alloc(nh);
  hs = alloc((T + 1) * nh), go = alloc((size_t)T * n * v), ga = alloc(T * nh), carry = alloc(nh);
  Vt = alloc((size_t)v * h), Wt = alloc((size_t)h * h);

  // Warm-up: a fifth of the budget, at least three calls (the last one's result is written out; every
  // call computes the same).
  double loss = 0;
  int warmup = 0;
  const double warmStart = now_seconds();
  do {
    loss = loss_and_grad();
    warmup++;
  } while (warmup < 3 || now_seconds() - warmStart < budget / 5);

  size_t capacity = 1024, calls = 0;
  double *times = malloc(capacity * sizeof(double));
  const double start = now_seconds();
  while (calls < (size_t)minCalls || now_seconds() - start < budget) {
    const double t0 = now_seconds();
    loss_and_grad();
    const double t1 = now_seconds();
    if (calls == capacity) times = realloc(times, (capacity *= 2) * sizeof(double));
    if (!times) { fprintf(stderr, "rnn.c: out of memory\n"); return 1; }
    times[calls++] = (t1 - t0) * 1e3;
  }
  qsort(times, calls, sizeof(double), compare_doubles);
  const double median = calls % 2 ? times[calls / 2] : (times[calls / 2 - 1] + times[calls / 2]) / 2;

  FILE *out = fopen(argv[2], "wb");
  if (!out) { perror(argv[2]); return 1; }
  write_doubles(out, &loss, 1);
  write_doubles(out, gU, (size_t)d * h), write_doubles(out, gW, (size_t)h * h), write_doubles(out, gb, h);
  write_doubles(out, gV, (size_t)h * v), write_doubles(out, gc, v), write_doubles(out, gh0, nh);
  if (fclose(out) != 0) { perror(argv[2]); return 1; }
  printf("{\"ms\": %.6f, \"calls\": %zu, \"warmup\": %d}\n", median, calls, warmup);
  return 0;
}
