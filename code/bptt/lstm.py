"""The long short-term memory (LSTM) network: forward pass and backpropagation through time.

    i_t      = σ(W_xi x_t + W_hi h_{t-1} + b_i)         input gate
    f_t      = σ(W_xf x_t + W_hf h_{t-1} + b_f)         forget gate
    o^gate_t = σ(W_xo x_t + W_ho h_{t-1} + b_o)         output gate (not the logits o_t)
    c̃_t      = tanh(W_xc x_t + W_hc h_{t-1} + b_c)      candidate cell
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t,   h_t = o^gate_t ⊙ tanh(c_t),   o_t = W_qh h_t + b_q

The four pre-activations z^g_t (g = i, f, o, c) are computed together: stacking the gates'
matrices row-wise gives W_x (4n, m), W_h (4n, n), b (4n,), and z_t = W_x x_t + W_h h_{t-1} + b.
delta[t] holds δ^g_t = ∂L/∂z^g_t, stacked the same way. Layout (T, B, ·); a row of X[t] is x_tᵀ.
"""
import numpy as np

from .activations import sigmoid
from .backprop import output_errors
from .params import gate_shapes, gated_init_params
from .validate import check_inputs, check_params, check_state, check_targets, check_weights

GATES = ("i", "f", "o", "c")          # the stacking order of the four pre-activations


def lstm_shapes(m, n, q):
    """{key: (shape, spelled shape)} of an LSTM with m inputs, n cells and q outputs."""
    return gate_shapes(GATES, m, n, q)


def lstm_init_params(n_in, n_hidden, n_out, seed=0, forget_bias=1.0, spectral_radius=None):
    """Random LSTM parameters (dict of float64 arrays), reproducible from ``seed``.

    W_x* ~ N(0, 1/n_in), W_h* ~ N(0, 1/n_hidden) (each rescaled to ``spectral_radius`` if
    given), W_qh ~ N(0, 1/n_hidden); biases zero except b_f = ``forget_bias`` (default 1, so
    that f_t ≈ σ(1) ≈ 0.73 at the start: Gers et al. 2000, Jozefowicz et al. 2015).
    """
    return gated_init_params(GATES, n_in, n_hidden, n_out, seed, {("f", "forget_bias"): forget_bias}, spectral_radius)


def check_lstm(params, X, h0=None, c0=None, extra=None):
    """Validate LSTM arguments; return (params, X, h0, c0) as float64. ``extra(n)`` adds parameter shapes."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like lstm_init_params returns, got {type(params).__name__}")
    for key, dims in (("W_xi", "(n, m)"), ("W_qh", "(q, n)")):
        if np.ndim(params.get(key)) != 2:
            raise ValueError(f"params[{key!r}] must be a matrix of shape {dims}, got {np.shape(params.get(key))}")
    (n, m), q = np.shape(params["W_xi"]), np.shape(params["W_qh"])[0]
    params = check_params(params, {**lstm_shapes(m, n, q), **(extra(n) if extra else {})})
    X = check_inputs(X, m)
    B = X.shape[1]
    return params, X, check_state(h0, B, n, "h0"), check_state(c0, B, n, "c0")


def stack(p):
    """The four gates' parameters stacked in the order i, f, o, c: W_x (4n, m), W_h (4n, n), b (4n,)."""
    return (np.concatenate([p[f"W_x{g}"] for g in GATES]), np.concatenate([p[f"W_h{g}"] for g in GATES]),
            np.concatenate([p[f"b_{g}"] for g in GATES]))


def lstm_forward(params, X, h0=None, c0=None):
    """Run the LSTM over a batch of sequences.

    X: (T, B, m); h0, c0: (B, n) or None (zeros). Returns a dict with H, C: (T+1, B, n) (index 0
    holds h_0, c_0), the gates I, F, O_gate and the candidate C_tilde: (T, B, n) (index t-1 holds
    step t), and the logits O: (T, B, q).
    """
    return _forward(*check_lstm(params, X, h0, c0))


