"""The BPTT gradient as a sum of terms G_{s,k}: the part of ∂L/∂θ that loss L_s sends through step k.

    ∂L/∂θ = Σ_{s=1}^{T} Σ_{k=1}^{s} G_{s,k},
    δ_{s,s} = f'(z_s) ⊙ W_qhᵀ ∂L_s/∂o_s,   δ_{s,k} = f'(z_k) ⊙ W_hhᵀ δ_{s,k+1}   (k < s),
    G^{W_hh}_{s,k} = δ_{s,k} h_{k-1}ᵀ,  G^{W_hx}_{s,k} = δ_{s,k} x_kᵀ,  G^{b_h}_{s,k} = δ_{s,k},
    G^{W_qh}_{s,s} = ∂L_s/∂o_s h_sᵀ,  G^{b_q}_{s,s} = ∂L_s/∂o_s   (the output layer: diagonal only),

each summed over the batch. Every estimator of bptt.truncation is Σ_{s,k} m_{s,k} G_{s,k} for
a mask m (see :func:`term_mask`, :func:`reweighting_mask`). Storing all T² terms costs
O(T² · #parameters) memory: this module is for analysis and figures on small problems.
Arrays are 0-based: G[key][s, k] is the term of loss s+1 through step k+1.
"""
import numpy as np

from .backprop import check_backward_args, output_errors
from .double_sum import per_loss_deltas
from .elman import _forward
from .truncation import MODES, check_pi, check_tau


def term_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """(loss, G): G[key] of shape (T, T) + params[key].shape, zero where k > s.

    Shapes: X (T, B, m), Y (T, B), h0 (B, n) or None, weights (T,) or None. The error terms
    δ_{s,k} come from :func:`bptt.double_sum.per_loss_deltas`.
    """
    p, X, Y, h0, w = check_backward_args(params, X, Y, h0, activation, weights)
    D = per_loss_deltas(p, X, Y, h0, activation, weights)     # D[s, k] = δ_{s,k}, (T, T, B, n)
    H, O = _forward(p, X, h0, activation)
    loss, dO = output_errors(O, Y, w)
    T = X.shape[0]
    G = {"W_hx": np.einsum("skbi,kbj->skij", D, X),             # δ_{s,k} x_kᵀ
         "W_hh": np.einsum("skbi,kbj->skij", D, H[:-1]),        # δ_{s,k} h_{k-1}ᵀ (H[k] is h_{k-1} in 1-based steps)
         "b_h": D.sum(axis=2),
         "W_qh": np.zeros((T, T) + p["W_qh"].shape), "b_q": np.zeros((T, T) + p["b_q"].shape)}
    d = np.arange(T)
    G["W_qh"][d, d] = np.einsum("tbi,tbj->tij", dO, H[1:])      # ∂L_s/∂o_s h_sᵀ, on the diagonal only
    G["b_q"][d, d] = dO.sum(axis=1)
    return loss, G


def term_mask(T, tau=None, mode="full"):
    """m (T, T), m[s, k] = 1 for the terms an estimator keeps: "full", "chunked" or "sliding" (window tau)."""
    s, k = np.indices((T, T))
    keep = k <= s
    if mode != "full":
        if mode not in MODES:
            raise ValueError(f"mode must be one of {['full', *MODES]}, got {mode!r}")
        tau = check_tau(tau)
        keep &= (s // tau == k // tau) if mode == "chunked" else (s - k < tau)
    return keep.astype(float)


def reweighting_mask(xi):
    """m (T, T) of the edge weights xi (T,): m[s, k] = xi[k+1] xi[k+2] ··· xi[s], the edges the term crosses."""
    xi = np.asarray(xi, dtype=float)
    T = xi.shape[0]
    m = np.zeros((T, T))
    for s in range(T):
        m[s, s] = 1.0
        m[s, s - 1::-1][: s] = np.cumprod(xi[s:0:-1])   # k = s-1, s-2, ..., 0
    return m


def combine_terms(G, mask):
    """Σ_{s,k} mask[s, k] G[key][s, k], for every key: a dict like the parameters."""
    return {key: np.tensordot(mask, g, axes=([0, 1], [0, 1])) for key, g in G.items()}


def lag_sums(G, mask=None):
    """Σ_s m[s, s-ℓ] G_{s, s-ℓ} for every lag ℓ = 0..T-1: dict of arrays (T,) + parameter shape."""
    T = next(iter(G.values())).shape[0]
    mask = term_mask(T) if mask is None else mask
    s = np.arange(T)
    return {key: np.stack([np.tensordot(mask[s[l:], s[l:] - l], g[s[l:], s[l:] - l], axes=1) for l in range(T)])
            for key, g in G.items()}


def flat_terms(G):
    """The terms with k <= s as rows of one matrix (N, #parameters), with their (s, k)."""
    T = next(iter(G.values())).shape[0]
    s, k = np.tril_indices(T)
    return np.concatenate([g[s, k].reshape(len(s), -1) for g in G.values()], axis=1), s, k


def randomized_mse(G, pi):
    """E‖ĝ − g‖² summed over all parameters, exactly, for the randomized estimate with continuation
    probabilities pi (a number or (T,)). Since E ĝ = g this is the total variance:

        Σ_{(s,k),(s',k')} ⟨G_{s,k}, G_{s',k'}⟩ (Π_{j ∈ (k,s] ∩ (k',s']} 1/π_j − 1).
    """
    F, s, k = flat_terms(G)
    T = next(iter(G.values())).shape[0]
    C = np.cumsum(-np.log(check_pi(pi, T)))           # C[j] = Σ_{i<=j} log(1/π_i)
    hi = np.minimum(s[:, None], s[None, :])
    lo = np.maximum(k[:, None], k[None, :])
    overlap = np.where(hi > lo, C[hi] - C[lo], 0.0)     # log Π over the shared edges lo+1..hi
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum((F @ F.T) * np.expm1(overlap)))
    return total if np.isfinite(total) else float("inf")     # weights beyond float range
