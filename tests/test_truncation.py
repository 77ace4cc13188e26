"""Truncated BPTT: full, regular (chunked), sliding and randomized, each against an independent construction."""
import itertools
import re as _re

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
from bptt.gradient_terms import combine_terms, lag_sums, randomized_mse, reweighting_mask, term_grads, term_mask
from bptt.losses import cross_entropy
from bptt.sym import truncation as S
from bptt.train_truncated import nominal_length, pieces, train_truncated
from bptt.truncation import (
    _sweep,
    chunk_edges,
    randomized_truncation_grads,
    reweighted_grads,
    sample_edge_weights,
    truncated_grads,
)
from conftest import make_problem

KEYS = ("W_hx", "W_hh", "b_h", "W_qh", "b_q")


def flat(g):
    return np.concatenate([np.ravel(g[k]) for k in KEYS])


def assert_grads_close(a, b, rtol=1e-10, atol=1e-12):
    for k in KEYS:
        np.testing.assert_allclose(a[k], b[k], rtol=rtol, atol=atol, err_msg=k)


@pytest.fixture
def problem(rng):
    T, B, m, n, q = 9, 3, 2, 4, 3
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=1.1)
    h0 = rng.normal(scale=0.5, size=(B, n))
    w = rng.uniform(0.2, 1.5, size=T)
    return params, X, Y, h0, w


# --- the contract: tau >= T is full BPTT, to the last bit --------------------------------------------

@pytest.mark.parametrize("mode", ["chunked", "sliding"])
@pytest.mark.parametrize("extra", [0, 1, 7])
def test_tau_at_least_T_is_bptt_exactly(problem, mode, extra):
    params, X, Y, h0, w = problem
    loss, g = bptt.bptt_grads(params, X, Y, h0=h0, weights=w)
    loss_t, g_t = truncated_grads(params, X, Y, X.shape[0] + extra, mode, h0=h0, weights=w)
    assert loss_t == loss
    for k in KEYS:
        assert np.array_equal(g_t[k], g[k]), k


def test_pi_one_is_bptt_exactly(problem):
    params, X, Y, h0, w = problem
    loss, g = bptt.bptt_grads(params, X, Y, h0=h0, weights=w)
    for pi in (1.0, np.ones(X.shape[0])):
        loss_r, g_r = randomized_truncation_grads(params, X, Y, pi, rng=0, h0=h0, weights=w)
        assert loss_r == loss and all(np.array_equal(g_r[k], g[k]) for k in KEYS)


@pytest.mark.parametrize("mode", ["chunked", "sliding"])
def test_loss_is_never_truncated(problem, mode):
    params, X, Y, h0, w = problem
    assert truncated_grads(params, X, Y, 2, mode, h0=h0, weights=w)[0] == pytest.approx(
        bptt.bptt_grads(params, X, Y, h0=h0, weights=w)[0], rel=1e-14)


def test_the_two_modes_agree_at_tau_one_and_differ_between(problem):
    params, X, Y, h0, w = problem
    assert_grads_close(truncated_grads(params, X, Y, 1, "chunked", h0=h0, weights=w)[1],
                       truncated_grads(params, X, Y, 1, "sliding", h0=h0, weights=w)[1])
    c = truncated_grads(params, X, Y, 3, "chunked", h0=h0, weights=w)[1]
    s = truncated_grads(params, X, Y, 3, "sliding", h0=h0, weights=w)[1]
    assert np.abs(flat(c) - flat(s)).max() > 1e-3


# --- truncated = the exact gradient of a detached objective, built independently ---------------------

@pytest.mark.formula("eq-truncation-sweep")
@pytest.mark.parametrize("tau", [1, 2, 3, 4, 8])
def test_chunked_is_bptt_on_detached_chunks(problem, tau):
    """Run bptt_grads on each piece, the carried-in state a constant h0; the sum is the chunked gradient."""
    params, X, Y, h0, w = problem
    T = X.shape[0]
    H, _ = bptt.forward(params, X, h0=h0)
    total = {k: 0.0 for k in KEYS}
    for a in range(0, T, tau):
        b = min(a + tau, T)
        _, g = bptt.bptt_grads(params, X[a:b], Y[a:b], h0=H[a], weights=w[a:b])
        total = {k: total[k] + g[k] for k in KEYS}
    assert_grads_close(truncated_grads(params, X, Y, tau, "chunked", h0=h0, weights=w)[1], total)


