"""RTRL, its streaming API, UORO and SnAp-1: equal to BPTT where they must be, unbiased or exact where
they claim to be, constant memory in T, and the chapter's displayed formulas held to the code."""
import re
import re as _re_mod

import numpy as np
import pytest
import sympy as sp
from page_checks import (
    chapter,
    check_figure_sizes,
    check_legible,
    check_prose_numbers,
    long_code_lines,
    plain_total_derivatives,
)

import bptt
from bptt import costs
from bptt.estimators import error_of_mean, per_step_errors, relative_error
from bptt.online import run_online, run_windows, stale_sensitivity
from bptt.rtrl import RTRLState, propagate, rtrl_grads, rtrl_init, rtrl_step
from bptt.snap import SnApState, snap1_grads, snap1_init, snap1_step
from bptt.sym import rtrl as S
from bptt.uoro import EPS, UOROState, uoro_grads, uoro_init, uoro_samples, uoro_step
from bptt.viz import nonfinite_count
from bptt.viz import rtrl as V
from conftest import make_problem

ACTIVATIONS = ["tanh", "relu", "sigmoid", "identity"]
SHAPES = [(1, 1, 1, 1, 2), (1, 3, 2, 4, 3), (5, 1, 3, 2, 4), (6, 2, 2, 3, 2), (9, 3, 4, 5, 3)]
RECURRENT = ("W_hx", "W_hh", "b_h")


