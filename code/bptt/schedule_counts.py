"""The counts of checkpointing schedules: forward steps and stored states, exact ints.

The counting convention is the one of :mod:`bptt.schedule` (h_0 free, ``slots`` further
states stored at once, every forward step h_{t-1} -> h_t counted, the first pass included).
"""
import math
from functools import cache, lru_cache

import numpy as np

from .validate import check_positive_int


def _count_arg(value, name, minimum=0):
    return check_positive_int(value, name, minimum)


def beta(s, r):
    """Griewank's β(s, r) = C(s + r, s): the longest chain that s checkpoints (x_0 among them)
    reverse with every step advanced at most r times.

    In this module's convention (h_0 free, ``slots`` further states) the longest T that
    ``slots`` stored states reverse with at most r forward evaluations of each step is
    β(slots + 1, r) - 1.
    """
    s, r = _count_arg(s, "s"), _count_arg(r, "r")
    return math.comb(s + r, s)


def _repetitions(T, slots):
    """The least r with β(slots + 1, r) ≥ T + 1: the most forward evaluations of any step."""
    r = 0
    while math.comb(slots + 1 + r, r) < T + 1:
        r += 1
    return r


@cache
def _binomial(T, slots):
    if slots == 0 or T == 0:
        return T * (T + 1) // 2                                # r = T: 1 + 2 + … + T
    r = _repetitions(T, slots)
    return r * (T + 1) - math.comb(slots + 1 + r, r - 1)     # r·l − β(s+1, r−1)


def binomial_forward_steps(T, slots):
    """Griewank's closed form for the least number of forward steps, int.

    With l = T + 1, s = slots + 1 and r the least integer with β(s, r) ≥ l
    (so β(s, r-1) < T + 1 ≤ β(s, r)): forward steps = r·(T + 1) − β(s + 1, r − 1).
    """
    return _binomial(_count_arg(T, "T", 1), _count_arg(slots, "slots"))


@lru_cache(maxsize=64)
def _dp_table(slots, n_max):
    """F[n, s] for n ≤ n_max, s ≤ slots, as an int64 array (the dynamic programme)."""
    F = np.zeros((n_max + 1, slots + 1), dtype=np.int64)
    n = np.arange(n_max + 1)
    F[:, 0] = n * (n + 1) // 2
    for s in range(1, slots + 1):
        for k in range(1, n_max + 1):
            y = n[1:k + 1]                                    # first stored state b + y
            F[k, s] = np.min(y + F[k - y, s - 1] + F[y - 1, s])
    return F


DP_LIMIT = 4096      # beyond this T, optimal_forward_steps uses the closed form
DP_BUDGET = 1 << 14  # nor beyond this (slots+1)·T, rounded up to powers of two


def optimal_forward_steps(T, slots):
    """The least number of forward steps of a backward sweep over T steps with ``slots`` stored
    states, by dynamic programming (Gruslys et al. 2016's formulation, in this module's
    convention: h_0 free, the first forward pass counted).

    F(n, s), the cost of reversing n steps above a state already at hand, with s free slots:
      F(0, s) = 0,   F(n, 0) = n(n+1)/2,
      F(n, s) = min_{1≤y≤n} [ y + F(n−y, s−1) + F(y−1, s) ]
    (advance y steps and store that state; reverse the n−y steps above it with one slot fewer;
    restore and free it for the backward step at it; reverse the y−1 steps below it).
    So F(T, s) = T for s ≥ T−1 and F(T, 0) = T(T+1)/2. The tables are memoised and cost
    about (slots+1)·T² operations: beyond DP_BUDGET = (slots+1)·T, or T > DP_LIMIT, the
    closed form (:func:`binomial_forward_steps`, tested equal for T ≤ 200) is returned.
    """
    T, slots = _count_arg(T, "T", 1), _count_arg(slots, "slots")
    slots = min(slots, T - 1)
    if slots == T - 1:
        return T
    n_max = 1 << max(4, (T - 1).bit_length())           # share tables between nearby T
    columns = 1 << slots.bit_length()
    if T > DP_LIMIT or columns * n_max > DP_BUDGET:
        return _binomial(T, slots)
    return int(_dp_table(columns, n_max)[T, slots])


def uniform_forward_steps(T, k):
    """Forward steps with a checkpoint every k steps: T + (⌈T/k⌉ − 1)(k − 1).

    The first pass stores h_k, h_2k, … and the states of the last segment; the backward
    sweep then recomputes each earlier segment once (k − 1 steps, its top state being a
    checkpoint).
    """
    T, k = _count_arg(T, "T", 1), _count_arg(k, "k", 1)
    k = min(k, T)
    return T + (-(-T // k) - 1) * (k - 1)


def uniform_slots(T, k):
    """Peak stored states of the uniform schedule with a checkpoint every k steps.

    With S = ⌈T/k⌉ segments: the first pass ends holding S − 1 checkpoints and the
    T − 1 − (S−1)k inner states of the last segment; recomputing segment S − 2 holds
    S − 2 checkpoints and its k − 2 inner states (its top state stays current).
    """
    T, k = _count_arg(T, "T", 1), _count_arg(k, "k", 1)
    k = min(k, T)
    S = -(-T // k)
    first = (S - 1) + (T - 1 - (S - 1) * k)
    return max(first, S - 2 + max(k - 2, 0)) if S >= 2 else first


def uniform_spacing(T, slots=None):
    """The checkpoint spacing k of the uniform schedule: ⌈√T⌉ when slots is None, else the k
    with fewest forward steps among those whose peak fits in ``slots`` (ValueError if none)."""
    T = _count_arg(T, "T", 1)
    if slots is None:
        return math.isqrt(T - 1) + 1 if T > 1 else 1
    slots = _count_arg(slots, "slots")
    fits = [k for k in range(1, T + 1) if uniform_slots(T, k) <= slots]
    if not fits:
        least = min(uniform_slots(T, k) for k in range(1, T + 1))
        raise ValueError(f"slots: the uniform schedule over T = {T} steps needs at least "
                         f"{least} slots, got {slots}; use schedule='binomial'")
    return min(fits, key=lambda k: (uniform_forward_steps(T, k), uniform_slots(T, k)))