@pytest.mark.formula("eq-truncation-window")
@pytest.mark.parametrize("tau", [1, 2, 3, 5, 8])
def test_sliding_is_bptt_on_one_window_per_loss(problem, tau):
    """Loss s alone (weights one-hot), backpropagated over its window s-τ+1..s from a constant state."""
    params, X, Y, h0, w = problem
    T = X.shape[0]
    H, _ = bptt.forward(params, X, h0=h0)
    total = {k: 0.0 for k in KEYS}
    for s in range(T):
        a = max(0, s - tau + 1)
        only_s = np.zeros(s + 1 - a)
        only_s[-1] = w[s]
        _, g = bptt.bptt_grads(params, X[a:s + 1], Y[a:s + 1], h0=H[a], weights=only_s)
        total = {k: total[k] + g[k] for k in KEYS}
    assert_grads_close(truncated_grads(params, X, Y, tau, "sliding", h0=h0, weights=w)[1], total)


def surrogate_loss(p, X, Y, xi, Hbar, w):
    """A loss whose value is L but whose gradient at the frozen trajectory Hbar is the reweighted estimate:
    step t reads h̄_{t-1} + ξ_t (h_{t-1} − h̄_{t-1}), so every path through that edge is scaled by ξ_t."""
    h, total = Hbar[0], 0.0
    for t in range(X.shape[0]):
        h_in = Hbar[t] + xi[t] * (h - Hbar[t])
        h = np.tanh(X[t] @ p["W_hx"].T + h_in @ p["W_hh"].T + p["b_h"])
        total += w[t] * cross_entropy(h @ p["W_qh"].T + p["b_q"], Y[t]).sum()
    return total


@pytest.mark.parametrize("kind", ["chunked", "random", "arbitrary"])
def test_reweighted_grads_are_the_gradient_of_the_surrogate(problem, rng, kind):
    """Finite differences of the detached (ξ = 0 at the cuts) or reweighted objective."""
    params, X, Y, h0, w = problem
    T = X.shape[0]
    xi = {"chunked": chunk_edges(T, 3), "random": sample_edge_weights(0.6, T, rng),
          "arbitrary": rng.uniform(-1.5, 2.5, size=T)}[kind]
    Hbar, _ = bptt.forward(params, X, h0=h0)
    fn = reweighted_grads if kind != "chunked" else (lambda p, X, Y, xi, **kw: truncated_grads(p, X, Y, 3, **kw))
    bptt.check_grads(lambda p: (surrogate_loss(p, X, Y, xi, Hbar, w), fn(params, X, Y, xi, h0=h0, weights=w)[1]),
                     params)


@pytest.mark.parametrize("tau", [2, 4])
def test_sliding_grads_are_the_gradient_of_the_windowed_objective(problem, tau):
    params, X, Y, h0, w = problem
    Hbar, _ = bptt.forward(params, X, h0=h0)

    def windowed(p):
        total = 0.0
        for s in range(X.shape[0]):
            a = max(0, s - tau + 1)
            h = Hbar[a]                                          # the state entering the window, held constant
            for t in range(a, s + 1):
                h = np.tanh(X[t] @ p["W_hx"].T + h @ p["W_hh"].T + p["b_h"])
            total += w[s] * cross_entropy(h @ p["W_qh"].T + p["b_q"], Y[s]).sum()
        return total

    g = truncated_grads(params, X, Y, tau, "sliding", h0=h0, weights=w)[1]
    bptt.check_grads(lambda p: (windowed(p), g), params)


def test_the_checker_rejects_a_truncated_gradient_as_the_full_one(problem):
    """The finite-difference check can fail: the chunked gradient is not ∂L/∂θ."""
    params, X, Y, h0, w = problem
    g = truncated_grads(params, X, Y, 3, "chunked", h0=h0, weights=w)[1]
    with pytest.raises(AssertionError):
        bptt.check_grads(lambda p: (bptt.bptt_grads(p, X, Y, h0=h0, weights=w)[0], g), params)


# --- the grid of terms --------------------------------------------------------------------------

@pytest.mark.formula("eq-truncation-terms", "eq-truncation-masks")
def test_every_estimate_is_a_masked_sum_of_terms(problem, rng):
    params, X, Y, h0, w = problem
    T = X.shape[0]
    loss, G = term_grads(params, X, Y, h0=h0, weights=w)
    loss_f, g = bptt.bptt_grads(params, X, Y, h0=h0, weights=w)
    assert loss == pytest.approx(loss_f, rel=1e-14)
    assert_grads_close(combine_terms(G, term_mask(T)), g)
    s, k = np.triu_indices(T, 1)
    assert all(np.all(G[key][s, k] == 0) for key in KEYS), "no term with k > s"
    for mode, tau in itertools.product(["chunked", "sliding"], [1, 2, 4, 6]):
        assert_grads_close(combine_terms(G, term_mask(T, tau, mode)),
                           truncated_grads(params, X, Y, tau, mode, h0=h0, weights=w)[1])
    xi = sample_edge_weights(0.5, T, rng)
    assert_grads_close(combine_terms(G, reweighting_mask(xi)), reweighted_grads(params, X, Y, xi, h0=h0, weights=w)[1])


