"""Learning on a stream: update the weights at every step (RTRL and its approximations) or once per window (BPTT).

Every forward-mode method has the same two functions: ``init(params, B, h0)`` and
``step(params, state, x_t, y_t, activation, w_t) -> (state, L_t, grads of L_t)``, so one loop runs
them all. With lr = 0 the loop only measures: the per-step gradients of the fixed network.
"""
import numpy as np

from . import rtrl, snap, uoro
from .backprop import _backward
from .elman import check_elman
from .losses import cross_entropy
from .optim import clip_global_norm
from .validate import check_positive_int, check_targets

METHODS = {
    "rtrl": (rtrl.rtrl_init, rtrl._step),
    "uoro": (uoro.uoro_init, uoro._step),
    "snap1": (snap.snap1_init, snap._step),
}


def _check(params, X, Y, h0, activation, lr, max_norm):
    params, X, h0 = check_elman(params, X, h0, activation)
    T, B, _ = X.shape
    Y = check_targets(Y, T, B, params["W_qh"].shape[0])
    if not (np.isscalar(lr) and np.isfinite(lr) and lr >= 0):
        raise ValueError(f"lr must be a finite number >= 0, got {lr!r}")
    if max_norm is not None and not (np.isscalar(max_norm) and max_norm > 0):
        raise ValueError(f"max_norm must be None or a number > 0, got {max_norm!r}")
    return params, X, Y, h0


def _update(params, grads, lr, max_norm):
    """θ ← θ − lr g, with g clipped to global norm max_norm first if asked."""
    if max_norm is not None:
        grads, _ = clip_global_norm(grads, max_norm)
    return {k: params[k] - lr * grads[k] for k in params}


def run_online(params, X, Y, method="rtrl", lr=0.0, h0=None, activation="tanh", seed=0, max_norm=None,
               keep_grads=False):
    """Stream X through the network, updating θ ← θ − lr ∇L_t after every step t.

    X (T, B, m), Y (T, B): B streams side by side (their gradients are summed); method: "rtrl",
    "uoro" (its signs from ``seed``) or "snap1". Returns a dict with params (the final ones),
    losses (T,) the mean loss per sequence at each step, measured before that step's update, state
    (the method's state after the last step) and, with keep_grads, grads: a list of T dicts, the
    (estimated) gradient of L_t at each step.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    params, X, Y, h0 = _check(params, X, Y, h0, activation, lr, max_norm)
    init, step = METHODS[method]
    T, B, _ = X.shape
    state = init(params, B, h0, seed) if method == "uoro" else init(params, B, h0)
    losses, kept = np.empty(T), []
    for t in range(T):
        state, loss_t, grads = step(params, state, X[t], Y[t], activation, 1.0)
        losses[t] = loss_t / B
        if keep_grads:
            kept.append(grads)
        if lr:
            params = _update(params, grads, lr, max_norm)
    out = {"params": params, "losses": losses, "state": state}
    if keep_grads:
        out["grads"] = kept
    return out


def run_windows(params, X, Y, window, lr, h0=None, activation="tanh", max_norm=None):
    """Truncated BPTT on a stream: one update per window of ``window`` steps, the state carried across.

    Within a window, BPTT computes the exact gradient of the window's loss Σ_t L_t with the
    incoming state held fixed; nothing flows back across a window boundary. Returns a dict
    with params and losses (T,) as :func:`run_online` (each window's losses measured before its update).
    """
    window = check_positive_int(window, "window")
    params, X, Y, h = _check(params, X, Y, h0, activation, lr, max_norm)
    T, B, _ = X.shape
    losses = np.empty(T)
    for s in range(0, T, window):
        out = _backward(params, X[s:s + window], Y[s:s + window], h, activation, np.ones(len(X[s:s + window])))
        losses[s:s + window] = cross_entropy(out["O"], Y[s:s + window]).mean(axis=1)
        h = out["H"][-1]                              # carried on; no gradient crosses the boundary
        if lr:
            params = _update(params, out["grads"], lr, max_norm)
    return {"params": params, "losses": losses}


def stale_sensitivity(params, X, Y, lr, h0=None, activation="tanh"):
    """How far online RTRL's carried sensitivities drift from the true ones when the weights move.

    Runs online RTRL with step lr, then recomputes P_T exactly for the final weights θ_T over the
    same inputs. Returns ‖P_T(carried) − P_T(θ_T)‖ / ‖P_T(θ_T)‖ over W_hx, W_hh and b_h together
    (0 for lr = 0: the carried P_T is then exact).
    """
    online = run_online(params, X, Y, "rtrl", lr=lr, h0=h0, activation=activation)
    exact = run_online(online["params"], X, Y, "rtrl", lr=0.0, h0=h0, activation=activation)
    carried, true = online["state"].P, exact["state"].P
    diff = np.sqrt(sum(np.sum((carried[k] - true[k]) ** 2) for k in true))
    return float(diff / np.sqrt(sum(np.sum(true[k] ** 2) for k in true)))
