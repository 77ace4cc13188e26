"""The checkpointing chapter: every displayed formula held to the library or to an independent
construction (SymPy, exact integers, a brute-force search over all schedules), the explorable's
frames drawn legibly, and the page as a reader sees it. The library's own tests (exactness of
checkpointed_grads, the schedules' validity) are in tests/test_checkpoint.py."""
import heapq
import itertools
import re
from math import comb, isqrt

import numpy as np
import pytest
import sympy as sp
from page_checks import (
    chapter,
    check_figure_sizes,
    check_legible,
    check_prose_numbers,
    long_code_lines,
    pages,
    plain_total_derivatives,
)

import bptt
from bptt import checkpoint as cp
from bptt.sym import checkpoint as S
from bptt.viz import checkpoint as V
from conftest import make_problem

PAGES = ("checkpointing", "measured_checkpointing")
KEYS = ("W_hx", "W_hh", "b_h", "W_qh", "b_q")


def _pages():
    """The chapter and its measured section, front matter dropped (it is not prose)."""
    return pages(*PAGES)


# --- an independent optimum: Dijkstra over every schedule of a short sequence ---------------------

def brute_force_forward_steps(T, slots, max_evals=None):
    """The fewest forward steps of any schedule, by a shortest-path search over the states
    (current state, stored set, next backward step, evaluations so far of each step).

    Moves: advance (cost 1), store the current state in a free slot, restore a stored state or
    h_0, free a slot, the backward step at t with h_t current (each cost 0). With max_evals,
    no step may be evaluated more than that many times (None if impossible)."""
    start = (0, frozenset(), T, (0,) * T if max_evals else ())
    best, heap = {start: 0}, [(0, start)]
    while heap:
        cost, state = heapq.heappop(heap)
        if cost > best[state]:
            continue
        current, stored, nxt, evals = state
        if nxt == 0:
            return cost
        moves = []
        if current < nxt and (max_evals is None or evals[current] < max_evals):
            e = list(evals)
            if max_evals:
                e[current] += 1
            moves.append((1, (current + 1, stored, nxt, tuple(e))))
        if current not in stored and current != 0 and len(stored) < slots:
            moves.append((0, (current, stored | {current}, nxt, evals)))
        for u in stored | {0}:
            moves.append((0, (u, stored, nxt, evals)))
        for u in stored:
            moves.append((0, (current, stored - {u}, nxt, evals)))
        if current == nxt:
            moves.append((0, (current, frozenset(v for v in stored if v < nxt), nxt - 1, evals)))
        for c, new in moves:
            if cost + c < best.get(new, np.inf):
                best[new] = cost + c
                heapq.heappush(heap, (cost + c, new))
    return None


def evaluations_per_step(actions, T):
    """How many times each step h_{t-1} -> h_t is evaluated by a schedule (index t-1)."""
    n = np.zeros(T, dtype=int)
    for op, t in actions:
        if op == "advance":
            n[t - 1] += 1
    return n


def test_brute_force_search_finds_the_known_extremes():
    """The search itself: store nothing is T(T+1)/2, store everything is T."""
    for T in range(1, 6):
        assert brute_force_forward_steps(T, 0) == T * (T + 1) // 2
        assert brute_force_forward_steps(T, T - 1) == T
    assert brute_force_forward_steps(4, 0, max_evals=3) is None


# --- the formulas ----------------------------------------------------------------------------------

@pytest.mark.formula("eq-checkpointing-key", "eq-checkpointing-closed")
def test_closed_form_is_the_optimum_of_every_schedule():
    """Griewank's count equals the fewest forward steps of any schedule (exhaustive search for
    short sequences) and the library's DP and closed form for T ≤ 300, s ≤ 10."""
    for T in range(1, 8):
        for s in range(0, 4):
            assert S.closed_form(T, s) == brute_force_forward_steps(T, s), (T, s)
    for T in range(1, 301):
        for s in range(0, 11):
            assert S.closed_form(T, s) == cp.optimal_forward_steps(T, s) == cp.binomial_forward_steps(T, s)


@pytest.mark.formula("eq-checkpointing-key")
def test_box_numbers_and_r_is_the_most_evaluations_of_a_step():
    """T = 1000 with 10 slots: the box's count, attained by a valid schedule in which no step
    is evaluated more than r times, r the least with β(s+1, r) ≥ T + 1."""
    T, s = 1000, 10
    r = next(r for r in itertools.count() if comb(s + 1 + r, r) >= T + 1)
    assert r * (T + 1) - comb(s + 2 + r - 1, s + 2) == cp.optimal_forward_steps(T, s)
    actions = cp.schedule(T, s)
    assert cp.replay(actions, T, s)["forward"] == cp.optimal_forward_steps(T, s)
    assert evaluations_per_step(actions, T).max() == r
    for T in range(2, 80):
        for s in range(0, 5):
            r = next(r for r in itertools.count() if comb(s + 1 + r, r) >= T + 1)
            assert evaluations_per_step(cp.schedule(T, s), T).max() == r, (T, s)


