"""Checkpointed BPTT (issue 14): the schedules' counts and the gradient they give.

Counts are checked against numbers derived by hand, against a brute-force search over every
schedule for tiny T, and the dynamic programme against Griewank's closed form. The gradient
is checked against bptt_grads, against finite differences, and bit for bit across schedules.
"""
import math
import tracemalloc
from collections import deque

import numpy as np
import pytest

import bptt
from bptt.activations import ACTIVATIONS
from bptt.checkpoint import (
    Action,
    beta,
    binomial_forward_steps,
    checkpointed_grads,
    count,
    optimal_forward_steps,
    replay,
    schedule,
    uniform_forward_steps,
    uniform_slots,
    uniform_spacing,
)
from bptt.schedule import _uniform_actions

# -- counts -------------------------------------------------------------------------------------


def test_beta_is_the_binomial_coefficient():
    assert [beta(2, r) for r in range(5)] == [1, 3, 6, 10, 15]      # C(2 + r, 2) by hand
    assert beta(0, 7) == 1 and beta(5, 0) == 1
    for s in range(1, 8):
        for r in range(1, 8):
            assert beta(s, r) == beta(s - 1, r) + beta(s, r - 1)    # Pascal's rule
            assert beta(s, r) == beta(r, s)


def brute_force(T, slots):
    """Fewest forward steps over every schedule, by a 0-1 breadth-first search.

    A state is (current t, stored set, next backward step); any stored state may be freed or
    restored at any time, so this searches a superset of the schedules the module builds.
    """
    start = (0, frozenset(), T)
    best = {start: 0}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        cur, stored, nxt = node
        cost = best[node]
        if nxt == 0:
            return cost
        moves = [((j, stored, nxt), 0) for j in stored | {0}]                 # restore
        moves += [((cur, stored - {j}, nxt), 0) for j in stored]              # free
        if cur >= 1 and cur not in stored and len(stored) < slots:
            moves.append(((cur, stored | {cur}, nxt), 0))                     # store
        if cur == nxt:
            moves.append(((cur, stored, nxt - 1), 0))                         # backward
        if cur < nxt:
            moves.append(((cur + 1, stored, nxt), 1))                         # advance
        for nb, c in moves:
            if nb not in best or cost + c < best[nb]:
                best[nb] = cost + c
                (todo.appendleft if c == 0 else todo.append)(nb)
    raise AssertionError("no schedule found")


@pytest.mark.parametrize("T", range(1, 8))
def test_dynamic_programme_equals_brute_force(T):
    for slots in range(0, 4):
        assert optimal_forward_steps(T, slots) == brute_force(T, slots), (T, slots)


def test_the_two_extremes():
    for T in range(1, 60):
        assert optimal_forward_steps(T, 0) == T * (T + 1) // 2      # 1 + 2 + … + T
        assert optimal_forward_steps(T, T - 1) == T                 # store every state
        assert optimal_forward_steps(T, T + 5) == T
        if T >= 2:
            assert optimal_forward_steps(T, T - 2) == T + 1         # one step recomputed


def test_dynamic_programme_equals_closed_form():
    for T in range(1, 201):
        for slots in range(0, 9):
            assert optimal_forward_steps(T, slots) == binomial_forward_steps(T, slots), (T, slots)


def test_closed_form_by_hand():
    # T = 1000, 10 slots: l = 1001, s = 11; β(11, 3) = 364 < 1001 ≤ β(11, 4) = 1365, so r = 4
    # and the count is 4·1001 − β(12, 3) = 4004 − 455 = 3549.
    assert binomial_forward_steps(1000, 10) == 3549
    assert optimal_forward_steps(1000, 10) == 3549
    # T = 10**6 beyond the DP: 3 slots, r with β(4, r) ≥ 10**6 + 1
    r = next(r for r in range(1000) if math.comb(4 + r, 4) >= 10**6 + 1)
    assert optimal_forward_steps(10**6, 3) == r * (10**6 + 1) - math.comb(5 + r - 1, 5)


def test_beta_bounds_the_repetitions():
    """With `slots` stored states, T = β(slots+1, r) − 1 steps are reversed with every step
    advanced at most r times; one step more, and the schedule advances some step r+1 times."""
    for slots in range(0, 4):
        for r in range(1, 5):
            T = beta(slots + 1, r) - 1
            per_step = np.bincount([a.t for a in schedule(T, slots) if a.op == "advance"])
            assert per_step[1:].max() <= r, (slots, r)
            more = np.bincount([a.t for a in schedule(T + 1, slots) if a.op == "advance"])
            assert more[1:].max() == r + 1, (slots, r)


# -- the schedules themselves -------------------------------------------------------------------

def freed_at_last_restore(actions):
    """Every stored h_t's last restore comes right before the backward step at t, so freeing
    the slot there or at the backward step counts the same peak."""
    last = {t: i for i, (op, t) in enumerate(actions) if op == "restore" and t > 0}
    return all(actions[i + 1] == Action("backward", t) for t, i in last.items())


