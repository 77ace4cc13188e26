"""How a gradient travels back in time: per-step Jacobians, their products, and the bound on them.

For the Elman network z_t = W_hx x_t + W_hh h_{t-1} + b_h, h_t = f(z_t), in column vectors:

    J_t = ∂h_t/∂h_{t-1} = D_t W_hh,   D_t = diag(f'(z_t))
    ∂h_T/∂h_k = J_T J_{T-1} ⋯ J_{k+1}                          (a matrix product, in this order)
    ∂L_T/∂h_{k-1} = J_kᵀ ∂L_T/∂h_k = W_hhᵀ (f'(z_k) ⊙ ∂L_T/∂h_k)  (one vector-Jacobian product a step)
    ‖∂h_T/∂h_k‖ ≤ (γ σ_max(W_hh))^{T-k},  γ = sup |f'|            (Pascanu, Mikolov and Bengio 2013)

Layout: a Jacobian is stored as J[t-1] = J_t of shape (B, n, n), one matrix per sequence, acting on
column vectors as in the text (J[t-1][b] @ v). Gradients are rows, as everywhere in the code:
g (B, n) holds one (∂L_T/∂h_k)ᵀ per row, so J_kᵀ g becomes g D_k W_hh.
"""
import numpy as np

from .activations import ACTIVATIONS, DERIVATIVE_BOUND, check_activation
from .backprop import backward
from .elman import _forward, check_elman
from .losses import softmax
from .validate import as_real_array, check_positive_int, expect_shape


def _check_states(params, H, activation):
    """Validate W_hh (n, n) and states H (T+1, B, n); return (W_hh, H) as float64."""
    check_activation(activation)
    W_hh = as_real_array(params.get("W_hh") if isinstance(params, dict) else None, "params['W_hh']", ndim=2)
    n = W_hh.shape[0]
    expect_shape(W_hh, (n, n), "params['W_hh']", "(n, n)")
    H = as_real_array(H, "H", ndim=3)
    if H.shape[0] < 2 or H.shape[2] != n:
        raise ValueError(f"H must have shape (T+1, B, n) with T >= 1 and n = {n}, got {H.shape}")
    return W_hh, H


def step_jacobians(params, H, activation="tanh"):
    """J_t = ∂h_t/∂h_{t-1} = D_t W_hh for t = 1..T.

    params: dict with W_hh (n, n); H: (T+1, B, n) states from :func:`bptt.forward`.
    Returns J: (T, B, n, n) with J[t-1] = J_t (row i of W_hh scaled by f'(z_t)_i).
    """
    W_hh, H = _check_states(params, H, activation)
    dF = ACTIVATIONS[activation][2](H[1:])          # f'(z_t) from the stored h_t, (T, B, n)
    return dF[..., :, None] * W_hh                  # D_t W_hh, not W_hhᵀ D_t and not W_hh D_t


def jacobian_products(J):
    """P[k] = ∂h_T/∂h_k = J_T J_{T-1} ⋯ J_{k+1} for k = 0..T, with P[T] = I.

    J: (T, B, n, n) from :func:`step_jacobians`. Returns P: (T+1, B, n, n).
    Costs T matrix-matrix products per sequence (O(T n³)); when only ‖∂L_T/∂h_k‖ is wanted,
    :func:`backward_norms` does the same with vector-Jacobian products (O(T n²)).
    """
    J = as_real_array(J, "J", ndim=4)
    T, B, n, n2 = J.shape
    if n != n2:
        raise ValueError(f"J must have shape (T, B, n, n), got {J.shape}")
    P = np.empty((T + 1, B, n, n))
    P[T] = np.eye(n)
    for k in range(T - 1, -1, -1):
        np.matmul(P[k + 1], J[k], out=P[k])         # ∂h_T/∂h_k = ∂h_T/∂h_{k+1} J_{k+1}
    return P


