"""The gated recurrent unit (GRU, Cho et al. 2014, in d2l's form): forward pass and BPTT.

    r_t = σ(W_xr x_t + W_hr h_{t-1} + b_r)                 reset gate
    z_t = σ(W_xz x_t + W_hz h_{t-1} + b_z)                 update gate
    h̃_t = tanh(W_xh x_t + W_hh (r_t ⊙ h_{t-1}) + b_h)      candidate state
    h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t,                 o_t = W_qh h_t + b_q

The errors of the pre-activations are δ^r_t, δ^z_t, δ^h_t = ∂L/∂(the argument of σ or tanh).
Layout (T, B, ·); a row of X[t] is x_tᵀ, so W x_t is X[t] @ W.T.
"""
import numpy as np

from .activations import sigmoid
from .backprop import output_errors
from .params import gate_shapes, gated_init_params
from .validate import check_inputs, check_params, check_state, check_targets, check_weights

GATES = ("r", "z", "h")


def gru_shapes(m, n, q):
    """{key: (shape, spelled shape)} of a GRU with m inputs, n hidden units and q outputs."""
    return gate_shapes(GATES, m, n, q)


def gru_init_params(n_in, n_hidden, n_out, seed=0, update_bias=0.0, spectral_radius=None):
    """Random GRU parameters (dict of float64 arrays), reproducible from ``seed``.

    W_x* ~ N(0, 1/n_in), W_h* ~ N(0, 1/n_hidden) (each rescaled to ``spectral_radius`` if
    given), W_qh ~ N(0, 1/n_hidden); biases zero except b_z = ``update_bias`` (a positive value
    makes z_t ≈ 1 at the start: the unit keeps its state, the GRU's analogue of a forget-gate bias).
    """
    return gated_init_params(GATES, n_in, n_hidden, n_out, seed, {("z", "update_bias"): update_bias}, spectral_radius)