@pytest.mark.formula("eq-truncation-delta")
def test_each_term_is_the_gradient_of_one_loss_through_one_step(problem):
    """G_{s,k} of W_hh, built from the definition: the gradient of L_s alone, minus that with the window one shorter."""
    params, X, Y, h0, w = problem
    _, G = term_grads(params, X, Y, h0=h0, weights=w)
    H, _ = bptt.forward(params, X, h0=h0)
    for s, k in [(4, 4), (4, 2), (6, 0), (8, 3)]:
        def window(a):                                            # ∂L_s/∂W_hh through steps a..s only
            only_s = np.zeros(s + 1 - a)
            only_s[-1] = w[s]
            return bptt.bptt_grads(params, X[a:s + 1], Y[a:s + 1], h0=H[a], weights=only_s)[1]["W_hh"]
        shorter = window(k + 1) if k < s else 0.0
        np.testing.assert_allclose(G["W_hh"][s, k], window(k) - shorter, rtol=1e-9, atol=1e-12)


def test_term_masks_and_counts():
    T, tau = 12, 4
    assert term_mask(T).sum() == T * (T + 1) / 2
    assert term_mask(T, tau, "chunked").sum() == T * (tau + 1) / 2
    assert term_mask(T, tau, "sliding").sum() == tau * T - tau * (tau - 1) / 2
    assert np.all(term_mask(T, tau, "sliding") >= term_mask(T, tau, "chunked")), "sliding keeps every chunked term"
    np.testing.assert_array_equal(reweighting_mask(chunk_edges(T, tau)), term_mask(T, tau, "chunked"))


def test_a_window_of_tau_leaves_nothing_at_lags_tau_and_beyond(problem):
    params, X, Y, h0, w = problem
    _, G = term_grads(params, X, Y, h0=h0, weights=w)
    sums = lag_sums(G, term_mask(X.shape[0], 3, "sliding"))
    assert all(np.all(v[3:] == 0) and np.any(v[2] != 0) for k, v in sums.items() if k in ("W_hh", "W_hx", "b_h"))


# --- randomized truncation: unbiased, with the variance the formula says ---------------------------

@pytest.mark.formula("eq-truncation-xi", "eq-truncation-unbiased", "eq-truncation-mse")
@pytest.mark.parametrize("pi", [0.3, 0.7, [0.9, 0.5, 0.8, 0.6, 0.4]])
def test_exact_expectation_and_variance_by_enumeration(rng, pi):
    """Every cut pattern of a T = 5 sequence, weighted by its probability: the mean is g, the spread the formula."""
    T = 5
    params, X, Y = make_problem(rng, T, 2, 2, 3, 2, spectral_radius=1.2)
    _, g = bptt.bptt_grads(params, X, Y)
    pis = np.broadcast_to(np.asarray(pi, float), (T,))
    mean, mse = 0.0, 0.0
    for keep in itertools.product([False, True], repeat=T):
        keep = np.array(keep)
        prob = np.prod(np.where(keep, pis, 1 - pis))
        est = flat(reweighted_grads(params, X, Y, np.where(keep, 1 / pis, 0.0))[1])
        mean = mean + prob * est
        mse += prob * np.sum((est - flat(g)) ** 2)
    np.testing.assert_allclose(mean, flat(g), rtol=1e-10, atol=1e-12)
    assert mse > 1e-6
    assert randomized_mse(term_grads(params, X, Y)[1], pi) == pytest.approx(mse, rel=1e-9)


