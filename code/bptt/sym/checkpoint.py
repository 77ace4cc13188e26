"""SymPy and exact integers for the checkpointing chapter: what plain BPTT stores, the two
extremes, uniform checkpoints and their √T optimum, and the binomial numbers β(s, r) = C(s + r, s)
with the recurrence that makes them the longest chains a schedule can reverse.

Symbols: T time steps, n hidden units, B sequences in a batch, b bytes per number, k the
interval between uniform checkpoints, s slots, r recomputations (forward evaluations) per step.
"""
from functools import cache

import sympy as sp

from ..validate import check_positive_int

T, n, B, b, k = sp.symbols("T n B b k", positive=True)
s, r, t = sp.symbols("s r t", integer=True, nonnegative=True)


# --- plain BPTT ----------------------------------------------------------------------------------

def bptt_state_bytes():
    """Bytes of the states h_1..h_T that plain BPTT keeps for its backward sweep: T·B·n·b.

    (h_0 is given; D_t = f'(z_t) and ∂L/∂o_t are recomputed from h_t and y_t, so the states are
    all the sweep needs from the forward pass.)
    """
    return T * B * n * b


def state_bytes(T_, n_, B_, bytes_per_number=4):
    """bptt_state_bytes() at given sizes, as an exact Python int (float32: 4 bytes a number)."""
    T_, n_, B_ = (check_positive_int(v, name) for v, name in ((T_, "T"), (n_, "n"), (B_, "B")))
    bytes_per_number = check_positive_int(bytes_per_number, "bytes_per_number")
    return int(bptt_state_bytes().subs({T: T_, n: n_, B: B_, b: bytes_per_number}))


# --- the two extremes ----------------------------------------------------------------------------

def recompute_from_start():
    """Forward steps with only h_0 kept: the backward step at t first recomputes h_1..h_t from h_0,
    t steps, so the sweep costs Σ_{t=1}^{T} t (returned in closed form)."""
    return sp.factor(sp.summation(t, (t, 1, T)))


# --- uniform checkpoints -------------------------------------------------------------------------

def uniform_memory():
    """States held with a checkpoint every k steps: T/k checkpoints plus the k states of the
    segment being reversed (leading terms)."""
    return T / k + k


def uniform_optimum():
    """(k*, memory at k*): the interval that minimises uniform_memory() and the memory there."""
    (k_star,) = [sol for sol in sp.solve(sp.diff(uniform_memory(), k), k) if sol.is_positive]
    return k_star, sp.simplify(uniform_memory().subs(k, k_star))


# --- binomial numbers ----------------------------------------------------------------------------

def beta(s_=s, r_=r):
    """Griewank's β(s, r) = C(s + r, s), symbolic or at given integers."""
    return sp.binomial(s_ + r_, s_)


def pascal_gap():
    """β(s, r) − β(s − 1, r) − β(s, r − 1), simplified (zero: Pascal's rule)."""
    gap = beta(s, r) - beta(s - 1, r) - beta(s, r - 1)
    return sp.simplify(sp.combsimp(sp.expand_func(gap)))


@cache
def longest_chain(sigma, r_):
    """L(σ, r): the most states h_0, …, h_T that σ places (h_0 in one of them) reverse with
    every step evaluated at most r_ times, by its recurrence alone (no binomial coefficient):

        L(σ, r) = L(σ, r − 1) + L(σ − 1, r),   L(σ, 0) = 1,   L(1, r) = r + 1.

    The first stored state h_y goes as far out as the part below it allows: steps 1..y have been
    evaluated once, so h_0..h_{y-1} are reversed with r − 1 evaluations and σ places; h_y..h_T
    with r evaluations and σ − 1 places (h_y plays h_0).
    """
    sigma, r_ = check_positive_int(sigma, "sigma"), check_positive_int(r_, "r", minimum=0)
    if r_ == 0:
        return 1
    if sigma == 1:
        return r_ + 1
    return longest_chain(sigma, r_ - 1) + longest_chain(sigma - 1, r_)


def closed_form(T_, slots):
    """Griewank's count of forward steps, from longest_chain alone (exact int):

        F(T, s) = r (T + 1) − L(s + 2, r − 1),   r the least with L(s + 1, r) ≥ T + 1,

    with the book's convention (h_0 free, ``slots`` further states, the first pass counted).
    """
    T_ = check_positive_int(T_, "T", minimum=0)
    slots = check_positive_int(slots, "slots", minimum=0)
    if T_ == 0:
        return 0
    r_ = 0
    while longest_chain(slots + 1, r_) < T_ + 1:
        r_ += 1
    return r_ * (T_ + 1) - longest_chain(slots + 2, r_ - 1)


def truncated_forward_steps(T_, tau, slots, steps):
    """Forward steps of truncated BPTT over T_ steps in pieces of tau, each piece reversed with
    ``slots`` slots; ``steps(n, s)`` gives the forward steps of one piece of n steps."""
    T_, tau = check_positive_int(T_, "T"), check_positive_int(tau, "tau")
    slots = check_positive_int(slots, "slots", minimum=0)
    full, rest = divmod(T_, tau)
    return full * steps(tau, slots) + (steps(rest, slots) if rest else 0)