def _forward(p, X, h0, c0):
    """lstm_forward() without the checks."""
    T, B, m = X.shape
    n = p["W_hi"].shape[0]
    W_x, W_h, b = stack(p)
    ZX = (X.reshape(T * B, m) @ W_x.T + b).reshape(T, B, 4 * n)   # W_x x_t + b for every step at once
    H, C = np.empty((T + 1, B, n)), np.empty((T + 1, B, n))
    G = np.empty((T, B, 4 * n))                                    # [i_t, f_t, o^gate_t, c̃_t] per step
    H[0], C[0] = h0, c0
    for t in range(1, T + 1):
        z = ZX[t - 1] + H[t - 1] @ W_h.T                           # the four pre-activations z^g_t
        g = G[t - 1]
        g[:, :3 * n] = sigmoid(z[:, :3 * n])                       # i_t, f_t, o^gate_t
        g[:, 3 * n:] = np.tanh(z[:, 3 * n:])                       # c̃_t
        i, f, o_gate, c_tilde = g[:, :n], g[:, n:2 * n], g[:, 2 * n:3 * n], g[:, 3 * n:]
        C[t] = f * C[t - 1] + i * c_tilde                          # c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t
        H[t] = o_gate * np.tanh(C[t])                              # h_t = o^gate_t ⊙ tanh(c_t)
    O = (H[1:].reshape(T * B, n) @ p["W_qh"].T + p["b_q"]).reshape(T, B, -1)
    I, F, O_gate, C_tilde = (G[..., k * n:(k + 1) * n] for k in range(4))
    return {"H": H, "C": C, "I": I, "F": F, "O_gate": O_gate, "C_tilde": C_tilde, "O": O}


def cell_backward(dh, dc_next, c_prev, c, i, f, o_gate, c_tilde):
    """One step of the LSTM's backward pass, the step's gates given.

    All arrays (B, n). dh = ∂⁺L/∂h_t; dc_next = f_{t+1} ⊙ ∂⁺L/∂c_{t+1},
    the carry along the cell (zero at t = T). Returns dc = ∂⁺L/∂c_t,
    delta = [δ^i_t, δ^f_t, δ^o_t, δ^c_t] (B, 4n) and carry = f_t ⊙ dc,
    what the cell sends back to c_{t-1}.
    """
    tanh_c = np.tanh(c)
    # via h_t, plus the carousel
    dc = dc_next + dh * o_gate * (1.0 - tanh_c ** 2)
    d_o = dh * tanh_c                      # ∂⁺L/∂o^gate_t
    d_i = dc * c_tilde                     # ∂⁺L/∂i_t
    d_f = dc * c_prev                      # ∂⁺L/∂f_t
    d_ct = dc * i                          # ∂⁺L/∂c̃_t
    delta = np.concatenate([d_i * i * (1.0 - i),   # σ' = σ(1 − σ)
                            d_f * f * (1.0 - f),
                            d_o * o_gate * (1.0 - o_gate),
                            d_ct * (1.0 - c_tilde ** 2)],   # 1 − c̃²
                           axis=1)
    return dc, delta, f * dc               # ∂c_t/∂c_{t-1} = diag(f_t)


def carousel_path(F, dc_T):
    """The error that reaches each c_k along the cell path alone: (∏_{j=k+1}^{T} f_j) ⊙ ∂L/∂c_T.

    F: (T, B, n) forget gates (F[j-1] = f_j); dc_T: (B, n). Returns (T+1, B, n), index k = 0..T.
    It equals ∂L/∂c_k when c_k reaches the loss only through c_{k+1}, c_{k+2}, ... (no W_h* paths).
    """
    T = F.shape[0]
    P = np.empty((T + 1,) + F.shape[1:])
    P[T] = dc_T
    for k in range(T - 1, -1, -1):
        P[k] = F[k] * P[k + 1]                          # ∂c_{k+1}/∂c_k = diag(f_{k+1})
    return P


