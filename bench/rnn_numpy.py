"""The RNN's loss and gradients with numpy (float64, matrix ops with @), a peer for bench/rnn-peers.ts.

Written the way one writes it in numpy: whole-matrix operations per step, the backward pass by hand
(BPTT, the formulas in bench/hand-rnn.ts), the weight gradients as one product over all T·n rows.
The matrix products go to numpy's BLAS (OpenBLAS in the wheels), with the threads and kernel it
chooses by itself: the environment (OPENBLAS_CORETYPE included) is left as the benchmark found it.

Usage: python3 rnn_numpy.py INPUT OUTPUT BUDGET_SECONDS MIN_CALLS
with the file formats of bench/rnn-io.ts: INPUT is int32 n, d, h, v, T plus three int32 zeros, then
float64 U, W, b, V, c, xs, ys, h0; OUTPUT is float64 loss, dU, dW, db, dV, dc, dh0. Prints one
JSON line {"ms": median ms per call, "calls": timed calls, "warmup": warm-up calls, ...}. Timing as
in bench/rnn-io.ts: warm-up for a fifth of the budget (at least three calls), then calls timed one by
one until the budget is spent and at least MIN_CALLS were timed; the median is reported.
"""

import json
import os
import sys
import time

import numpy as np


def loss_and_grad(U, W, b, V, c, xs, ys, h0, n, T):
    """xs (T, n, d) and ys (T, n, v) one step per leading index; returns the loss and the gradients."""
    h = W.shape[0]
    s = 1.0 / (T * n)
    hs = np.empty((T + 1, n, h))
    hs[0] = h0
    go = np.empty(ys.shape)
    total = 0.0
    for t in range(T):
        hs[t + 1] = np.tanh(xs[t] @ U + hs[t] @ W + b)
        o = hs[t + 1] @ V + c
        o -= o.max(axis=1, keepdims=True)
        lse = np.log(np.exp(o).sum(axis=1, keepdims=True))
        logp = o - lse
        total += float((ys[t] * logp).sum())
        # G_O = (softmax · Σ_j Y − Y) · s: Y's rows need not be one-hot.
        go[t] = (np.exp(logp) * ys[t].sum(axis=1, keepdims=True) - ys[t]) * s
    ga = np.empty((T, n, h))
    carry = np.zeros((n, h))
    for t in range(T - 1, -1, -1):
        ga[t] = (go[t] @ V.T + carry) * (1.0 - hs[t + 1] * hs[t + 1])
        carry = ga[t] @ W.T
    rows_a = ga.reshape(T * n, h)
    rows_o = go.reshape(T * n, -1)
    dU = xs.reshape(T * n, -1).T @ rows_a
    dW = hs[:T].reshape(T * n, h).T @ rows_a
    db = rows_a.sum(axis=0)
    dV = hs[1:].reshape(T * n, h).T @ rows_o
    dc = rows_o.sum(axis=0)
    return -total * s, (dU, dW, db, dV, dc, carry)


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: rnn_numpy.py INPUT OUTPUT BUDGET_SECONDS MIN_CALLS")
    path_in, path_out, budget, min_calls = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    header = np.fromfile(path_in, dtype="<i4", count=8)
    n, d, h, v, T = (int(x) for x in header[:5])
    data = np.fromfile(path_in, dtype="<f8", offset=32)
    shapes = [(d, h), (h, h), (1, h), (h, v), (1, v), (T, n, d), (T, n, v), (n, h)]
    arrays, at = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(data[at : at + size].reshape(shape))
        at += size
    if at != data.size:
        sys.exit(f"rnn_numpy.py: input holds {data.size} numbers, expected {at}")
    U, W, b, V, c, xs, ys, h0 = arrays
    args = (U, W, b, V, c, xs, ys, h0, n, T)

    # Warm-up: a fifth of the budget, at least three calls.
    warmup = 0
    start = time.perf_counter()
    while True:
        loss, grads = loss_and_grad(*args)
        warmup += 1
        if warmup >= 3 and time.perf_counter() - start >= budget / 5:
            break
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        loss_and_grad(*args)
        times.append((time.perf_counter() - t0) * 1e3)

    out = np.concatenate([np.array([loss])] + [g.ravel() for g in grads]).astype("<f8")
    out.tofile(path_out)
    print(json.dumps({
        "ms": float(np.median(times)),
        "calls": len(times),
        "warmup": warmup,
        "numpy": np.__version__,
        "blas": blas_name(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }))


def blas_name():
    """The BLAS numpy was built against, for the table (None where numpy does not say)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:
        return None


if __name__ == "__main__":
    main()
