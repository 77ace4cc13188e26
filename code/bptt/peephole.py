"""The peephole LSTM (Gers & Schmidhuber 2000): the gates also look at the cell state.

    i_t      = σ(W_xi x_t + W_hi h_{t-1} + w_ci ⊙ c_{t-1} + b_i)
    f_t      = σ(W_xf x_t + W_hf h_{t-1} + w_cf ⊙ c_{t-1} + b_f)
    c̃_t      = tanh(W_xc x_t + W_hc h_{t-1} + b_c),     c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t
    o^gate_t = σ(W_xo x_t + W_ho h_{t-1} + w_co ⊙ c_t + b_o)          (sees the new cell c_t)
    h_t = o^gate_t ⊙ tanh(c_t),   o_t = W_qh h_t + b_q

The peephole weights w_ci, w_cf, w_co are vectors (n,): diagonal matrices, so cell j is seen
only by its own gates. The other parameters, the stacking and the layout are those of
:mod:`bptt.lstm`; with zero peepholes the two networks coincide.
"""
import numpy as np

from .activations import sigmoid
from .backprop import output_errors
from .lstm import check_lstm, lstm_init_params, stack, stacked_grads
from .validate import check_targets, check_weights

PEEPHOLES = ("w_ci", "w_cf", "w_co")


def peephole_shapes(n):
    """Shapes of the three peephole vectors."""
    return {k: ((n,), "(n,)") for k in PEEPHOLES}


def peephole_init_params(n_in, n_hidden, n_out, seed=0, forget_bias=1.0, spectral_radius=None):
    """:func:`bptt.lstm.lstm_init_params` plus zero peephole vectors w_ci, w_cf, w_co (n,)."""
    p = lstm_init_params(n_in, n_hidden, n_out, seed, forget_bias, spectral_radius)
    return {**p, **{k: np.zeros(p["W_hi"].shape[0]) for k in PEEPHOLES}}


def peephole_forward(params, X, h0=None, c0=None):
    """Run the peephole LSTM. Shapes and the returned dict as in :func:`bptt.lstm.lstm_forward`."""
    return _forward(*check_lstm(params, X, h0, c0, extra=peephole_shapes))


def _forward(p, X, h0, c0):
    T, B, m = X.shape
    n = p["W_hi"].shape[0]
    W_x, W_h, b = stack(p)
    ZX = (X.reshape(T * B, m) @ W_x.T + b).reshape(T, B, 4 * n)
    H, C = np.empty((T + 1, B, n)), np.empty((T + 1, B, n))
    I, F, O_gate, C_tilde = (np.empty((T, B, n)) for _ in range(4))
    H[0], C[0] = h0, c0
    for t in range(1, T + 1):
        s = t - 1
        z_i, z_f, z_o, z_c = np.split(ZX[s] + H[s] @ W_h.T, 4, axis=1)
        I[s] = sigmoid(z_i + p["w_ci"] * C[s])              # the gates peep at c_{t-1}
        F[s] = sigmoid(z_f + p["w_cf"] * C[s])
        C_tilde[s] = np.tanh(z_c)
        C[t] = F[s] * C[s] + I[s] * C_tilde[s]
        O_gate[s] = sigmoid(z_o + p["w_co"] * C[t])         # the output gate peeps at c_t
        H[t] = O_gate[s] * np.tanh(C[t])
    O = (H[1:].reshape(T * B, n) @ p["W_qh"].T + p["b_q"]).reshape(T, B, -1)
    return {"H": H, "C": C, "I": I, "F": F, "O_gate": O_gate, "C_tilde": C_tilde, "O": O}


def peephole_backward(params, X, Y, h0=None, c0=None, weights=None):
    """Forward and backward pass of the peephole LSTM; returns the dict of
    :func:`bptt.lstm.lstm_backward` (delta (T, B, 4n) stacked as i, f, o, c; dH, dC; grads)."""
    p, X, h0, c0 = check_lstm(params, X, h0, c0, extra=peephole_shapes)
    T, B, m = X.shape
    Y = check_targets(Y, T, B, p["W_qh"].shape[0])
    w = check_weights(weights, T)
    fw = _forward(p, X, h0, c0)
    H, C = fw["H"], fw["C"]
    n = H.shape[2]
    loss, dO = output_errors(fw["O"], Y, w)
    W_x, W_h, b = stack(p)
    dH, dC, delta = np.zeros((T + 1, B, n)), np.zeros((T + 1, B, n)), np.empty((T, B, 4 * n))
    dH[1:] = dO @ p["W_qh"]
    carry = np.zeros((B, n))                         # what c_{t+1}'s consumers send back to c_t
    for t in range(T, 0, -1):
        s = t - 1
        i, f, o_gate, c_tilde = fw["I"][s], fw["F"][s], fw["O_gate"][s], fw["C_tilde"][s]
        tanh_c = np.tanh(C[t])
        d_zo = dH[t] * tanh_c * o_gate * (1.0 - o_gate)             # δ^o_t
        dC[t] = carry + dH[t] * o_gate * (1.0 - tanh_c ** 2) + p["w_co"] * d_zo   # + the output peephole
        d_zi = dC[t] * c_tilde * i * (1.0 - i)                       # δ^i_t
        d_zf = dC[t] * C[s] * f * (1.0 - f)                          # δ^f_t
        d_zc = dC[t] * i * (1.0 - c_tilde ** 2)                      # δ^c_t
        delta[s] = np.concatenate([d_zi, d_zf, d_zo, d_zc], axis=1)
        carry = f * dC[t] + p["w_ci"] * d_zi + p["w_cf"] * d_zf      # carousel plus the two peepholes on c_{t-1}
        dH[s] += delta[s] @ W_h
    dC[0] = carry
    grads = stacked_grads(X, H, dO, delta)
    d_i, d_f, d_o = delta[..., :n], delta[..., n:2 * n], delta[..., 2 * n:3 * n]
    grads["w_ci"] = np.sum(d_i * C[:-1], axis=(0, 1))               # Σ_t δ^i_t ⊙ c_{t-1}
    grads["w_cf"] = np.sum(d_f * C[:-1], axis=(0, 1))
    grads["w_co"] = np.sum(d_o * C[1:], axis=(0, 1))                # Σ_t δ^o_t ⊙ c_t
    return {**fw, "loss": loss, "dO": dO, "delta": delta, "dH": dH, "dC": dC, "grads": grads}


def peephole_grads(params, X, Y, h0=None, c0=None, weights=None):
    """Loss and gradients of the peephole LSTM: (loss, grads), as :func:`bptt.lstm.lstm_grads`."""
    out = peephole_backward(params, X, Y, h0, c0, weights)
    return out["loss"], out["grads"]