def test_freed_at_last_restore_can_fail():
    a = [Action(*x) for x in [("advance", 1), ("store", 1), ("advance", 2), ("backward", 2),
                              ("restore", 1), ("restore", 0), ("advance", 1), ("backward", 1)]]
    assert replay(a, 2, 1)["peak_slots"] == 1
    assert freed_at_last_restore(a[:5] + a[7:])
    assert not freed_at_last_restore(a)


@pytest.mark.parametrize("T", [1, 2, 3, 7, 12, 30])
def test_binomial_schedule_is_optimal_and_within_its_slots(T):
    for slots in range(0, T + 1):
        actions = schedule(T, slots)
        c = replay(actions, T, slots)
        assert c == count(actions)
        assert c["forward"] == optimal_forward_steps(T, slots)
        assert c["peak_slots"] <= slots
        assert [a.t for a in actions if a.op == "backward"] == list(range(T, 0, -1))
        assert freed_at_last_restore(actions)


def test_uniform_counts_by_hand():
    assert uniform_forward_steps(1000, 32) == 1000 + 31 * 31        # 32 segments, 31 redone
    assert uniform_forward_steps(10, 3) == 10 + 3 * 2
    assert uniform_slots(10, 3) == 3        # h_3, h_6, h_9; then h_3 + h_4 while redoing 4..5
    assert uniform_forward_steps(7, 7) == 7 and uniform_slots(7, 7) == 6
    assert uniform_forward_steps(7, 1) == 7 and uniform_slots(7, 1) == 6
    assert uniform_spacing(1000) == 32 and uniform_spacing(1024) == 32


@pytest.mark.parametrize("T", [1, 2, 5, 10, 17, 40])
def test_uniform_schedule_matches_its_counts(T):
    for k in range(1, T + 1):
        actions = list(_uniform_actions(T, k))
        c = replay(actions, T, uniform_slots(T, k))
        assert c["forward"] == uniform_forward_steps(T, k)
        assert c["peak_slots"] == uniform_slots(T, k)
        assert [a.t for a in actions if a.op == "backward"] == list(range(T, 0, -1))
        assert freed_at_last_restore(actions)


def test_uniform_with_slots_picks_a_spacing_that_fits():
    for T in (10, 50):
        least = min(uniform_slots(T, k) for k in range(1, T + 1))
        for slots in range(least, T + 1):
            assert replay(schedule(T, slots, "uniform"), T, slots)["peak_slots"] <= slots
        with pytest.raises(ValueError, match="slots.*at least"):
            schedule(T, least - 1, "uniform")


@pytest.mark.parametrize("broken,words", [
    (lambda a: [x for x in a if x != Action("store", 2)], "not stored"),
    (lambda a: [x for x in a if x != Action("backward", 3)], "backward step at 3"),
    (lambda a: [x for x in a if x != Action("backward", 1)], "before the backward step at 1"),
    (lambda a: [x for x in a if x.op != "restore"], "expected the backward step"),
])
def test_replay_refuses_impossible_schedules(broken, words):
    actions = schedule(6, 2)
    replay(actions, 6, 2)
    with pytest.raises(ValueError, match=words):
        replay(broken(actions), 6, 2)
    with pytest.raises(ValueError, match="over 1 slots"):
        replay(actions, 6, 1)


# -- the gradient -------------------------------------------------------------------------------

def problem(T, B=3, m=4, n=5, q=3, seed=0):
    rng = np.random.default_rng(seed)
    params = bptt.init_params(m, n, q, seed=seed, spectral_radius=0.9)
    params["b_h"], params["b_q"] = rng.normal(0, 0.3, size=n), rng.normal(0, 0.3, size=q)
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    return params, X, Y, rng.normal(size=(B, n)), rng.uniform(0.2, 2.0, size=T)


def assert_same_gradient(got, want):
    (loss, grads), (loss0, grads0) = got, want
    assert abs(loss - loss0) <= 1e-12 * abs(loss0)
    assert set(grads) == set(grads0)
    for k in grads0:
        np.testing.assert_allclose(grads[k], grads0[k], rtol=1e-12,
                                   atol=1e-12 * np.abs(grads0[k]).max(), err_msg=k)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("T", [1, 2, 7])
@pytest.mark.parametrize("given", [False, True])
def test_equals_bptt_grads(activation, T, given):
    params, X, Y, h0, w = problem(T, seed=T)
    h0, w = (h0, w) if given else (None, None)
    want = bptt.bptt_grads(params, X, Y, h0, activation, w)
    least = min(uniform_slots(T, k) for k in range(1, T + 1))
    for slots in [None, *range(0, T + 1)]:
        got = checkpointed_grads(params, X, Y, h0, activation, w, slots=slots)
        assert_same_gradient(got, want)
        if slots is None or slots >= least:
            got = checkpointed_grads(params, X, Y, h0, activation, w, slots, "uniform")
            assert_same_gradient(got, want)