def check_gru(params, X, h0=None):
    """Validate GRU arguments; return (params, X, h0) as float64 arrays."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like gru_init_params returns, got {type(params).__name__}")
    for key, dims in (("W_xr", "(n, m)"), ("W_qh", "(q, n)")):
        if np.ndim(params.get(key)) != 2:
            raise ValueError(f"params[{key!r}] must be a matrix of shape {dims}, got {np.shape(params.get(key))}")
    (n, m), q = np.shape(params["W_xr"]), np.shape(params["W_qh"])[0]
    params = check_params(params, gru_shapes(m, n, q))
    X = check_inputs(X, m)
    return params, X, check_state(h0, X.shape[1], n, "h0")


def gru_forward(params, X, h0=None):
    """Run the GRU over a batch of sequences.

    X: (T, B, m); h0: (B, n) or None (zeros). Returns a dict with H: (T+1, B, n) (H[0] = h_0),
    the gates R, Z, the candidate H_tilde and RH = r_t ⊙ h_{t-1}: (T, B, n) (index t-1 holds
    step t), and the logits O: (T, B, q).
    """
    return _forward(*check_gru(params, X, h0))


def _forward(p, X, h0):
    """gru_forward() without the checks."""
    T, B, m = X.shape
    n = p["W_hr"].shape[0]
    W_x = np.concatenate([p["W_xr"], p["W_xz"], p["W_xh"]])
    b = np.concatenate([p["b_r"], p["b_z"], p["b_h"]])
    ZX = (X.reshape(T * B, m) @ W_x.T + b).reshape(T, B, 3 * n)   # input terms of r, z and h̃, all steps
    W_rz = np.concatenate([p["W_hr"], p["W_hz"]])                 # (2n, n): the gates' recurrent weights
    H = np.empty((T + 1, B, n))
    R, Z, H_tilde, RH = (np.empty((T, B, n)) for _ in range(4))
    H[0] = h0
    for t in range(1, T + 1):
        h_prev = H[t - 1]
        rz = sigmoid(ZX[t - 1, :, :2 * n] + h_prev @ W_rz.T)
        R[t - 1], Z[t - 1] = rz[:, :n], rz[:, n:]                 # r_t, z_t
        RH[t - 1] = R[t - 1] * h_prev                             # r_t ⊙ h_{t-1}
        H_tilde[t - 1] = np.tanh(ZX[t - 1, :, 2 * n:] + RH[t - 1] @ p["W_hh"].T)
        H[t] = Z[t - 1] * h_prev + (1.0 - Z[t - 1]) * H_tilde[t - 1]   # h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃
    O = (H[1:].reshape(T * B, n) @ p["W_qh"].T + p["b_q"]).reshape(T, B, -1)
    return {"H": H, "R": R, "Z": Z, "H_tilde": H_tilde, "RH": RH, "O": O}


def gru_backward(params, X, Y, h0=None, weights=None):
    """Forward and backward pass of the GRU, returning every intermediate.

    X: (T, B, m), Y: (T, B) integer targets, h0: (B, n) or None, weights: (T,) or None.
    Returns the dict of :func:`gru_forward` plus loss, dO (T, B, q), the pre-activation errors
    delta_r, delta_z, delta_h (T, B, n), dH (T+1, B, n) = ∂L/∂h_t (total; dH[0] = ∂L/∂h_0), grads.
    """
    p, X, h0 = check_gru(params, X, h0)
    T, B, m = X.shape
    Y = check_targets(Y, T, B, p["W_qh"].shape[0])
    w = check_weights(weights, T)
    fw = _forward(p, X, h0)
    H, R, Z, H_tilde = fw["H"], fw["R"], fw["Z"], fw["H_tilde"]
    n = H.shape[2]
    loss, dO = output_errors(fw["O"], Y, w)
    dH = np.zeros((T + 1, B, n))
    dH[1:] = dO @ p["W_qh"]                                        # W_qhᵀ ∂L/∂o_t
    d_r, d_z, d_h = (np.empty((T, B, n)) for _ in range(3))
    for t in range(T, 0, -1):
        s, h_prev, r, z = t - 1, H[t - 1], R[t - 1], Z[t - 1]
        h_tilde = H_tilde[t - 1]
        dh = dH[t]                    # g_t, complete after step t+1
        d_h[s] = dh * (1.0 - z) * (1.0 - h_tilde ** 2)     # δ^h_t
        d_z[s] = dh * (h_prev - h_tilde) * z * (1.0 - z)   # δ^z_t
        d_rh = d_h[s] @ p["W_hh"]     # = ∂⁺L/∂(r_t ⊙ h_{t-1})
        d_r[s] = d_rh * h_prev * r * (1.0 - r)             # δ^r_t
        dH[t - 1] += (dh * z + d_rh * r   # the leaky path, the candidate
                      + d_r[s] @ p["W_hr"]                 # and the two
                      + d_z[s] @ p["W_hz"])                # gates
    Xf, Hp = X.reshape(T * B, m), H[:-1].reshape(T * B, n)
    grads = {}
    for g, D, Hin in (("r", d_r, Hp), ("z", d_z, Hp), ("h", d_h, fw["RH"].reshape(T * B, n))):
        D = D.reshape(T * B, n)
        grads.update({f"W_x{g}": D.T @ Xf, f"W_h{g}": D.T @ Hin, f"b_{g}": D.sum(axis=0)})
    grads["W_qh"] = dO.reshape(T * B, -1).T @ H[1:].reshape(T * B, n)
    grads["b_q"] = dO.reshape(T * B, -1).sum(axis=0)
    return {**fw, "loss": loss, "dO": dO, "delta_r": d_r, "delta_z": d_z, "delta_h": d_h, "dH": dH,
            "grads": grads}


def gru_grads(params, X, Y, h0=None, weights=None):
    """Loss and gradients of the GRU by backpropagation through time.

    params: dict from :func:`gru_init_params`; X: (T, B, m); Y: (T, B) integer targets in
    0..q-1; h0: (B, n) or None (zeros); weights: (T,) per-step loss weights or None.
    Returns (loss, grads) with loss = Σ_t w_t Σ_b ℓ(y_tb, ŷ_tb) and grads keyed like params.
    """
    out = gru_backward(params, X, Y, h0, weights)
    return out["loss"], out["grads"]
