"""The LSTM's loss and gradients with PyTorch (float64, autograd, one thread), a peer for `npm run bench:lstm`.

The model of issue 15 (dsl/lstm.ts, test/support/lstm-reference.ts), one step per time index t:

    I = σ(X Ui + H Wi + bi)   F = σ(X Uf + H Wf + bf)   O = σ(X Uo + H Wo + bo)   G = tanh(X Ug + H Wg + bg)
    C' = F ⊙ C + I ⊙ G        H' = O ⊙ tanh(C')
    L = −(1/(T·n)) Σ_t Σ_i Σ_j Y_t[i,j] · log softmax(H'_t V + c)[i,j]

Two ways to build it, chosen by the optional last argument:

  module (the default): torch.nn.LSTM(d, h) in float64, as one uses it. Its equations are the ones
    above (i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi), f_t, g_t = tanh(…), o_t; c_t = f_t ⊙ c_{t−1}
    + i_t ⊙ g_t; h_t = o_t ⊙ tanh(c_t)), with the weights of a gate multiplying from the left and the
    four gates stacked in the order [i, f, g, o]. So, once before timing:
        weight_ih_l0 (4h×d) = [Uiᵀ; Ufᵀ; Ugᵀ; Uoᵀ]      weight_hh_l0 (4h×h) = [Wiᵀ; Wfᵀ; Wgᵀ; Woᵀ]
        bias_ih_l0   (4h)   = [bi; bf; bg; bo]           bias_hh_l0   (4h)   = 0, frozen (requires_grad False)
    and after each backward, the gradient of a gate is its block of rows of the stacked gradient,
    transposed: dUi = weight_ih_l0.grad[0:h]ᵀ, dUf = [h:2h]ᵀ, dUg = [2h:3h]ᵀ, dUo = [3h:4h]ᵀ (likewise
    W from weight_hh_l0, b from bias_ih_l0; bias_hh is the same sum twice, so one of the two biases is
    frozen at zero). The loss is F.cross_entropy of the logits H V + c over the T·n rows with the
    target rows as probabilities (mean over rows: exactly L above). Gradients of h0 and cell0 come from
    leaf tensors passed as the initial state.
  ops: the same model written from torch ops with autograd, gate by gate as in the equations
    (X @ Ui + H @ Wi + bi, …), the input products as one product over all T·n rows per gate. It checks
    the mapping above (both must agree with test/support/lstm-reference.ts) and shows what the module
    saves.

One thread, as the issue asks: torch.set_num_threads(1) and one inter-op thread, and, before torch
is imported, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS set to 1. The environment
variables matter for Debian's python3-torch: it is built with BLAS_INFO=generic and calls whatever
libblas.so.3 the alternatives system points to (netlib's reference BLAS unless an optimized one such
as libopenblas0 is installed), which torch's own thread setting does not reach. The library it loaded
is reported as "blas" in the JSON line.

Usage: python3 lstm_torch.py INPUT OUTPUT BUDGET_SECONDS MIN_CALLS [module|ops]
with the file formats of bench/lstm-io.ts: INPUT is int32 n, d, h, v, T plus three int32 zeros, then
float64 Ui Wi bi Uf Wf bf Uo Wo bo Ug Wg bg V c xs ys h0 cell0; OUTPUT is float64 loss, then the
gradients of Ui Wi bi Uf Wf bf Uo Wo bo Ug Wg bg V c h0 cell0. Prints one JSON line {"ms": median ms
per call, "calls": timed calls, "warmup": warm-up calls, "note", ...}. A call is one forward and one
backward, with the gradients mapped back to the layout above (views: transposes and slices). Timing
as in bench/rnn-io.ts: warm-up for a fifth of the budget (at least three calls), then calls timed one
by one until the budget is spent and at least MIN_CALLS were timed; the median is reported.
"""

import json
import os
import sys
import time

# Before torch (and its BLAS) loads: see the docstring.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np
import torch
import torch.nn.functional as F

PARAMS = ["Ui", "Wi", "bi", "Uf", "Wf", "bf", "Uo", "Wo", "bo", "Ug", "Wg", "bg", "V", "c"]
# torch.nn.LSTM stacks its gates as [i, f, g, o]: the block index of each of ours.
TORCH_BLOCK = {"i": 0, "f": 1, "g": 2, "o": 3}


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
        arrays[name] = torch.from_numpy(data[at : at + size].reshape(shape).copy())
        at += size
    if at != data.size:
        sys.exit(f"lstm_torch.py: input holds {data.size} numbers, expected {at}")
    return (n, d, h, v, T), arrays


