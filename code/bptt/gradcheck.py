"""A finite-difference gradient checker for any routine with the ``(loss, grads)`` contract.

Central differences along random directions (as HIPS/autograd checks its rules): for a
unit direction d in parameter space,

    (L(θ + εd) − L(θ − εd)) / 2ε  ≈  ⟨∇L(θ), d⟩,   error O(ε²).

One direction probes every entry of every parameter at once, so a few directions catch
a wrong entry anywhere, at the cost of two loss evaluations each.
"""
import numpy as np


def directional_check(loss_and_grads, params, n_dirs=6, eps=1e-6, seed=0):
    """Compare analytic and central-difference directional derivatives.

    loss_and_grads: params -> (loss, grads), grads a dict with the keys of params.
    Returns a list of (analytic, numeric) pairs, one per random direction.
    """
    rng = np.random.default_rng(seed)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _, grads = loss_and_grads(params)
    if set(grads) != set(params):
        raise ValueError(f"grads must have the keys of params {sorted(params)}, got {sorted(grads)}")
    pairs = []
    for _ in range(n_dirs):
        d = {k: rng.normal(size=v.shape) for k, v in params.items()}
        norm = np.sqrt(sum(np.sum(v * v) for v in d.values()))
        d = {k: v / norm for k, v in d.items()}
        plus = {k: params[k] + eps * d[k] for k in params}
        minus = {k: params[k] - eps * d[k] for k in params}
        numeric = (loss_and_grads(plus)[0] - loss_and_grads(minus)[0]) / (2 * eps)
        analytic = sum(float(np.sum(grads[k] * d[k])) for k in params)
        pairs.append((analytic, numeric))
    return pairs


def check_grads(loss_and_grads, params, n_dirs=6, eps=1e-6, rtol=1e-6, atol=1e-8, seed=0):
    """Raise AssertionError unless every directional derivative matches its finite difference.

    The tolerance is |analytic − numeric| <= atol + rtol · max(|analytic|, |numeric|).
    Returns the largest relative error seen (useful to print).
    """
    worst = 0.0
    for i, (a, nmr) in enumerate(directional_check(loss_and_grads, params, n_dirs, eps, seed)):
        scale = max(abs(a), abs(nmr))
        if abs(a - nmr) > atol + rtol * scale:
            raise AssertionError(f"direction {i}: analytic {a!r} != finite difference {nmr!r} (rtol={rtol}, atol={atol})")
        worst = max(worst, abs(a - nmr) / scale if scale else 0.0)
    return worst


def numeric_grads(loss, params, eps=1e-6):
    """Entry-by-entry central differences of a scalar ``loss(params)``: a dict like params.

    Slow (two evaluations per entry); for small cases and for showing the idea.
    """
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    out = {}
    for k, v in params.items():
        g = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            old = v[idx]
            v[idx] = old + eps
            lp = loss(params)
            v[idx] = old - eps
            lm = loss(params)
            v[idx] = old
            g[idx] = (lp - lm) / (2 * eps)
        out[k] = g
    return out
