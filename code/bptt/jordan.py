"""The Jordan network: the state is fed from the previous output, not from the previous hidden state.

    z_t = W_hx x_t + W_hq ŷ_{t-1} + b_h,   h_t = f(z_t),   o_t = W_qh h_t + b_q,   ŷ_t = softmax(o_t)

with ŷ_0 = y0 (zeros unless given). Backpropagation through time runs through the feedback
ŷ_t -> z_{t+1}, so the error reaching o_t has two parts, the loss ℓ_t and the next step:

    ∂⁺L/∂o_t = w_t (ŷ_t − y_t) + (diag(ŷ_t) − ŷ_t ŷ_tᵀ) W_hqᵀ δ_{t+1},    δ_{T+1} = 0
    δ_t = ∂⁺L/∂z_t = f'(z_t) ⊙ W_qhᵀ ∂⁺L/∂o_t
    ∂L/∂W_hx = Σ_t δ_t x_tᵀ,  ∂L/∂W_hq = Σ_t δ_t ŷ_{t-1}ᵀ,  ∂L/∂b_h = Σ_t δ_t,
    ∂L/∂W_qh = Σ_t ∂⁺L/∂o_t h_tᵀ,  ∂L/∂b_q = Σ_t ∂⁺L/∂o_t,  ∂L/∂ŷ_0 = W_hqᵀ δ_1.

Parameters: W_hx (n, m), W_hq (n, q), b_h (n,), W_qh (q, n), b_q (q,). Rows are examples.
"""
import numpy as np

from .activations import ACTIVATIONS, check_activation
from .losses import one_hot, softmax, softmax_cross_entropy
from .validate import check_inputs, check_params, check_positive_int, check_state, check_targets, check_weights


def jordan_shapes(m, n, q):
    """{key: (shape, spelled shape)} for a Jordan network with m inputs, n hidden units, q outputs."""
    return {
        "W_hx": ((n, m), "(n, m)"),
        "W_hq": ((n, q), "(n, q)"),
        "b_h": ((n,), "(n,)"),
        "W_qh": ((q, n), "(q, n)"),
        "b_q": ((q,), "(q,)"),
    }


def jordan_init_params(n_in, n_hidden, n_out, seed=0):
    """Random Jordan-network parameters: W_hx ~ N(0, 1/m), W_hq ~ N(0, 1), W_qh ~ N(0, 1/n), biases zero.

    W_hq multiplies a probability vector (entries summing to 1), hence its larger scale.
    """
    m = check_positive_int(n_in, "n_in")
    n = check_positive_int(n_hidden, "n_hidden")
    q = check_positive_int(n_out, "n_out")
    rng = np.random.default_rng(seed)
    return {
        "W_hx": rng.normal(0.0, 1.0 / np.sqrt(m), size=(n, m)),
        "W_hq": rng.normal(0.0, 1.0, size=(n, q)),
        "b_h": np.zeros(n),
        "W_qh": rng.normal(0.0, 1.0 / np.sqrt(n), size=(q, n)),
        "b_q": np.zeros(q),
    }


def check_jordan(params, X, y0=None, activation="tanh"):
    """Validate the arguments of the Jordan routines; return (params, X, y0) as float64 arrays."""
    check_activation(activation)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like jordan_init_params returns, got {type(params).__name__}")
    for key, dims in (("W_hx", "(n, m)"), ("W_qh", "(q, n)")):
        if np.ndim(params.get(key)) != 2:
            raise ValueError(f"params[{key!r}] must be a matrix of shape {dims}, got {np.shape(params.get(key))}")
    n, m = np.shape(params["W_hx"])
    q = np.shape(params["W_qh"])[0]
    params = check_params(params, jordan_shapes(m, n, q))
    X = check_inputs(X, m)
    return params, X, check_state(y0, X.shape[1], q, name="y0")


