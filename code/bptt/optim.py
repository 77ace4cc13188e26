"""Plain gradient descent and gradient clipping over parameter dicts."""
from collections.abc import Mapping

import numpy as np

from .validate import FloatRangeError, check_positive_number, nonfinite_ignored


def _real_arrays(grads, name="grads"):
    """[(label, float64 array)] from a dict of arrays or any iterable of arrays."""
    if isinstance(grads, Mapping):
        items = [(f"{name}[{k!r}]", g) for k, g in grads.items()]
    elif isinstance(grads, (str, bytes)) or not hasattr(grads, "__iter__"):
        raise TypeError(f"{name} must be a dict of arrays or an iterable of arrays (a list, say), "
                        f"got {type(grads).__name__}")
    else:
        items = [(f"{name}[{i}]", g) for i, g in enumerate(grads)]
    out = []
    for label, g in items:
        arr = np.asarray(g)
        if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise TypeError(f"{label} must be an array of real numbers, got dtype {arr.dtype}")
        out.append((label, arr.astype(np.float64, copy=False)))
    return out


def global_norm(grads):
    """‖g‖ over all parameters together: sqrt(Σ_k ‖g_k‖_F²).

    grads: a dict of arrays (as the gradient routines return) or any iterable of arrays.
    Large finite gradients do not overflow in the squares; inf or NaN entries give inf or NaN.
    """
    arrays = [g for _, g in _real_arrays(grads)]
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sqrt(sum(np.sum(np.square(g)) for g in arrays))
        if np.isinf(total) and all(np.all(np.isfinite(g)) for g in arrays):
            scale = max(float(np.max(np.abs(g), initial=0.0)) for g in arrays)   # rescale, then square
            total = scale * np.sqrt(sum(np.sum(np.square(g / scale)) for g in arrays))
    return float(total)


def clip_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is at most ``max_norm`` (Pascanu et al. 2013).

    Keeps the direction of the update. Returns (clipped grads, norm before clipping).
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm!r}")
    norm = global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, norm


def clip_elementwise(grads, limit):
    """Clip every entry to [-limit, limit] (as Karpathy's min-char-rnn does); changes the direction."""
    if not limit > 0:
        raise ValueError(f"limit must be > 0, got {limit!r}")
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}


def sgd_step(params, grads, lr):
    """θ ← θ − lr · g, returning new arrays (the old parameters are left untouched).

    params, grads: dicts with the same keys and, key by key, the same shapes; lr: a finite number > 0.
    A parameter that overflows raises FloatRangeError naming it, unless the caller ignores
    overflow with ``np.errstate(over="ignore")`` (then the inf/NaN are returned).
    """
    for name, d in (("params", params), ("grads", grads)):
        if not isinstance(d, Mapping):
            raise TypeError(f"{name} must be a dict of arrays keyed like bptt.init_params returns, "
                            f"got {type(d).__name__}")
    lr = check_positive_number(lr, "lr")
    missing = sorted(set(params) - set(grads))
    if missing:
        raise ValueError(f"grads lack the parameters {missing}; grads must have the keys of params {sorted(params)}")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(f"grads[{k!r}] must have the shape of params[{k!r}], {np.shape(params[k])}, "
                             f"got {np.shape(grads[k])}")
    quiet = nonfinite_ignored()
    with np.errstate(over="ignore", invalid="ignore"):
        new = {k: params[k] - lr * grads[k] for k in params}
    if not quiet:
        for k, v in new.items():
            if not np.all(np.isfinite(v)):
                raise FloatRangeError(f"params[{k!r}] − lr · grads[{k!r}] is not finite (lr = {lr!r}, "
                                      f"max |grads[{k!r}]| = {np.max(np.abs(grads[k])):.3g}); use a smaller "
                                      "lr or clip the gradients (bptt.clip_global_norm)")
    return new