@pytest.mark.formula("eq-checkpointing-step")
@pytest.mark.parametrize("activation", sorted(bptt.activations.ACTIVATIONS))
def test_backward_step_needs_only_h_t(rng, activation):
    """δ_t and the gradients rebuilt from the states alone, one step at a time from t = T: ∂L/∂o_t
    from h_t, f'(z_t) from h_t, and W_hh's term δ_{t+1} h_tᵀ added at step t (δ_1 h_0ᵀ last)."""
    T, B, m, n, q = 7, 3, 2, 4, 3
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    h0 = rng.normal(scale=0.5, size=(B, n))
    w = rng.uniform(0.5, 1.5, size=T)
    out = bptt.backward(params, X, Y, h0=h0, activation=activation, weights=w)
    H = out["H"]
    g = {k: np.zeros_like(v) for k, v in params.items()}
    delta_next, carry = None, np.zeros((B, n))
    for t in range(T, 0, -1):
        h = H[t]
        o = h @ params["W_qh"].T + params["b_q"]
        y_hat = np.exp(o - o.max(-1, keepdims=True))
        y_hat /= y_hat.sum(-1, keepdims=True)
        dO = w[t - 1] * (y_hat - np.eye(q)[Y[t - 1]])
        delta = bptt.df_from_h(h, activation) * (dO @ params["W_qh"] + carry)
        np.testing.assert_allclose(delta, out["delta"][t - 1], rtol=1e-12, atol=1e-14)
        g["W_qh"] += dO.T @ h
        g["b_q"] += dO.sum(0)
        if delta_next is not None:
            g["W_hh"] += delta_next.T @ h
        g["W_hx"] += delta.T @ X[t - 1]
        g["b_h"] += delta.sum(0)
        carry, delta_next = delta @ params["W_hh"], delta
    g["W_hh"] += delta_next.T @ h0
    for k in KEYS:
        np.testing.assert_allclose(g[k], out["grads"][k], rtol=1e-11, atol=1e-13, err_msg=k)


@pytest.mark.formula("eq-checkpointing-memory")
def test_memory_of_the_states():
    """T·B·n·b bytes: the symbolic count, a real float32 array of the states, the prose's sizes."""
    assert sp.simplify(S.bptt_state_bytes() - S.T * S.B * S.n * S.b) == 0
    params = bptt.init_params(3, 5, 2, seed=0)
    X = np.random.default_rng(0).normal(size=(11, 4, 3))
    H, _ = bptt.forward(params, X)
    assert H[1:].astype(np.float32).nbytes == S.state_bytes(11, 5, 4, 4)
    assert S.state_bytes(10_000, 1024, 64) == 10_000 * 1024 * 64 * 4
    assert f"{S.state_bytes(10_000, 1024, 64) / 1e9:.1f}" == "2.6"        # the figure


@pytest.mark.formula("eq-checkpointing-extremes")
def test_the_two_extremes():
    assert sp.simplify(S.recompute_from_start() - S.T * (S.T + 1) / 2) == 0
    assert sp.summation(S.t, (S.t, 1, S.T)).subs(S.T, 9) == 45
    for T in range(1, 40):
        assert cp.replay(cp.schedule(T, T - 1), T, T - 1)["forward"] == T
        assert cp.replay(cp.schedule(T, 0), T, 0)["forward"] == T * (T + 1) // 2
        assert cp.optimal_forward_steps(T, 0) == sum(range(1, T + 1))


def uniform_by_hand(T, k):
    """Forward steps of uniform checkpoints, counted: one pass, then every segment but the last
    recomputed from its bottom checkpoint up to (not including) its stored top."""
    segments = [(a, min(a + k, T)) for a in range(0, T, k)]
    return T + sum(b - a - 1 for a, b in segments[:-1])