def test_bit_for_bit_the_same_for_every_schedule():
    """A recomputed h_t is the first one to the bit, and the sums run over t = T..1 always."""
    T = 25
    params, X, Y, h0, w = problem(T, B=4, m=3, n=6, q=5, seed=3)
    loss0, grads0 = checkpointed_grads(params, X, Y, h0, "tanh", w, slots=T - 1)
    for slots, kind in [(0, "binomial"), (1, "binomial"), (4, "binomial"),
                        (None, "uniform"), (12, "uniform")]:
        loss, grads = checkpointed_grads(params, X, Y, h0, "tanh", w, slots, kind)
        assert loss == loss0
        for k in grads0:
            np.testing.assert_array_equal(grads[k], grads0[k], err_msg=f"{k} {slots} {kind}")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_finite_differences(activation):
    params, X, Y, h0, w = problem(6, seed=5)
    bptt.check_grads(lambda p: checkpointed_grads(p, X, Y, h0, activation, w, slots=1), params)


def test_memory_grows_by_less_than_a_state_per_step():
    """tracemalloc's peak over T = 50 and T = 200 with 4 slots: bptt_grads keeps several
    (B, n) arrays per step; checkpointed_grads must keep well under one."""
    B, m, n, q = 32, 4, 64, 8
    state = B * n * 8

    def peak(fn, T):
        params, X, Y, _, _ = problem(T, B, m, n, q, seed=1)
        fn(params, X, Y)                                # warm the schedule's caches
        tracemalloc.start()
        fn(params, X, Y)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    def per_step(fn):
        return (peak(fn, 200) - peak(fn, 50)) / 150 / state

    assert per_step(lambda p, X, Y: bptt.bptt_grads(p, X, Y)) > 2       # the test can fail
    assert per_step(lambda p, X, Y: checkpointed_grads(p, X, Y, slots=4)) < 0.25


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kw,error,words", [
    ({"slots": -1}, ValueError, ["slots", ">= 0"]),
    ({"slots": 2.5}, TypeError, ["slots", "integer"]),
    ({"slots": True}, TypeError, ["slots", "integer"]),
    ({"slots": "3"}, TypeError, ["slots", "integer"]),
    ({"schedule": "revolve"}, ValueError, ["schedule", "binomial", "uniform", "revolve"]),
    ({"schedule": "uniform", "slots": 1}, ValueError, ["slots", "at least"]),
    ({"activation": "softplus"}, ValueError, ["activation", "tanh"]),
    ({"weights": np.ones(3)}, ValueError, ["weights", "(T,)"]),
    ({"h0": np.zeros((2, 5))}, ValueError, ["h0", "(B, n)"]),
])
def test_bad_arguments_are_named(kw, error, words):
    params, X, Y, _, _ = problem(6)
    with pytest.raises(error) as info:
        checkpointed_grads(params, X, Y, **kw)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_bad_data_is_named():
    params, X, Y, _, _ = problem(6)
    with pytest.raises(ValueError, match="X must have shape"):
        checkpointed_grads(params, X[..., :2], Y)
    with pytest.raises(ValueError, match="Y must hold class indices"):
        checkpointed_grads(params, X, Y + 5)
    with pytest.raises(ValueError, match="X must hold at least one time step"):
        checkpointed_grads(params, X[:0], Y[:0])


@pytest.mark.parametrize("fn,args,name", [
    (beta, (-1, 2), "s"), (beta, (1, 1.5), "r"),
    (optimal_forward_steps, (0, 2), "T"), (optimal_forward_steps, (5, -1), "slots"),
    (binomial_forward_steps, (5, None), "slots"), (uniform_forward_steps, (5, 0), "k"),
    (uniform_slots, (True, 2), "T"), (schedule, (5, 2, "random"), "kind"),
])
def test_schedule_functions_name_bad_arguments(fn, args, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(*args)


def test_overflow_names_the_step():
    """The same first step as bptt_grads names, found by the first forward pass."""
    params, X, Y, _, _ = problem(40, seed=2)
    params = dict(params, W_hh=1e10 * np.eye(5))
    with pytest.raises(bptt.validate.FloatRangeError) as want:
        bptt.bptt_grads(params, X, Y, activation="identity")
    step = str(want.value).split("step t = ")[1].split()[0]
    with pytest.raises(bptt.validate.FloatRangeError, match=f"from step t = {step} on"):
        checkpointed_grads(params, X, Y, activation="identity", slots=3)
    with np.errstate(over="ignore", invalid="ignore"):
        loss, _ = checkpointed_grads(params, X, Y, activation="identity", slots=3)
    assert not np.isfinite(loss)
