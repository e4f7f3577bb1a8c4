"""The LSTM's loss and gradients with numpy (float64, matrix ops with @), a peer for `npm run bench:lstm`.

The model of issue 15 (dsl/lstm.ts, test/support/lstm-reference.ts), one step per time index t:

    I = σ(X Ui + H Wi + bi)   F = σ(X Uf + H Wf + bf)   O = σ(X Uo + H Wo + bo)   G = tanh(X Ug + H Wg + bg)
    C' = F ⊙ C + I ⊙ G        H' = O ⊙ tanh(C')
    L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(H'_t V + c)[i,j]

Written the way one writes an LSTM in numpy: the four gates' weights packed side by side once per
call ([Ui Uf Uo Ug], d×4h, and likewise W and b), so a step is one product with H; the input
products, the output layer and its gradient as one product each over all T·n rows; the backward pass
by hand (BPTT), per step only what the recurrence needs; the weight gradients as one product over all
T·n rows, unpacked into the four gates at the end. The matrix products go to numpy's BLAS with the
threads and kernel it chooses by itself: the environment (OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE)
is left as the benchmark's driver sets it, as for bench/rnn_numpy.py.

Usage: python3 lstm_numpy.py INPUT OUTPUT BUDGET_SECONDS MIN_CALLS
with the file formats of bench/lstm-io.ts: INPUT is int32 n, d, h, v, T plus three int32 zeros, then
float64 Ui Wi bi Uf Wf bf Uo Wo bo Ug Wg bg V c xs ys h0 cell0; OUTPUT is float64 loss, then the
gradients of Ui Wi bi Uf Wf bf Uo Wo bo Ug Wg bg V c h0 cell0. Prints one JSON line {"ms": median ms
per call, "calls": timed calls, "warmup": warm-up calls, ...}. Timing as in bench/rnn-io.ts: warm-up
for a fifth of the budget (at least three calls), then calls timed one by one until the budget is
spent and at least MIN_CALLS were timed; the median is reported.
"""

import json
import os
import sys
import time

import numpy as np

