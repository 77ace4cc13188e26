"""The Elman network's forward pass.

    z_t = W_hx x_t + W_hh h_{t-1} + b_h,   h_t = f(z_t),   o_t = W_qh h_t + b_q

Layout (T, B, ·): time first, then batch, then features. Each row of X[t] is one x_tᵀ,
so the column-vector formulas above become row-vector products with transposed weights.

A state that leaves the float64 range (identity or ReLU with a large W_hh, say) raises
:class:`bptt.validate.FloatRangeError` naming the first step t whose h_t is not finite, unless
the caller asks for inf/NaN back with ``np.errstate(over="ignore", invalid="ignore")``.
"""
import numpy as np

from .activations import ACTIVATIONS, check_activation
from .params import dims_of, elman_shapes
from .validate import FloatRangeError, check_inputs, check_params, check_state, first_nonfinite, nonfinite_ignored


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
    Raises FloatRangeError (a FloatingPointError and a ValueError) naming the first step t whose
    h_t (or o_t) is not finite; inside ``np.errstate(over="ignore")`` the inf/NaN are returned.
    """
    params, X, h0 = check_elman(params, X, h0, activation)
    return _forward(params, X, h0, activation)


def _forward(p, X, h0, activation):
    """forward() without the argument checks (arguments already validated); overflow is still reported."""
    quiet = nonfinite_ignored()                   # read before the errstate below changes it
    with np.errstate(over="ignore", invalid="ignore"):
        H, O = _run(p, X, h0, activation)
    if not quiet and not (np.isfinite(H).all() and np.isfinite(O).all()):
        _check_range(p, H, O, activation)
    return H, O


def _run(p, X, h0, activation):
    """The recurrence itself."""
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


def _check_range(p, H, O, activation):
    """Raise FloatRangeError if a state h_t or a logit o_t is inf or NaN, naming the first such step."""
    t = first_nonfinite(H)
    if t is not None:
        b = int(np.argmax(~np.isfinite(H[t]).all(axis=-1)))
        try:
            rho = f"{float(np.max(np.abs(np.linalg.eigvals(p['W_hh'])))):.3g}"
        except np.linalg.LinAlgError:
            rho = "?"
        raise FloatRangeError(
            f"the forward pass left the float64 range: h_t is not finite from step t = {t} on "
            f"(sequence b = {b}; max |h_{t - 1}| = {np.max(np.abs(H[t - 1])):.3g}), with "
            f"activation={activation!r} and spectral radius ρ(W_hh) = {rho}. Use a smaller spectral "
            "radius of W_hh, a bounded activation such as 'tanh', or clip the gradients while "
            "training so the weights stay small; to get the inf/NaN back instead (to plot them), call "
            "inside np.errstate(over='ignore', invalid='ignore').")
    t = first_nonfinite(O)
    if t is not None:
        raise FloatRangeError(
            f"the forward pass left the float64 range: the logits o_t = W_qh h_t + b_q are not finite "
            f"from step t = {t + 1} on, although every h_t is finite (max |W_qh| = "
            f"{np.max(np.abs(p['W_qh'])):.3g}, max |b_q| = {np.max(np.abs(p['b_q'])):.3g}); scale "
            "W_qh or b_q down, or call inside np.errstate(over='ignore', invalid='ignore') to get "
            "the inf/NaN back.")