def test_monte_carlo_mean_is_within_k_standard_errors(rng):
    """N draws of the library's estimator: every entry's mean lies within 5 standard errors of the full gradient,
    while the biased chunked gradient lies outside; the summed sample variance matches the exact formula."""
    T, N, pi = 8, 2000, 0.6
    params, X, Y = make_problem(rng, T, 2, 2, 3, 2, spectral_radius=1.0)
    g = flat(bptt.bptt_grads(params, X, Y)[1])
    draws = np.array([flat(randomized_truncation_grads(params, X, Y, pi, rng)[1]) for _ in range(N)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(N)
    assert np.all(np.abs(mean - g) <= 5 * se + 1e-12)
    assert se.max() > 0, "the estimate must actually be random"
    biased = flat(truncated_grads(params, X, Y, 2, "chunked")[1])
    assert np.any(np.abs(mean - biased) > 5 * se), "the same test rejects a biased target"
    exact = randomized_mse(term_grads(params, X, Y)[1], pi)
    assert draws.var(axis=0, ddof=1).sum() == pytest.approx(exact, rel=0.15)


def test_edge_weights_have_the_stated_law(rng):
    pi = np.array([0.2, 0.5, 0.9, 1.0])
    xi = sample_edge_weights(np.tile(pi, 20000), 4 * 20000, rng).reshape(20000, 4)
    for j, p in enumerate(pi):
        assert set(np.unique(xi[:, j])) <= {0.0, 1 / p}
        assert np.mean(xi[:, j] > 0) == pytest.approx(p, abs=5 * np.sqrt(p * (1 - p) / 20000) + 1e-12)
    assert np.all(xi[:, 3] == 1.0)
    np.testing.assert_array_equal(sample_edge_weights(0.5, 10, 7), sample_edge_weights(0.5, 10, 7))


# --- the SymPy derivations the chapter displays ------------------------------------------------------

@pytest.mark.formula("eq-truncation-recursion", "eq-truncation-closed")
@pytest.mark.parametrize("t", [1, 2, 3, 4, 5, 6])
def test_recursion_and_its_closed_form(t):
    assert sp.expand(S.unrolled(t) - S.closed_form(t)) == 0
    assert sp.expand(S.truncated_closed_form(t, t) - S.closed_form(t)) == 0


@pytest.mark.formula("eq-truncation-dh-dw")
@pytest.mark.parametrize("t", [1, 2, 3])
def test_source_formula_for_dh_dw_on_a_scalar_network(t):
    direct, source = S.dh_dwh_direct(t), S.dh_dwh_source(t)
    assert sp.expand(direct - source) == 0
    vals = {S.W_X: 0.7, S.W_H: -1.3, S.B: 0.2, S.H0: 0.4, **{x: v for x, v in zip(sp.symbols(f"x_1:{t + 1}"), [0.5, -1.0, 2.0])}}
    eps = 1e-6
    h = sp.lambdify(S.W_H, S.scalar_states(t)[1][t].subs({k: v for k, v in vals.items() if k != S.W_H}))
    numeric = (h(vals[S.W_H] + eps) - h(vals[S.W_H] - eps)) / (2 * eps)
    assert float(source.subs(vals)) == pytest.approx(numeric, rel=1e-7)


def test_state_names_rewrite_the_nested_expression():
    """a_2 = b_2 + c_2 b_1 with b_j = (1 - h_j²) h_{j-1} and c_j = (1 - h_j²) w_h, once tanh(...) is named h_j."""
    h0, h1, h2 = sp.symbols("h_0 h_1 h_2")
    expected = (1 - h2 ** 2) * h1 + (1 - h2 ** 2) * S.W_H * (1 - h1 ** 2) * h0
    assert sp.expand(S.in_state_names(S.dh_dwh_source(2), 2) - expected.subs(h0, S.H0)) == 0


@pytest.mark.formula("eq-truncation-chain")
def test_loss_gradient_is_the_chain_through_each_state():
    direct, chain = S.loss_gradient_check(3)
    assert sp.expand(direct - chain) == 0


@pytest.mark.formula("eq-truncation-estimate", "eq-truncation-unbiased")
@pytest.mark.parametrize("t", [1, 2, 3, 4])
def test_randomized_recursion_is_unbiased(t):
    z = S.unrolled(t, xi=True)
    assert sp.expand(S.expectation(z, t) - S.unrolled(t)) == 0
    assert z.free_symbols & set(S.recursion_symbols(t)[2]) or t == 1


@pytest.mark.formula("eq-truncation-variance")
@pytest.mark.parametrize("t", [2, 3, 4])
def test_variance_recursion(t):
    z = S.unrolled(t, xi=True)
    var = S.expectation(z ** 2, t) - S.expectation(z, t) ** 2
    assert sp.expand(sp.together(var - S.variance_recursion(t))) == 0


def test_expectation_operator_can_tell_a_biased_estimate():
    """E[ξ²] = 1/π, not 1: an estimator using ξ² in place of ξ is biased, and the operator says so."""
    _, c, xi, pi = S.recursion_symbols(2)
    assert sp.simplify(S.expectation(xi[1] ** 2, 2) - 1 / pi[1]) == 0
    assert sp.expand(S.expectation(xi[1], 2)) == 1


@pytest.mark.formula("eq-truncation-linear")
def test_source_formula_for_a_linear_hidden_layer(rng):
    """∂L/∂h_t = Σ_{i=t}^{T} (W_hhᵀ)^{T-i} W_qhᵀ ∂L/∂o_{T+t-i} holds with f = identity (then δ_t = ∂L/∂h_t),
    and fails for tanh: the source's formula assumes d2l's linear model."""
    T = 6
    for activation, holds in (("identity", True), ("tanh", False)):
        params, X, Y = make_problem(rng, T, 2, 3, 4, 3, spectral_radius=0.9)
        out = bptt.backward(params, X, Y, activation=activation)
        dO, W_hh, W_qh = out["dO"], params["W_hh"], params["W_qh"]
        for t in range(1, T + 1):                                  # 1-based t, rows of a batch
            rhs = sum(dO[T + t - i - 1] @ W_qh @ np.linalg.matrix_power(W_hh, T - i) for i in range(t, T + 1))
            dh = out["delta"][t - 1] if activation == "identity" else None
            if holds:
                np.testing.assert_allclose(dh, rhs, rtol=1e-10, atol=1e-12)
        if not holds:
            dh1 = out["delta"][0] / bptt.df_from_h(out["H"][1], "tanh")   # ∂L/∂h_1 = δ_1 / f'(z_1)
            rhs1 = sum(dO[T - i] @ W_qh @ np.linalg.matrix_power(W_hh, T - i) for i in range(1, T + 1))
            assert np.abs(dh1 - rhs1).max() > 1e-3


@pytest.mark.formula("eq-truncation-nonlinear")
@pytest.mark.parametrize("activation", ["tanh", "identity", "sigmoid"])
def test_corrected_formula_with_an_activation(rng, activation):
    """∂⁺L/∂h_t = Σ_{i=t}^{T} (W_hhᵀ D_{t+1}) ··· (W_hhᵀ D_i) W_qhᵀ ∂L/∂o_i, against the library run on the suffix
    t+1..T with h_t as its initial state (whose dh0 is the gradient of the later losses with respect to h_t)."""
    T = 6
    params, X, Y = make_problem(rng, T, 2, 3, 4, 3, spectral_radius=1.1)
    out = bptt.backward(params, X, Y, activation=activation)
    H, dO, W_hh, W_qh = out["H"], out["dO"], params["W_hh"], params["W_qh"]
    D = bptt.df_from_h(H[1:], activation)                       # D[j-1] = f'(z_j), rows
    for t in range(1, T + 1):
        direct = dO[t - 1] @ W_qh
        later = bptt.backward(params, X[t:], Y[t:], h0=H[t], activation=activation)["dh0"] if t < T else 0.0
        formula = 0.0
        for i in range(t, T + 1):
            u = dO[i - 1] @ W_qh                                  # W_qhᵀ ∂L/∂o_i, as a row
            for j in range(i, t, -1):
                u = (u * D[j - 1]) @ W_hh                         # W_hhᵀ D_j u, innermost factor first
            formula = formula + u
        np.testing.assert_allclose(formula, direct + later, rtol=1e-10, atol=1e-12)


@pytest.mark.formula("eq-truncation-model")
def test_model_and_the_sources_averaged_loss(problem):
    """L = Σ_t ℓ_t here; the source's (1/T) Σ_t ℓ_t is the same with weights 1/T: every gradient divided by T."""
    params, X, Y, h0, _ = problem
    T = X.shape[0]
    H, O = bptt.forward(params, X, h0=h0)
    np.testing.assert_allclose(H[3], np.tanh(X[2] @ params["W_hx"].T + H[2] @ params["W_hh"].T + params["b_h"]))
    loss, g = bptt.bptt_grads(params, X, Y, h0=h0)
    assert loss == pytest.approx(cross_entropy(O, Y).sum(), rel=1e-13)
    loss_avg, g_avg = bptt.bptt_grads(params, X, Y, h0=h0, weights=np.full(T, 1 / T))
    assert loss_avg == pytest.approx(loss / T, rel=1e-13)
    assert_grads_close(g_avg, {k: g[k] / T for k in KEYS})


@pytest.mark.formula("eq-truncation-count")
@pytest.mark.parametrize("T,tau", [(12, 4), (12, 5), (7, 1), (9, 9)])
def test_number_of_terms_kept(T, tau):
    assert term_mask(T, tau, "chunked").sum() == sum(L * (L + 1) // 2 for L in np.diff(np.r_[0:T:tau, T]))
    assert term_mask(T, tau, "sliding").sum() == sum(min(s, tau) for s in range(1, T + 1))
    if T % tau == 0:
        assert term_mask(T, tau, "chunked").sum() == T * (tau + 1) // 2
    assert term_mask(T, tau, "sliding").sum() == tau * T - tau * (tau - 1) // 2


# --- training pieces, argument errors, figures --------------------------------------------------------

def test_training_pieces_add_up_to_the_estimators(problem, rng):
    """At fixed parameters, the per-piece gradients of the training loop sum to truncated / reweighted grads."""
    params, X, Y, h0, w = problem
    T = X.shape[0]
    for method in [("chunked", 4), ("randomized", 0.6), "full"]:
        starts, ends, xi = pieces(method, T, np.random.default_rng(5))
        h, total = h0, {k: 0.0 for k in KEYS}
        for a, b in zip(starts, ends):
            _, H, g = _sweep(params, X[a:b], Y[a:b], h, "tanh", w[a:b], xi=xi[a:b])
            h, total = H[-1], {k: total[k] + g[k] for k in KEYS}
        assert_grads_close(total, reweighted_grads(params, X, Y, xi, h0=h0, weights=w)[1])
    assert nominal_length(("randomized", 0.875), 48) == pytest.approx(8.0)
    assert nominal_length("full", 48) == 48 and nominal_length(("chunked", 100), 48) == 48


def test_training_is_reproducible_and_full_bptt_makes_one_update_per_sequence():
    p0 = bptt.init_params(2, 6, 2, seed=1, init="orthogonal")
    kw = dict(T=12, B=4, delay=3, eval_every=2, eval_B=8)
    _, c1 = train_truncated(p0, ("randomized", 0.7), 4, **kw)
    _, c2 = train_truncated(p0, ("randomized", 0.7), 4, **kw)
    np.testing.assert_array_equal(c1["loss"], c2["loss"])
    _, cf = train_truncated(p0, "full", 4, **kw)
    np.testing.assert_array_equal(cf["updates"], [0, 2, 4])
    np.testing.assert_array_equal(cf["steps"], [0, 24, 48])
    _, cc = train_truncated(p0, ("chunked", 5), 4, **kw)
    np.testing.assert_array_equal(cc["updates"], [0, 6, 12])


@pytest.mark.parametrize("call,error,words", [
    (lambda a: truncated_grads(*a, tau=0), ValueError, ["tau", ">= 1"]),
    (lambda a: truncated_grads(*a, tau=2.5), TypeError, ["tau", "integer"]),
    (lambda a: truncated_grads(*a, tau=True), TypeError, ["tau"]),
    (lambda a: truncated_grads(*a, tau=2, mode="window"), ValueError, ["mode", "chunked", "sliding", "window"]),
    (lambda a: randomized_truncation_grads(*a, pi=0.0, rng=0), ValueError, ["pi", "(0, 1]"]),
    (lambda a: randomized_truncation_grads(*a, pi=1.5, rng=0), ValueError, ["pi", "(0, 1]"]),
    (lambda a: randomized_truncation_grads(*a, pi=np.full(3, 0.5), rng=0), ValueError, ["pi", "(T,)", "(9,)"]),
    (lambda a: randomized_truncation_grads(*a, pi="half", rng=0), TypeError, ["pi", "real numbers"]),
    (lambda a: randomized_truncation_grads(*a, pi=np.nan, rng=0), ValueError, ["pi", "NaN"]),
    (lambda a: reweighted_grads(*a, xi=np.ones(4)), ValueError, ["xi", "(T,)", "(9,)"]),
    (lambda a: truncated_grads(a[0], a[1][:, :, :1], a[2], tau=2), ValueError, ["X", "(T, B, m)"]),
    (lambda a: term_mask(5, 0, "sliding"), ValueError, ["tau"]),
    (lambda a: term_mask(5, 2, "random"), ValueError, ["mode", "full"]),
    (lambda a: pieces(("chunked",), 5, 0), ValueError, ["method", "chunked"]),
])
def test_bad_arguments_are_refused_with_a_clear_message(problem, call, error, words):
    params, X, Y, _, _ = problem
    with pytest.raises(error) as info:
        call((params, X, Y))
    for word in words:
        assert word in str(info.value), f"{str(info.value)!r} should mention {word!r}"


def test_figures_draw_without_nonfinite_values():
    from matplotlib.figure import Figure

    from bptt.viz import nonfinite_count
    from bptt.viz import truncation as V

    P = V.figure_problem(T=10, B=4, delay=3, n=5, trained=2)
    data = V.explorer_data(P, [1, 10], [0.3, 1.0])
    for draw, args in [(V.draw_term_maps, dict(T=8, tau=3, pi=0.5)), (V.draw_bias, dict(problems=[("p", P)], taus=[1, 4, 10])),
                       (V.draw_variance, dict(P=P, pis=[0.3, 0.9], n_samples=5)),
                       (V.draw_explorer, dict(tau=1, pi=0.3, data=data)), (V.draw_explorer, dict(tau=10, pi=1.0, data=data))]:
        fig = Figure()
        draw(fig, **args)
        assert fig.axes and nonfinite_count(fig) == 0


# ---------------------------------------------------------------------------------------------
# The page as a reader sees it (issue 11): code width, figure size, notation, numbers in prose.
# The helpers are shared with tests/test_rtrl.py.

def test_truncation_code_fits_the_column():
    assert [l for pg in ("truncation", "sources_truncation", "measured_truncation")
            for l in long_code_lines(chapter(pg))] == []


def test_truncation_figures_fit_the_column_and_are_legible():
    from matplotlib.figure import Figure

    from bptt.viz import truncation as V

    size = check_figure_sizes(_pages())
    P = V.figure_problem(T=12, B=4, delay=3, n=5, trained=2)
    data = V.explorer_data(P, [1, 4, 12], [0.5, 0.875, 1.0])
    runs = V.run_comparison({"full BPTT": "full", "regular, τ = 4": ("chunked", 4),
                             "randomized, mean 4": ("randomized", 0.75)},
                            seeds=[0], n_sequences=4, T=12, B=4, delay=3, eval_every=2, eval_B=8)
    cases = [("draw_term_maps", dict(T=12, tau=4, pi=0.7, seed=3)),
             ("draw_bias", dict(problems=[("a", P), ("b", P)], taus=list(range(1, 13)))),
             ("draw_variance", dict(P=P, pis=[0.5, 0.75, 0.9], n_samples=20)),
             ("draw_learning_curves", dict(runs=runs))]
    for name, kw in cases:
        fig = Figure(figsize=size[name])
        fig.set_layout_engine("constrained")
        getattr(V, name)(fig, **kw)
        check_legible(fig)
    for tau in (1, 4, 12):
        for pi in (0.5, 0.875, 1.0):
            fig = Figure(figsize=size["figsize"])
            V.draw_explorer(fig, tau, pi, data)
            check_legible(fig)


def test_truncation_symbols_keep_their_meaning():
    """z_t, P, ℓ and ρ have one meaning in the book; π and ξ are defined where first used."""
    text = chapter("truncation")
    maths = text.replace("code-cell", "")
    for clash in (r"z_t = b_t", r"z_0 = 0", r"P_\{t,i\}", r"P\(\\xi", r"P\\bigl\(\\xi", r"\\ell = s - k",
                  r"span \$\\ell\$", r"\\rho\^", r"\\rho\^2"):
        assert not _re.search(clash, maths), clash
    body = _re.sub(r"^```\{code-cell\}.*?^```", "", text, flags=_re.S | _re.M)
    for symbol in (r"\xi", r"\pi"):
        first = body.index(symbol)
        assert "probability" in body[first:first + 600], f"{symbol} is used before it is defined"


def test_truncation_totals_carry_the_plus():
    assert plain_total_derivatives(_pages()) == []


def test_truncation_attributes_the_reweighting_to_d2l_and_tallec_ollivier():
    text = chapter("truncation")
    assert "tallec2017unbiasing" in text and "zhang2023d2l" in text
    for para in text.split("\n\n"):
        if "Source 002" in para or "source 002" in para:
            assert not _re.search(r"reweight|unbiased|correct for it", para) or "not in the source" in para \
                or "says nothing" in para, para[:200]


PROSE_NUMBERS = {
    "given": {"0.5"},                                              # the training race's SGD rate
    "held": {
        "0.69": lambda: f"{np.log(2):.2f}",                        # chance loss of two symbols
        "0.1": lambda: f"{0.75 ** 8:.1f}",                         # survival of a span-8 term at π = 3/4
        "2.1 %": lambda: f"{100 * term_mask(1000, 20, 'chunked').sum() / term_mask(1000).sum():.1f} %",
        "4.0 %": lambda: f"{100 * term_mask(1000, 20, 'sliding').sum() / term_mask(1000).sum():.1f} %",
        "2.9": lambda: f"{(7 / 8) ** -8:.1f}",                     # weight of a span-8 term at π = 7/8
    },
}


def test_truncation_prose_numbers_are_glued_or_held():
    for page in ("truncation", "sources_truncation", "measured_truncation"):
        check_prose_numbers(chapter(page), PROSE_NUMBERS, partial=True)
    check_prose_numbers(_pages(), PROSE_NUMBERS)


@pytest.mark.formula("eq-truncation-chain")
def test_loss_gradient_is_the_chain_in_the_column_layout(problem):
    """∂L/∂w_h = Σ_t (∂⁺h_t/∂w_h)ᵀ (∂g/∂h_t)ᵀ ∂ℓ/∂o_t with vector states: the sensitivities of
    RTRL are the Jacobians ∂⁺h_t/∂w_h (n × |w_h|), ∂g/∂h_t = W_qh, ∂ℓ/∂o_t = dO[t-1]."""
    from bptt.rtrl import rtrl_init, rtrl_step

    params, X, Y, _, _ = problem
    out = bptt.backward(params, X, Y)
    state = rtrl_init(params, B=X.shape[1])
    total = {k: 0.0 for k in ("W_hx", "W_hh", "b_h")}
    for t in range(1, len(X) + 1):
        state, _, _ = rtrl_step(params, state, X[t - 1], Y[t - 1])
        for b in range(X.shape[1]):
            back = params["W_qh"].T @ out["dO"][t - 1][b]               # (∂g/∂h_t)ᵀ ∂ℓ/∂o_t: a column
            for k in total:
                jac = state.P[k][b].reshape(len(back), -1)               # ∂⁺h_t/∂w_h, numerator layout
                total[k] = total[k] + (jac.T @ back).reshape(params[k].shape)
    for k in total:
        np.testing.assert_allclose(total[k], out["grads"][k], rtol=1e-10, atol=1e-12)


# --- the key-result box and the case worked by hand (issue 12) -------------------------------

@pytest.mark.formula("eq-truncation-key", "eq-truncation-key-unbiased")
def test_key_box_masked_sums_and_unbiasedness_by_enumeration(rng):
    """The box: m = 1 gives ∂L/∂θ, the piece mask gives truncation after τ steps, and the mean of
    the randomized mask over every cut pattern (weighted by its probability) is 1 for every term,
    so the mean estimate is the full gradient."""
    T, pi = 5, 0.6
    params, X, Y = make_problem(rng, T, 2, 2, 3, 2, spectral_radius=1.1)
    _, G = term_grads(params, X, Y)
    _, g = bptt.bptt_grads(params, X, Y)
    assert_grads_close(combine_terms(G, np.tril(np.ones((T, T)))), g)
    s, k = np.indices((T, T))
    for tau in (1, 2, 3):
        piece = ((s // tau == k // tau) & (k <= s)).astype(float)      # ⌈s/τ⌉ = ⌈k/τ⌉, 1-based
        assert_grads_close(combine_terms(G, piece), truncated_grads(params, X, Y, tau, "chunked")[1])
    mean_mask, mean_est = 0.0, 0.0
    for keep in itertools.product([False, True], repeat=T):
        prob = np.prod(np.where(keep, pi, 1 - pi))
        xi = np.where(keep, 1 / pi, 0.0)
        mean_mask = mean_mask + prob * reweighting_mask(xi)
        mean_est = mean_est + prob * flat(reweighted_grads(params, X, Y, xi)[1])
    np.testing.assert_allclose(mean_mask[k <= s], 1.0, rtol=1e-12)
    np.testing.assert_allclose(mean_est, flat(g), rtol=1e-10, atol=1e-12)


def _worked_case():
    p1 = {"W_hx": np.array([[1.0]]), "W_hh": np.array([[0.5]]), "b_h": np.array([0.0]),
          "W_qh": np.array([[1.0], [-1.0]]), "b_q": np.array([0.0, 0.0])}
    return p1, np.array([1.0, 0.5, -1.0]).reshape(3, 1, 1), np.array([0, 1, 0]).reshape(3, 1)


def test_worked_case_tau_one_keeps_the_diagonal_and_the_direct_error():
    """τ = 1 on the chapter's one-unit, three-step case: δ̂_t = f'(z_t) ∂L_t/∂h_t, the kept terms are
    the diagonal k = s, and the full gradient is the whole triangle."""
    p1, X1, Y1 = _worked_case()
    full = bptt.backward(p1, X1, Y1)
    H = full["H"][:, 0, 0]
    _, G = term_grads(p1, X1, Y1)
    _, g1 = truncated_grads(p1, X1, Y1, tau=1)
    for key in ("W_hh", "W_hx", "b_h"):
        diag = sum(G[key][t, t] for t in range(3))
        np.testing.assert_allclose(diag, g1[key], rtol=1e-12)
        np.testing.assert_allclose(G[key].sum(axis=(0, 1)), full["grads"][key], rtol=1e-12)
    # by hand: x_t, h_t = tanh(x_t + h_{t-1}/2), δ̂_t = (1 - h_t²)(ŷ_t0 - ŷ_t1 - [y_t=0] + [y_t=1])
    h, direct = 0.0, []
    for t in range(3):
        h = np.tanh(X1[t, 0, 0] + 0.5 * h)
        assert h == pytest.approx(H[t + 1], rel=1e-14)
        yhat = np.exp([h, -h]) / np.exp([h, -h]).sum()
        e = np.eye(2)[Y1[t, 0]]
        direct.append((1 - h * h) * ((yhat - e) @ np.array([1.0, -1.0])))
    np.testing.assert_allclose(g1["b_h"], [sum(direct)], rtol=1e-12)


def _pages():
    """The chapter and its two appendix sections, front matter dropped (it is not prose)."""
    return pages("truncation", "sources_truncation", "measured_truncation")


def test_truncation_source_commentary_is_in_the_appendix():
    """Issue 12: at most five mentions of a source file in the chapter; every correction box and the
    labelled equations about the source live in the appendix section."""
    text, appendix = chapter("truncation"), chapter("sources_truncation")
    assert len(_re.findall(r"[Ss]ource 00\d|00\d_[0-9a-f]{16}", text)) <= 5
    assert ":class: warning" not in text and appendix.count(":class: warning") >= 2
    for label in ("eq-truncation-linear", "eq-truncation-nonlinear"):
        assert f"$$ ({label})" in appendix and label not in text.split("$$ (")[0]
    assert ":class: key-result" in text
    assert text.index(":class: key-result") < text.index("## Why the chain is long")
    assert "You need" in text and "## You should now be able to" in text
