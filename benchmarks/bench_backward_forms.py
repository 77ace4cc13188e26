"""Time the two forms of the BPTT backward pass, and a per-example loop, as the sequence grows.

    OMP_NUM_THREADS=1 python benchmarks/bench_backward_forms.py

For each length T it prints the median CPU time (time.process_time: other jobs on a shared
machine do not inflate it; with OMP_NUM_THREADS=1 the BLAS uses one thread) of
  single sweep   bptt.bptt_grads: one backward sweep, T − 1 products with W_hhᵀ;
  double sum     bptt.double_sum.double_sum_grads: every δ_{t,k} on its own, T(T − 1)/2 products;
  per example    bptt_grads called on one sequence at a time (B calls), summed: the same
                 arithmetic as the single sweep without the batch in the matrix products;
and the ratios to the single sweep, beside T/2 = (T(T − 1)/2) / (T − 1), the ratio of the
numbers of products with W_hhᵀ. The double sum should grow like T², the other two like T.
The last column is the single sweep over the float64 floor of the same pass (timing.floor_fn).
All times of one length are taken in turns in the same run; there is no pass or fail.
"""
import numpy as np
from timing import floor_fn, header, medians_ms

import bptt
from bptt.double_sum import double_sum_grads

LENGTHS = (25, 50, 100, 200, 400)
B, M, N, Q = 16, 8, 32, 8


def per_example(params, X, Y):
    """Σ_b bptt_grads on sequence b alone."""
    total = {k: np.zeros_like(v) for k, v in params.items()}
    loss = 0.0
    for b in range(X.shape[1]):
        lb, gb = bptt.bptt_grads(params, X[:, b:b + 1], Y[:, b:b + 1])
        loss += lb
        for k in total:
            total[k] += gb[k]
    return loss, total


def main():
    header(f"backward forms, B={B} m={M} n={N} q={Q}")
    print("median CPU ms: single sweep, double sum, per-example loop;\n"
          "ratios: double/sweep, T/2 (ratio of the products with W_hhᵀ), per-example/sweep, sweep/floor")
    print(f"{'T':>4} {'sweep':>7} {'double':>8} {'per-ex':>7} {'dbl/swp':>8} {'T/2':>6} {'pex/swp':>8} {'swp/flr':>8}")
    rng = np.random.default_rng(0)
    params = bptt.init_params(M, N, Q, seed=0, spectral_radius=0.9)
    for T in LENGTHS:
        X = rng.normal(size=(T, B, M))
        Y = rng.integers(0, Q, size=(T, B))
        reps = 21 if T <= 100 else 7
        ms = medians_ms({"single": lambda: bptt.bptt_grads(params, X, Y),
                         "double": lambda: double_sum_grads(params, X, Y),
                         "loop": lambda: per_example(params, X, Y),
                         "floor": lambda: floor_fn(params, X)}, reps)
        single, double, loop = ms["single"], ms["double"], ms["loop"]
        print(f"{T:>4} {single:>7.2f} {double:>8.2f} {loop:>7.2f} {double / single:>8.1f} {T / 2:>6.1f} "
              f"{loop / single:>8.1f} {single / ms['floor']:>8.2f}")


if __name__ == "__main__":
    main()
