"""The cost figure of the BPTT chapter: CPU time of the single sweep and the double sum as T grows."""
import json
import os
import subprocess
import sys
import time

import numpy as np

from ..backprop import bptt_grads
from ..double_sum import double_sum_grads
from ..i18n import t
from ..params import init_params


def per_example_grads(params, X, Y):
    """Σ_b bptt_grads on sequence b alone: the single sweep's arithmetic without the batch in the products."""
    total = {k: np.zeros_like(v) for k, v in params.items()}
    loss = 0.0
    for b in range(X.shape[1]):
        lb, gb = bptt_grads(params, X[:, b:b + 1], Y[:, b:b + 1])
        loss += lb
        for k in total:
            total[k] += gb[k]
    return loss, total


FORMS = {"single sweep": bptt_grads, "double sum": double_sum_grads, "per example": per_example_grads}


def time_backward_forms(lengths, B=8, n=32, m=4, q=4, repeats=7, seed=0):
    """CPU seconds per call (best of ``repeats``) of each backward form in :data:`FORMS`, for each T in ``lengths``.

    Returns {"single sweep": [...], "double sum": [...], "per example": [...]}. CPU time of this
    process, not wall time, so other jobs on a shared machine do not inflate it; meaningful with a
    single-threaded BLAS (see :func:`measure_backward_forms`).
    """
    rng = np.random.default_rng(seed)
    params = init_params(m, n, q, seed=seed, spectral_radius=0.9)
    out = {name: [] for name in FORMS}
    for T in lengths:
        X, Y = rng.normal(size=(T, B, m)), rng.integers(0, q, size=(T, B))
        for name, fn in FORMS.items():
            fn(params, X, Y)                                     # warm-up
            best = np.inf
            for _ in range(repeats):
                t0 = time.process_time()
                fn(params, X, Y)
                best = min(best, time.process_time() - t0)
            out[name].append(best)
    return out


def fitted_slope(lengths, secs):
    """Slope of log(time) against log(T), fitted on the longer half of the lengths (the exponent of T)."""
    lengths, secs = np.asarray(lengths, dtype=float), np.asarray(secs, dtype=float)
    half = len(lengths) // 2
    return float(np.polyfit(np.log(lengths[half:]), np.log(secs[half:]), 1)[0])


def measure_backward_forms(lengths, B=8, n=32, m=4, q=4, repeats=7, seed=0):
    """:func:`time_backward_forms` run in a fresh Python with a single-threaded BLAS (OPENBLAS/OMP/MKL_NUM_THREADS=1).

    A BLAS that spreads one product over several threads (and spins while it waits) makes CPU
    times meaningless; the thread count can only be set before NumPy is loaded, hence the subprocess.
    """
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    code = ("import json; from bptt.viz.backward_cost import time_backward_forms; "
            f"print(json.dumps(time_backward_forms({list(lengths)!r}, {B}, {n}, {m}, {q}, {repeats}, {seed})))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def draw_cost(fig, lengths, times):
    """Log-log plot of the measured time of the two forms against T, with the slope fitted on the longer half of the lengths."""
    fig.clear()
    ax = fig.add_subplot()
    lengths = np.asarray(lengths, dtype=float)
    shown = {"single sweep": t("single sweep"), "double sum": t("double sum")}
    for name, marker in (("single sweep", "o"), ("double sum", "s")):
        secs = 1e3 * np.asarray(times[name])
        slope = fitted_slope(lengths, secs)
        ax.loglog(lengths, secs, marker + "-",
                  label=t("{name}: slope {slope:.2f}").format(name=shown[name], slope=slope))
    r1, r2 = 1e3 * times["single sweep"][0], 1e3 * times["double sum"][0]
    ax.loglog(lengths, r1 * lengths / lengths[0], ":", color="0.5", label=t("slope 1 ($\\propto T$)"))
    ax.loglog(lengths, r2 * (lengths / lengths[0]) ** 2, "--", color="0.5", label=t("slope 2 ($\\propto T^2$)"))
    ax.set_xticks(lengths, [f"{x:g}" for x in lengths])
    ax.minorticks_off()
    ax.set_xlabel(t("sequence length $T$"))
    ax.set_ylabel(t("CPU time per call (ms)"))
    ax.legend(fontsize=9)
    ax.set_title(t("measured while this page was built (one BLAS thread, best of several runs)"), fontsize=10)
