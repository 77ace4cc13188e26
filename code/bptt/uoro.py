"""Unbiased online recurrent optimisation, UORO (Tallec and Ollivier 2017): RTRL in rank one.

RTRL's sensitivity obeys P_t = J_t P_{t-1} + F_t with J_t = D_t W_hh (n × n) and the direct
part F_t = D_t ∂z_t/∂θ (n × |θ|). UORO keeps, per sequence, only two vectors h̃_t (n) and
θ̃_t (|θ|, shaped like the parameters) whose outer product P̃_t = h̃_t θ̃_tᵀ is an unbiased
estimate of P_t. With fresh random signs ν ∈ {−1, +1}ⁿ at every step (E[ν] = 0, E[ν νᵀ] = I)
and any positive β_0, β_1 that do not depend on ν,

    h̃_t = β_0 J_t h̃_{t-1} + β_1 ν,         θ̃_t = θ̃_{t-1} / β_0 + (νᵀ F_t) / β_1,

so that h̃_t θ̃_tᵀ = J_t h̃_{t-1} θ̃_{t-1}ᵀ + ν νᵀ F_t + (two cross terms linear in ν),
whose expectation given the past is J_t P̃_{t-1} + F_t: by induction E[P̃_t] = P_t when the
parameters are held fixed. The variance is smallest for β_0 = √(‖θ̃_{t-1}‖ / ‖J_t h̃_{t-1}‖) and
β_1 = √(‖νᵀF_t‖ / ‖ν‖); with ν = ±1, ‖ν‖ = √n and ‖νᵀF_t‖ do not depend on the signs.

νᵀF_t is cheap: with s = ν ⊙ f'(z_t), it is s h_{t-1}ᵀ for W_hh, s x_tᵀ for W_hx and s for b_h.
The gradient estimate of L_t is (∂L_t/∂h_t · h̃_t) θ̃_t; every step costs O(n² + n m), like BPTT.
"""
from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS
from .elman import check_elman
from .rtrl import RECURRENT, check_carried, check_start, check_step, output_step, run_forward
from .validate import as_real_array, check_positive_int, check_targets, check_weights, expect_shape

EPS = 1e-7   # keeps β_0 and β_1 positive and finite when a norm is zero (e.g. at the first step)


class UOROState(NamedTuple):
    """h_{t-1} (B, n), h̃ (B, n), θ̃ (dict: W_hx (B, n, m), W_hh (B, n, n), b_h (B, n)) and the sign generator."""

    h: np.ndarray
    h_tilde: np.ndarray
    theta_tilde: dict
    rng: np.random.Generator


def uoro_init(params, B=1, h0=None, seed=None):
    """The state before the first step: h_0, h̃_0 = 0, θ̃_0 = 0, and a generator for the signs ν."""
    params, h0 = check_start(params, B, h0)
    if isinstance(seed, bool) or not (seed is None or isinstance(seed, (int, np.integer, np.random.Generator))):
        raise TypeError(f"seed must be None, an integer or a numpy Generator, got {seed!r}")
    B = len(h0)
    return UOROState(h0, np.zeros_like(h0), {k: np.zeros((B,) + params[k].shape) for k in RECURRENT},
                     np.random.default_rng(seed))


def _norm(a):
    """Euclidean norm of each sequence's slice: (B, ...) -> (B,)."""
    return np.sqrt(np.sum(a.reshape(len(a), -1) ** 2, axis=1))


def _advance(p, state, x, activation):
    """One UORO update of (h, h̃, θ̃) without the loss: the new state."""
    f, _, df_from_h = ACTIVATIONS[activation]
    h_prev, h_tilde, theta_tilde, rng = state
    B, n = h_prev.shape
    h = f(x @ p["W_hx"].T + h_prev @ p["W_hh"].T + p["b_h"])        # h_t = f(z_t)
    d = df_from_h(h)                                                  # f'(z_t)
    nu = rng.choice([-1.0, 1.0], size=(B, n))                         # random signs ν
    s = nu * d                                                        # νᵀ D_t, as a row
    nuF = {"W_hx": s[:, :, None] * x[:, None, :],                     # νᵀ F_t, shaped like each parameter
           "W_hh": s[:, :, None] * h_prev[:, None, :],
           "b_h": s}
    Jh = d * (h_tilde @ p["W_hh"].T)                                  # J_t h̃_{t-1} = D_t W_hh h̃_{t-1}
    theta_norm = np.sqrt(sum(_norm(theta_tilde[k]) ** 2 for k in RECURRENT))
    nuF_norm = np.sqrt(sum(_norm(nuF[k]) ** 2 for k in RECURRENT))
    beta0 = np.sqrt(theta_norm / (_norm(Jh) + EPS)) + EPS              # (B,)
    beta1 = np.sqrt(nuF_norm / np.sqrt(n)) + EPS                       # ‖ν‖ = √n
    h_tilde = beta0[:, None] * Jh + beta1[:, None] * nu                 # h̃_t = β_0 J_t h̃_{t-1} + β_1 ν
    theta_tilde = {k: theta_tilde[k] / _col(beta0, nuF[k]) + nuF[k] / _col(beta1, nuF[k])   # θ̃_t
                   for k in RECURRENT}
    return UOROState(h, h_tilde, theta_tilde, rng)


