"""The Elman network's forward pass.

    z_t = W_hx x_t + W_hh h_{t-1} + b_h,   h_t = f(z_t),   o_t = W_qh h_t + b_q

Layout (T, B, ·): time first, then batch, then features. Each row of X[t] is one x_tᵀ,
so the column-vector formulas above become row-vector products with transposed weights.
"""
import numpy as np

from .activations import ACTIVATIONS, check_activation
from .params import dims_of, elman_shapes
from .validate import check_inputs, check_params, check_state


def check_elman(params, X, h0=None, activation="tanh"):
    """Validate the arguments of the Elman routines; return (params, X, h0) as float64 arrays."""
    check_activation(activation)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like bptt.init_params returns, got {type(params).__name__}")
    for key, dims in (("W_hx", "(n, m)"), ("W_qh", "(q, n)")):
        if np.ndim(params.get(key)) != 2:
            raise ValueError(f"params[{key!r}] must be a matrix of shape {dims}, got {np.shape(params.get(key))}")
    params = check_params(params, elman_shapes(*dims_of(params)))
    X = check_inputs(X, params["W_hx"].shape[1])
    return params, X, check_state(h0, X.shape[1], params["W_hh"].shape[0])


def forward(params, X, h0=None, activation="tanh"):
    """Run the network over a batch of sequences.

    params: dict from :func:`bptt.init_params`; X: (T, B, m); h0: (B, n) or None (zeros).
    Returns H: (T+1, B, n) with H[0] = h0 and H[t] = h_t, and the logits O: (T, B, q).
    """
    params, X, h0 = check_elman(params, X, h0, activation)
    return _forward(params, X, h0, activation)


def _forward(p, X, h0, activation):
    """forward() without the checks (arguments already validated)."""
    f = ACTIVATIONS[activation][0]
    T, B, m = X.shape
    n = p["W_hh"].shape[0]
    # the input projection of every step at once: (T*B, m) @ (m, n)
    XW = (X.reshape(T * B, m) @ p["W_hx"].T + p["b_h"]).reshape(T, B, n)
    H = np.empty((T + 1, B, n))
    H[0] = h0
    W_hh_T = p["W_hh"].T
    z = np.empty((B, n))
    for t in range(1, T + 1):
        np.matmul(H[t - 1], W_hh_T, out=z)
        z += XW[t - 1]                       # z_t = W_hx x_t + W_hh h_{t-1} + b_h
        H[t] = f(z)                          # h_t = f(z_t)
    O = (H[1:].reshape(T * B, n) @ p["W_qh"].T + p["b_q"]).reshape(T, B, -1)  # o_t = W_qh h_t + b_q
    return H, O
