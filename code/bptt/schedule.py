"""Checkpointing schedules for the backward sweep: which states to store, restore, recompute.

The counting convention used throughout (exact Python ints):

* States h_0, h_1, …, h_T. A **forward step** is one evaluation h_{t-1} -> h_t; every one
  counts, the first forward pass included.
* h_0 is given and kept free of charge. ``slots`` counts the *other* states stored at once.
  Besides them there is one working state, the **current** one (the state just advanced to
  or restored), which is not a slot.
* The backward step at t (``backward``) takes h_t as the current state: with it it forms
  ∂L/∂o_t, δ_t and the terms of step t that involve h_t, and it completes the term
  δ_{t+1} h_tᵀ of step t+1; the h_{t-1} that step t needs is thus supplied by the next
  backward step (and h_0, kept free, by the last). The steps run in the order T, T-1, …, 1.

Then storing everything (slots ≥ T-1) costs T forward steps, and slots = 0 costs
1 + 2 + … + T = T(T+1)/2. With l = T+1 and s = slots+1 this is Griewank's setting
(x_0 = h_0 in a checkpoint, the reversal of step i needing x_{i-1} = h_{i-1}), so
optimal_forward_steps(T, slots) = t(T+1, slots+1) in Griewank & Walther's notation.

Actions are ``Action(op, t)``:
  advance t   compute h_t from the current h_{t-1}; h_t becomes current (one forward step)
  store t     keep the current h_t in a free slot
  restore t   make the stored h_t (or h_0) current; it stays stored
  backward t  the backward step at t; the current state must be h_t. It frees the slot of
              h_t, if stored: no later action needs h_t (the steps run downwards). In the
              schedules built here it comes right after the last restore of h_t, so
              "the last restore frees the slot" counts the same; this rule needs no look-ahead,
              and the actions can be consumed from a generator (:func:`iter_schedule`)
"""
import math
from functools import cache
from typing import NamedTuple

from .schedule_counts import (
    _binomial,
    _count_arg,
    beta,
    binomial_forward_steps,
    optimal_forward_steps,
    uniform_forward_steps,
    uniform_slots,
    uniform_spacing,
)

__all__ = ["Action", "KINDS", "beta", "binomial_forward_steps", "count", "iter_schedule",
           "optimal_forward_steps", "replay", "schedule", "uniform_forward_steps",
           "uniform_slots", "uniform_spacing"]

KINDS = ("binomial", "uniform")


class Action(NamedTuple):
    """One action of a schedule: op in {"advance", "store", "restore", "backward"}, time t."""
    op: str
    t: int


def _binomial_actions(T, slots):
    """Yield the actions of the optimal sweep: the recursion on the best split, with a stack.

    Reversing steps b+1..b+n with h_b current and s free slots: advance y steps, store h_{b+y},
    reverse the n−y steps above it with s−1 slots, restore h_{b+y} for its backward step,
    then restore h_b and reverse the y−1 steps below. The stack holds at most 4(slots + 1) tasks.
    """
    todo = [(0, T, slots)]
    while todo:
        task = todo.pop()
        if isinstance(task, Action):
            yield task
            continue
        b, n, s = task
        y = _best_split(n, s)
        for t in range(b + 1, b + y + 1):
            yield Action("advance", t)
        later = []
        if y < n:
            yield Action("store", b + y)
            later += [(b + y, n - y, s - 1), Action("restore", b + y)]
        later.append(Action("backward", b + y))
        if y > 1:
            later += [Action("restore", b), (b, y - 1, s)]
        todo += reversed(later)


@cache
def _best_split(n, s):
    """The largest y minimising y + F(n−y, s−1) + F(y−1, s) (closed form for F)."""
    if s == 0 or n == 1:
        return n
    if s >= n - 1:
        return 1
    F = _binomial_or_zero
    return min(range(n, 0, -1), key=lambda y: y + F(n - y, s - 1) + F(y - 1, s))


def _binomial_or_zero(T, slots):
    return _binomial(T, min(slots, T - 1)) if T > 0 else 0