def _jordan_forward(p, X, y0, activation):
    """jordan_forward() without the checks; also returns Ŷ_prev (T, B, q) with Ŷ_prev[t-1] = ŷ_{t-1}."""
    f = ACTIVATIONS[activation][0]
    T, B, m = X.shape
    n, q = p["W_hq"].shape
    XW = (X.reshape(T * B, m) @ p["W_hx"].T + p["b_h"]).reshape(T, B, n)
    H = np.zeros((T + 1, B, n))
    O = np.empty((T, B, q))
    Y_prev = np.empty((T, B, q))
    y_prev = y0
    for t in range(T):
        Y_prev[t] = y_prev
        H[t + 1] = f(XW[t] + y_prev @ p["W_hq"].T)        # h_t = f(W_hx x_t + W_hq ŷ_{t-1} + b_h)
        O[t] = H[t + 1] @ p["W_qh"].T + p["b_q"]           # o_t = W_qh h_t + b_q
        y_prev = softmax(O[t])                             # ŷ_t, fed to the next step
    return H, O, Y_prev


def jordan_forward(params, X, y0=None, activation="tanh"):
    """Run the Jordan network over a batch of sequences.

    params: dict with W_hx (n, m), W_hq (n, q), b_h (n,), W_qh (q, n), b_q (q,); X: (T, B, m);
    y0: (B, q) or None (zeros), the output fed to step 1. Returns H (T+1, B, n) with H[t] = h_t
    (H[0] = 0: the network has no initial hidden state, its memory is ŷ_0) and logits O (T, B, q).
    """
    params, X, y0 = check_jordan(params, X, y0, activation)
    H, O, _ = _jordan_forward(params, X, y0, activation)
    return H, O


def jordan_backward(params, X, Y, y0=None, activation="tanh", weights=None):
    """Forward and backward pass of the Jordan network.

    Shapes: X (T, B, m), Y (T, B) ints in 0..q-1, y0 (B, q) or None, weights (T,) or None.
    Returns a dict: loss, H (T+1, B, n), O (T, B, q), dO (T, B, q) = ∂⁺L/∂o_t (both paths),
    delta (T, B, n) = δ_t, dy0 (B, q) = ∂L/∂ŷ_0, grads (keys of params).
    """
    p, X, y0 = check_jordan(params, X, y0, activation)
    T, B, m = X.shape
    n, q = p["W_hq"].shape
    Y = check_targets(Y, T, B, q)
    w = check_weights(weights, T)
    H, O, Y_prev = _jordan_forward(p, X, y0, activation)
    ell, Y_hat = softmax_cross_entropy(O, Y)
    loss = float(np.sum(w[:, None] * ell))
    dF = ACTIVATIONS[activation][2](H[1:])                 # f'(z_t) from h_t
    dO = np.empty((T, B, q))
    delta = np.empty((T, B, n))
    g = np.zeros((B, q))                                   # W_hqᵀ δ_{t+1}: the error ŷ_t receives from step t+1
    for t in range(T - 1, -1, -1):
        y = Y_hat[t]
        feedback = y * g - y * np.sum(y * g, axis=-1, keepdims=True)   # (diag(ŷ_t) − ŷ_t ŷ_tᵀ) W_hqᵀ δ_{t+1}
        dO[t] = w[t] * (y - one_hot(Y[t], q)) + feedback               # loss path + feedback path
        delta[t] = dF[t] * (dO[t] @ p["W_qh"])                         # δ_t = f'(z_t) ⊙ W_qhᵀ ∂⁺L/∂o_t
        g = delta[t] @ p["W_hq"]                                       # W_hqᵀ δ_t, for step t-1
    D, dO2 = delta.reshape(T * B, n), dO.reshape(T * B, q)
    grads = {
        "W_hx": D.T @ X.reshape(T * B, m),
        "W_hq": D.T @ Y_prev.reshape(T * B, q),
        "b_h": D.sum(axis=0),
        "W_qh": dO2.T @ H[1:].reshape(T * B, n),
        "b_q": dO2.sum(axis=0),
    }
    return {"loss": loss, "H": H, "O": O, "dO": dO, "delta": delta, "dy0": g, "grads": grads}


def jordan_grads(params, X, Y, y0=None, activation="tanh", weights=None):
    """Loss and gradients of the Jordan network by BPTT; the contract of :func:`bptt.bptt_grads`.

    Returns (loss, grads): loss = Σ_t w_t Σ_b ℓ(y_tb, ŷ_tb), grads with the keys of params.
    """
    out = jordan_backward(params, X, Y, y0, activation, weights)
    return out["loss"], out["grads"]
