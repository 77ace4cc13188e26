"""Known-wrong variants: the correct computation with exactly one catalogued change.

``mistake=None`` gives the correct result (the tests hold it to the library). ``form``
picks one of a mistake's equivalent spellings (a student may average the loss too, or not).
"""
import numpy as np

from ..elman import forward
from .solutions import output_error

#: how many forms each mistake has, when more than one
FORMS = {("ordered_backward", "missing_direct_term"): 2,
         ("elman_bptt", "transposed_gradient"): 3,
         ("elman_bptt", "first_step_dropped"): 2,
         ("clip_global_norm", "squared_norm"): 2}
TRANSPOSABLE = ("W_hh", "W_hx", "W_qh")


def ordered_backward(A, e, mistake=None, form=0):
    """∂⁺E/∂z (N,) from A (N, N), e (N,), with ``mistake``."""
    A, e = np.asarray(A, float), np.asarray(e, float)
    N = len(e)
    if mistake == "direct_partial_only":
        return e + A.T @ e                        # Σ_j e[j] A[j, i]
    if mistake == "transposed_A":
        return np.linalg.solve(np.eye(N) - A, e)  # g[i] = e[i] + Σ_j A[i, j] g[j]
    grad = np.zeros(N)
    order = range(N) if mistake == "forward_order" else range(N - 1, -1, -1)
    for i in order:
        direct = e[i]
        if mistake == "missing_direct_term" and (form == 1 or i < N - 1):
            direct = 0.0
        grad[i] = direct + grad[i + 1:] @ A[i + 1:, i]
    return grad


def elman_bptt(params, X, Y, h0=None, mistake=None, form=0):
    """(loss, grads) of the Elman network (tanh), with ``mistake``."""
    p = params
    W_hh, W_qh = p["W_hh"], p["W_qh"]
    T, B, _ = X.shape
    H, O = forward(p, X, h0)
    Z = X @ p["W_hx"].T + H[:-1] @ W_hh.T + p["b_h"]         # z_t
    loss = 0.0
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    delta_next = np.zeros_like(H[0])                          # δ_{t+1}
    for t in range(T, 0, -1):
        loss_t, dO = output_error(O[t - 1], Y[t - 1])
        loss += loss_t
        if mistake == "sign_flipped":
            dO = -dO                                          # y − ŷ
        if mistake == "one_path":
            back = 0.0
        elif mistake == "elementwise_recurrence":
            back = np.diag(W_hh) * delta_next
        else:
            back = delta_next @ W_hh                          # W_hhᵀ δ_{t+1}
        df = 1 - (Z[t - 1] if mistake == "derivative_from_z" else H[t]) ** 2
        delta = df * (dO @ W_qh + back)
        delta_next = delta
        if mistake == "first_step_dropped" and t == 1:
            if form == 0:
                break
            grads["W_qh"] += dO.T @ H[t]
            grads["b_q"] += dO.sum(axis=0)
            break
        h_in = H[t] if mistake == "h_index_off_by_one" else H[t - 1]
        if mistake == "h0_dropped" and t == 1:
            h_in = np.zeros_like(h_in)
        grads["W_hx"] += delta.T @ X[t - 1]
        grads["W_hh"] += delta.T @ h_in
        grads["b_h"] += delta.sum(axis=0)
        grads["W_qh"] += dO.T @ H[t]
        grads["b_q"] += dO.sum(axis=0)
    divide = {"batch_mean": B, "time_mean": T}.get(mistake, 1)
    if mistake == "transposed_gradient":
        key = TRANSPOSABLE[form]
        grads[key] = grads[key].T.copy()
    return loss / divide, {k: g / divide for k, g in grads.items()}


def truncated_bptt(params, X, Y, tau, h0=None, mistake=None, form=0):
    """(loss, grads) of chunked truncated BPTT, with ``mistake``."""
    if mistake == "not_detached":
        return elman_bptt(params, X, Y, h0)
    if mistake == "window_off_by_one":
        tau = tau + 1
    T = X.shape[0]
    h = h0
    loss, grads = 0.0, {k: np.zeros_like(v) for k, v in params.items()}
    for s in range(0, T, tau):
        piece = slice(s, s + tau)
        loss_s, grads_s = elman_bptt(params, X[piece], Y[piece], h)
        loss += loss_s
        for k in grads:
            grads[k] += grads_s[k]
        if mistake != "state_reset":
            h = forward(params, X[piece], h)[0][-1]
    return loss, grads


def clip_global_norm(grads, max_norm, mistake=None, form=0):
    """(clipped, norm) with ``mistake``."""
    grads = {k: np.asarray(g, float) for k, g in grads.items()}
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    if mistake == "per_tensor":
        return {k: g * min(1.0, max_norm / np.linalg.norm(g)) if np.any(g) else g
                for k, g in grads.items()}, norm
    if mistake == "elementwise":
        return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, norm
    if mistake == "squared_norm":
        if form == 1:                             # clips right, reports ‖g‖²
            return clip_global_norm(grads, max_norm)[0], norm ** 2
        norm = norm ** 2
    if mistake == "scales_up":
        scale = max_norm / norm if norm > 0 else 1.0
    else:
        scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, norm
