"""SymPy and exact integers for the checkpointing chapter: what plain BPTT stores, the two
extremes, uniform checkpoints and their √T optimum, and the binomial numbers Λ(s, μ) = C(s + μ, s) (Griewank's β)
with the recurrence that makes them the longest chains a schedule can reverse.

Symbols: T time steps, n hidden units, B sequences in a batch, b bytes per number, k the
interval between uniform checkpoints, s slots, μ forward evaluations per step (Griewank's r; the book keeps r for a lag).
"""
from functools import cache

import sympy as sp

from ..validate import check_positive_int

T, n, B, b, k = sp.symbols("T n B b k", positive=True)
s, mu, t = sp.symbols("s mu t", integer=True, nonnegative=True)


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

def beta(s_=s, mu_=mu):
    """Λ(s, μ) = C(s + μ, s) (Griewank's β(s, r)), symbolic or at given integers."""
    return sp.binomial(s_ + mu_, s_)


def pascal_gap():
    """Λ(s, μ) − Λ(s − 1, μ) − Λ(s, μ − 1), simplified (zero: Pascal's rule)."""
    gap = beta(s, mu) - beta(s - 1, mu) - beta(s, mu - 1)
    return sp.simplify(sp.combsimp(sp.expand_func(gap)))


@cache
def longest_chain(s_bar, mu_):
    """Λ(s̄, μ): the most states h_0, …, h_T that s̄ places (h_0 in one of them) reverse with
    every step evaluated at most μ times, by its recurrence alone (no binomial coefficient):

        Λ(s̄, μ) = Λ(s̄, μ − 1) + Λ(s̄ − 1, μ),   Λ(s̄, 0) = 1,   Λ(1, μ) = μ + 1.

    The first stored state h_y goes as far out as the part below it allows: steps 1..y have been
    evaluated once, so h_0..h_{y-1} are reversed with μ − 1 evaluations and s̄ places; h_y..h_T
    with μ evaluations and s̄ − 1 places (h_y plays h_0).
    """
    s_bar, mu_ = check_positive_int(s_bar, "s_bar"), check_positive_int(mu_, "mu", minimum=0)
    if mu_ == 0:
        return 1
    if s_bar == 1:
        return mu_ + 1
    return longest_chain(s_bar, mu_ - 1) + longest_chain(s_bar - 1, mu_)


def closed_form(T_, slots):
    """Griewank's count of forward steps, from longest_chain alone (exact int):

        F(T, s) = μ (T + 1) − Λ(s + 2, μ − 1),   μ the least with Λ(s + 1, μ) ≥ T + 1,

    with the book's convention (h_0 free, ``slots`` further states, the first pass counted).
    """
    T_ = check_positive_int(T_, "T", minimum=0)
    slots = check_positive_int(slots, "slots", minimum=0)
    if T_ == 0:
        return 0
    mu_ = 0
    while longest_chain(slots + 1, mu_) < T_ + 1:
        mu_ += 1
    return mu_ * (T_ + 1) - longest_chain(slots + 2, mu_ - 1)


def truncated_forward_steps(T_, tau, slots, steps):
    """Forward steps of truncated BPTT over T_ steps in pieces of tau, each piece reversed with
    ``slots`` slots; ``steps(n, s)`` gives the forward steps of one piece of n steps."""
    T_, tau = check_positive_int(T_, "T"), check_positive_int(tau, "tau")
    slots = check_positive_int(slots, "slots", minimum=0)
    full, rest = divmod(T_, tau)
    return full * steps(tau, slots) + (steps(rest, slots) if rest else 0)
