"""Known-wrong variants of the RTRL step and of the LSTM's BPTT (see :mod:`.variants`)."""
import numpy as np

from .solutions import output_error
from .solutions_lstm import GATES, lstm_run


def rtrl_step(params, h_prev, P_prev, x, y, mistake=None, form=0):
    """(h, P, loss_t, grads_t) of one RTRL step, with ``mistake``."""
    W_hh = params["W_hh"]
    B, n = h_prev.shape
    z = x @ params["W_hx"].T + h_prev @ W_hh.T + params["b_h"]
    h = np.tanh(z)
    d = 1 - (z if mistake == "derivative_from_z" else h) ** 2
    eye = np.eye(n)
    h_in = h if mistake == "immediate_uses_h_t" else h_prev
    direct = {"W_hx": np.einsum("ai,bj->baij", eye, x),
              "W_hh": np.einsum("ai,bj->baij", eye, h_in),
              "b_h": np.broadcast_to(eye, (B, n, n))}
    P = {}
    for k in ("W_hx", "W_hh", "b_h"):
        W_P = np.einsum("ac,bc...->ba...", W_hh, P_prev[k])
        if mistake == "sensitivity_not_carried":
            W_P = np.zeros_like(W_P)
        if mistake != "no_immediate_term":
            W_P = W_P + direct[k]
        P[k] = np.einsum("ba,ba...->ba...", d, W_P)
    loss, dO = output_error(h @ params["W_qh"].T + params["b_q"], y)
    g = dO @ params["W_qh"]
    grads = {k: np.einsum("ba,ba...->...", g, P[k]) for k in P}
    grads["W_qh"] = dO.T @ h
    grads["b_q"] = dO.sum(axis=0)
    return h, P, loss, grads


def lstm_bptt(params, X, Y, h0=None, c0=None, mistake=None, form=0):
    """(loss, grads) of the LSTM, with ``mistake``."""
    p = params
    T = X.shape[0]
    H, C, G = lstm_run(p, X, h0, c0)
    loss = 0.0
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_rec, dc_next = np.zeros_like(H[0]), np.zeros_like(C[0])
    for t in range(T, 0, -1):
        i, f, o, c_tilde = (G[g][t - 1] for g in GATES)
        loss_t, dO = output_error(H[t] @ p["W_qh"].T + p["b_q"], Y[t - 1])
        loss += loss_t
        grads["W_qh"] += dO.T @ H[t]
        grads["b_q"] += dO.sum(axis=0)
        dh = dO @ p["W_qh"] + dh_rec
        tanh_c = np.tanh(C[t])
        dtanh = 1 - (C[t] if mistake == "tanh_c_derivative_from_c" else tanh_c) ** 2
        dc = dh * o * dtanh
        if mistake != "no_forget_path":
            dc = dc + dc_next
        s = {"i": i, "f": f, "o": o}
        if mistake == "gate_derivative_from_preactivation":
            s = {g: X[t - 1] @ p[f"W_x{g}"].T + H[t - 1] @ p[f"W_h{g}"].T + p[f"b_{g}"]
                 for g in "ifo"}                           # a = z^g_t, not σ(a)
        delta = {"i": dc * c_tilde * s["i"] * (1 - s["i"]),
                 "f": dc * C[t - 1] * s["f"] * (1 - s["f"]),
                 "o": dh * tanh_c * s["o"] * (1 - s["o"]),
                 "c": dc * i * (1 - c_tilde ** 2)}
        dh_rec = np.zeros_like(dh)
        for g, d in delta.items():
            grads[f"W_x{g}"] += d.T @ X[t - 1]
            grads[f"W_h{g}"] += d.T @ H[t - 1]
            grads[f"b_{g}"] += d.sum(axis=0)
            if mistake != "one_path":
                dh_rec += d @ p[f"W_h{g}"]
        dc_next = f * dc
    return loss, grads