def rel_err(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def one_hot_weights(T, t, w=1.0):
    out = np.zeros(T)
    out[t] = w
    return out


# ---------------------------------------------------------------------------------------------
# RTRL = BPTT


@pytest.mark.formula("eq-rtrl-sum")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_rtrl_equals_bptt(rng, activation, weighted, T, B, m, n, q):
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    h0 = rng.normal(scale=0.5, size=(B, n))
    weights = rng.uniform(0.1, 1.0, size=T) if weighted else None
    loss_b, g_b = bptt.bptt_grads(params, X, Y, h0=h0, activation=activation, weights=weights)
    loss_r, g_r = rtrl_grads(params, X, Y, h0=h0, activation=activation, weights=weights)
    assert isinstance(loss_r, float)
    assert abs(loss_r - loss_b) <= 1e-10 * abs(loss_b)
    assert set(g_r) == set(params)
    for k in params:
        assert g_r[k].shape == params[k].shape
        assert rel_err(g_r[k], g_b[k]) < 1e-10, k


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rtrl_passes_the_gradient_check(rng, activation):
    params, X, Y = make_problem(rng, 5, 2, 3, 4, 3, spectral_radius=0.9)
    w = rng.uniform(0.1, 1.0, size=5)
    bptt.check_grads(lambda p: rtrl_grads(p, X, Y, activation=activation, weights=w), params)


def test_rtrl_default_h0_is_zero(rng):
    params, X, Y = make_problem(rng, 4, 2, 2, 3, 2)
    a = rtrl_grads(params, X, Y)
    b = rtrl_grads(params, X, Y, h0=np.zeros((2, 3)))
    assert a[0] == b[0] and all(np.array_equal(a[1][k], b[1][k]) for k in params)


# ---------------------------------------------------------------------------------------------
# The sensitivity recursion, element by element and against finite differences


@pytest.mark.formula("eq-rtrl-sensitivity", "eq-rtrl-direct")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_sensitivities_are_the_derivatives_of_the_states(rng, activation):
    """P_t from the recursion equals central differences of h_t = forward(θ)[t] for every entry of θ."""
    T, B, m, n, q = 4, 2, 2, 3, 2
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    state = rtrl_init(params, B)
    for t in range(T):
        state, _, _ = rtrl_step(params, state, X[t], Y[t], activation=activation)
    eps = 1e-6
    for k in RECURRENT:
        fd = np.zeros(state.P[k].shape)                       # (B, n, *shape of θ)
        for idx in np.ndindex(params[k].shape):
            plus, minus = dict(params), dict(params)
            plus[k], minus[k] = params[k].copy(), params[k].copy()
            plus[k][idx] += eps
            minus[k][idx] -= eps
            dh = (bptt.forward(plus, X, activation=activation)[0][T]
                  - bptt.forward(minus, X, activation=activation)[0][T]) / (2 * eps)
            fd[(slice(None), slice(None)) + idx] = dh
        np.testing.assert_allclose(state.P[k], fd, rtol=1e-6, atol=1e-8)


@pytest.mark.formula("eq-rtrl-elementwise")
def test_propagate_equals_the_element_wise_sum(rng):
    """P_t[a,i,j] = f'(z_a) (Σ_c (W_hh)_{ac} P_{t-1}[c,i,j] + [a = i] direct_j), written with loops."""
    B, n, k = 2, 3, 4
    W_hh, P, d, direct = rng.normal(size=(n, n)), rng.normal(size=(B, n, n, k)), rng.uniform(size=(B, n)), \
        rng.normal(size=(B, k))
    expected = np.zeros_like(P)
    for b in range(B):
        for a in range(n):
            for i in range(n):
                for j in range(k):
                    s = sum(W_hh[a, c] * P[b, c, i, j] for c in range(n)) + (direct[b, j] if a == i else 0.0)
                    expected[b, a, i, j] = d[b, a] * s
    np.testing.assert_allclose(propagate(W_hh, P, d, direct), expected, rtol=1e-13, atol=1e-14)
    Pb = rng.normal(size=(B, n, n))                            # the bias: ∂z_a/∂(b_h)_i = [a = i]
    expected_b = np.einsum("ba,ac,bci->bai", d, W_hh, Pb) + d[:, :, None] * np.eye(n)
    np.testing.assert_allclose(propagate(W_hh, Pb, d, None), expected_b, rtol=1e-13, atol=1e-14)


@pytest.mark.formula("eq-rtrl-bias")
def test_bias_sensitivity_is_D_times_W_P_plus_identity(rng):
    """P_t^b = D_t (W_hh P_{t-1}^b + I): from the state, against the matrix formula."""
    params, X, Y = make_problem(rng, 3, 1, 2, 4, 2)
    state = rtrl_init(params, 1)
    for t in range(3):
        P_prev = state.P["b_h"][0]
        state, _, _ = rtrl_step(params, state, X[t], Y[t])
        D_t = np.diag(1 - state.h[0] ** 2)
        np.testing.assert_allclose(state.P["b_h"][0], D_t @ (params["W_hh"] @ P_prev + np.eye(4)), rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# Online: the gradient of L_t is ready at step t


@pytest.mark.formula("eq-rtrl-grad", "eq-rtrl-output", "eq-rtrl-row-grad")
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_step_gradient_is_the_gradient_of_L_t(rng, activation):
    """rtrl_step at step t returns ∂L_t/∂θ, which BPTT gets from the prefix X[:t+1] with weight e_t."""
    T, B, m, n, q = 5, 2, 3, 3, 4
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    h0 = rng.normal(size=(B, n))
    state = rtrl_init(params, B, h0)
    for t in range(T):
        w = 0.3 + t
        state, loss_t, g = rtrl_step(params, state, X[t], Y[t], activation=activation, weight=w)
        loss_b, g_b = bptt.bptt_grads(params, X[:t + 1], Y[:t + 1], h0=h0, activation=activation,
                                      weights=one_hot_weights(t + 1, t, w))
        assert loss_t == pytest.approx(loss_b, rel=1e-12)
        for k in params:
            assert rel_err(g[k], g_b[k]) < 1e-10, (t, k)
        # source 000's row form: ∂L_t/∂u_ij = (∂h_t/∂u_ij as a row) · ∂L_t/∂h_t, entry by entry
        O = state.h @ params["W_qh"].T + params["b_q"]
        dO = w * (bptt.softmax(O) - bptt.one_hot(Y[t], q))
        dL_dh = dO @ params["W_qh"]
        for i in range(n):
            for j in range(n):
                row = state.P["W_hh"][:, :, i, j]               # (B, n): ∂h_t/∂u_ij for each sequence
                assert np.sum(row * dL_dh) == pytest.approx(g["W_hh"][i, j], rel=1e-10, abs=1e-14)
        np.testing.assert_allclose(g["W_qh"], dO.T @ state.h, rtol=1e-12)
        np.testing.assert_allclose(g["b_q"], dO.sum(axis=0), rtol=1e-12)


def test_streaming_steps_sum_to_rtrl_grads(rng):
    params, X, Y = make_problem(rng, 6, 3, 2, 4, 3)
    state, total, grads = rtrl_init(params, 3), 0.0, {k: 0.0 for k in params}
    for t in range(6):
        state, loss_t, g = rtrl_step(params, state, X[t], Y[t])
        total += loss_t
        grads = {k: grads[k] + g[k] for k in params}
    loss, ref = rtrl_grads(params, X, Y)
    assert total == pytest.approx(loss, rel=1e-13)
    assert all(rel_err(grads[k], ref[k]) < 1e-12 for k in params)


def test_online_rtrl_with_zero_step_matches_fixed_weights_and_one_step_is_sgd(rng):
    params, X, Y = make_problem(rng, 5, 2, 2, 3, 2)
    out = run_online(params, X, Y, "rtrl", lr=0.0, keep_grads=True)
    for t in range(5):
        _, g = bptt.bptt_grads(params, X[:t + 1], Y[:t + 1], weights=one_hot_weights(t + 1, t))
        assert all(rel_err(out["grads"][t][k], g[k]) < 1e-10 for k in params)
    _, g1 = bptt.bptt_grads(params, X[:1], Y[:1])
    one = run_online(params, X[:1], Y[:1], "rtrl", lr=0.1)["params"]
    assert all(np.allclose(one[k], params[k] - 0.1 * g1[k], rtol=1e-12, atol=1e-15) for k in params)


def test_window_as_long_as_the_stream_is_one_bptt_update(rng):
    params, X, Y = make_problem(rng, 6, 2, 2, 3, 2)
    out = run_windows(params, X, Y, window=6, lr=0.05)
    _, g = bptt.bptt_grads(params, X, Y)
    assert all(np.allclose(out["params"][k], params[k] - 0.05 * g[k], rtol=1e-12, atol=1e-15) for k in params)
    ell = bptt.cross_entropy(bptt.forward(params, X)[1], Y).mean(axis=1)
    np.testing.assert_allclose(out["losses"], ell, rtol=1e-12)


def test_online_rtrl_learns_a_short_delayed_recall():
    X, Y, _ = bptt.delayed_recall(1500, 1, 2, rng=1)
    p0 = bptt.init_params(2, 8, 2, seed=0, spectral_radius=0.8)
    losses = run_online(p0, X, Y, "rtrl", lr=0.03)["losses"]
    assert losses[:200].mean() > 0.5 and losses[-200:].mean() < 0.1


# ---------------------------------------------------------------------------------------------
# Forward versus reverse accumulation: the same sum over paths, bracketed from either end


@pytest.mark.formula("eq-rtrl-paths")
def test_forward_and_reverse_bracketings_are_equal(rng):
    """g_tᵀ (J_t ⋯ J_{k+1} D_k ∂z_k/∂θ) summed over k: δ_{t,k} from BPTT on L_t alone, P_t from RTRL, and
    the explicit product of Jacobians all give the same ∂L_t/∂W_hh."""
    T, n, m, q = 5, 3, 2, 2
    params, X, Y = make_problem(rng, T, 1, m, n, q, spectral_radius=0.9)
    H, O = bptt.forward(params, X)
    D = [None] + [np.diag(1 - H[k, 0] ** 2) for k in range(1, T + 1)]
    J = [None] + [D[k] @ params["W_hh"] for k in range(1, T + 1)]
    t = T
    g_t = (bptt.softmax(O[t - 1, 0]) - bptt.one_hot(Y[t - 1, 0], q)) @ params["W_qh"]
    explicit = np.zeros((n, n))
    P_t = np.zeros((n, n, n))                                   # Σ_k J_t ⋯ J_{k+1} D_k ∂z_k/∂W_hh
    for k in range(1, t + 1):
        chain = np.eye(n)
        for s in range(t, k, -1):
            chain = chain @ J[s]
        dz = np.einsum("ai,j->aij", np.eye(n), H[k - 1, 0])     # ∂z_{k,a}/∂(W_hh)_ij = [a = i] h_{k-1,j}
        P_t += np.einsum("ac,cij->aij", chain @ D[k], dz)
        explicit += np.einsum("a,aij->ij", g_t @ chain @ D[k], dz)
    out = bptt.backward(params, X, Y, weights=one_hot_weights(T, t - 1))
    reverse = sum(np.outer(out["delta"][k - 1, 0], H[k - 1, 0]) for k in range(1, t + 1))   # Σ_k δ_{t,k} h_{k-1}ᵀ
    state = rtrl_init(params, 1)
    for s in range(t):
        state, _, g = rtrl_step(params, state, X[s], Y[s])
    np.testing.assert_allclose(state.P["W_hh"][0], P_t, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["W_hh"], explicit, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(reverse, explicit, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# SymPy: the book's column form, source 000's row form, and direct differentiation


@pytest.mark.formula("eq-rtrl-sensitivity", "eq-rtrl-row", "eq-rtrl-direct")
@pytest.mark.parametrize("i,j", [(1, 1), (1, 2), (2, 1), (2, 2)])
def test_sympy_row_and_column_forms_equal_direct_differentiation(i, j):
    net = S.network(3)
    theta = S.u(net, i, j)
    col, row, direct = S.sensitivity_column(net, theta), S.sensitivity_row(net, i, j), S.sensitivity_direct(net, theta)
    for t in range(4):
        assert sp.expand(col[t] - row[t].T) == sp.zeros(2, 1)
        assert sp.expand(col[t] - direct[t]) == sp.zeros(2, 1)
    assert col[1] != sp.zeros(2, 1)                             # the comparison is not between zeros


@pytest.mark.formula("eq-rtrl-direct")
def test_sympy_direct_partials():
    net = S.network(2)
    h1 = net["h"][1]
    for i in (1, 2):
        e_i = sp.Matrix([1 if a == i else 0 for a in (1, 2)])
        for j in (1, 2):
            assert S.direct_dz(net, 2, S.u(net, i, j)) == e_i * h1[j - 1]
        assert S.direct_dz(net, 2, net["W"][i - 1]) == e_i * net["x"][1]
        assert S.direct_dz(net, 2, net["b"][i - 1]) == e_i
    assert S.I_row(2, sp.Symbol("a")) == sp.Matrix([[0, sp.Symbol("a")]])


def test_sympy_sensitivities_equal_numpy_rtrl(rng):
    """Column recursion with f = tanh, evaluated at numbers, equals the library's P_t."""
    net = S.network(2)
    vals = {s: float(rng.normal(scale=0.7)) for s in list(net["U"]) + list(net["W"]) + list(net["b"])
            + list(net["x"]) + list(net["h"][0])}
    params = {"W_hx": np.array([[vals[net["W"][0]]], [vals[net["W"][1]]]]),
              "W_hh": np.array([[vals[net["U"][a, c]] for c in range(2)] for a in range(2)]),
              "b_h": np.array([vals[net["b"][0]], vals[net["b"][1]]]),
              "W_qh": rng.normal(size=(2, 2)), "b_q": np.zeros(2)}
    X = np.array([[[vals[net["x"][0]]]], [[vals[net["x"][1]]]]])
    h0 = np.array([[vals[net["h"][0][0]], vals[net["h"][0][1]]]])
    state = rtrl_init(params, 1, h0)
    for t in range(2):
        state, _, _ = rtrl_step(params, state, X[t], np.zeros(1, dtype=int))
    for i in (1, 2):
        for j in (1, 2):
            col = S.with_activation(S.sensitivity_column(net, S.u(net, i, j))[2]).subs(vals)
            np.testing.assert_allclose(np.array(col, dtype=float)[:, 0], state.P["W_hh"][0, :, i - 1, j - 1],
                                       rtol=1e-12)


def test_readable_replaces_every_nested_activation():
    net = S.network(2)
    expr = S.readable(S.sensitivity_column(net, S.u(net, 1, 2))[2], net)
    assert not expr.has(S.f) and not expr.has(sp.Subs)
    assert expr[1] == sp.Symbol("h_{0,2}") * net["U"][1, 0] * S.fp(sp.Symbol("z_{1,1}")) * S.fp(sp.Symbol("z_{2,2}"))


# ---------------------------------------------------------------------------------------------
# UORO: unbiased, checked statistically


@pytest.mark.formula("eq-rtrl-uoro")
def test_uoro_is_unbiased():
    """The mean of K independent estimates is within 5 standard errors of the exact gradient, per entry;
    the same statistic rejects SnAp-1's biased gradient (the test can fail)."""
    rng = np.random.default_rng(7)
    params, X, Y = make_problem(rng, 6, 2, 3, 4, 3, spectral_radius=0.9)
    _, exact = bptt.bptt_grads(params, X, Y)
    _, biased = snap1_grads(params, X, Y)
    samples = uoro_samples(params, X, Y, K=20000, seed=11)
    worst_exact = worst_biased = 0.0
    for k in RECURRENT:
        mean = samples[k].mean(axis=0)
        se = samples[k].std(axis=0, ddof=1) / np.sqrt(len(samples[k]))
        assert np.all(se > 0)
        worst_exact = max(worst_exact, np.max(np.abs(mean - exact[k]) / se))
        worst_biased = max(worst_biased, np.max(np.abs(mean - biased[k]) / se))
    assert worst_exact < 5.0
    assert worst_biased > 5.0


def test_uoro_samples_are_what_uoro_grads_returns(rng):
    """Copy k of uoro_samples is one draw of uoro_grads: the K copies run as a batch of K sequences."""
    params, X, Y = make_problem(rng, 4, 1, 2, 3, 2)
    s = uoro_samples(params, X, Y, K=3, seed=5)
    loss, g = uoro_grads(params, np.tile(X, (1, 3, 1)), np.tile(Y, (1, 3)), seed=5)
    assert loss == pytest.approx(3 * bptt.bptt_grads(params, X, Y)[0], rel=1e-12)
    for k in RECURRENT:
        np.testing.assert_allclose(s[k].sum(axis=0), g[k], rtol=1e-10, atol=1e-14)


def test_uoro_output_layer_is_exact_and_first_step_has_no_variance_in_W_qh(rng):
    params, X, Y = make_problem(rng, 5, 2, 2, 3, 3)
    _, exact = bptt.bptt_grads(params, X, Y)
    _, est = uoro_grads(params, X, Y, seed=3)
    for k in ("W_qh", "b_q"):
        assert rel_err(est[k], exact[k]) < 1e-12


@pytest.mark.formula("eq-rtrl-uoro-rho")
def test_uoro_scaling_minimises_the_cross_terms():
    """The cross terms a A + B / a (A = J h̃ (νᵀF)ᵀ, B = ν θ̃ᵀ) have least squared norm at a = β_0/β_1."""
    a, nA, nB, ip = sp.symbols("a A B c", positive=True)
    cost = a ** 2 * nA ** 2 + 2 * ip + nB ** 2 / a ** 2        # ‖aA + B/a‖² with ⟨A, B⟩ = c
    best = sp.solve(sp.diff(cost, a), a)
    assert best == [sp.sqrt(nB / nA)]
    Jh, th, nuF, nu = sp.symbols("Jh theta nuF nu", positive=True)   # the four norms
    beta0, beta1 = sp.sqrt(th / Jh), sp.sqrt(nuF / nu)
    # ‖A‖ = ‖J h̃‖ ‖νᵀF‖ and ‖B‖ = ‖ν‖ ‖θ̃‖ (norms of outer products)
    assert sp.simplify(beta0 / beta1 - best[0].subs({nA: Jh * nuF, nB: nu * th})) == 0


@pytest.mark.formula("eq-rtrl-uoro", "eq-rtrl-uoro-rho")
def test_uoro_update_is_the_displayed_one(rng):
    """One uoro_step from a random (h̃, θ̃), recomputed from the formulas with the same signs ν."""
    B, m, n, q = 2, 3, 4, 2
    params, X, Y = make_problem(rng, 1, B, m, n, q, spectral_radius=0.9)
    h_prev = rng.normal(size=(B, n))
    h_tilde = rng.normal(size=(B, n))
    theta = {k: rng.normal(size=(B,) + params[k].shape) for k in RECURRENT}
    state = UOROState(h_prev, h_tilde, theta, np.random.default_rng(5))
    new, _, _ = uoro_step(params, state, X[0], Y[0])
    nu = np.random.default_rng(5).choice([-1.0, 1.0], size=(B, n))
    for b in range(B):
        h = np.tanh(params["W_hx"] @ X[0, b] + params["W_hh"] @ h_prev[b] + params["b_h"])
        D = np.diag(1 - h ** 2)
        Jh = D @ params["W_hh"] @ h_tilde[b]
        F = {"W_hx": np.einsum("ai,j->aij", D, X[0, b]),           # F_t = D_t ∂z_t/∂θ, (n, *shape)
             "W_hh": np.einsum("ai,j->aij", D, h_prev[b]), "b_h": D}
        nuF = {k: np.tensordot(nu[b], F[k], axes=(0, 0)) for k in RECURRENT}
        norm = lambda d: np.sqrt(sum(np.sum(v ** 2) for v in d.values()))   # noqa: E731
        # the displayed ρ's, with the library's tiny EPS that keeps them positive when a norm is 0
        beta0 = np.sqrt(norm({k: theta[k][b] for k in RECURRENT}) / (np.linalg.norm(Jh) + EPS)) + EPS
        beta1 = np.sqrt(norm(nuF) / np.linalg.norm(nu[b])) + EPS
        np.testing.assert_allclose(new.h_tilde[b], beta0 * Jh + beta1 * nu[b], rtol=1e-10)
        for k in RECURRENT:
            np.testing.assert_allclose(new.theta_tilde[k][b], theta[k][b] / beta0 + nuF[k] / beta1, rtol=1e-10)


def test_uoro_step_validates_its_state(rng):
    params, X, Y = make_problem(rng, 2, 2, 2, 3, 2)
    state = uoro_init(params, 2, seed=0)
    with pytest.raises(TypeError, match="UOROState"):
        uoro_step(params, rtrl_init(params, 2), X[0], Y[0])
    bad = UOROState(state.h, state.h_tilde[:, :2], state.theta_tilde, state.rng)
    with pytest.raises(ValueError, match="h_tilde"):
        uoro_step(params, bad, X[0], Y[0])
    with pytest.raises(TypeError, match="seed"):
        uoro_init(params, 2, seed="x")


# ---------------------------------------------------------------------------------------------
# SnAp-1: exact where no path leaves a unit, the masked recursion elsewhere


@pytest.mark.formula("eq-rtrl-snap")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_snap1_is_exact_for_a_diagonal_recurrence(rng, activation):
    params, X, Y = make_problem(rng, 7, 2, 3, 4, 3)
    params["W_hh"] = np.diag(rng.uniform(-0.9, 0.9, size=4))
    _, exact = bptt.bptt_grads(params, X, Y, activation=activation)
    _, est = snap1_grads(params, X, Y, activation=activation)
    for k in params:
        assert rel_err(est[k], exact[k]) < 1e-10


def test_snap1_is_exact_at_the_first_step_and_biased_after(rng):
    params, X, Y = make_problem(rng, 4, 2, 3, 4, 3, spectral_radius=0.9)
    assert all(rel_err(snap1_grads(params, X[:1], Y[:1])[1][k], bptt.bptt_grads(params, X[:1], Y[:1])[1][k]) < 1e-12
               for k in params)
    _, est = snap1_grads(params, X, Y)
    _, exact = bptt.bptt_grads(params, X, Y)
    assert rel_err(est["W_hh"], exact["W_hh"]) > 1e-3


@pytest.mark.formula("eq-rtrl-snap")
def test_snap1_equals_the_masked_full_recursion(rng):
    """P̃_t = (D_t (W_hh P̃_{t-1} + ∂z_t/∂θ)) ⊙ M with the full (B, n, n, n) array, kept entries a = i."""
    T, B, m, n, q = 5, 2, 2, 3, 2
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    mask = np.eye(n)[None, :, :, None]
    P = np.zeros((B, n, n, n))
    state = snap1_init(params, B)
    h = np.zeros((B, n))
    for t in range(T):
        h_new = np.tanh(X[t] @ params["W_hx"].T + h @ params["W_hh"].T + params["b_h"])
        P = propagate(params["W_hh"], P, 1 - h_new ** 2, h) * mask
        h = h_new
        state, _, _ = snap1_step(params, state, X[t], Y[t])
        np.testing.assert_allclose(state.S["W_hh"], np.einsum("biij->bij", P), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------------------------
# Memory: what RTRL holds does not depend on T


@pytest.mark.formula("eq-rtrl-memory")
def test_memory_count(rng):
    n, m, q, B = 4, 3, 2, 2
    params, _, _ = make_problem(rng, 1, B, m, n, q)
    state = rtrl_init(params, B)
    held = sum(v.size for v in state.P.values())
    assert held == B * n * (n * n + n * m + n) == B * costs.memory_model("rtrl", n, m, q, T=1000)
    assert sum(v.size for v in snap1_init(params, B).S.values()) == B * costs.memory_model("snap1", n, m)
    u = uoro_init(params, B, seed=0)
    assert u.h_tilde.size + sum(v.size for v in u.theta_tilde.values()) == B * costs.memory_model("uoro", n, m)


def test_rtrl_working_memory_does_not_grow_with_T(rng):
    """tracemalloc peak of rtrl_grads at T = 10 and T = 200 agree within 10 %; BPTT's grows (the probe works)."""
    n, m, q, B = 6, 2, 2, 2
    params, _, _ = make_problem(rng, 1, B, m, n, q)
    X = {T: rng.normal(size=(T, B, m)) for T in (10, 200)}
    Y = {T: rng.integers(0, q, size=(T, B)) for T in (10, 200)}
    rtrl = {T: costs.peak_bytes(lambda: rtrl_grads(params, X[T], Y[T])) for T in (10, 200)}
    bp = {T: costs.peak_bytes(lambda: bptt.bptt_grads(params, X[T], Y[T])) for T in (10, 200)}
    sensitivities = 8 * B * n * (n * n + n * m + n)
    assert rtrl[10] >= sensitivities                            # the probe sees the sensitivities
    assert rtrl[200] <= 1.1 * rtrl[10]
    assert bp[200] >= 5 * bp[10]                                # storing every step would be caught


def test_peak_bytes_sees_an_allocation():
    assert costs.peak_bytes(lambda: np.ones(100_000)) >= 800_000


# ---------------------------------------------------------------------------------------------
# Cost model and argument errors


def test_cost_models_have_the_stated_orders():
    assert costs.loglog_slope([64, 128], [costs.time_model("rtrl", n, 1, 1, 10) for n in (64, 128)]) == \
        pytest.approx(4, abs=0.1)
    assert costs.loglog_slope([256, 512], [costs.time_model("bptt", n, 1, 1, 10) for n in (256, 512)]) == \
        pytest.approx(2, abs=0.05)
    assert costs.memory_model("rtrl", 8, T=10) == costs.memory_model("rtrl", 8, T=10_000)
    assert costs.memory_model("bptt", 8, T=1001) == 1002 * 8
    assert costs.loglog_slope([1, 10, 100], [3, 30, 300]) == pytest.approx(1)
    with pytest.raises(ValueError, match="method"):
        costs.memory_model("adam", 4)
    with pytest.raises(ValueError, match="positive"):
        costs.loglog_slope([1, 2], [0, 1])


@pytest.mark.parametrize("call,error,words", [
    (lambda p, X, Y: rtrl_grads(p, X, Y, activation="softplus"), ValueError, ["activation", "softplus"]),
    (lambda p, X, Y: rtrl_grads(p, X[:, :, :1], Y), ValueError, ["X", "(T, B, m)"]),
    (lambda p, X, Y: rtrl_grads(p, X, Y, weights=np.ones(2)), ValueError, ["weights", "(T,)"]),
    (lambda p, X, Y: rtrl_grads(p, X, Y + 5), ValueError, ["Y", "0..2"]),
    (lambda p, X, Y: rtrl_grads(p, X, Y, h0=np.zeros((2, 2))), ValueError, ["h0", "(B, n)"]),
    (lambda p, X, Y: rtrl_init(p, B=0), ValueError, ["B", ">= 1"]),
    (lambda p, X, Y: rtrl_init([1], B=1), TypeError, ["params", "dict"]),
    (lambda p, X, Y: rtrl_step(p, rtrl_init(p, 2), X[0, :1], Y[0, :1]), ValueError, ["state.h", "(B, n)"]),
    (lambda p, X, Y: rtrl_step(p, rtrl_init(p, 2), X[0], Y[0], weight="a"), TypeError, ["weight"]),
    (lambda p, X, Y: rtrl_step(p, rtrl_init(p, 2), X[0], Y[0, :1]), ValueError, ["Y", "(T, B)"]),
    (lambda p, X, Y: rtrl_step(p, {"h": 0}, X[0], Y[0]), TypeError, ["RTRLState"]),
    (lambda p, X, Y: rtrl_step(p, RTRLState(np.zeros((2, 3)), {}), X[0], Y[0]), ValueError,
     ["state.P", "keys", "W_hx"]),
    (lambda p, X, Y: snap1_step(p, SnApState(np.zeros((2, 3)), {}), X[0], Y[0]), ValueError, ["state.S"]),
    (lambda p, X, Y: uoro_samples(p, X, Y, K=0), ValueError, ["K", ">= 1"]),
    (lambda p, X, Y: run_online(p, X, Y, method="bptt"), ValueError, ["method", "rtrl"]),
    (lambda p, X, Y: run_online(p, X, Y, lr=-1.0), ValueError, ["lr"]),
    (lambda p, X, Y: run_windows(p, X, Y, window=0, lr=0.1), ValueError, ["window"]),
])
def test_argument_errors(rng, call, error, words):
    params, X, Y = make_problem(rng, 4, 2, 2, 3, 3)
    with pytest.raises(error) as info:
        call(params, X, Y)
    assert all(w in str(info.value) for w in words), str(info.value)


# ---------------------------------------------------------------------------------------------
# Online RTRL's stale sensitivities, the estimator summaries and the figures


def test_stale_sensitivity_is_zero_without_updates_and_first_order_in_the_step():
    X, Y, _ = bptt.delayed_recall(120, 1, 2, rng=3)
    p0 = bptt.init_params(2, 5, 2, seed=2, spectral_radius=0.8)
    assert stale_sensitivity(p0, X, Y, 0.0) == 0.0
    small, double = stale_sensitivity(p0, X, Y, 1e-4), stale_sensitivity(p0, X, Y, 2e-4)
    assert 0 < small < double
    assert double / small == pytest.approx(2.0, rel=0.1)       # O(η): the drift is first order in the step


def test_estimator_summaries(rng):
    params, X, Y = make_problem(rng, 8, 1, 2, 3, 2, spectral_radius=0.9)
    err = per_step_errors(params, X, Y, K=4, seed=1)
    assert err["snap1"][0] < 1e-12 and np.all(err["snap1"][1:] > 1e-6)   # exact at t = 1 only
    assert np.all(np.isfinite(err["uoro"])) and np.all(err["uoro"] > 0)
    draws = rng.normal(size=(4096, 3)) + np.array([1.0, 2.0, 3.0])
    e = error_of_mean(draws, np.array([1.0, 2.0, 3.0]), [1, 16, 256])
    expected = np.sqrt(3 / np.array([1, 16, 256])) / np.sqrt(14)          # √(tr Σ / K) / ‖g‖
    np.testing.assert_allclose(e, expected, rtol=0.25)
    assert relative_error([1.0, 1.0], [1.0, 0.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="one sequence"):
        per_step_errors(params, np.tile(X, (1, 2, 1)), np.tile(Y, (1, 2)))
    with pytest.raises(ValueError, match="at most N"):
        error_of_mean(draws[:10], np.zeros(3), [11])


@pytest.mark.parametrize("rho,n,K", [(1.2, 4, 1), (0.5, 16, 256)])
def test_error_explorable_frames_are_finite(rho, n, K):
    from matplotlib.figure import Figure
    fig = Figure()
    V.draw_error_over_time(fig, rho, n, K, T=20)
    assert nonfinite_count(fig) == 0 and fig.axes[0].get_lines()


@pytest.mark.parametrize("n,T", [(4, 10), (256, 10000)])
def test_cost_model_frames(n, T):
    from matplotlib.figure import Figure
    fig = Figure()
    V.draw_cost_model(fig, n, T)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [costs.memory_model(k, n, 2, 2, T) for k in ("bptt", "rtrl", "uoro", "snap1")]
    assert ("RTRL holds less" in fig._suptitle.get_text()) == (n * (n * n + 2 * n + n) < (T + 1) * n)


def test_draw_costs_reports_the_fitted_slopes():
    from matplotlib.figure import Figure
    x = np.array([8.0, 16.0, 32.0, 64.0])
    measured = {key: {k: (x, 3.0 * x ** V.THEORY[key][k]) for k in ("rtrl", "bptt")}
                for key in ("time_n", "memory_n", "time_T", "memory_T")}
    slopes = V.draw_costs(Figure(), measured, n_fixed=16, T_fixed=100)
    for key, per in slopes.items():
        for k, s in per.items():
            assert s == pytest.approx(V.THEORY[key][k], abs=1e-9)


# ---------------------------------------------------------------------------------------------
# The page as a reader sees it (issue 11); helpers shared with tests/test_truncation.py.


def test_rtrl_code_fits_the_column():
    """Code cells and the functions shown with literalinclude."""
    assert [l for pg in ("rtrl", "sources_rtrl", "measured_rtrl")
            for l in long_code_lines(chapter(pg))] == []


def test_rtrl_figures_fit_the_column_and_are_legible():
    from matplotlib.figure import Figure

    size = check_figure_sizes(_pages())
    rng = np.random.default_rng(0)
    curves = {name: (rng.uniform(0.01, 0.7, 300), dict(color=c)) for name, c in
              (("RTRL, every step", "C0"), ("BPTT, windows of 8", "C1"), ("BPTT, windows of 2", "C1"),
               ("SnAp-1, every step", "C3"), ("UORO, every step", "C2"))}
    sizes = [8, 16, 32, 64]
    measured = {key: {k: (sizes, list(np.array(sizes, float) ** e * 1e-6)) for k, e in (("rtrl", 3), ("bptt", 1))}
                for key in ("time_n", "memory_n", "time_T", "memory_T")}
    samples = rng.normal(size=(64, 6))
    exact, snap = samples.mean(axis=0), samples.mean(axis=0) + 0.3
    Ks = [1, 4, 16, 64]
    cases = [(V.draw_online, size["draw_online"], (curves,), dict(window=20, chance=0.69, title="a title")),
             (V.draw_costs, size["draw_costs"], (measured,), dict(n_fixed=16, T_fixed=50)),
             (V.draw_estimators, size["draw_estimators"], (samples, exact, snap, Ks, error_of_mean(samples, exact, Ks)),
              dict(coords=(0, 1), names=("∂L/∂(W_hh)₁₁", "∂L/∂(W_hh)₁₂")))]
    for draw, figsize, args, kw in cases:
        fig = Figure(figsize=figsize)
        fig.set_layout_engine("constrained")
        draw(fig, *args, **kw)
        check_legible(fig)
    explorable_size = size["figsize"]
    for rho in (0.5, 1.2):
        fig = Figure(figsize=explorable_size)
        V.draw_error_over_time(fig, rho, 4, 1, T=15)
        check_legible(fig)
    for n, T in ((4, 10), (256, 10000)):
        fig = Figure(figsize=explorable_size)
        V.draw_cost_model(fig, n, T)
        check_legible(fig)


def test_rtrl_totals_carry_the_plus():
    text = _pages()
    assert plain_total_derivatives(text) == []
    # per-step loss gradients with respect to parameters are totals (only ∂L/∂θ may drop the +)
    assert not re.search(r"\\partial L_[tT1]/\\partial\\theta|\\frac\{\\partial L_t\}\{\\partial "
                         r"(\\theta|W_\{qh\}|b_q|u_\{ij\})", text)
    # ρ is the spectral radius: UORO's scalars have another name
    assert not re.search(r"\\rho_[01]", text.replace("Ollivier's $\\rho_0, \\rho_1$", ""))


def test_rtrl_makes_no_claim_it_does_not_show():
    text = _pages()
    assert "in our trials" not in text.lower()
    assert not re.search(r"cubic in \$n\$", text)                   # the measurement is glued instead
    assert "{glue:text}`rtrl-slope-mem-n" in chapter("measured_rtrl")
    assert not re.search(r"SnAp-1's estimate sits close", text)


def _mb_rtrl_128():
    n, m = 128, 64
    return f"{n * (n * n + n * m + n) * 8 / 1e6:.1f}"


PROSE_NUMBERS = {
    # step sizes and the spectral radius the chapter sets
    "given": {"0.02", "0.9"},
    "held": {"25.3": _mb_rtrl_128},                               # megabytes, exercise 1
}


def test_rtrl_prose_numbers_are_glued_or_held():
    for page in ("rtrl", "sources_rtrl", "measured_rtrl"):
        check_prose_numbers(chapter(page), PROSE_NUMBERS, partial=True)
    check_prose_numbers(_pages(), PROSE_NUMBERS)


# ---------------------------------------------------------------------------------------------
# Issue 12: the key box, the case worked by hand, the source commentary and timings in the appendix.


def _pages():
    """The chapter and its two appendix sections, front matter dropped (it is not prose)."""
    texts = [chapter(p) for p in ("rtrl", "sources_rtrl", "measured_rtrl")]
    return "\n".join(_re_mod.sub(r"\A---\n.*?\n---\n", "", t, flags=_re_mod.S) for t in texts)


def test_worked_case_one_unit_three_steps_by_hand():
    """The chapter's case: n = m = 1, W_hx = 1, W_hh = 1/2, W_qh = (1, -1), x = (1, 1/2, -1),
    y = (0, 1, 0). The scalar recursion P_t = f'(z_t)(W_hh P_{t-1} + h_{t-1}) (and x_t, 1 for W_hx,
    b_h), summed with ∂L_t/∂h_t, gives bptt_grads' gradient; rtrl_step carries the same P_t."""
    p1 = {"W_hx": np.array([[1.0]]), "W_hh": np.array([[0.5]]), "b_h": np.array([0.0]),
          "W_qh": np.array([[1.0], [-1.0]]), "b_q": np.array([0.0, 0.0])}
    X1, Y1 = np.array([1.0, 0.5, -1.0]).reshape(3, 1, 1), np.array([0, 1, 0]).reshape(3, 1)
    state = rtrl_init(p1, B=1)
    h, P, total = 0.0, {"W_hh": 0.0, "W_hx": 0.0, "b_h": 0.0}, {"W_hh": 0.0, "W_hx": 0.0, "b_h": 0.0}
    for t in range(3):
        x = X1[t, 0, 0]
        z = x + 0.5 * h
        d = 1 - np.tanh(z) ** 2
        P = {"W_hh": d * (0.5 * P["W_hh"] + h), "W_hx": d * (0.5 * P["W_hx"] + x), "b_h": d * (0.5 * P["b_h"] + 1)}
        h = np.tanh(z)
        yhat = np.exp([h, -h]) / np.exp([h, -h]).sum()
        dL_dh = (yhat - np.eye(2)[Y1[t, 0]]) @ np.array([1.0, -1.0])
        state, _, g_t = rtrl_step(p1, state, X1[t], Y1[t])
        for k in P:
            assert state.P[k].item() == pytest.approx(P[k], rel=1e-13)
            assert g_t[k].item() == pytest.approx(dL_dh * P[k], rel=1e-12)
            total[k] += dL_dh * P[k]
    _, g = bptt.bptt_grads(p1, X1, Y1)
    for k in total:
        assert g[k].item() == pytest.approx(total[k], rel=1e-12)


def test_rtrl_source_commentary_and_timings_are_in_the_appendix():
    text = chapter("rtrl")
    assert len(re.findall(r"[Ss]ource 00\d|00\d_[0-9a-f]{16}", text)) <= 5
    assert ":class: warning" not in text and chapter("sources_rtrl").count(":class: warning") == 2
    for label in ("eq-rtrl-row", "eq-rtrl-row-grad"):
        assert f"$$ ({label})" in chapter("sources_rtrl")
    assert "measure_time" not in text and "measure_time(" in chapter("measured_rtrl")
    assert "{doc}`measured_rtrl`" in text
    box = text.index(":class: key-result")
    assert box < text.index("## What RTRL carries")
    assert text.index("$$ (eq-rtrl-sensitivity)") > box and text.index("$$ (eq-rtrl-grad)") > box
    assert "You need" in text and "You should now be able to" in text
