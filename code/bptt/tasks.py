"""Synthetic sequence tasks with a known dependency length, for training experiments.

All return (X, Y): X of shape (T, B, m) float64 and integer targets Y of shape (T, B).
"""
import numpy as np

from .validate import check_positive_int


def delayed_recall(T, B, delay, rng=None, n_symbols=2):
    """Output, at every step t, the symbol seen ``delay`` steps ago (class 0 while t < delay).

    Inputs are one-hot symbols drawn uniformly from ``n_symbols``, so m = q = n_symbols; a
    network must carry each symbol for exactly ``delay`` steps. Returns X (T, B, n_symbols),
    Y (T, B), and the mask (T,) of steps whose target depends on the input (t >= delay).
    """
    T, B = check_positive_int(T, "T"), check_positive_int(B, "B")
    delay = check_positive_int(delay, "delay", minimum=0)
    k = check_positive_int(n_symbols, "n_symbols", minimum=2)
    if delay >= T:
        raise ValueError(f"delay must be < T = {T}, got {delay}")
    rng = np.random.default_rng(rng)
    s = rng.integers(0, k, size=(T, B))
    X = np.eye(k)[s]
    Y = np.zeros((T, B), dtype=np.intp)
    Y[delay:] = s[: T - delay]
    mask = np.arange(T) >= delay
    return X, Y, mask


def chance_loss(n_symbols):
    """Cross-entropy of a uniform guess over ``n_symbols`` classes, log k (the 'learned nothing' level)."""
    return float(np.log(n_symbols))
