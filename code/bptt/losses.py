"""Softmax and cross-entropy, written for logits of shape (..., q).

Targets are integer class indices in 0..q-1 with the shape of the logits minus their last axis;
anything else (−1, q, floats, another shape) is refused with a message naming ``Y``. Logits
holding NaN or inf are refused too (naming ``O``), except inside
``np.errstate(over="ignore")`` or ``np.errstate(invalid="ignore")``, where they pass through
as NaN for figures that mark an overflow upstream.
"""
from contextlib import nullcontext

import numpy as np

from .validate import check_class_indices, nonfinite_ignored


def _logits(O, name="O"):
    """(O as float64 of shape (..., q) with q >= 1, a context for computing with it).

    Non-finite logits raise unless the caller ignores overflow; then the context silences the
    inf − inf of the max shift, so the NaN passes through without a warning.
    """
    try:
        O = np.asarray(O, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers, logits of shape (..., q) ({exc})") from None
    if O.ndim == 0 or O.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (..., q) with q >= 1 classes on the last axis, got {O.shape}")
    if np.isfinite(O).all():
        return O, nullcontext()
    if not nonfinite_ignored():
        bad = ~np.isfinite(O)
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains NaN or infinite values ({int(bad.sum())} entries, the first at "
                         f"index {where}); logits must be finite (a NaN here usually comes from an "
                         "overflow upstream)")
    return O, np.errstate(invalid="ignore")


def _targets(Y, O):
    """Class indices Y with the shape O.shape[:-1] and values in 0..q-1."""
    return check_class_indices(Y, O.shape[:-1], O.shape[-1], "Y", "O.shape[:-1]")


def log_softmax(O):
    """log softmax over the last axis, computed stably. O: (..., q) -> (..., q)."""
    O, quiet = _logits(O)
    with quiet:
        shifted = O - O.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(O):
    """ŷ = softmax(o) over the last axis. O: (..., q) -> (..., q)."""
    return np.exp(log_softmax(O))


def one_hot(Y, q):
    """Integer targets Y: (...,) in 0..q-1 -> one-hot rows (..., q)."""
    return np.eye(q)[check_class_indices(Y, None, q)]


def cross_entropy(O, Y):
    """ℓ(y, ŷ) = -log ŷ_y for each position. O: (..., q) logits, Y: (...,) ints in 0..q-1 -> (...,)."""
    logp = log_softmax(O)
    return -np.take_along_axis(logp, _targets(Y, logp)[..., None], axis=-1)[..., 0]


def softmax_cross_entropy(O, Y):
    """ℓ and ŷ together, with a single exp. O: (..., q) logits, Y: (...,) ints in 0..q-1.

    Returns (ℓ of shape (...,), ŷ of shape (..., q)).
    """
    O, quiet = _logits(O)
    Y = _targets(Y, O)
    with quiet:
        shifted = O - O.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=-1, keepdims=True)
        picked = np.take_along_axis(shifted, Y[..., None], axis=-1)
        return (np.log(s) - picked)[..., 0], e / s
