"""Truncated backpropagation through time: regular (chunked), per-loss (sliding) and randomized.

Write G_{s,k} for the part of ∂L/∂θ that loss L_s = w_s ℓ_s sends back through step k ≤ s
(for W_hh: δ_{s,k} h_{k-1}ᵀ; the output layer's gradient sits on the diagonal k = s). Then

    full BPTT   ∂L/∂θ = Σ_s Σ_{k≤s} G_{s,k}
    estimate          = Σ_s Σ_{k≤s} m_{s,k} G_{s,k}

with m = 1 for every term (full); m = 1 iff s and k lie in the same piece of length τ
(chunked, what `detach` between pieces does); m = 1 iff s − k < τ (sliding: each loss looks
back over the steps s−τ+1..s); m_{s,k} = ξ_{k+1} ξ_{k+2} ··· ξ_s (randomized, ξ_t the random
weight on the edge h_{t-1} → z_t). Steps are 1-based in the text and 0-based in the arrays.
"""
import numpy as np

from .activations import ACTIVATIONS
from .backprop import check_backward_args, output_errors, param_grads
from .elman import _forward
from .validate import as_real_array, check_positive_int

MODES = ("chunked", "sliding")


def _sweep(p, X, Y, h0, activation, w, xi=None, window=None):
    """One backward sweep. xi (T,): the error crossing the edge h_{t-1} → z_t is multiplied by xi[t-1].
    window τ < T: each loss's error is carried back over at most τ steps (sliding truncation).
    Returns (loss, H, grads)."""
    H, O = _forward(p, X, h0, activation)
    T, B, _ = X.shape
    n = p["W_hh"].shape[0]
    loss, dO = output_errors(O, Y, w)
    dH_out = (dO.reshape(T * B, -1) @ p["W_qh"]).reshape(T, B, n)   # W_qhᵀ ∂L/∂o_t
    dF = ACTIVATIONS[activation][2](H[1:])                          # f'(z_t) from h_t
    delta = np.empty((T, B, n))
    if window is None or window >= T:
        carry = np.zeros((B, n))                                    # ξ_{t+1} W_hhᵀ δ_{t+1}
        for t in range(T - 1, -1, -1):
            np.add(dH_out[t], carry, out=delta[t])
            delta[t] *= dF[t]                                       # δ_t = f'(z_t) ⊙ (W_qhᵀ ∂L/∂o_t + ξ_{t+1} W_hhᵀ δ_{t+1})
            np.matmul(delta[t], p["W_hh"], out=carry)
            if xi is not None:
                carry *= xi[t]                                      # the edge h_{t-1} → z_t (0-based: into step t)
    else:
        ring = np.zeros((window, B, n))                             # ring[s % τ] = δ_{s,t}, the losses s = t..t+τ-1
        for t in range(T - 1, -1, -1):
            ring = (ring @ p["W_hh"]) * dF[t]                       # δ_{s,t} = f'(z_t) ⊙ W_hhᵀ δ_{s,t+1}
            ring[t % window] = dH_out[t] * dF[t]                    # loss t enters (and loss t+τ, whose window ended at t+1, leaves)
            ring.sum(axis=0, out=delta[t])                          # δ_t^(τ) = Σ_{s=t}^{t+τ-1} δ_{s,t}
    return loss, H, param_grads(X, H, dO, delta)


def check_tau(tau):
    return check_positive_int(tau, "tau")


def chunk_edges(T, tau):
    """ξ (T,) of regular truncation: 0 on the edges h_{t-1} → z_t that enter a new piece (t = τ+1, 2τ+1, ...), else 1."""
    xi = np.ones(T)
    xi[check_tau(tau)::tau] = 0.0
    return xi


def truncated_grads(params, X, Y, tau, mode="chunked", h0=None, activation="tanh", weights=None):
    """Loss and truncated-BPTT gradients, with the contract of :func:`bptt.bptt_grads`.

    mode "chunked" (regular truncation, TBPTT(τ, τ)): the sequence is cut into pieces of τ steps
    (the last may be shorter); the state is carried across a cut but no gradient flows through it.
    mode "sliding" (per-loss truncation, TBPTT(1, τ)): each loss L_s is backpropagated over the
    τ steps s−τ+1..s, the state entering that window held constant. Both give full BPTT, to the
    last bit, when tau >= T; both coincide when tau = 1.
    Shapes: X (T, B, m), Y (T, B), h0 (B, n) or None, weights (T,) or None.
    """
    tau = check_tau(tau)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    p, X, Y, h0, w = check_backward_args(params, X, Y, h0, activation, weights)
    T = X.shape[0]
    if mode == "chunked":
        loss, _, grads = _sweep(p, X, Y, h0, activation, w, xi=chunk_edges(T, tau) if tau < T else None)
    else:
        loss, _, grads = _sweep(p, X, Y, h0, activation, w, window=tau)
    return loss, grads


def check_pi(pi, T):
    """Continuation probabilities: a number or an array (T,), every entry in (0, 1]."""
    arr = as_real_array(pi, "pi")
    if arr.ndim == 0:
        arr = np.full(T, float(arr))
    if arr.shape != (T,):
        raise ValueError(f"pi must be a number or an array of shape (T,) = ({T},), got shape {arr.shape}")
    if np.any(arr <= 0) or np.any(arr > 1):
        raise ValueError(f"pi must be a probability in (0, 1] (continue with probability pi), got values in "
                         f"[{arr.min()}, {arr.max()}]")
    return arr


def sample_edge_weights(pi, T, rng):
    """ξ (T,): independently ξ_t = 1/π_t with probability π_t (continue) and 0 otherwise (cut), so E ξ_t = 1."""
    pi = check_pi(pi, T)
    keep = np.random.default_rng(rng).random(T) < pi     # π_t = 1 never cuts
    return np.where(keep, 1.0 / pi, 0.0)


def reweighted_grads(params, X, Y, xi, h0=None, activation="tanh", weights=None):
    """BPTT in which the error crossing each edge h_{t-1} → z_t is multiplied by xi[t-1] (shape (T,)).

    xi = 1 everywhere is full BPTT (bit for bit); 0 on an edge is a cut (detach); any other
    value reweights every term that crosses the edge. Returns (loss, grads) like bptt_grads.
    """
    p, X, Y, h0, w = check_backward_args(params, X, Y, h0, activation, weights)
    xi = as_real_array(xi, "xi", ndim=1)
    if xi.shape != (X.shape[0],):
        raise ValueError(f"xi must have shape (T,) = ({X.shape[0]},), one weight per edge h_(t-1) -> z_t, got {xi.shape}")
    loss, _, grads = _sweep(p, X, Y, h0, activation, w, xi=xi)
    return loss, grads


def randomized_truncation_grads(params, X, Y, pi, rng, h0=None, activation="tanh", weights=None):
    """An unbiased random estimate of the BPTT gradient (Tallec & Ollivier 2017), with the loss.

    Going back in time, the error continues across the edge h_{t-1} → z_t with probability π_t and
    is then reweighted by 1/π_t; otherwise the chain is cut there (the cuts split the sequence into
    pieces of random length, shared by the whole batch). E[grads] = bptt_grads; pi = 1 gives it exactly.
    pi: a number or an array (T,) in (0, 1]; rng: a seed or a numpy Generator.
    """
    p, X, Y, h0, w = check_backward_args(params, X, Y, h0, activation, weights)
    xi = sample_edge_weights(pi, X.shape[0], rng)
    loss, _, grads = _sweep(p, X, Y, h0, activation, w, xi=xi)
    return loss, grads