def safe_norm(G, axis=-1):
    """Euclidean norm along ``axis`` without overflow in the squares (values up to ~1e308 are fine)."""
    G = np.asarray(G, dtype=float)
    scale = np.max(np.abs(G), axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(scale > 0, G / scale, 0.0)
    return np.squeeze(scale, axis=axis) * np.sqrt(np.sum(unit * unit, axis=axis))


def last_loss_grad(params, H, y):
    """∂L_T/∂h_T = W_qhᵀ (softmax(o_T) − e_{y_T}) for the cross-entropy L_T of the last step alone.

    params: dict with W_qh (q, n), b_q (q,); H: (T+1, B, n); y: (B,) integer targets in 0..q-1.
    Returns (B, n), one (∂L_T/∂h_T)ᵀ per row.
    """
    W_qh, b_q = np.asarray(params["W_qh"], dtype=float), np.asarray(params["b_q"], dtype=float)
    H = np.asarray(H, dtype=float)
    y = np.asarray(y)
    if y.shape != (H.shape[1],) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(b_q):
        raise ValueError(f"y must hold B = {H.shape[1]} integer targets in 0..{len(b_q) - 1}, got shape {y.shape}")
    dO = softmax(H[-1] @ W_qh.T + b_q)              # ŷ_T, then ŷ_T − e_{y_T}
    dO[np.arange(len(y)), y] -= 1.0
    return dO @ W_qh


def backward_norms(params, H, g, activation="tanh"):
    """‖∂L_T/∂h_k‖ for every k = 0..T in one backward sweep of vector-Jacobian products.

    params: dict with W_hh (n, n); H: (T+1, B, n) states; g: (B, n), one (∂L_T/∂h_T)ᵀ per row.
    Returns N: (T+1, B) with N[k, b] = ‖∂L_T/∂h_k‖ for sequence b (so lag T − k is N[::-1]).
    No Jacobian is formed: each step is g ← W_hhᵀ (f'(z_k) ⊙ g), O(B n²). Values that overflow
    float64 come out inf or NaN (the caller decides how to show them; see bptt.viz.plot_lag_norms).
    """
    W_hh, H = _check_states(params, H, activation)
    g = as_real_array(g, "g", ndim=2)
    expect_shape(g, H.shape[1:], "g", "(B, n)")
    return _backward_norms(W_hh, H, g, activation)


def _backward_norms(W_hh, H, g, activation):
    """backward_norms() without the checks; H may hold inf or NaN after an overflow."""
    T = H.shape[0] - 1
    with np.errstate(over="ignore", invalid="ignore"):
        dF = ACTIVATIONS[activation][2](H[1:])
        G = np.empty((T + 1,) + g.shape)
        G[T] = g
        for k in range(T, 0, -1):
            np.matmul(G[k] * dF[k - 1], W_hh, out=G[k - 1])   # (J_kᵀ g)ᵀ = gᵀ D_k W_hh
        return safe_norm(G, axis=-1)


def lag_norms(params, X, y, h0=None, activation="tanh"):
    """Forward pass, then ‖∂L_T/∂h_k‖ for k = 0..T (L_T: cross-entropy of the last step).

    X: (T, B, m); y: (B,) targets of the last step; h0: (B, n) or None.
    Returns (N, H): N (T+1, B) as in :func:`backward_norms`, H (T+1, B, n) the states.
    Floating-point overflow is allowed to happen (inf/NaN in the result) and is not warned about.
    """
    params, X, h0 = check_elman(params, X, h0, activation)
    with np.errstate(over="ignore", invalid="ignore"):
        H, _ = _forward(params, X, h0, activation)
        g = last_loss_grad(params, H, y)
        return _backward_norms(params["W_hh"], H, g, activation), H


def lag_profile(params, X, y, h0=None, activation="tanh"):
    """The curve of the book's lag figures: rms over the batch of ‖∂L_T/∂h_{T-lag}‖ for lag = 0..T.

    Arguments as :func:`lag_norms`. Returns (T+1,) indexed by the lag (entry 0 is ‖∂L_T/∂h_T‖);
    inf or NaN where float64 overflowed, 0 where it underflowed.
    """
    N, _ = lag_norms(params, X, y, h0, activation)
    return safe_norm(N, axis=1)[::-1] / np.sqrt(N.shape[1])


def step_singular_values(params, H, activation="tanh", steps=None):
    """Singular values of J_t = D_t W_hh, largest first, at the given steps t (1..T; default all).

    H: (T+1, B, n). Returns S: (len(steps), B, n); NaN where J_t is not finite (after an overflow).
    """
    check_activation(activation)
    W_hh = np.asarray(params["W_hh"], dtype=float)
    T = np.shape(H)[0] - 1
    steps = np.arange(1, T + 1) if steps is None else np.asarray(steps)
    if steps.size and (steps.min() < 1 or steps.max() > T):
        raise ValueError(f"steps must lie in 1..T = 1..{T}, got {steps.min()}..{steps.max()}")
    J = ACTIVATIONS[activation][2](np.asarray(H, dtype=float)[steps])[..., :, None] * W_hh
    ok = np.all(np.isfinite(J), axis=(-2, -1))
    S = np.full(J.shape[:-1], np.nan)
    S[ok] = np.linalg.svd(J[ok], compute_uv=False)
    return S


def bound_rate(W_hh, activation="tanh"):
    """γ σ_max(W_hh): the factor per step in the bound ‖∂h_T/∂h_k‖ ≤ (γ σ_max)^{T-k}."""
    W_hh = as_real_array(W_hh, "W_hh", ndim=2)
    return DERIVATIVE_BOUND[check_activation(activation)] * float(np.linalg.norm(W_hh, 2))


def pascanu_bound(W_hh, lags, activation="tanh"):
    """(γ σ_max(W_hh))^lag for each lag: lags (L,) integers >= 0 -> (L,) floats (inf beyond float range)."""
    lags = np.asarray(lags)
    if lags.ndim != 1 or not np.issubdtype(lags.dtype, np.integer) or (lags.size and lags.min() < 0):
        raise ValueError(f"lags must be a 1-d array of integers >= 0, got {lags!r}")
    with np.errstate(over="ignore"):
        return bound_rate(W_hh, activation) ** lags.astype(float)


def lag_contributions(params, X, Y, h0=None, activation="tanh", weights=None):
    """∂L/∂W_hh split by lag: G[l] = Σ_t δ_{t,t-l} h_{t-l-1}ᵀ, so that Σ_l G[l] = ∂L/∂W_hh.

    δ_{t,k} = ∂⁺L_t/∂z_k is the error the loss of step t sends back to step k; lag l = t − k.
    Arguments as :func:`bptt.backward`. Returns G: (T, n, n), G[l] for l = 0..T-1.
    All losses travel back together: A[i] holds δ_{i+1+l, i+1} for every i at once.
    """
    out = backward(params, X, Y, h0, activation, weights)
    W_hh, W_qh = (np.asarray(params[k], dtype=float) for k in ("W_hh", "W_qh"))
    H = out["H"]
    T, B, n = out["delta"].shape
    dF = ACTIVATIONS[activation][2](H[1:])
    A = dF * (out["dO"] @ W_qh)                     # δ_{t,t} = f'(z_t) ⊙ W_qhᵀ ∂L_t/∂o_t, all t
    G = np.empty((T, n, n))
    for lag in range(T):
        G[lag] = A.reshape(-1, n).T @ H[: T - lag].reshape(-1, n)   # Σ_k δ_{k+lag,k} h_{k-1}ᵀ
        A = dF[: T - lag - 1] * (A[1:] @ W_hh)      # δ_{t,k} = f'(z_k) ⊙ W_hhᵀ δ_{t,k+1}
    return G


def lag_shares(G):
    """Each lag's share of the gradient: ‖G[l]‖_F / Σ_l' ‖G[l']‖_F. G: (T, n, n) -> (T,), sums to 1."""
    norms = safe_norm(as_real_array(G, "G", ndim=3).reshape(len(G), -1), axis=-1)
    total = norms.sum()
    return norms / total if total > 0 else norms


def linear_state_grads(W_hh, W_qh, dO):
    """Source 002's formula ∂L/∂h_t = Σ_{i=t}^{T} (W_hhᵀ)^{T-i} W_qhᵀ ∂L/∂o_{T+t-i}, term by term.

    Holds for the identity activation (f'(z) = 1), where ∂L/∂h_t = δ_t. W_hh: (n, n), W_qh: (q, n),
    dO: (T, B, q) with dO[t-1] = ∂L/∂o_t. Returns (T, B, n) with row t-1 = (∂L/∂h_t)ᵀ.
    """
    W_hh = as_real_array(W_hh, "W_hh", ndim=2)
    W_qh = as_real_array(W_qh, "W_qh", ndim=2)
    dO = as_real_array(dO, "dO", ndim=3)
    n, q = W_hh.shape[0], W_qh.shape[0]
    expect_shape(W_qh, (q, n), "W_qh", "(q, n)")
    T = check_positive_int(dO.shape[0], "T")
    expect_shape(dO, (T, dO.shape[1], q), "dO", "(T, B, q)")
    powers = [np.eye(n)]
    for _ in range(T - 1):
        powers.append(powers[-1] @ W_hh)            # W_hh^p; in rows (W_hhᵀ)^p u becomes uᵀ W_hh^p
    out = np.zeros((T, dO.shape[1], n))
    for t in range(1, T + 1):
        for i in range(t, T + 1):
            out[t - 1] += (dO[T + t - i - 1] @ W_qh) @ powers[T - i]
    return out
