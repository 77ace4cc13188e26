"""Real-time recurrent learning (Williams and Zipser 1989): the gradient carried forward in time.

For each recurrent parameter θ ∈ {W_hx, W_hh, b_h} RTRL carries the sensitivity P_t = ∂⁺h_t/∂θ,

    P_t = D_t (W_hh P_{t-1} + ∂z_t/∂θ),   P_0 = 0,   D_t = diag(f'(z_t)),
    ∂z_{t,a}/∂(W_hh)_{ij} = [a = i] h_{t-1,j},  ∂z_{t,a}/∂(W_hx)_{ij} = [a = i] x_{t,j},  ∂z_{t,a}/∂(b_h)_i = [a = i],

and turns it into the gradient of the loss at step t as soon as that loss is seen:

    ∂L_t/∂θ = (∂L_t/∂h_t)ᵀ P_t,   ∂L_t/∂h_t = W_qhᵀ w_t (ŷ_t − e_{y_t}),
    ∂L_t/∂W_qh = w_t (ŷ_t − e_{y_t}) h_tᵀ,   ∂L_t/∂b_q = w_t (ŷ_t − e_{y_t}).

Layout (rows, as everywhere in the code): for sequence b of the batch,
P["W_hh"][b, a, i, j] = ∂h_{t,a}/∂(W_hh)_{ij}: (B, n, n, n); P["W_hx"]: (B, n, n, m); P["b_h"]: (B, n, n).
Memory per sequence: n (n² + n m + n) numbers whatever T; time per step O(n⁴ + n³ m).
"""
from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS
from .elman import check_elman
from .losses import softmax_cross_entropy
from .validate import as_real_array, check_positive_int, check_state, check_targets, check_weights, expect_shape

RECURRENT = ("W_hx", "W_hh", "b_h")


class RTRLState(NamedTuple):
    """What RTRL carries from one step to the next: h_{t-1} (B, n) and P_{t-1} (dict, shapes above)."""

    h: np.ndarray
    P: dict


def rtrl_init(params, B=1, h0=None):
    """The state before the first step: h_0 ((B, n), zeros unless given) and P_0 = 0."""
    params, h0 = check_start(params, B, h0)
    n, m = params["W_hx"].shape
    return RTRLState(h0, {"W_hx": np.zeros((len(h0), n, n, m)), "W_hh": np.zeros((len(h0), n, n, n)),
                          "b_h": np.zeros((len(h0), n, n))})


def check_start(params, B, h0):
    """Validate params, the batch size B and h0 (B, n) or None; return (params, h0 as float64)."""
    B = check_positive_int(B, "B")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like bptt.init_params returns, got {type(params).__name__}")
    if np.ndim(params.get("W_hx")) != 2:
        raise ValueError(f"params['W_hx'] must be a matrix of shape (n, m), got {np.shape(params.get('W_hx'))}")
    params, _, h0 = check_elman(params, np.zeros((1, B, np.shape(params["W_hx"])[1])), h0)
    return params, h0


def output_step(p, h, y, w):
    """The output layer at one step, shared by RTRL and its approximations.

    h: (B, n) hidden state h_t, y: (B,) targets, w: the loss weight w_t.
    Returns (L_t (float), ∂L_t/∂h_t (B, n), {W_qh: (q, n), b_q: (q,)}).
    """
    o = h @ p["W_qh"].T + p["b_q"]                       # o_t = W_qh h_t + b_q
    ell, y_hat = softmax_cross_entropy(o, y)
    dO = y_hat
    dO[np.arange(len(y)), y] -= 1.0                      # ∂L_t/∂o_t = w_t (ŷ_t − e_{y_t})
    dO *= w
    return w * float(ell.sum()), dO @ p["W_qh"], {"W_qh": dO.T @ h, "b_q": dO.sum(axis=0)}


def propagate(W_hh, P, d, direct):
    """One sensitivity step P_t = D_t (W_hh P_{t-1} + ∂z_t/∂θ).

    P: (B, n, n, ...), the old P[b, a, i, ...] of one parameter;
    d: (B, n), the diagonal f'(z_t) of D_t;
    direct: (B, k), ∂z_{t,a}/∂θ_ij = [a = i] direct[b, j]
      (h_{t-1} for W_hh, x_t for W_hx), or None for the bias
      (∂z_{t,a}/∂(b_h)_i = [a = i]).
    Returns the new P, same shape.
    """
    B, n = d.shape
    # Σ_c (W_hh)_ac P_{t-1}[c, i, ...]: one matrix product per sequence
    new = (W_hh @ P.reshape(B, n, -1)).reshape(P.shape)
    # + ∂z_t/∂θ: nonzero only where a = i
    diag = np.arange(n)
    new[:, diag, diag] += 1.0 if direct is None else direct[:, None, :]
    # D_t: row a times f'(z_{t,a})
    new *= d.reshape((B, n) + (1,) * (P.ndim - 2))
    return new


