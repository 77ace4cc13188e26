"""Time bptt.bptt_grads at the sizes the foundation issue names, against its targets and against the floor.

    OMP_NUM_THREADS=1 python benchmarks/bench_bptt_grads.py

For each size it prints the median time of bptt_grads, the target and their ratio, and two
reference points measured in the same run (so that the ratios survive a busy machine):
  floor  the work no float64 implementation can skip: the eight matrix products of the
         forward and backward passes plus the tanh of every pre-activation and the exp of
         every logit (no loss bookkeeping, no validation);
  torch  PyTorch's CPU autograd on the same float64 network, when torch is installed.
"""
import os
import time

import numpy as np

import bptt

CASES = [  # (T, B, m = n = q, target in ms)
    (256, 64, 128, 80.0),
    (100, 32, 64, 8.0),
]


def median_ms(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def floor_fn(p, X):
    """The unavoidable products and transcendental functions of one forward+backward pass."""
    T, B, m = X.shape
    n = p["W_hh"].shape[0]
    A = X.reshape(T * B, m) @ p["W_hx"].T                      # input projection
    H = np.tanh(A).reshape(T, B, n)
    for t in range(T):
        H[t] @ p["W_hh"].T                                     # forward recurrence
    O = H.reshape(T * B, n) @ p["W_qh"].T                      # output projection
    np.exp(O)
    dH = O @ p["W_qh"]                                         # W_qhᵀ ∂L/∂o
    for t in range(T):
        H[t] @ p["W_hh"]                                       # backward recurrence
    D = dH.reshape(T * B, n)
    D.T @ X.reshape(T * B, m), D.T @ H.reshape(T * B, n), O.T @ H.reshape(T * B, n)  # weight gradients


def torch_fn(p, X, Y):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    tX, tY = torch.tensor(X), torch.tensor(Y)

    def run():
        h = torch.zeros(X.shape[1], p["W_hh"].shape[0], dtype=torch.float64)
        loss = 0.0
        for t in range(X.shape[0]):
            h = torch.tanh(tX[t] @ tp["W_hx"].T + h @ tp["W_hh"].T + tp["b_h"])
            o = h @ tp["W_qh"].T + tp["b_q"]
            loss = loss + torch.nn.functional.cross_entropy(o, tY[t], reduction="sum")
        loss.backward()

    return run


def main():
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}  (the targets assume 1)")
    for T, B, d, target in CASES:
        rng = np.random.default_rng(0)
        params = bptt.init_params(d, d, d, seed=0, spectral_radius=0.9)
        X = rng.normal(size=(T, B, d))
        Y = rng.integers(0, d, size=(T, B))
        ms = median_ms(lambda: bptt.bptt_grads(params, X, Y), repeats=15)
        floor = median_ms(lambda: floor_fn(params, X), repeats=15)
        line = (f"T={T} B={B} m=n=q={d}: bptt_grads {ms:7.2f} ms median; target {target:.0f} ms (ratio {ms / target:.2f}); "
                f"float64 floor {floor:.2f} ms (ratio {ms / floor:.2f})")
        run = torch_fn(params, X, Y)
        if run is not None:
            tms = median_ms(run, repeats=7)
            line += f"; torch float64 autograd {tms:.2f} ms (ratio {ms / tms:.2f})"
        else:
            line += "; torch not installed"
        print(line)


if __name__ == "__main__":
    main()
