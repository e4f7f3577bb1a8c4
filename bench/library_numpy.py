# numpy's side of bench/library.ts, as bench/library-peer.ts is for JavaScript peers (same
# arguments, same operands, same JSON lines); run with OPENBLAS_NUM_THREADS=1 (one thread).
#   python3 bench/library_numpy.py SIZES CHAIN_SIZE BUDGET_SECONDS
import json, sys, time
import numpy as np

sizes = [int(s) for s in sys.argv[1].split(",")]
chain_size = int(sys.argv[2])
budget = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0

def operand(seed, length):
    # The 32-bit LCG of bench/library-peer.ts.
    out = np.empty(length)
    x = seed
    for i in range(length):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = x / 4294967296 - 0.5
    return out

def mat(s, seed):
    return operand(seed, s * s).reshape(s, s)

def timed(name, call):
    t = time.perf_counter(); result = call(); warm = time.perf_counter() - t
    times = []
    if warm < budget:
        start = time.perf_counter()
        while len(times) < 3 or time.perf_counter() - start < budget:
            t = time.perf_counter(); call(); times.append(time.perf_counter() - t)
    else:
        times.append(warm)
    times.sort()
    print(json.dumps({"case": name, "ms": 1000 * times[len(times) // 2], "calls": len(times), "sum": float(result.sum())}), flush=True)

print(json.dumps({"note": f"numpy {np.__version__}, float64, OpenBLAS pinned to one thread"}), flush=True)
for s in sizes:
    a, b = mat(s, 1), mat(s, 2)
    timed(f"matmul {s}", lambda: a @ b)
a, b, c = mat(chain_size, 1), mat(chain_size, 2), mat(chain_size, 3)
timed(f"chain {chain_size}", lambda: np.tanh(a * b + c) * a - b)