PARAMS = ["Ui", "Wi", "bi", "Uf", "Wf", "bf", "Uo", "Wo", "bo", "Ug", "Wg", "bg", "V", "c"]
GATES = ["i", "f", "o", "g"]  # the packing order: σ gates first, then the tanh one


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def loss_and_grad(p, xs, ys, h0, cell0):
    """p: dict of the parameters; xs (T, n, d), ys (T, n, v), h0 and cell0 (n, h).
    Returns the loss and the gradients in the order of the output file."""
    T, n, d = xs.shape
    h = h0.shape[1]
    v = ys.shape[2]
    s = 1.0 / (T * n)
    Ux = np.hstack([p["U" + g] for g in GATES])  # d×4h
    Wx = np.hstack([p["W" + g] for g in GATES])  # h×4h
    bx = np.hstack([p["b" + g] for g in GATES])  # 1×4h

    # Forward. The input products of every step at once; then per step one product with H.
    xa = (xs.reshape(T * n, d) @ Ux + bx).reshape(T, n, 4 * h)
    hs = np.empty((T + 1, n, h))
    cs = np.empty((T + 1, n, h))
    acts = np.empty((T, n, 4 * h))  # I F O G, activated
    tcs = np.empty((T, n, h))  # tanh(C')
    hs[0] = h0
    cs[0] = cell0
    for t in range(T):
        a = xa[t] + hs[t] @ Wx
        act = acts[t]
        act[:, : 3 * h] = sigmoid(a[:, : 3 * h])
        act[:, 3 * h :] = np.tanh(a[:, 3 * h :])
        i, f, o, g = act[:, :h], act[:, h : 2 * h], act[:, 2 * h : 3 * h], act[:, 3 * h :]
        cs[t + 1] = f * cs[t] + i * g
        tcs[t] = np.tanh(cs[t + 1])
        hs[t + 1] = o * tcs[t]

    # The output layer over all T·n rows: logits, log-softmax, loss, and G_Out = (softmax·Σ_j Y − Y)·s
    # (Y's rows need not be one-hot).
    rows_h = hs[1:].reshape(T * n, h)
    rows_y = ys.reshape(T * n, v)
    out = rows_h @ p["V"] + p["c"]
    out -= out.max(axis=1, keepdims=True)
    logp = out - np.log(np.exp(out).sum(axis=1, keepdims=True))
    loss = -float((rows_y * logp).sum()) * s
    g_out = (np.exp(logp) * rows_y.sum(axis=1, keepdims=True) - rows_y) * s
    dV = rows_h.T @ g_out
    dc = g_out.sum(axis=0, keepdims=True)
    g_h_out = (g_out @ p["V"].T).reshape(T, n, h)

    # Backward through time: per step the gates' pre-activation gradients A (n×4h, I F O G) and the
    # carries to the previous step, G_H = A Wxᵀ and G_C = G_C' ⊙ F.
    da = np.empty((T, n, 4 * h))
    carry_h = np.zeros((n, h))
    carry_c = np.zeros((n, h))
    for t in range(T - 1, -1, -1):
        act = acts[t]
        i, f, o, g = act[:, :h], act[:, h : 2 * h], act[:, 2 * h : 3 * h], act[:, 3 * h :]
        tc = tcs[t]
        gh = g_h_out[t] + carry_h
        gc = carry_c + gh * o * (1.0 - tc * tc)
        a = da[t]
        a[:, :h] = gc * g * i * (1.0 - i)
        a[:, h : 2 * h] = gc * cs[t] * f * (1.0 - f)
        a[:, 2 * h : 3 * h] = gh * tc * o * (1.0 - o)
        a[:, 3 * h :] = gc * i * (1.0 - g * g)
        carry_c = gc * f
        carry_h = a @ Wx.T

    rows_a = da.reshape(T * n, 4 * h)
    dUx = xs.reshape(T * n, d).T @ rows_a
    dWx = hs[:T].reshape(T * n, h).T @ rows_a
    dbx = rows_a.sum(axis=0, keepdims=True)
    grads = {}
    for k, gate in enumerate(GATES):
        cols = slice(k * h, (k + 1) * h)
        grads["U" + gate] = dUx[:, cols]
        grads["W" + gate] = dWx[:, cols]
        grads["b" + gate] = dbx[:, cols]
    grads["V"] = dV
    grads["c"] = dc
    return loss, [grads[name] for name in PARAMS] + [carry_h, carry_c]


def read_input(path):
    header = np.fromfile(path, dtype="<i4", count=8)
    n, d, h, v, T = (int(x) for x in header[:5])
    data = np.fromfile(path, dtype="<f8", offset=32)
    shapes = {}
    for name in PARAMS:
        shapes[name] = (h, v) if name == "V" else (1, v) if name == "c" else (d, h) if name[0] == "U" else (h, h) if name[0] == "W" else (1, h)
    shapes.update({"xs": (T, n, d), "ys": (T, n, v), "h0": (n, h), "cell0": (n, h)})
    arrays, at = {}, 0
    for name, shape in shapes.items():  # dicts keep insertion order: the file's order
        size = int(np.prod(shape))
        arrays[name] = data[at : at + size].reshape(shape)
        at += size
    if at != data.size:
        sys.exit(f"lstm_numpy.py: input holds {data.size} numbers, expected {at}")
    return arrays


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: lstm_numpy.py INPUT OUTPUT BUDGET_SECONDS MIN_CALLS")
    path_in, path_out, budget, min_calls = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    arrays = read_input(path_in)
    p = {name: arrays[name] for name in PARAMS}
    args = (p, arrays["xs"], arrays["ys"], arrays["h0"], arrays["cell0"])

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
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
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
