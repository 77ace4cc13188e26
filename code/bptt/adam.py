"""Adam (Kingma & Ba 2015), the optimiser of the gated-networks experiment, over parameter dicts.

    m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,   θ ← θ − lr · m̂ / (√v̂ + ε)
    with the bias corrections m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ) at update t = 1, 2, ...

Each parameter moves by about lr whatever the size of its gradient, so a small but consistent
gradient (a long-range one, say) is followed as readily as a large one: plain SGD with the
same step would barely move on it.
"""
import numpy as np


def adam_init(params):
    """The optimiser's state for ``params``: t = 0 and zero moments m, v shaped like params."""
    return {"t": 0, "m": {k: np.zeros_like(v, dtype=float) for k, v in params.items()},
            "v": {k: np.zeros_like(v, dtype=float) for k, v in params.items()}}


def adam_step(params, grads, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update. Returns (new params, new state); the arguments are left untouched."""
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    b1, b2 = betas
    if not (0 <= b1 < 1 and 0 <= b2 < 1):
        raise ValueError(f"betas must lie in [0, 1), got {betas!r}")
    missing = sorted(set(params) - set(grads))
    if missing:
        raise ValueError(f"grads lack the parameters {missing}")
    t = state["t"] + 1
    m = {k: b1 * state["m"][k] + (1 - b1) * grads[k] for k in params}
    v = {k: b2 * state["v"][k] + (1 - b2) * grads[k] ** 2 for k in params}
    new = {k: params[k] - lr * (m[k] / (1 - b1 ** t)) / (np.sqrt(v[k] / (1 - b2 ** t)) + eps) for k in params}
    return new, {"t": t, "m": m, "v": v}