@pytest.mark.formula("eq-checkpointing-uniform")
def test_uniform_checkpoints_count_and_memory():
    for T in range(1, 120):
        for k in range(1, T + 1):
            assert cp.uniform_forward_steps(T, k) == uniform_by_hand(T, k), (T, k)
            assert cp.uniform_forward_steps(T, k) == T + (-(-T // k) - 1) * (k - 1)
    for T in range(4, 120, 5):
        for k in range(2, T // 2 + 1):
            slots = cp.uniform_slots(T, k)
            assert T / k + k - 4 <= slots <= T / k + k, (T, k)     # M(k) ≈ T/k + k
            peak = cp.replay(cp.schedule(T, slots, "uniform"), T, slots)["peak_slots"]
            assert peak == cp.uniform_slots(T, cp.uniform_spacing(T, slots)) <= slots


@pytest.mark.formula("eq-checkpointing-sqrt")
def test_square_root_interval():
    k_star, m_star = S.uniform_optimum()
    assert sp.simplify(k_star - sp.sqrt(S.T)) == 0 and sp.simplify(m_star - 2 * sp.sqrt(S.T)) == 0
    assert sp.simplify(sp.diff(S.uniform_memory(), S.k) - (1 - S.T / S.k ** 2)) == 0
    for T in (100, 400, 2500):
        ks = np.arange(1, T + 1)
        assert abs(ks[np.argmin(T / ks + ks)] - isqrt(T)) <= 1
        assert cp.uniform_forward_steps(T, isqrt(T)) == 2 * T - 2 * isqrt(T) + 1


@pytest.mark.formula("eq-checkpointing-dp")
def test_dynamic_programme_recurrence_holds():
    """The library's optimum satisfies the displayed recurrence (its values on the right), and
    equals the exhaustive search where that is feasible."""
    def F(T, s):
        return 0 if T == 0 else cp.optimal_forward_steps(T, s)

    for T in range(1, 61):
        assert F(T, 0) == T * (T + 1) // 2
        for s in range(1, 7):
            assert F(T, s) == min(y + F(T - y, s - 1) + F(y - 1, s) for y in range(1, T + 1)), (T, s)
    assert [F(6, 2) - y - F(6 - y, 1) - F(y - 1, 2) for y in range(1, 7)] == [0, 0, 0, 0, -2, -4]


@pytest.mark.formula("eq-checkpointing-beta")
def test_longest_chain_is_binomial_and_is_attained():
    """Pascal's rule symbolically; the recurrence gives C(σ + r, σ); and with s slots and at most r
    evaluations a step, β(s+1, r) − 1 steps can be reversed and one more cannot (exhaustive)."""
    assert S.pascal_gap() == 0
    for a, c in itertools.product(range(1, 12), range(0, 12)):
        assert S.longest_chain(a, c) == comb(a + c, a) == cp.beta(a, c)
    for s, r in [(0, 1), (0, 3), (1, 1), (1, 2), (2, 1)]:
        T = comb(s + 1 + r, r) - 1
        assert brute_force_forward_steps(T, s, max_evals=r) is not None, (s, r)
        assert brute_force_forward_steps(T + 1, s, max_evals=r) is None, (s, r)


@pytest.mark.formula("eq-checkpointing-truncated")
def test_checkpointing_inside_truncation(rng):
    """Regular truncation with checkpointed pieces: the same truncated gradient, and the forward
    steps the formula gives (counted from the pieces' schedules)."""
    from bptt.truncation import truncated_grads

    T, tau, s = 12, 4, 1
    params, X, Y = make_problem(rng, T, 2, 2, 4, 3)
    H, _ = bptt.forward(params, X)
    total = {k: 0.0 for k in KEYS}
    for a in range(0, T, tau):
        _, g = cp.checkpointed_grads(params, X[a:a + tau], Y[a:a + tau], h0=H[a], slots=s)
        total = {k: total[k] + g[k] for k in KEYS}
    _, g_tr = truncated_grads(params, X, Y, tau, "chunked")
    for k in KEYS:
        np.testing.assert_allclose(total[k], g_tr[k], rtol=1e-10, atol=1e-12, err_msg=k)
    for T, tau, s in [(12, 4, 1), (10_000, 100, 4), (103, 10, 2)]:
        pieces = [min(tau, T - a) for a in range(0, T, tau)]
        counted = sum(cp.count(cp.schedule(p, s))["forward"] for p in pieces)
        assert S.truncated_forward_steps(T, tau, s, cp.optimal_forward_steps) == counted


# --- the worked case and the exercises --------------------------------------------------------------

def test_worked_case_six_steps_two_slots():
    actions = cp.schedule(6, 2)
    assert cp.replay(actions, 6, 2) == {"forward": 9, "peak_slots": 2, "backward": 6}
    assert brute_force_forward_steps(6, 2) == 9
    assert actions[:5] == [cp.Action("advance", t) for t in (1, 2, 3, 4)] + [cp.Action("store", 4)]


def test_exercise_numbers():
    """A million steps with four evaluations a step; the equal-time comparison at T = 1000."""
    T, r = 10**6, 4
    s = next(s for s in itertools.count() if comb(s + 1 + r, r) >= T + 1)
    assert comb(s + r, r) < T + 1 <= comb(s + 1 + r, r)
    assert cp.binomial_forward_steps(T, s) <= r * T
    uni = cp.uniform_forward_steps(1000, 32)
    s_eq = min(s for s in range(1000) if cp.optimal_forward_steps(1000, s) <= uni)
    assert s_eq < cp.uniform_slots(1000, 32)


# --- the figures -------------------------------------------------------------------------------------

def test_diagram_rows_hold_the_schedule():
    """Rows: one per forward or backward step; the stored states live from store to freeing
    restore, so the most alive at once is the schedule's peak."""
    for T, s in [(6, 2), (24, 3), (40, 1), (10, 9)]:
        actions = cp.schedule(T, s)
        d = V.diagram_rows(actions)
        c = cp.replay(actions, T, s)
        assert len(d["advance"]) == c["forward"] and len(d["backward"]) == T
        assert d["rows"] == c["forward"] + T
        alive = [sum(first <= row < last for _, first, last in d["stored"]) for row in range(d["rows"] + 1)]
        assert max(alive, default=0) == c["peak_slots"]


def explorable_grid():
    text = chapter("checkpointing")
    Ts = re.search(r'"T": control\(\[([\d, ]+)\]', text).group(1)
    slots = re.search(r'"slots": control\(\[([\d, ]+)\]', text).group(1)
    return [int(v) for v in Ts.split(",")], [int(v) for v in slots.split(",")]


def test_explorable_frames_render_legibly():
    from matplotlib.figure import Figure

    from bptt.viz import nonfinite_count

    Ts, slots = explorable_grid()
    assert len(Ts) * len(slots) <= 120
    size = check_figure_sizes(_pages())["figsize"]
    corners = [(T, s) for T in (Ts[0], 24, Ts[-1]) for s in (slots[0], 3, slots[-1])]
    for T, s in corners:                   # the browser tests check every built frame
        fig = Figure(figsize=size, layout="constrained")
        V.draw_explorer(fig, T, s)
        assert nonfinite_count(fig) == 0
        check_legible(fig)


def test_measured_figure_draws_and_fits(rng):
    from matplotlib.figure import Figure

    rows = V.measure_runs([("binomial", 7), ("uniform", None), ("binomial", 0)], T=8, n=3, B=2, m=2, q=2,
                          repeats=1)
    assert [r["schedule"] for r in rows] == ["bptt", "binomial", "uniform", "binomial"]
    assert [r["forward"] for r in rows] == [8, 8, cp.uniform_forward_steps(8, 3), 36]
    assert all(r["seconds"] > 0 and r["peak_bytes"] > 0 for r in rows)
    fig = Figure(figsize=(7.1, 3.2), layout="constrained")
    slope, icept = V.draw_measured(fig, rows)
    assert np.isfinite(slope) and np.isfinite(icept)
    check_legible(fig)


def test_bad_input_names_the_argument():
    from matplotlib.figure import Figure

    for call, words in [(lambda: S.state_bytes(0, 4, 4), ["T", ">= 1"]),
                        (lambda: S.state_bytes(4, 4, 4, bytes_per_number=2.5), ["bytes_per_number"]),
                        (lambda: S.longest_chain(0, 2), ["s_bar"]),
                        (lambda: S.closed_form(5, -1), ["slots", ">= 0"]),
                        (lambda: S.truncated_forward_steps(10, 0, 1, cp.optimal_forward_steps), ["tau"]),
                        (lambda: V.tradeoff(0), ["T"]),
                        (lambda: V.draw_explorer(Figure(), 6, -1), ["slots"])]:
        with pytest.raises((ValueError, TypeError)) as info:
            call()
        for word in words:
            assert word in str(info.value), (str(info.value), word)


# --- the page as a reader sees it ------------------------------------------------------------------

PROSE_NUMBERS = {"given": set(), "held": {}}


def test_checkpointing_prose_numbers_are_glued_or_held():
    for page in PAGES:
        check_prose_numbers(chapter(page), PROSE_NUMBERS, partial=True)
    check_prose_numbers(_pages(), PROSE_NUMBERS)


def test_checkpointing_code_fits_the_column():
    assert [line for page in PAGES for line in long_code_lines(chapter(page))] == []


def test_checkpointing_totals_carry_the_plus():
    assert plain_total_derivatives(_pages()) == []


def test_checkpointing_layout_and_citations():
    """You need / key box / You should now be able to; the five works cited; 4+ exercises, each
    with a solution; the measured section linked."""
    text = chapter("checkpointing")
    assert text.index("**You need:**") < text.index(":class: key-result") < text.index("## What the backward")
    assert "## You should now be able to" in text
    for key in ("griewank1992", "griewank2000revolve", "chen2016sublinear", "gruslys2016", "mackay2018reversible"):
        assert key in text, key
    labels = re.findall(r":label: (ex-checkpointing-\d+)", text)
    assert len(labels) >= 4 and all(f"{{solution}} {lab}" in text for lab in labels)
    assert "{doc}`measured_checkpointing`" in text
    for doc in ("bptt_elman", "truncation", "rtrl"):
        assert f"{{doc}}`{doc}`" in text.split("```{admonition}")[0], doc
