"""Plain gradient descent and gradient clipping over parameter dicts."""
import numpy as np


def global_norm(grads):
    """‖g‖ over all parameters together: sqrt(Σ_k ‖g_k‖_F²)."""
    return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))


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
    """θ ← θ − lr · g, returning new arrays (the old parameters are left untouched)."""
    missing = sorted(set(params) - set(grads))
    if missing:
        raise ValueError(f"grads lack the parameters {missing}")
    return {k: params[k] - lr * grads[k] for k in params}
