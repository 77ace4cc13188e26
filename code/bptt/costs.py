"""What exact RTRL, BPTT, UORO and SnAp-1 cost: the leading-order counts, and their measurement.

Counts are per sequence, for n hidden units, m inputs, q outputs and T steps; the memory is
what a method must hold while it runs, beyond the parameters and the data:

    RTRL   time T (n⁴ + n³ m + n³) + O(T n²)     memory n (n² + n m + n)   (the sensitivities, any T)
    BPTT   time O(T (n² + n m + n q))             memory (T + 1) n          (the stored states)
    UORO   time O(T (n² + n m))                   memory n + (n² + n m + n) (h̃ and θ̃)
    SnAp-1 time O(T (n² + n m))                   memory n² + n m + n       (one entry per parameter)
"""
import time
import tracemalloc

import numpy as np

from .backprop import bptt_grads
from .params import init_params
from .rtrl import rtrl_grads
from .snap import snap1_grads
from .uoro import uoro_grads
from .validate import check_positive_int

METHODS = ("rtrl", "bptt", "uoro", "snap1")


def _sizes(n, m, q, T):
    return (check_positive_int(n, "n"), check_positive_int(m, "m"), check_positive_int(q, "q"),
            check_positive_int(T, "T"))


def memory_model(method, n, m=1, q=1, T=1):
    """Numbers a method holds while running over one sequence (leading terms, see the module text)."""
    n, m, q, T = _sizes(n, m, q, T)
    p = n * n + n * m + n                                    # recurrent parameters: |W_hh| + |W_hx| + |b_h|
    counts = {"rtrl": n * p, "bptt": (T + 1) * n, "uoro": n + p, "snap1": p}
    if method not in counts:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    return counts[method]


def time_model(method, n, m=1, q=1, T=1):
    """Multiply-adds for one sequence, leading terms: forward pass plus the method's gradient work."""
    n, m, q, T = _sizes(n, m, q, T)
    p = n * n + n * m + n
    forward = n * n + n * m + n * q                          # z_t and o_t
    per_step = {"rtrl": n * n * p + n * p,                   # W_hh P_{t-1} (n · n · |θ|), then gᵀ P_t
                "bptt": n * n + n * q + p + n * q,           # W_hhᵀ δ, W_qhᵀ ∂L/∂o, the outer products
                "uoro": n * n + 3 * p,                        # J h̃, νᵀF, the θ̃ update and the gradient
                "snap1": 3 * p}                               # S update and gradient
    if method not in per_step:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    return T * (forward + per_step[method])


def seconds_per_step(fn, T, repeats=3):
    """Best-of-``repeats`` wall time of ``fn()`` divided by T (the best run is the least disturbed)."""
    repeats = check_positive_int(repeats, "repeats")
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best / check_positive_int(T, "T")


def peak_bytes(fn):
    """Peak memory allocated (bytes, as tracemalloc sees NumPy's buffers) while ``fn()`` runs."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        if not was_tracing:
            tracemalloc.stop()


def loglog_slope(x, y):
    """Least-squares slope of log y against log x: the exponent k in y ∝ x^k."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"x and y must be 1-d of the same length >= 2, got shapes {x.shape} and {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to take logarithms")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def gradient_run(method, n, T, B=1, m=2, q=2, seed=0):
    """A function of no arguments computing the gradient of a random network and sequence by ``method``.

    method: "rtrl", "bptt", "uoro" or "snap1"; the network has m inputs, n hidden units, q outputs
    (W_hh ~ N(0, 1/n), spectral radius about 1) and the sequence T steps, B sequences.
    """
    grads = {"rtrl": rtrl_grads, "bptt": bptt_grads, "uoro": uoro_grads, "snap1": snap1_grads}
    if method not in grads:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    n, m, q, T = _sizes(n, m, q, T)
    B = check_positive_int(B, "B")
    rng = np.random.default_rng(seed)
    params = init_params(m, n, q, seed=seed)
    X, Y = rng.normal(size=(T, B, m)), rng.integers(0, q, size=(T, B))
    return lambda: grads[method](params, X, Y)


def measure_time(method, n, T, repeats=3, **sizes):
    """Measured seconds per step of one gradient computation (best of ``repeats``); sizes as gradient_run."""
    return seconds_per_step(gradient_run(method, n, T, **sizes), T, repeats)


def measure_memory(method, n, T, **sizes):
    """Measured peak bytes of one gradient computation; sizes as gradient_run."""
    return peak_bytes(gradient_run(method, n, T, **sizes))
