"""How far UORO and SnAp-1 are from exact RTRL: relative errors per step and against the number of samples.

Only the recurrent parameters (W_hx, W_hh, b_h) are compared: both approximations get W_qh and b_q exactly.
"""
import numpy as np

from .online import run_online
from .rtrl import RECURRENT
from .validate import check_positive_int


def flat(grads):
    """The recurrent parameters' gradients as one vector (W_hx, W_hh, b_h in that order)."""
    return np.concatenate([np.ravel(grads[k]) for k in RECURRENT])


def relative_error(estimate, exact):
    """‖estimate − exact‖ / ‖exact‖ (inf if the exact vector is zero and the estimate is not)."""
    estimate, exact = np.asarray(estimate, dtype=float), np.asarray(exact, dtype=float)
    diff, size = np.linalg.norm(estimate - exact), np.linalg.norm(exact)
    return float(diff / size) if size > 0 else (0.0 if diff == 0 else np.inf)


def per_step_errors(params, X, Y, K=1, activation="tanh", seed=0):
    """Relative error of each step's gradient estimate ∂L_t/∂θ (fixed weights) against exact RTRL.

    X (T, 1, m), Y (T, 1): one sequence. UORO's estimate is the mean of K independent ones (the
    sequence runs as K copies side by side). Returns {"uoro": (T,), "snap1": (T,)}.
    """
    K = check_positive_int(K, "K")
    if np.shape(X)[1:2] != (1,):
        raise ValueError(f"X must hold one sequence, shape (T, 1, m), got {np.shape(X)}")
    exact = run_online(params, X, Y, "rtrl", activation=activation, keep_grads=True)["grads"]
    snap = run_online(params, X, Y, "snap1", activation=activation, keep_grads=True)["grads"]
    uoro = run_online(params, np.tile(X, (1, K, 1)), np.tile(Y, (1, K)), "uoro", activation=activation, seed=seed,
                      keep_grads=True)["grads"]
    out = {"uoro": np.empty(len(exact)), "snap1": np.empty(len(exact))}
    for t, g in enumerate(exact):
        out["uoro"][t] = relative_error(flat(uoro[t]) / K, flat(g))
        out["snap1"][t] = relative_error(flat(snap[t]), flat(g))
    return out


def error_of_mean(samples, exact, Ks):
    """Relative error of the mean of K samples, averaged over the disjoint blocks of K that fit.

    samples: (N, d) independent estimates; exact: (d,); Ks: increasing sample counts <= N.
    Returns an array like Ks: the root-mean-square over blocks of ‖mean_K − exact‖ / ‖exact‖.
    """
    samples, exact = np.asarray(samples, dtype=float), np.asarray(exact, dtype=float)
    if samples.ndim != 2 or samples.shape[1:] != exact.shape:
        raise ValueError(f"samples must be (N, d) with d = len(exact) = {exact.shape}, got {samples.shape}")
    out = []
    for K in Ks:
        K = check_positive_int(K, "K")
        blocks = len(samples) // K
        if blocks < 1:
            raise ValueError(f"each K must be at most N = {len(samples)}, got {K}")
        means = samples[:blocks * K].reshape(blocks, K, -1).mean(axis=1)
        out.append(np.sqrt(np.mean(np.sum((means - exact) ** 2, axis=1))) / np.linalg.norm(exact))
    return np.array(out)
