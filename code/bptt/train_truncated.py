"""Online training with truncated gradients on the delayed-recall task: full, regular and randomized.

A batch of B sequences of length T is read piece by piece. After each piece the gradient of that
piece (estimated by the chosen method) updates the parameters at once, and the last state is
carried into the next piece with its gradient cut, as a framework's `detach` does:

    "full"            one piece, the whole sequence: exact BPTT, one update per sequence
    ("chunked", τ)    pieces of τ steps: regular truncation, about T/τ updates per sequence
    ("randomized", π) each edge h_{t-1} → z_t is cut with probability 1 − π; inside a piece every
                      edge carries the weight 1/π (Tallec & Ollivier's compensation), so over a
                      sequence the pieces' gradients add up to an unbiased estimate; mean piece ≈ 1/(1−π)

Every loss L_t = w ℓ_t with one fixed weight w = 1/(B · nominal piece length) (T, τ or 1/(1−π)),
so that an update has the same scale whatever the method, and the weights do not depend on the
random cuts (which would bias the randomized estimate). Only steps t >= delay count (the mask).
"""
import numpy as np

from .elman import forward
from .losses import cross_entropy
from .optim import clip_global_norm, sgd_step
from .tasks import delayed_recall
from .truncation import _sweep, check_pi, check_tau, sample_edge_weights


def pieces(method, T, rng):
    """(starts, ends, xi) for one sequence: piece i covers steps starts[i]..ends[i]-1 (0-based), xi (T,) edge weights."""
    if method == "full":
        xi = np.ones(T)
    elif isinstance(method, tuple) and len(method) == 2 and method[0] == "chunked":
        xi = np.ones(T)
        xi[check_tau(method[1])::method[1]] = 0.0
    elif isinstance(method, tuple) and len(method) == 2 and method[0] == "randomized":
        xi = sample_edge_weights(method[1], T, rng)
    else:
        raise ValueError(f"method must be 'full', ('chunked', tau) or ('randomized', pi), got {method!r}")
    starts = np.flatnonzero(np.r_[True, xi[1:] == 0])         # a cut on the edge into step t starts a piece at t
    return starts, np.r_[starts[1:], T], xi


def nominal_length(method, T):
    """The piece length an update is scaled by: T (full), τ (chunked), 1/(1−π) (randomized, capped at T)."""
    if method == "full":
        return float(T)
    if method[0] == "chunked":
        return float(min(method[1], T))
    pi = float(check_pi(method[1], 1)[0])
    return min(1.0 / (1.0 - pi), float(T)) if pi < 1 else float(T)


def eval_loss(params, X, Y, mask):
    """Mean cross-entropy per masked step and sequence, on a held-out batch."""
    _, O = forward(params, X)
    return float(cross_entropy(O[mask], Y[mask]).mean())


def train_truncated(params, method, n_sequences, T=48, B=16, delay=8, lr=0.5, max_norm=1.0, seed=0,
                    eval_every=4, eval_B=128):
    """Train from ``params`` by the given method; returns (params, curve).

    curve: dict of arrays at each evaluation: "sequences", "updates", "steps" (time steps
    backpropagated, the compute), "loss" (held-out mean masked cross-entropy; log 2 is chance).
    """
    rng = np.random.default_rng(seed)                     # the data: the same sequences for every method
    cut_rng = np.random.default_rng([seed, 1])             # the random cuts, apart from the data
    Xe, Ye, mask_e = delayed_recall(T, eval_B, delay, rng=np.random.default_rng(seed + 10_000))
    w_step = 1.0 / (B * nominal_length(method, T))
    curve = {"sequences": [0], "updates": [0], "steps": [0], "loss": [eval_loss(params, Xe, Ye, mask_e)]}
    updates = steps = 0
    for i in range(1, n_sequences + 1):
        X, Y, mask = delayed_recall(T, B, delay, rng=rng)
        w = w_step * mask
        h = np.zeros((B, params["W_hh"].shape[0]))
        starts, ends, xi = pieces(method, T, cut_rng)
        for a, b in zip(starts, ends):
            _, H, grads = _sweep(params, X[a:b], Y[a:b], h, "tanh", w[a:b], xi=xi[a:b])
            h = H[-1]                                             # carried on, gradient cut
            grads, _ = clip_global_norm(grads, max_norm)
            params = sgd_step(params, grads, lr)
            updates += 1
            steps += b - a
        if i % eval_every == 0 or i == n_sequences:
            for key, val in zip(("sequences", "updates", "steps", "loss"), (i, updates, steps, eval_loss(params, Xe, Ye, mask_e))):
                curve[key].append(val)
    return params, {k: np.asarray(v) for k, v in curve.items()}
