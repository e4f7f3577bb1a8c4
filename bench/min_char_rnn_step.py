# One training step of Karpathy's min-char-rnn (numpy, float64), timed: the peer that issue 7
# asks shapegrad's one-hot character RNN to beat. Sizes come from argv: vocab hidden seq seconds.
import sys, time
import numpy as np

V, H, T, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(0)
Wxh, Whh, Why = rng.standard_normal((H, V)) * 0.01, rng.standard_normal((H, H)) * 0.01, rng.standard_normal((V, H)) * 0.01
bh, by = np.zeros((H, 1)), np.zeros((V, 1))
mem = [np.zeros_like(p) for p in (Wxh, Whh, Why, bh, by)]
inputs = [(7 * i) % V for i in range(T)]
targets = [(7 * i + 1) % V for i in range(T)]

def step(hprev):
    xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
    loss = 0.0
    for t in range(T):
        xs[t] = np.zeros((V, 1)); xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby, dhnext = np.zeros_like(bh), np.zeros_like(by), np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dy = np.copy(ps[t]); dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T; dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw; dWxh += dhraw @ xs[t].T; dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    for d in (dWxh, dWhh, dWhy, dbh, dby):
        np.clip(d, -5, 5, out=d)
    for p, d, m in zip((Wxh, Whh, Why, bh, by), (dWxh, dWhh, dWhy, dbh, dby), mem):
        m += d * d
        p += -0.1 * d / np.sqrt(m + 1e-8)
    return hs[T - 1]

h = np.zeros((H, 1))
for _ in range(30):
    h = step(h)
times = []
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    t0 = time.perf_counter(); h = step(h); times.append(time.perf_counter() - t0)
times.sort()
print(f"{times[len(times) // 2] * 1000:.4f}")