def stacked_grads(X, H, dO, delta):
    """Gradients of the gate weights and the output layer from the stacked gate errors.

    X (T, B, m), H (T+1, B, n), dO = ∂L/∂o_t (T, B, q), delta (T, B, 4n) = δ^g_t stacked as
    i, f, o, c. Returns {W_x<g>, W_h<g>, b_<g> for each gate, W_qh, b_q}.
    """
    T, B, m = X.shape
    n = H.shape[2]
    D = delta.reshape(T * B, 4 * n)
    dW_x = D.T @ X.reshape(T * B, m)       # Σ_t δ_t x_tᵀ, all gates at once
    dW_h = D.T @ H[:-1].reshape(T * B, n)  # Σ_t δ_t h_{t-1}ᵀ
    db = D.sum(axis=0)
    grads = {}
    for k, g in enumerate(GATES):          # unstack: rows k·n .. (k+1)·n are gate g
        rows = slice(k * n, (k + 1) * n)
        grads.update({f"W_x{g}": dW_x[rows], f"W_h{g}": dW_h[rows], f"b_{g}": db[rows]})
    grads["W_qh"] = dO.reshape(T * B, -1).T @ H[1:].reshape(T * B, n)
    grads["b_q"] = dO.reshape(T * B, -1).sum(axis=0)
    return grads


def lstm_backward(params, X, Y, h0=None, c0=None, weights=None):
    """Forward and backward pass of the LSTM, keeping every array.

    X: (T, B, m), Y: (T, B) integer targets, h0, c0: (B, n) or None,
    weights: (T,) or None. Returns the dict of :func:`lstm_forward`
    plus loss (float), dO (T, B, q) = ∂L/∂o_t, delta (T, B, 4n) =
    δ^g_t stacked as i, f, o, c, dH and dC (T+1, B, n) = ∂⁺L/∂h_t
    and ∂⁺L/∂c_t (index 0: ∂L/∂h_0 and ∂⁺L/∂c_0), and grads.
    """
    p, X, h0, c0 = check_lstm(params, X, h0, c0)
    T, B, m = X.shape
    Y = check_targets(Y, T, B, p["W_qh"].shape[0])
    w = check_weights(weights, T)
    fw = _forward(p, X, h0, c0)
    H, C = fw["H"], fw["C"]
    n = H.shape[2]
    loss, dO = output_errors(fw["O"], Y, w)
    W_x, W_h, b = stack(p)
    dH, dC = np.zeros((T + 1, B, n)), np.zeros((T + 1, B, n))
    delta = np.empty((T, B, 4 * n))
    dH[1:] = dO @ p["W_qh"]    # W_qhᵀ ∂L/∂o_t: the output terms
    carry = np.zeros((B, n))   # f_{t+1} ⊙ ∂⁺L/∂c_{t+1}
    for t in range(T, 0, -1):
        gates = (fw["I"][t - 1], fw["F"][t - 1],
                 fw["O_gate"][t - 1], fw["C_tilde"][t - 1])
        dC[t], delta[t - 1], carry = cell_backward(
            dH[t], carry, C[t - 1], C[t], *gates)
        dH[t - 1] += delta[t - 1] @ W_h  # Σ_g W_hgᵀ δ^g_t
    dC[0] = carry
    grads = stacked_grads(X, H, dO, delta)
    return {**fw, "loss": loss, "dO": dO, "delta": delta, "dH": dH,
            "dC": dC, "grads": grads}


def lstm_grads(params, X, Y, h0=None, c0=None, weights=None):
    """Loss and gradients of the LSTM by backpropagation through time.

    params: dict from :func:`lstm_init_params`; X: (T, B, m); Y: (T, B) integer targets in
    0..q-1; h0, c0: (B, n) or None (zeros); weights: (T,) per-step loss weights or None.
    Returns (loss, grads) with loss = Σ_t w_t Σ_b ℓ(y_tb, ŷ_tb) and grads keyed like params.
    """
    out = lstm_backward(params, X, Y, h0, c0, weights)
    return out["loss"], out["grads"]