def _step(p, state, x, y, activation, w):
    """rtrl_step() without the checks."""
    f, _, df_from_h = ACTIVATIONS[activation]
    h_prev, P = state
    # h_t = f(z_t); x holds x_t as rows, so W_hx x_t is x @ W_hx.T
    h = f(x @ p["W_hx"].T + h_prev @ p["W_hh"].T + p["b_h"])
    d = df_from_h(h)                                   # f'(z_t)
    P = {"W_hx": propagate(p["W_hh"], P["W_hx"], d, x),
         "W_hh": propagate(p["W_hh"], P["W_hh"], d, h_prev),
         "b_h": propagate(p["W_hh"], P["b_h"], d, None)}
    loss, g, grads = output_step(p, h, y, w)           # g = ∂L_t/∂h_t
    # ∂⁺L_t/∂θ = Σ_b Σ_a g[b, a] P[b, a, ...], one matrix product each
    B, n = g.shape
    for k in RECURRENT:
        gP = g.reshape(1, B * n) @ P[k].reshape(B * n, -1)
        grads[k] = gP.reshape(P[k].shape[2:])
    return RTRLState(h, P), loss, grads


def check_step(params, h, x, y, activation, weight):
    """Validate one streaming step's arguments; return (params, x (B, m), h (B, n), y (B,), w_t)."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like bptt.init_params returns, got {type(params).__name__}")
    x = as_real_array(x, "x", ndim=2)
    params, X, _ = check_elman(params, x[None], None, activation)
    B, n = x.shape[0], params["W_hh"].shape[0]
    h = check_state(as_real_array(h, "state.h"), B, n, name="state.h")
    y = check_targets(np.asarray(y)[None], 1, B, params["W_qh"].shape[0])[0]
    return params, X[0], h, y, float(as_real_array(weight, "weight", ndim=0))


def check_carried(arrays, name, shapes):
    """A carried dict of arrays (sensitivities, θ̃, ...) with exactly the keys and shapes {key: (shape, spelled)}."""
    if not isinstance(arrays, dict) or set(arrays) != set(shapes):
        got = sorted(arrays) if isinstance(arrays, dict) else type(arrays).__name__
        raise ValueError(f"{name} must be a dict with the keys {sorted(shapes)}, got {got}")
    for k, (shape, dims) in shapes.items():
        expect_shape(as_real_array(arrays[k], f"{name}[{k!r}]"), shape, f"{name}[{k!r}]", dims)


def rtrl_step(params, state, x, y, activation="tanh", weight=1.0):
    """One step of RTRL on a stream: advance the state and return the gradient of L_t = w_t ℓ_t.

    state: an :class:`RTRLState` (from :func:`rtrl_init` or a previous step); x: (B, m) the input
    x_t; y: (B,) integer targets; weight: w_t. Returns (new state, L_t (float), grads of L_t),
    grads a dict with the keys of params. The sensitivities use the parameters given at each
    step, so if the caller changes them between steps the gradient is RTRL's online approximation.
    """
    if not isinstance(state, RTRLState):
        raise TypeError(f"state must be an RTRLState from rtrl_init or rtrl_step, got {type(state).__name__}")
    params, x, h, y, w = check_step(params, state.h, x, y, activation, weight)
    B, (n, m) = x.shape[0], params["W_hx"].shape
    check_carried(state.P, "state.P", {"W_hx": ((B, n, n, m), "(B, n, n, m)"), "W_hh": ((B, n, n, n), "(B, n, n, n)"),
                                       "b_h": ((B, n, n), "(B, n, n)")})
    return _step(params, RTRLState(h, state.P), x, y, activation, w)


def rtrl_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """Loss and gradients of the Elman network by real-time recurrent learning.

    Same arguments and result as :func:`bptt.bptt_grads`: X (T, B, m), Y (T, B) integer targets,
    h0 (B, n) or None, weights (T,) or None. Returns (loss, grads). Nothing of size T is stored:
    the only loop is over time, and the working memory is that of one state.
    """
    params, X, h0 = check_elman(params, X, h0, activation)
    return run_forward(_step, params, rtrl_init(params, X.shape[1], h0), X, Y, activation, weights)


def run_forward(step, params, state, X, Y, activation, weights):
    """Sum the per-step (L_t, grads of L_t) of a forward-mode ``step`` over a whole sequence.

    step(params, state, x_t, y_t, activation, w_t) -> (state, L_t, grads); params and X checked
    already. Returns (loss, grads) with the contract of :func:`bptt.bptt_grads`.
    """
    T, B, _ = X.shape
    Y = check_targets(Y, T, B, params["W_qh"].shape[0])
    w = check_weights(weights, T)
    loss, grads = 0.0, {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(T):
        state, loss_t, g = step(params, state, X[t], Y[t], activation, w[t])
        loss += loss_t
        for k in grads:
            grads[k] += g[k]
    return loss, grads
