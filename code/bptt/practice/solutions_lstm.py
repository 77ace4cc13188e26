"""Reference solution of the LSTM exercise, written like the maths.

Gates g = i, f, o, c: z^g_t = W_xg x_t + W_hg h_{t-1} + b_g; i_t, f_t,
o_t = σ(z^g_t), c̃_t = tanh(z^c_t); c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t,
h_t = o_t ⊙ tanh(c_t). Rows as in the library: x_t is X[t-1].
"""
import numpy as np

from ..activations import sigmoid
from .solutions import output_error

GATES = ("i", "f", "o", "c")


def lstm_run(p, X, h0=None, c0=None):
    """Forward pass: H, C (T+1, B, n) and the gates G[g] (T, B, n)."""
    T, B, _ = X.shape
    n = p["W_hi"].shape[0]
    H, C = np.zeros((T + 1, B, n)), np.zeros((T + 1, B, n))
    H[0] = 0.0 if h0 is None else h0
    C[0] = 0.0 if c0 is None else c0
    G = {g: np.zeros((T, B, n)) for g in GATES}
    for t in range(1, T + 1):
        for g in GATES:
            z = (X[t - 1] @ p[f"W_x{g}"].T + H[t - 1] @ p[f"W_h{g}"].T
                 + p[f"b_{g}"])
            G[g][t - 1] = np.tanh(z) if g == "c" else sigmoid(z)
        i, f, o, c_tilde = (G[g][t - 1] for g in GATES)
        C[t] = f * C[t - 1] + i * c_tilde
        H[t] = o * np.tanh(C[t])
    return H, C, G


def lstm_bptt(params, X, Y, h0=None, c0=None):
    """Loss and gradients of the LSTM by BPTT.

    X (T, B, m), Y (T, B) targets, h0, c0 (B, n) or None (zeros).
    Returns (loss, grads), grads keyed like params.
    """
    p = params
    T = X.shape[0]
    H, C, G = lstm_run(p, X, h0, c0)
    loss = 0.0
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_rec = np.zeros_like(H[0])      # Σ_g W_hgᵀ δ^g_{t+1}
    dc_next = np.zeros_like(C[0])     # f_{t+1} ⊙ ∂⁺L/∂c_{t+1}
    for t in range(T, 0, -1):
        i, f, o, c_tilde = (G[g][t - 1] for g in GATES)
        o_t = H[t] @ p["W_qh"].T + p["b_q"]
        loss_t, dO = output_error(o_t, Y[t - 1])
        loss += loss_t
        grads["W_qh"] += dO.T @ H[t]
        grads["b_q"] += dO.sum(axis=0)
        dh = dO @ p["W_qh"] + dh_rec              # ∂⁺L/∂h_t
        tanh_c = np.tanh(C[t])
        dc = dc_next + dh * o * (1 - tanh_c ** 2)  # ∂⁺L/∂c_t
        delta = {"i": dc * c_tilde * i * (1 - i),  # σ' = σ (1 − σ)
                 "f": dc * C[t - 1] * f * (1 - f),
                 "o": dh * tanh_c * o * (1 - o),
                 "c": dc * i * (1 - c_tilde ** 2)}
        dh_rec = np.zeros_like(dh)
        for g, d in delta.items():
            grads[f"W_x{g}"] += d.T @ X[t - 1]
            grads[f"W_h{g}"] += d.T @ H[t - 1]
            grads[f"b_{g}"] += d.sum(axis=0)
            dh_rec += d @ p[f"W_h{g}"]            # W_hgᵀ δ^g_t
        dc_next = f * dc
    return loss, grads
