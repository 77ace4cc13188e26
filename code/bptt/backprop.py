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
from .validate import check_backward_range, check_targets, check_weights, nonfinite_ignored


def check_backward_args(params, X, Y, h0=None, activation="tanh", weights=None):
    """Validate the arguments shared by every Elman gradient routine; return them as arrays."""
    params, X, h0 = check_elman(params, X, h0, activation)
    T, B, _ = X.shape
    return params, X, check_targets(Y, T, B, params["W_qh"].shape[0]), h0, check_weights(weights, T)


def output_errors(O, Y, w):
    """L = Σ_t w_t Σ_b ℓ(y_tb, ŷ_tb) and ∂L/∂o_t = w_t (ŷ_t − e_{y_t}). O: (T, B, q), Y: (T, B), w: (T,).

    Returns (loss, dO) with dO of shape (T, B, q).
    """
    ell, dO = softmax_cross_entropy(O, Y)                       # ℓ_t and ŷ_t = softmax(o_t)
    loss = float(np.sum(w[:, None] * ell))
    np.put_along_axis(dO, Y[..., None], np.take_along_axis(dO, Y[..., None], axis=-1) - 1.0, axis=-1)
    dO *= w[:, None, None]                                      # ŷ_t − e_{y_t}, scaled by w_t
    return loss, dO


def param_grads(X, H, dO, delta):
    """The parameter gradients as sums over time and batch, each one matrix product.

    X (T, B, m), H (T+1, B, n), dO = ∂L/∂o_t (T, B, q), delta = δ_t (T, B, n):
    ∂L/∂W_hx = Σ_t δ_t x_tᵀ, ∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ, ∂L/∂b_h = Σ_t δ_t,
    ∂L/∂W_qh = Σ_t ∂L/∂o_t h_tᵀ, ∂L/∂b_q = Σ_t ∂L/∂o_t.
    """
    T, B, m = X.shape
    n, q = delta.shape[2], dO.shape[2]
    D, dO2 = delta.reshape(T * B, n), dO.reshape(T * B, q)
    return {"W_hx": D.T @ X.reshape(T * B, m), "W_hh": D.T @ H[:-1].reshape(T * B, n), "b_h": D.sum(axis=0),
            "W_qh": dO2.T @ H[1:].reshape(T * B, n), "b_q": dO2.sum(axis=0)}


def backward(params, X, Y, h0=None, activation="tanh", weights=None):
    """Forward and backward pass, returning every intermediate a chapter may want to show.

    Shapes: X (T, B, m), Y (T, B) integer targets, h0 (B, n) or None, weights (T,) or None.
    Returns a dict with
      loss (float), H (T+1, B, n), O (T, B, q), dO (T, B, q) = ∂L/∂o_t,
      delta (T, B, n) = δ_t = ∂L/∂z_t, dh0 (B, n) = ∂L/∂h_0, grads (dict like params).
    """
    params, X, Y, h0, w = check_backward_args(params, X, Y, h0, activation, weights)
    return _backward(params, X, Y, h0, activation, w)


def backward_through_time(W_hh, dF, dH_out):
    """The backward sweep of one Elman chain, given the error each h_t receives from outside the recurrence.

    W_hh (n, n); dF = f'(z_t) (T, B, n); dH_out (T, B, n), the direct error at h_t (W_qhᵀ ∂L/∂o_t
    for the Elman network). Returns delta (T, B, n) with δ_t = f'(z_t) ⊙ (dH_out_t + W_hhᵀ δ_{t+1}),
    and ∂L/∂h_0 = W_hhᵀ δ_1 (B, n).
    """
    T, B, n = dH_out.shape
    delta = np.empty((T, B, n))
    carry = np.zeros((B, n))                                    # W_hhᵀ δ_{t+1}, zero after the last step
    for t in range(T - 1, -1, -1):
        np.add(dH_out[t], carry, out=delta[t])
        delta[t] *= dF[t]                                       # δ_t = f'(z_t) ⊙ (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1})
        np.matmul(delta[t], W_hh, out=carry)
    return delta, carry


def _backward(p, X, Y, h0, activation, w):
    """backward() without the checks."""
    df_from_h = ACTIVATIONS[activation][2]
    quiet = nonfinite_ignored()            # the caller asked for inf/NaN back (np.errstate)
    H, O = _forward(p, X, h0, activation)  # raises, naming the step, if h_t leaves the float range
    T, B, _ = X.shape
    n, q = p["W_hh"].shape[0], p["W_qh"].shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        loss, dO = output_errors(O, Y, w)                           # ∂L/∂o_t = w_t (ŷ_t − y_t)
        dH_out = (dO.reshape(T * B, q) @ p["W_qh"]).reshape(T, B, n)  # W_qhᵀ ∂L/∂o_t, one product
        dF = df_from_h(H[1:])                                       # f'(z_t), from the stored h_t
        delta, dh0 = backward_through_time(p["W_hh"], dF, dH_out)
        grads = param_grads(X, H, dO, delta)
    if not quiet:
        check_backward_range(loss, delta, grads)                    # names the step where δ_t overflowed
    return {"loss": loss, "H": H, "O": O, "dO": dO, "delta": delta, "dh0": dh0, "grads": grads}


def bptt_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """Loss and gradients of the Elman network by backpropagation through time.

    params: dict from :func:`bptt.init_params`; X: (T, B, m) inputs; Y: (T, B) integer targets
    in 0..q-1; h0: (B, n) or None (zeros); activation: "tanh", "relu", "sigmoid" or
    "identity"; weights: (T,) per-step loss weights w_t or None (all ones).
    Returns (loss, grads): loss = Σ_t w_t Σ_b ℓ(y_tb, ŷ_tb), a float; grads has the keys of params.
    """
    out = backward(params, X, Y, h0, activation, weights)
    return out["loss"], out["grads"]