def module_peer(sizes, a):
    """torch.nn.LSTM with our weights copied in; returns a call () -> (loss, [grads in file order])."""
    n, d, h, v, T = sizes
    lstm = torch.nn.LSTM(d, h, num_layers=1, bias=True, batch_first=False).double()
    gates = ["i", "f", "g", "o"]  # torch's order
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.cat([a["U" + g].T for g in gates], dim=0))
        lstm.weight_hh_l0.copy_(torch.cat([a["W" + g].T for g in gates], dim=0))
        lstm.bias_ih_l0.copy_(torch.cat([a["b" + g].reshape(h) for g in gates]))
        lstm.bias_hh_l0.zero_()
    lstm.bias_hh_l0.requires_grad_(False)
    V = a["V"].clone().requires_grad_(True)
    c = a["c"].clone().requires_grad_(True)
    h0 = a["h0"].reshape(1, n, h).clone().requires_grad_(True)
    c0 = a["cell0"].reshape(1, n, h).clone().requires_grad_(True)
    xs = a["xs"]
    ys = a["ys"].reshape(T * n, v)
    leaves = [lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, V, c, h0, c0]

    def call():
        for leaf in leaves:
            leaf.grad = None
        out, _ = lstm(xs, (h0, c0))  # out: (T, n, h), every step's H
        logits = out.reshape(T * n, h) @ V + c
        loss = F.cross_entropy(logits, ys)  # probabilities as targets, mean over the T·n rows
        loss.backward()
        gi, gh, gb = lstm.weight_ih_l0.grad, lstm.weight_hh_l0.grad, lstm.bias_ih_l0.grad
        grads = {}
        for gate, k in TORCH_BLOCK.items():
            rows = slice(k * h, (k + 1) * h)
            grads["U" + gate] = gi[rows].T
            grads["W" + gate] = gh[rows].T
            grads["b" + gate] = gb[rows]
        grads["V"] = V.grad
        grads["c"] = c.grad
        return loss.item(), [grads[name] for name in PARAMS] + [h0.grad[0], c0.grad[0]]

    return call


def ops_peer(sizes, a):
    """The equations from torch ops, gate by gate, with autograd."""
    n, d, h, v, T = sizes
    p = {name: a[name].clone().requires_grad_(True) for name in PARAMS}
    h0 = a["h0"].clone().requires_grad_(True)
    c0 = a["cell0"].clone().requires_grad_(True)
    rows_x = a["xs"].reshape(T * n, d)
    ys = a["ys"].reshape(T * n, v)
    leaves = list(p.values()) + [h0, c0]

    def call():
        for leaf in leaves:
            leaf.grad = None
        xa = {g: (rows_x @ p["U" + g] + p["b" + g]).reshape(T, n, h) for g in "ifog"}
        H, C = h0, c0
        hs = []
        for t in range(T):
            i = torch.sigmoid(xa["i"][t] + H @ p["Wi"])
            f = torch.sigmoid(xa["f"][t] + H @ p["Wf"])
            o = torch.sigmoid(xa["o"][t] + H @ p["Wo"])
            g = torch.tanh(xa["g"][t] + H @ p["Wg"])
            C = f * C + i * g
            H = o * torch.tanh(C)
            hs.append(H)
        logits = torch.cat(hs, dim=0) @ p["V"] + p["c"]
        loss = F.cross_entropy(logits, ys)
        loss.backward()
        return loss.item(), [p[name].grad for name in PARAMS] + [h0.grad, c0.grad]

    return call


def main():
    if len(sys.argv) not in (5, 6) or (len(sys.argv) == 6 and sys.argv[5] not in ("module", "ops")):
        sys.exit("usage: lstm_torch.py INPUT OUTPUT BUDGET_SECONDS MIN_CALLS [module|ops]")
    path_in, path_out, budget, min_calls = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    kind = sys.argv[5] if len(sys.argv) == 6 else "module"
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # only settable before any inter-op work; nothing here uses it
    sizes, arrays = read_input(path_in)
    call = module_peer(sizes, arrays) if kind == "module" else ops_peer(sizes, arrays)

    # Warm-up: a fifth of the budget, at least three calls.
    warmup = 0
    start = time.perf_counter()
    while True:
        loss, grads = call()
        warmup += 1
        if warmup >= 3 and time.perf_counter() - start >= budget / 5:
            break
    out = np.concatenate([np.array([loss])] + [g.detach().numpy().ravel() for g in grads]).astype("<f8")
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)

    out.tofile(path_out)
    note = "torch.nn.LSTM, float64, autograd, 1 thread" if kind == "module" else "torch ops gate by gate, float64, autograd, 1 thread"
    print(json.dumps({
        "ms": float(np.median(times)),
        "calls": len(times),
        "warmup": warmup,
        "note": note,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_library(),
    }))


def blas_library():
    """The BLAS shared library this process has loaded (Linux: from /proc/self/maps), or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {os.path.realpath(line.split()[-1]) for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return None
    # The BLAS itself (e.g. openblas-pthread/libopenblasp-r0.3.21.so, or blas/libblas.so.3.11.0 for
    # netlib's reference BLAS), named by its directory and file; LAPACK and the alternatives' links left out.
    libs = [p for p in paths if "lapack" not in os.path.basename(p)]
    core = [p for p in libs if "openblas" in os.path.basename(p) or "mkl" in os.path.basename(p)] or libs
    return ", ".join(sorted(os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p)) for p in core)) or None


if __name__ == "__main__":
    main()
