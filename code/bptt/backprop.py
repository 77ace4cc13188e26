"""Backpropagation through time for the Elman network, in one backward sweep.

With ŷ_t = softmax(o_t) and L = Σ_t w_t ℓ(y_t, ŷ_t) (cross-entropy, summed over the batch):

    ∂L/∂o_t = w_t (ŷ_t − e_{y_t})
    δ_t = ∂L/∂z_t = f'(z_t) ⊙ (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1}),   δ_{T+1} = 0
    ∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ,  ∂L/∂W_hx = Σ_t δ_t x_tᵀ,  ∂L/∂b_h = Σ_t δ_t
    ∂L/∂W_qh = Σ_t ∂L/∂o_t h_tᵀ,  ∂L/∂b_q = Σ_t ∂L/∂o_t,      ∂L/∂h_0 = W_hhᵀ δ_1
"""
import numpy as np

from .activations import ACTIVATIONS
from .elman import _forward, check_elman
from .losses import softmax_cross_entropy
from .validate import check_targets, check_weights


def backward(params, X, Y, h0=None, activation="tanh", weights=None):
    """Forward and backward pass, returning every intermediate a chapter may want to show.

    Shapes: X (T, B, m), Y (T, B) integer targets, h0 (B, n) or None, weights (T,) or None.
    Returns a dict with
      loss (float), H (T+1, B, n), O (T, B, q), dO (T, B, q) = ∂L/∂o_t,
      delta (T, B, n) = δ_t = ∂L/∂z_t, dh0 (B, n) = ∂L/∂h_0, grads (dict like params).
    """
    params, X, h0 = check_elman(params, X, h0, activation)
    T, B, m = X.shape
    q = params["W_qh"].shape[0]
    Y = check_targets(Y, T, B, q)
    w = check_weights(weights, T)
    return _backward(params, X, Y, h0, activation, w)


def _backward(p, X, Y, h0, activation, w):
    """backward() without the checks."""
    df_from_h = ACTIVATIONS[activation][2]
    H, O = _forward(p, X, h0, activation)
    T, B, m = X.shape
    n, q = p["W_hh"].shape[0], p["W_qh"].shape[0]
    ell, Y_hat = softmax_cross_entropy(O, Y)                    # ℓ_t and ŷ_t = softmax(o_t)
    loss = float(np.sum(w[:, None] * ell))
    dO = Y_hat                                                  # ∂L/∂o_t = w_t (ŷ_t − y_t), in place:
    np.put_along_axis(dO, Y[..., None], np.take_along_axis(dO, Y[..., None], axis=-1) - 1.0, axis=-1)
    dO *= w[:, None, None]
    dO2 = dO.reshape(T * B, q)
    dH_out = (dO2 @ p["W_qh"]).reshape(T, B, n)                # W_qhᵀ ∂L/∂o_t, all steps in one product
    dF = df_from_h(H[1:])                                       # f'(z_t), from the stored h_t
    delta = np.empty((T, B, n))
    carry = np.zeros((B, n))                                    # W_hhᵀ δ_{t+1}, zero after the last step
    for t in range(T - 1, -1, -1):
        np.add(dH_out[t], carry, out=delta[t])
        delta[t] *= dF[t]                                       # δ_t = f'(z_t) ⊙ (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1})
        np.matmul(delta[t], p["W_hh"], out=carry)
    # the sums over time and batch as single matrix products
    D = delta.reshape(T * B, n)
    grads = {
        "W_hx": D.T @ X.reshape(T * B, m),
        "W_hh": D.T @ H[:-1].reshape(T * B, n),
        "b_h": D.sum(axis=0),
        "W_qh": dO2.T @ H[1:].reshape(T * B, n),
        "b_q": dO2.sum(axis=0),
    }
    return {"loss": loss, "H": H, "O": O, "dO": dO, "delta": delta, "dh0": carry, "grads": grads}


def bptt_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """Loss and gradients of the Elman network by backpropagation through time.

    params: dict from :func:`bptt.init_params`; X: (T, B, m) inputs; Y: (T, B) integer targets
    in 0..q-1; h0: (B, n) or None (zeros); activation: "tanh", "relu", "sigmoid" or
    "identity"; weights: (T,) per-step loss weights w_t or None (all ones).
    Returns (loss, grads): loss = Σ_t w_t Σ_b ℓ(y_tb, ŷ_tb), a float; grads has the keys of params.
    """
    out = backward(params, X, Y, h0, activation, weights)
    return out["loss"], out["grads"]
