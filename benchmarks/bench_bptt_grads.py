"""Time bptt.bptt_grads at the sizes the foundation issue names; prints medians and ratios to target.

Run with one BLAS thread, as the targets assume:  OMP_NUM_THREADS=1 python benchmarks/bench_bptt_grads.py
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


def main():
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    for T, B, d, target in CASES:
        rng = np.random.default_rng(0)
        params = bptt.init_params(d, d, d, seed=0, spectral_radius=0.9)
        X = rng.normal(size=(T, B, d))
        Y = rng.integers(0, d, size=(T, B))
        ms = median_ms(lambda: bptt.bptt_grads(params, X, Y), repeats=15)
        print(f"bptt_grads T={T} B={B} m=n=q={d}: {ms:7.2f} ms median, target {target:.0f} ms, ratio {ms / target:.2f}")


if __name__ == "__main__":
    main()
