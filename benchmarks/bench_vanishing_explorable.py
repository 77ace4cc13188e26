"""Time one update of the vanishing-gradient chapter's main explorable, as ratios measured in this run.

    OMP_NUM_THREADS=1 python benchmarks/bench_vanishing_explorable.py

At the default slider values (tanh, T = 100, n = 32, a batch of 8) it measures the median CPU time of
  compute  bptt.viz.vanishing.gradient_flow_data: parameters, inputs, forward pass, the backward
           sweep of vector-Jacobian products for ‖∂L_T/∂h_k‖ at every k, the singular values of
           J_t at a few steps;
  update   Explorable.render, exactly what the live widget calls when a slider moves:
           recompute + redraw into the reused figure + PNG encoding;
  floor    the float64 work the compute step cannot skip: T products h_{t-1} W_hhᵀ with tanh
           forward and T products g D_t W_hh back, nothing else;
and prints compute/floor (the overhead of the figure's data around the recurrence) and
update/compute (what drawing and encoding add). There is no pass or fail against milliseconds.
"""
import numpy as np
from timing import header, medians_ms

import bptt
from bptt.viz.vanishing import BATCH, DEFAULT, M_IN, N_HIDDEN, Q_OUT, gradient_flow_data, main_explorable


def explorable_floor(p, X):
    """The recurrence forward and the sweep of vector-Jacobian products back, for one setting."""
    H = np.zeros((X.shape[0] + 1, X.shape[1], p["W_hh"].shape[0]))
    XW = X @ p["W_hx"].T
    for t in range(1, len(H)):
        H[t] = np.tanh(XW[t - 1] + H[t - 1] @ p["W_hh"].T)
    g = np.ones_like(H[0])
    for t in range(len(H) - 1, 0, -1):
        g = (g * (1.0 - H[t] ** 2)) @ p["W_hh"]


def main():
    header("the vanishing chapter's main explorable at " + ", ".join(f"{k}={v}" for k, v in DEFAULT.items()))
    ex = main_explorable()
    params = bptt.init_params(M_IN, N_HIDDEN, Q_OUT, seed=0, singular_value=DEFAULT["sigma"])
    X = np.random.default_rng(0).normal(0.0, DEFAULT["scale"], size=(DEFAULT["T"], BATCH, M_IN))
    ms = medians_ms({"compute": lambda: gradient_flow_data(**DEFAULT), "update": lambda: ex.render(),
                     "floor": lambda: explorable_floor(params, X)}, repeats=21)
    print(f"compute {ms['compute']:.2f} ms, update {ms['update']:.2f} ms, floor {ms['floor']:.2f} ms (CPU medians)")
    print(f"ratio compute/floor {ms['compute'] / ms['floor']:.2f}; ratio update/compute {ms['update'] / ms['compute']:.1f}")


if __name__ == "__main__":
    main()
