"""SnAp-1, the sparse n-step approximation of RTRL with n = 1 (Menick et al. 2021).

RTRL's sensitivity P_t[a, i, ...] = ∂h_{t,a}/∂θ_{i...} has n entries for each parameter: one for
every unit a the parameter can reach. SnAp-1 keeps only the entries a parameter reaches in one
step, the unit it feeds (a = i), and drops the rest after every step:

    P̃_t = (D_t (W_hh P̃_{t-1} + ∂z_t/∂θ)) ⊙ M,   M[a, i, ...] = [a = i].

On the kept entries W_hh P̃_{t-1} reduces to its diagonal, so with S_t[i, ...] = P̃_t[i, i, ...]

    S_t = f'(z_t) ⊙ (diag(W_hh) ⊙ S_{t-1} + ∂z_{t,i}/∂θ_i...),

(the last term h_{t-1,j} for (W_hh)_{ij}, x_{t,j} for (W_hx)_{ij}, 1 for (b_h)_i): S has the
shape of the parameters, and a step costs O(n² + n m) like BPTT. The estimate (∂L_t/∂h_t)ᵀ P̃_t
is deterministic and biased: it ignores every path along which a parameter's effect leaves its
own unit. It is exact when no such path exists, for example when W_hh is diagonal, and at t = 1.
"""
from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS
from .elman import check_elman
from .rtrl import RECURRENT, check_carried, check_start, check_step, output_step, run_forward


class SnApState(NamedTuple):
    """h_{t-1} (B, n) and the kept sensitivities S (dict: W_hx (B, n, m), W_hh (B, n, n), b_h (B, n))."""

    h: np.ndarray
    S: dict


def snap1_init(params, B=1, h0=None):
    """The state before the first step: h_0 and S_0 = 0."""
    params, h0 = check_start(params, B, h0)
    return SnApState(h0, {k: np.zeros((len(h0),) + params[k].shape) for k in RECURRENT})


def _step(p, state, x, y, activation, w):
    """snap1_step() without the checks."""
    f, _, df_from_h = ACTIVATIONS[activation]
    h_prev, S = state
    h = f(x @ p["W_hx"].T + h_prev @ p["W_hh"].T + p["b_h"])        # h_t = f(z_t)
    d = df_from_h(h)[:, :, None]                                     # f'(z_{t,i}), (B, n, 1)
    w_ii = np.diag(p["W_hh"])[None, :, None]                          # (W_hh)_{ii}: the only kept path
    S = {"W_hx": d * (w_ii * S["W_hx"] + x[:, None, :]),
         "W_hh": d * (w_ii * S["W_hh"] + h_prev[:, None, :]),
         "b_h": d[:, :, 0] * (w_ii[:, :, 0] * S["b_h"] + 1.0)}
    loss, g, grads = output_step(p, h, y, w)                        # g = ∂L_t/∂h_t
    grads["W_hx"] = np.einsum("bi,bij->ij", g, S["W_hx"])             # Σ_b g_{b,i} S[b, i, j]
    grads["W_hh"] = np.einsum("bi,bij->ij", g, S["W_hh"])
    grads["b_h"] = np.sum(g * S["b_h"], axis=0)
    return SnApState(h, S), loss, grads


def snap1_step(params, state, x, y, activation="tanh", weight=1.0):
    """One SnAp-1 step on a stream: (new state, L_t, SnAp-1 estimate of the gradient of L_t).

    Arguments as :func:`bptt.rtrl.rtrl_step`, with a :class:`SnApState` from :func:`snap1_init`.
    """
    if not isinstance(state, SnApState):
        raise TypeError(f"state must be a SnApState from snap1_init or snap1_step, got {type(state).__name__}")
    params, x, h, y, w = check_step(params, state.h, x, y, activation, weight)
    check_carried(state.S, "state.S", {k: ((len(h),) + params[k].shape, f"(B,) + shape of {k}") for k in RECURRENT})
    return _step(params, SnApState(h, state.S), x, y, activation, w)


def snap1_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """Loss and SnAp-1's approximate gradients, with the contract of :func:`bptt.bptt_grads`."""
    params, X, h0 = check_elman(params, X, h0, activation)
    return run_forward(_step, params, snap1_init(params, X.shape[1], h0), X, Y, activation, weights)
