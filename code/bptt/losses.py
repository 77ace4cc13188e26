"""Softmax and cross-entropy, written for logits of shape (..., q)."""
import numpy as np


def log_softmax(O):
    """log softmax over the last axis, computed stably. O: (..., q) -> (..., q)."""
    O = np.asarray(O, dtype=float)
    shifted = O - O.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(O):
    """ŷ = softmax(o) over the last axis. O: (..., q) -> (..., q)."""
    return np.exp(log_softmax(O))


def one_hot(Y, q):
    """Integer targets Y: (...,) -> one-hot rows (..., q)."""
    return np.eye(q)[np.asarray(Y)]


def cross_entropy(O, Y):
    """ℓ(y, ŷ) = -log ŷ_y for each position. O: (..., q) logits, Y: (...,) ints -> (...,)."""
    logp = log_softmax(O)
    return -np.take_along_axis(logp, np.asarray(Y)[..., None], axis=-1)[..., 0]


def softmax_cross_entropy(O, Y):
    """ℓ and ŷ together, with a single exp. O: (..., q) logits, Y: (...,) ints.

    Returns (ℓ of shape (...,), ŷ of shape (..., q)).
    """
    O = np.asarray(O, dtype=float)
    shifted = O - O.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(shifted, np.asarray(Y)[..., None], axis=-1)
    return (np.log(s) - picked)[..., 0], e / s