def _uniform_actions(T, k):
    """Yield the actions of the uniform schedule with a checkpoint every k steps."""
    S = -(-T // k)
    top = (S - 1) * k                                   # the last segment starts here
    for t in range(1, T + 1):
        yield Action("advance", t)
        if t < T and (t % k == 0 or t > top):
            yield Action("store", t)
    yield Action("backward", T)
    for t in range(T - 1, top, -1):
        yield from (Action("restore", t), Action("backward", t))
    for j in range(S - 2, -1, -1):                      # segment (jk, (j+1)k]
        c, e = j * k, (j + 1) * k
        yield from (Action("restore", e), Action("backward", e))
        if k > 1:
            yield Action("restore", c)
            for t in range(c + 1, e):
                yield Action("advance", t)
                if t < e - 1:
                    yield Action("store", t)
            yield Action("backward", e - 1)
            for t in range(e - 2, c, -1):
                yield from (Action("restore", t), Action("backward", t))


def iter_schedule(T, slots=None, kind="binomial"):
    """The actions of :func:`schedule` one at a time (a generator; memory independent of T)."""
    T = _count_arg(T, "T", 1)
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if kind == "uniform":
        return _uniform_actions(T, uniform_spacing(T, slots))
    slots = math.isqrt(T - 1) + 1 if slots is None else _count_arg(slots, "slots")
    return _binomial_actions(T, min(slots, T - 1))


def schedule(T, slots=None, kind="binomial"):
    """The list of actions of a backward sweep over T steps (see the module docstring).

    kind "binomial": optimal for ``slots`` stored states (slots None: ⌈√T⌉), by the
    revolve-like recursion on the dynamic programme's best split; its forward steps equal
    optimal_forward_steps(T, slots). kind "uniform": a checkpoint every k steps, k from
    :func:`uniform_spacing` (⌈√T⌉ when slots is None). Pure; returns a new list.
    """
    return list(iter_schedule(T, slots, kind))


def replay(actions, T, slots):
    """Simulate ``actions`` and return count(actions); raise ValueError at the first action
    that is impossible: advancing from a state that is not current, storing with no free slot,
    restoring a state not stored, a backward step without its state current or out of the
    order T..1, or a sweep that does not end with every backward step done."""
    T, slots = _count_arg(T, "T", 1), _count_arg(slots, "slots")
    current, stored, next_back = 0, set(), T
    forward = peak = backward = 0
    for i, (op, t) in enumerate(actions):
        where = f"action {i} {Action(op, t)}"
        if op == "advance":
            if current != t - 1 or not 1 <= t <= T:
                raise ValueError(f"{where}: the current state is h_{current}, not h_{t - 1}")
            current, forward = t, forward + 1
        elif op == "store":
            if current != t or t in stored or t == 0:
                raise ValueError(f"{where}: cannot store h_{t} (current h_{current})")
            stored.add(t)
            if len(stored) > slots:
                raise ValueError(f"{where}: {len(stored)} states stored, over {slots} slots")
            peak = max(peak, len(stored))
        elif op == "restore":
            if t != 0 and t not in stored:
                raise ValueError(f"{where}: h_{t} is not stored")
            current = t
        elif op == "backward":
            if t != next_back or current != t:
                raise ValueError(f"{where}: expected the backward step at {next_back} "
                                 f"with h_{next_back} current, have h_{current}")
            next_back, backward = t - 1, backward + 1
            stored.discard(t)
        else:
            raise ValueError(f"{where}: unknown op {op!r}")
    if next_back != 0:
        raise ValueError(f"the actions end before the backward step at {next_back}")
    return {"forward": forward, "peak_slots": peak, "backward": backward}


def count(actions):
    """dict(forward=…, peak_slots=…, backward=…) of an iterable of actions (no checks; see replay)."""
    forward = backward = peak = 0
    stored = set()
    for op, t in actions:
        if op == "advance":
            forward += 1
        elif op == "store":
            stored.add(t)
            peak = max(peak, len(stored))
        elif op == "backward":
            backward += 1
            stored.discard(t)
    return {"forward": forward, "peak_slots": peak, "backward": backward}