def _step(p, state, x, y, activation, w):
    """uoro_step() without the checks."""
    state = _advance(p, state, x, activation)
    loss, g, grads = output_step(p, state.h, y, w)                  # g = ∂L_t/∂h_t
    c = np.sum(g * state.h_tilde, axis=1)                             # ∂L_t/∂h_t · h̃_t, per sequence
    for k in RECURRENT:
        grads[k] = np.tensordot(c, state.theta_tilde[k], axes=(0, 0))   # Σ_b c_b θ̃_b
    return state, loss, grads


def _col(v, like):
    """v (B,) reshaped to broadcast against ``like`` (B, ...)."""
    return v.reshape((len(v),) + (1,) * (like.ndim - 1))


def uoro_step(params, state, x, y, activation="tanh", weight=1.0):
    """One UORO step on a stream: (new state, L_t, unbiased estimate of the gradient of L_t).

    Arguments as :func:`bptt.rtrl.rtrl_step`, with a :class:`UOROState` from :func:`uoro_init`.
    W_qh and b_q get their exact gradients; W_hx, W_hh and b_h the rank-one estimate.
    """
    if not isinstance(state, UOROState):
        raise TypeError(f"state must be a UOROState from uoro_init or uoro_step, got {type(state).__name__}")
    params, x, h, y, w = check_step(params, state.h, x, y, activation, weight)
    B = len(h)
    expect_shape(as_real_array(state.h_tilde, "state.h_tilde"), h.shape, "state.h_tilde", "(B, n)")
    check_carried(state.theta_tilde, "state.theta_tilde",
                  {k: ((B,) + params[k].shape, f"(B,) + shape of {k}") for k in RECURRENT})
    return _step(params, UOROState(h, state.h_tilde, state.theta_tilde, state.rng), x, y, activation, w)


def uoro_grads(params, X, Y, h0=None, activation="tanh", weights=None, seed=None):
    """Loss and UORO's unbiased estimate of the gradients, with the contract of :func:`bptt.bptt_grads`.

    seed: None, an integer or a Generator for the random signs. Every sequence of the batch
    draws its own signs, so a batch of B copies of one sequence averages B independent estimates.
    """
    params, X, h0 = check_elman(params, X, h0, activation)
    return run_forward(_step, params, uoro_init(params, X.shape[1], h0, seed), X, Y, activation, weights)


def uoro_samples(params, X, Y, K, h0=None, activation="tanh", weights=None, seed=None):
    """K independent UORO estimates of the recurrent parameters' gradients, in one batched run.

    Arguments as :func:`uoro_grads`; K >= 1 copies of the batch run side by side, each with its
    own signs. Returns {W_hx: (K, n, m), W_hh: (K, n, n), b_h: (K, n)}: sample k is what
    uoro_grads would return for one draw of the signs (the exact W_qh, b_q are left out).
    """
    K = check_positive_int(K, "K")
    params, X, h0 = check_elman(params, X, h0, activation)
    T, B, m = X.shape
    Y = check_targets(Y, T, B, params["W_qh"].shape[0])
    w = check_weights(weights, T)
    state = uoro_init(params, K * B, np.tile(h0, (K, 1)), seed)      # copy k holds rows k B .. k B + B − 1
    out = {k: np.zeros((K,) + params[k].shape) for k in RECURRENT}
    for t in range(T):
        state = _advance(params, state, np.tile(X[t], (K, 1)), activation)
        _, g, _ = output_step(params, state.h, np.tile(Y[t], K), w[t])
        c = np.sum(g * state.h_tilde, axis=1).reshape(K, B)
        for k in RECURRENT:
            out[k] += np.einsum("kb,kb...->k...", c, state.theta_tilde[k].reshape((K, B) + params[k].shape))
    return out
