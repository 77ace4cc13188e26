"""Reference solutions of the practice exercises, written like the maths.

Code uses rows: x_t is X[t-1] (B, m), h_t is H[t] (H[0] = h_0), so
W_hx x_t becomes X[t-1] @ W_hx.T. Losses are summed over batch and time.
"""
import numpy as np

from ..elman import forward
from ..losses import softmax_cross_entropy


def ordered_backward(A, e):
    """All ordered derivatives ∂⁺E/∂z_i in one backward sweep.

    A (N, N): A[j, i] = ∂z_j/∂z_i (strictly lower-triangular);
    e (N,): e[i] = ∂E/∂z_i. Returns grad (N,), grad[i] = ∂⁺E/∂z_i.
    """
    N = len(e)
    grad = np.zeros(N)
    for i in range(N - 1, -1, -1):            # z_N first
        # ∂⁺E/∂z_i = ∂E/∂z_i + Σ_{j>i} ∂⁺E/∂z_j ∂z_j/∂z_i
        grad[i] = e[i] + grad[i + 1:] @ A[i + 1:, i]
    return grad


def output_error(o, y):
    """ℓ_t summed over the batch, and ∂ℓ_t/∂o_t = ŷ_t − y_t (B, q)."""
    ell, y_hat = softmax_cross_entropy(o, y)
    y_hat[np.arange(len(y)), y] -= 1.0        # ŷ_t − y_t (one-hot y_t)
    return float(ell.sum()), y_hat


def elman_bptt(params, X, Y, h0=None):
    """Loss and gradients of the Elman network (tanh) by BPTT.

    X (T, B, m), Y (T, B) integer targets, h0 (B, n) or None (zeros).
    Returns (loss, grads), grads keyed like params.
    """
    W_hh, W_qh = params["W_hh"], params["W_qh"]
    T = X.shape[0]
    H, O = forward(params, X, h0)   # bptt.forward: H[t] = h_t, O[t-1] = o_t
    loss = 0.0
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    carry = np.zeros_like(H[0])               # W_hhᵀ δ_{t+1}, 0 at t = T
    for t in range(T, 0, -1):
        loss_t, dO = output_error(O[t - 1], Y[t - 1])   # ∂L/∂o_t
        loss += loss_t
        # δ_t = (1 − h_t²) ⊙ (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1})
        delta = (1 - H[t] ** 2) * (dO @ W_qh + carry)
        grads["W_hx"] += delta.T @ X[t - 1]   # Σ_t δ_t x_tᵀ
        grads["W_hh"] += delta.T @ H[t - 1]   # Σ_t δ_t h_{t-1}ᵀ
        grads["b_h"] += delta.sum(axis=0)
        grads["W_qh"] += dO.T @ H[t]          # Σ_t ∂L/∂o_t h_tᵀ
        grads["b_q"] += dO.sum(axis=0)
        carry = delta @ W_hh                  # W_hhᵀ δ_t, in rows
    return loss, grads


def rtrl_step(params, h_prev, P_prev, x, y):
    """One step of real-time recurrent learning (tanh).

    h_prev (B, n) = h_{t-1}; x (B, m) = x_t; y (B,) targets;
    P_prev[k][b, a, ...] = ∂⁺h_{t-1,a}/∂θ: W_hx (B, n, n, m),
    W_hh (B, n, n, n), b_h (B, n, n).
    Returns (h_t, P_t, ℓ_t, grads of ℓ_t).
    """
    W_hx, W_hh, b_h = params["W_hx"], params["W_hh"], params["b_h"]
    B, n = h_prev.shape
    h = np.tanh(x @ W_hx.T + h_prev @ W_hh.T + b_h)
    d = 1 - h ** 2                            # the diagonal of D_t
    eye = np.eye(n)
    # ∂z_{t,a}/∂θ_ij = [a = i] x_{t,j}, [a = i] h_{t-1,j}, [a = i]
    direct = {"W_hx": np.einsum("ai,bj->baij", eye, x),
              "W_hh": np.einsum("ai,bj->baij", eye, h_prev),
              "b_h": np.broadcast_to(eye, (B, n, n))}
    P = {}
    for k in ("W_hx", "W_hh", "b_h"):
        # P_t = D_t (W_hh P_{t-1} + ∂z_t/∂θ)
        W_P = np.einsum("ac,bc...->ba...", W_hh, P_prev[k])
        P[k] = np.einsum("ba,ba...->ba...", d, W_P + direct[k])
    o = h @ params["W_qh"].T + params["b_q"]
    loss, dO = output_error(o, y)             # ∂ℓ_t/∂o_t
    g = dO @ params["W_qh"]                   # ∂ℓ_t/∂h_t
    grads = {k: np.einsum("ba,ba...->...", g, P[k]) for k in P}
    grads["W_qh"] = dO.T @ h
    grads["b_q"] = dO.sum(axis=0)
    return h, P, loss, grads


def truncated_bptt(params, X, Y, tau, h0=None):
    """Chunked truncated BPTT: BPTT inside pieces of tau steps.

    The state is carried across a cut, the gradient is not.
    Shapes as elman_bptt; returns (loss, grads).
    """
    T = X.shape[0]
    h = h0
    loss = 0.0
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for s in range(0, T, tau):                # pieces of at most tau
        piece = slice(s, s + tau)
        loss_s, grads_s = elman_bptt(params, X[piece], Y[piece], h)
        loss += loss_s
        for k in grads:
            grads[k] += grads_s[k]
        H, _ = forward(params, X[piece], h)
        h = H[-1]                             # carried, as a constant
    return loss, grads


def clip_global_norm(grads, max_norm):
    """Rescale all gradients together to a global norm ≤ max_norm.

    grads: dict of arrays. Returns (clipped dict, norm before).
    """
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, float(norm)
