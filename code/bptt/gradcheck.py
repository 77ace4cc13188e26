"""A finite-difference gradient checker for any routine with the ``(loss, grads)`` contract.

Central differences along random directions (as HIPS/autograd checks its rules): for a
unit direction d in parameter space,

    (L(θ + εd) − L(θ − εd)) / 2ε  ≈  ⟨∇L(θ), d⟩,   error O(ε²).

One direction probes every entry of every parameter at once, so a few directions catch
a wrong entry anywhere, at the cost of two loss evaluations each.
"""
import numbers
from collections.abc import Mapping

import numpy as np

from .i18n import t

CONTRACT = ("loss_and_grads must return (loss, grads): loss a real number, grads a dict with the keys "
            "of params, each entry of its parameter's shape")


def _call(loss_and_grads, params, want_grads=True):
    """Call loss_and_grads and check what it returned against the (loss, grads) contract."""
    out = loss_and_grads(params)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{CONTRACT}; got {type(out).__name__} {out!r:.60}")
    loss, grads = out
    if isinstance(loss, (bool, np.bool_)) or not (isinstance(loss, numbers.Real) or
                                                   (isinstance(loss, np.ndarray) and loss.shape == ()
                                                    and np.issubdtype(loss.dtype, np.number))):
        raise TypeError(f"{CONTRACT}; the loss is {type(loss).__name__} {loss!r:.60}, not a real number")
    if want_grads:
        if not isinstance(grads, Mapping):
            raise TypeError(f"{CONTRACT}; grads is {type(grads).__name__}, not a dict")
        if set(grads) != set(params):
            raise ValueError(f"{CONTRACT}; grads has the keys {sorted(grads)}, params {sorted(params)}")
        for k, v in params.items():
            if np.shape(grads[k]) != v.shape:
                raise ValueError(f"{CONTRACT}; grads[{k!r}] has shape {np.shape(grads[k])}, "
                                 f"params[{k!r}] has {v.shape}")
    return float(loss), grads


def directional_check(loss_and_grads, params, n_dirs=6, eps=1e-6, seed=0):
    """Compare analytic and central-difference directional derivatives.

    loss_and_grads: params -> (loss, grads), grads a dict with the keys of params.
    Returns a list of (analytic, numeric) pairs, one per random direction.
    """
    if not callable(loss_and_grads):
        raise TypeError(f"loss_and_grads must be a function params -> (loss, grads), got {type(loss_and_grads).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    rng = np.random.default_rng(seed)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _, grads = _call(loss_and_grads, params)
    pairs = []
    for _ in range(n_dirs):
        d = {k: rng.normal(size=v.shape) for k, v in params.items()}
        norm = np.sqrt(sum(np.sum(v * v) for v in d.values()))
        d = {k: v / norm for k, v in d.items()}
        plus = {k: params[k] + eps * d[k] for k in params}
        minus = {k: params[k] - eps * d[k] for k in params}
        numeric = (_call(loss_and_grads, plus, False)[0] - _call(loss_and_grads, minus, False)[0]) / (2 * eps)
        analytic = sum(float(np.sum(grads[k] * d[k])) for k in params)
        pairs.append((analytic, numeric))
    return pairs


def check_grads(loss_and_grads, params, n_dirs=6, eps=1e-6, rtol=1e-6, atol=1e-8, seed=0):
    """Raise AssertionError unless every directional derivative matches its finite difference.

    The tolerance is |analytic − numeric| <= atol + rtol · max(|analytic|, |numeric|). The
    message is in the current language (:mod:`bptt.i18n`).
    Returns the largest relative error seen (useful to print).
    """
    worst = 0.0
    for i, (a, nmr) in enumerate(directional_check(loss_and_grads, params, n_dirs, eps, seed)):
        scale = max(abs(a), abs(nmr))
        if abs(a - nmr) > atol + rtol * scale:
            raise AssertionError(t("direction {i}: analytic {a!r} != finite difference {b!r} (rtol={rtol}, atol={atol})")
                                 .format(i=i, a=a, b=nmr, rtol=rtol, atol=atol))
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
