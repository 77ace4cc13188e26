"""Ordered derivatives: the source's numbers, Werbos's rule against SymPy, the two sweeps and their
costs, and the bridge to recurrent networks (unrolled system, concatenated input)."""
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bptt
from bptt.losses import log_softmax, one_hot
from bptt.ordered import (
    backward_sweep,
    chain_system,
    check_system,
    dense_system,
    evaluate_linear,
    forward_sweep,
    forward_tangent,
    path_contributions,
    source_system,
    total_derivatives,
)
from bptt.ordered_rnn import PARAM_KEYS, concat_params, ordered_grads, source_rnn_grads, split_params, unrolled_elman
from bptt.sym import ordered as so
from conftest import make_problem

# Data from source 004 (its printed values), not output of our code: ∂⁺E/∂z_1..z_4 and E = 136 z_1.
SOURCE_PRINTED = np.array([136.0, 58.0, 16.0, 4.0])
SOURCE_E_OVER_Z1 = 136
# Numbers in the chapter's prose (tests/test_prose_numbers.py): exercise 2's count of paths from z_1 to E in
# the dense system of N = 30 variables, 2^(N-1), recomputed from the library for a small N and scaled.
PROSE_NUMBERS = {
    "given": set(),
    "held": {"5.4 \\times 10^8": lambda: _paths_n30()},
}


def _paths_n30():
    from bptt.ordered import dense_system as _dense
    from bptt.ordered import path_contributions as _paths
    per_variable = len(_paths(*_dense(11), 0)) / len(_paths(*_dense(10), 0))   # each variable doubles the count
    count = len(_paths(*_dense(10), 0)) * per_variable ** 20                   # N = 30
    mantissa, exponent = f"{count:.1e}".split("e")
    return f"{mantissa} \\times 10^{int(exponent)}"


PROPERTY = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


# -- the source's system ---------------------------------------------------------------------------------

@pytest.mark.formula("eq-ordered-system", "eq-ordered-direct")
def test_library_data_is_the_source_system_and_its_direct_partials():
    z, eqs, E = so.source_system()
    A_sym, e_sym = so.direct_partials(z, eqs, E)
    A, e = source_system()
    assert np.array_equal(np.array(A_sym, dtype=float), A)
    assert np.array_equal(np.array(e_sym, dtype=float)[:, 0], e)
    assert list(e) == [0.0, 2.0, 0.0, 4.0]                      # ∂E/∂z_1 = 0 although E = 136 z_1
    assert E == 4 * z[3] + 2 * z[1]
    assert [q.rhs for q in eqs] == [2 * z[0], 3 * z[1] + z[0], 4 * z[2] + 2 * z[1] + z[0]]


@pytest.mark.formula("eq-ordered-substitution")
def test_substitution_gives_E_as_136_z1_step_by_step():
    z, eqs, E = so.source_system()
    assert so.substitute_after(z, eqs, E, 2) == 16 * z[2] + 10 * z[1] + 4 * z[0]
    assert so.substitute_after(z, eqs, E, 1) == 58 * z[1] + 20 * z[0]
    assert so.substitute_after(z, eqs, E, 0) == SOURCE_E_OVER_Z1 * z[0]
    # the numerical system agrees: E(z_1) is linear with slope 136
    _, E1 = evaluate_linear(*source_system(), [1.0, 0, 0, 0])
    _, E3 = evaluate_linear(*source_system(), [3.0, 0, 0, 0])
    assert E1 == SOURCE_E_OVER_Z1 and E3 == 3 * SOURCE_E_OVER_Z1


@pytest.mark.formula("eq-ordered-peel", "eq-ordered-rule")
def test_peeling_one_equation_is_the_chain_rule_step_of_werbos_rule():
    z, eqs, E = so.linear_system(4)
    rhs = so.defining(eqs)
    F = [so.substitute_after(z, eqs, E, i) for i in range(4)]       # F[i] = F_{i+1}: E in z_1..z_{i+1}
    for j in range(1, 4):                                           # peel z_{j+1}
        assert (F[j - 1] - F[j].subs(z[j], rhs[z[j]])).expand() == 0
        for i in range(j):
            chain = sp.diff(F[j], z[i]) + sp.diff(F[j], z[j]) * sp.diff(rhs[z[j]], z[i])
            assert (sp.diff(F[j - 1], z[i]) - chain.subs(z[j], rhs[z[j]])).expand() == 0


@pytest.mark.formula("eq-ordered-worked", "eq-ordered-rule")
def test_the_four_values_from_library_and_sympy_match_the_source():
    z, eqs, E = so.source_system()
    by_substitution = np.array(so.ordered_by_substitution(z, eqs, E), dtype=float)[:, 0]
    by_recursion = np.array(so.ordered_by_recursion(z, eqs, E), dtype=float)[:, 0]
    by_sweep = backward_sweep(*source_system()).grad
    by_forward = forward_sweep(*source_system()).grad
    # ∂⁺E/∂z_1 as the derivative of the fully substituted E
    assert float(sp.diff(so.substitute_after(z, eqs, E, 0), z[0])) == by_substitution[0]
    for values in (by_substitution, by_recursion, by_sweep, by_forward, total_derivatives(*source_system())):
        assert np.array_equal(values, SOURCE_PRINTED)


def test_symbolic_coefficients_both_derivations_agree_and_each_monomial_is_a_path():
    z, eqs, E = so.linear_system(4)
    diff = so.ordered_by_substitution(z, eqs, E) - so.ordered_by_recursion(z, eqs, E)
    assert diff.applyfunc(sp.expand) == sp.zeros(4, 1)
    g1 = so.ordered_by_recursion(z, eqs, E)[0]
    assert len(sp.Add.make_args(g1)) == 8                       # 2^(N-1) paths from z_1 to E in a dense system
    assert float(g1.subs(so.source_values())) == SOURCE_PRINTED[0]


@pytest.mark.formula("eq-ordered-paths")
def test_the_five_paths_of_the_source_sum_to_136():
    paths = dict(path_contributions(*source_system(), 0))
    assert paths == {(0, 1): 4.0, (0, 1, 2, 3): 96.0, (0, 1, 3): 16.0, (0, 2, 3): 16.0, (0, 3): 4.0}
    assert sum(paths.values()) == SOURCE_PRINTED[0]


@pytest.mark.formula("eq-ordered-forward")
def test_forward_tangents_of_the_source_are_the_substitution_slopes():
    z, eqs, E = so.source_system()
    d, ops = forward_tangent(source_system()[0], 0)
    slopes = [1] + [sp.diff(so.substitute_after(z, eqs, v, 0), z[0]) for v in z[1:]]   # z_k as a multiple of z_1
    assert list(d) == [float(s) for s in slopes] == [1.0, 2.0, 7.0, 33.0]
    assert ops == 6
    assert d @ source_system()[1] == SOURCE_PRINTED[0]


# -- random ordered systems ----------------------------------------------------------------------------

def random_system(seed, N, density):
    rng = np.random.default_rng(seed)
    A = np.tril(rng.normal(size=(N, N)) * (rng.random((N, N)) < density), -1)
    e = rng.normal(size=N) * (rng.random(N) < max(density, 0.3))
    return A, e


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 9), density=st.floats(0.0, 1.0))
@pytest.mark.formula("eq-ordered-matrix", "eq-ordered-neumann")
def test_backward_sweep_equals_forward_sweep_solve_and_path_sum(seed, N, density):
    A, e = random_system(seed, N, density)
    back, fwd = backward_sweep(A, e), forward_sweep(A, e)
    np.testing.assert_allclose(back.grad, fwd.grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(back.grad, total_derivatives(A, e), rtol=1e-10, atol=1e-10)
    neumann = sum(np.linalg.matrix_power(A, k) for k in range(N))           # (I - A)^{-1}, A nilpotent
    np.testing.assert_allclose(neumann @ (np.eye(N) - A), np.eye(N), atol=1e-9)
    np.testing.assert_allclose(back.grad, e @ neumann, rtol=1e-10, atol=1e-10)
    for i in range(N):
        np.testing.assert_allclose(sum(w for _, w in path_contributions(A, e, i)), back.grad[i], atol=1e-10)
        np.testing.assert_allclose(forward_tangent(A, i)[0], neumann[:, i], atol=1e-10)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 5), density=st.floats(0.2, 1.0))
def test_backward_sweep_equals_sympy_on_random_linear_systems(seed, N, density):
    A, e = random_system(seed, N, density)
    z = so.variables(N)
    eqs = [sp.Eq(z[j], sum(sp.Float(A[j, i]) * z[i] for i in range(j))) for j in range(1, N) if A[j].any()]
    E = sum(sp.Float(e[i]) * z[i] for i in range(N))
    sym = np.array(so.ordered_by_substitution(z, eqs, E), dtype=float)[:, 0]
    np.testing.assert_allclose(backward_sweep(A, e).grad, sym, rtol=1e-10, atol=1e-10)


UNARY = [sp.sin, sp.tanh, lambda v: v ** 2, lambda v: sp.exp(v / 3), lambda v: v]


@st.composite
def nonlinear_systems(draw):
    """A random ordered system of nonlinear scalar equations: (variables, equations, E, point)."""
    N = draw(st.integers(2, 5))
    z = so.variables(N)
    coef = st.integers(-3, 3).filter(bool)
    eqs = []
    for j in range(1, N):
        parents = draw(st.lists(st.integers(0, j - 1), max_size=3, unique=True))
        if parents:                                             # no parents: z_j is another input
            terms = [draw(coef) * UNARY[draw(st.integers(0, 4))](z[i]) for i in parents]
            if len(parents) > 1 and draw(st.booleans()):
                terms.append(z[parents[0]] * z[parents[1]])     # a product: two partials at once
            eqs.append(sp.Eq(z[j], sum(terms)))
    readers = draw(st.lists(st.integers(0, N - 1), min_size=1, max_size=3, unique=True))
    E = sum(draw(coef) * UNARY[draw(st.integers(0, 4))](z[i]) for i in readers) + z[0] * z[N - 1]
    inputs = {v: draw(st.floats(-1.0, 1.0)) for v in z if v not in so.defining(eqs)}
    return z, eqs, E, inputs


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(system=nonlinear_systems())
@pytest.mark.formula("eq-ordered-rule")
def test_sweeps_equal_sympy_total_derivatives_on_random_nonlinear_systems(system):
    z, eqs, E, inputs = system
    A, e, values = so.system_at_point(z, eqs, E, inputs)
    point = dict(zip(z, values))
    sym = np.array([float(v.subs(point)) for v in so.ordered_by_substitution(z, eqs, E)])
    np.testing.assert_allclose(backward_sweep(A, e).grad, sym, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(forward_sweep(A, e).grad, sym, rtol=1e-9, atol=1e-9)


# -- operation counts ------------------------------------------------------------------------------------

@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 10), density=st.floats(0.0, 1.0))
@pytest.mark.formula("eq-ordered-cost")
def test_backward_costs_one_multiply_add_per_edge_and_forward_at_least_that_per_input(seed, N, density):
    A, e = random_system(seed, N, density)
    edges = [(j, i) for j in range(N) for i in range(j) if A[j, i] != 0]
    assert backward_sweep(A, e).ops == len(edges)
    # one forward sweep from z_i touches every edge that leaves z_i or a later variable, and E's edges there
    for i in range(N):
        assert forward_sweep(A, e, i).ops == sum(1 for _, t in edges if t >= i) + np.count_nonzero(e[i:])
    assert forward_sweep(A, e, 0).ops >= backward_sweep(A, e).ops


@pytest.mark.parametrize("N", [1, 2, 5, 12, 30])
@pytest.mark.formula("eq-ordered-cost-dense")
def test_dense_and_chain_costs_have_the_closed_forms(N):
    assert backward_sweep(*dense_system(N)).ops == N * (N - 1) // 2
    assert forward_sweep(*dense_system(N)).ops == N * (N + 1) * (N + 2) // 6
    assert backward_sweep(*chain_system(N)).ops == N - 1
    assert forward_sweep(*chain_system(N)).ops == N * (N + 1) // 2
    if N <= 12:                                                 # 2^(N-1) paths from z_1 to E in a dense system
        assert len(path_contributions(*dense_system(N), 0)) == 2 ** (N - 1)


# -- the unrolled recurrent network ----------------------------------------------------------------------

@pytest.mark.parametrize("T,B,m,n,q,activation", [(1, 1, 1, 1, 2, "tanh"), (4, 2, 2, 3, 2, "tanh"),
                                                  (3, 1, 3, 2, 4, "sigmoid"), (5, 2, 1, 2, 3, "relu")])
@pytest.mark.formula("eq-ordered-delta", "eq-ordered-dzo", "eq-ordered-source-recursion")
def test_one_backward_sweep_over_the_unrolled_network_is_bptt(rng, T, B, m, n, q, activation):
    params, X, Y = make_problem(rng, T, B, m, n, q)
    h0 = rng.normal(size=(B, n))
    weights = rng.uniform(0.5, 1.5, size=T)
    system = unrolled_elman(params, X, Y, h0, activation, weights)
    g = backward_sweep(system.A, system.e).grad
    ref = bptt.backward(params, X, Y, h0, activation, weights)
    assert system.loss == pytest.approx(ref["loss"], rel=1e-12)
    np.testing.assert_allclose(system.take(system.e, "o"), ref["dO"], atol=1e-12)        # ∂L/∂o_t = w_t (ŷ_t − y_t)
    delta = system.take(g, "z")
    np.testing.assert_allclose(delta, ref["delta"], atol=1e-12)
    np.testing.assert_allclose(system.take(g, "h")[0], ref["dh0"], atol=1e-12)
    for k in PARAM_KEYS:
        np.testing.assert_allclose(system.take(g, k), ref["grads"][k], atol=1e-12)
    # the recursion δ_t = D_t (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1}), from the sweep's own numbers
    H = bptt.forward(params, X, h0, activation)[0]
    D = bptt.df_from_h(H[1:], activation)
    dO = system.take(system.e, "o")
    nxt = np.zeros((B, n))
    for t in range(T - 1, -1, -1):
        np.testing.assert_allclose(delta[t], D[t] * (dO[t] @ params["W_qh"] + nxt), atol=1e-12)
        nxt = delta[t] @ params["W_hh"]


def test_ordered_grads_pass_the_gradient_check(rng):
    params, X, Y = make_problem(rng, 4, 2, 2, 3, 3)
    h0 = rng.normal(size=(2, 3))
    bptt.check_grads(lambda p: ordered_grads(p, X, Y, h0), params)


@pytest.mark.formula("eq-ordered-rtrl-cost")
def test_forward_sweeps_over_the_parameters_cost_at_least_P_times_the_state_graph(rng):
    params, X, Y = make_problem(rng, 5, 1, 2, 3, 2)
    system = unrolled_elman(params, X, Y)
    P = sum(v.size for v in params.values())
    inputs = np.concatenate([system.index[k].ravel() for k in PARAM_KEYS])
    assert sorted(inputs) == list(range(P))                    # the parameters come first
    back = backward_sweep(system.A, system.e)
    fwd = forward_sweep(system.A, system.e, inputs)
    np.testing.assert_allclose(fwd.grad, back.grad[inputs], atol=1e-12)
    state_edges = np.count_nonzero(system.A[P:, P:]) + np.count_nonzero(system.e[P:])
    assert back.ops == np.count_nonzero(system.A)
    assert fwd.ops >= P * state_edges > 10 * back.ops


# -- the source's concatenated input ---------------------------------------------------------------------

@pytest.mark.formula("eq-ordered-block")
def test_block_matrix_identity_symbolic():
    lhs, collapsed, rhs = so.concat_block_identity()
    assert sp.simplify(collapsed - rhs) == sp.ZeroMatrix(*rhs.shape)
    for m, n in [(1, 1), (2, 3), (3, 2)]:
        b = so.book_matrices(m, n, 1)
        concat = b["W_hx"].row_join(b["W_hh"]) * b["x"].col_join(b["h_prev"])
        assert (concat - (b["W_hx"] * b["x"] + b["W_hh"] * b["h_prev"])).expand() == sp.zeros(n, 1)


@pytest.mark.parametrize("m,n,q", [(1, 1, 1), (2, 3, 2), (3, 2, 4), (4, 5, 3)])
@pytest.mark.formula("eq-ordered-source-rnn", "eq-ordered-block")
def test_concatenated_input_rnn_equals_the_split_form_numerically(rng, m, n, q):
    step, names = so.source_step(m, n, q)
    b = so.book_matrices(m, n, q)
    args = [*b["x"], *b["h_prev"], *[s for k in ("w_ih", "b_ih", "w_ho", "b_ho") for s in names[k]]]
    h_next = sp.lambdify(args, step["h"], "numpy")
    o_now = sp.lambdify(args, step["z_o"], "numpy")
    sparams = {"w_ih": rng.normal(size=(n, m + n)), "b_ih": rng.normal(size=n),
               "w_ho": rng.normal(size=(q, n)), "b_ho": rng.normal(size=q)}
    flat = [v for k in ("w_ih", "b_ih", "w_ho", "b_ho") for v in sparams[k].ravel()]
    T = 4
    X, h = rng.normal(size=(T, 1, m)), rng.normal(size=n)
    H, O = bptt.forward(split_params(sparams, m), X, h[None])
    for t in range(T):
        o = np.asarray(o_now(*X[t, 0], *h, *flat)).ravel()          # z^o_t as a function of x_t, h_{t-1}
        h = np.asarray(h_next(*X[t, 0], *h, *flat)).ravel()
        np.testing.assert_allclose(h, H[t + 1, 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(o, O[t, 0], rtol=1e-12, atol=1e-12)
    # and the numerical block identity w_ih [x; h] = W_hx x + W_hh h
    p = split_params(sparams, m)
    x, hp = rng.normal(size=m), rng.normal(size=n)
    np.testing.assert_allclose(sparams["w_ih"] @ np.concatenate([x, hp]), p["W_hx"] @ x + p["W_hh"] @ hp, atol=1e-12)
    assert all(np.array_equal(concat_params(p)[k], sparams[k]) for k in sparams)


@pytest.mark.parametrize("m,n,q", [(1, 1, 1), (2, 3, 2)])
def test_source_step_maps_to_the_book_step(m, n, q):
    step, _ = so.source_step(m, n, q)
    book = so.book_step(m, n, q)
    mapping = so.source_to_book(m, n, q)
    for src, dst in (("z_h", "z"), ("h", "h"), ("z_o", "o")):
        assert (step[src].subs(mapping) - book[dst]).expand() == sp.zeros(*book[dst].shape)


@pytest.mark.parametrize("T,B,m,n,q", [(1, 1, 1, 1, 2), (5, 3, 2, 4, 3), (3, 2, 4, 2, 5)])
@pytest.mark.formula("eq-ordered-grad-wih", "eq-ordered-grad-who", "eq-ordered-cost-function")
def test_source_formulas_in_book_notation_give_the_bptt_gradients(rng, T, B, m, n, q):
    params, X, Y = make_problem(rng, T, B, m, n, q)
    h0 = rng.normal(size=(B, n))
    C, g = source_rnn_grads(concat_params(params), X, Y, h0)
    L, ref = bptt.bptt_grads(params, X, Y, h0)
    O = bptt.forward(params, X, h0)[1]
    assert C == pytest.approx(-np.sum(one_hot(Y, q) * log_softmax(O)), rel=1e-12) == pytest.approx(L, rel=1e-12)
    np.testing.assert_allclose(g["w_ih"], np.hstack([ref["W_hx"], ref["W_hh"]]), atol=1e-12)
    np.testing.assert_allclose(g["w_ho"], ref["W_qh"], atol=1e-12)
    np.testing.assert_allclose(g["b_ih"], ref["b_h"], atol=1e-12)
    np.testing.assert_allclose(g["b_ho"], ref["b_q"], atol=1e-12)
    # Σ_t δ_t xc_tᵀ from the unrolled sweep's δ_t, independently of source_rnn_grads
    system = unrolled_elman(params, X, Y, h0)
    delta = system.take(backward_sweep(system.A, system.e).grad, "z")
    H = bptt.forward(params, X, h0)[0]
    XC = np.concatenate([X, H[:-1]], axis=2)
    np.testing.assert_allclose(np.einsum("tbn,tbk->nk", delta, XC), g["w_ih"], atol=1e-12)
    bptt.check_grads(lambda s: source_rnn_grads(s, X, Y, h0), concat_params(params))


@pytest.mark.formula("eq-ordered-step-jacobian")
@pytest.mark.parametrize("n", [1, 2, 3])
def test_step_jacobian_is_W_hh_D(n):
    J, claimed = so.step_jacobian(n)
    assert (J - claimed).applyfunc(sp.simplify) == sp.zeros(n, n)


@pytest.mark.formula("eq-ordered-dzo", "eq-ordered-softmax-jacobian")
@pytest.mark.parametrize("q", [2, 3])
def test_softmax_cross_entropy_gradient_and_softmax_jacobian(q):
    grad, claimed = so.softmax_ce_gradient(q)
    assert (grad - claimed).applyfunc(sp.simplify) == sp.zeros(q, 1)
    J, claimed = so.softmax_jacobian(q)
    assert (J - claimed).applyfunc(sp.simplify) == sp.zeros(q, q)


@pytest.mark.formula("eq-ordered-d2l", "eq-ordered-d2l-fixed")
def test_total_derivative_recursion_of_a_scalar_rnn():
    """∂⁺h_t/∂w = ∂h_t/∂w + ∂h_t/∂h_{t-1} ∂⁺h_{t-1}/∂w: the direct term alone is not the total."""
    w, h0, h1, h2, h3 = sp.symbols("w h_0 h_1 h_2 h_3")
    hs, xs = [h0, h1, h2, h3], [0.5, -1.0, 2.0]
    eqs = [sp.Eq(hs[t + 1], sp.tanh(w * hs[t] + xs[t])) for t in range(3)]
    z = [w, h0, h1, h2, h3]
    point = {w: 0.7, h0: 0.3}
    for t in range(3):
        point[hs[t + 1]] = sp.tanh(w * hs[t] + xs[t]).subs(point)
    total = [float(so.ordered_by_substitution(z, eqs, hs[t])[0].subs(point)) for t in range(4)]
    assert total[0] == 0.0
    for t in range(1, 4):
        direct_w = sp.diff(eqs[t - 1].rhs, w).subs(point)
        direct_h = sp.diff(eqs[t - 1].rhs, hs[t - 1]).subs(point)
        assert total[t] == pytest.approx(float(direct_w + direct_h * total[t - 1]), rel=1e-12)
        if t > 1:
            assert abs(total[t] - float(direct_w)) > 1e-3         # the direct partial alone is not it
    A, e, _ = so.system_at_point(z, eqs, h3, {w: 0.7, h0: 0.3})
    assert backward_sweep(A, e).grad[0] == pytest.approx(total[3], rel=1e-12)


# -- bad input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call,error,words", [
    (lambda: backward_sweep(np.zeros((3, 2)), np.zeros(3)), ValueError, ["A", "square", "(3, 2)"]),
    (lambda: backward_sweep(np.ones((3, 3)), np.zeros(3)), ValueError, ["strictly lower-triangular", "A[0, 0]"]),
    (lambda: backward_sweep(np.triu(np.ones((3, 3)), 1), np.zeros(3)), ValueError, ["A[0, 1]"]),
    (lambda: backward_sweep(np.full((2, 2), np.nan), np.zeros(2)), ValueError, ["A", "NaN"]),
    (lambda: backward_sweep(np.zeros(3), np.zeros(3)), ValueError, ["A", "2 dimensions"]),
    (lambda: backward_sweep(np.zeros((0, 0)), np.zeros(0)), ValueError, ["N >= 1"]),
    (lambda: backward_sweep([["a"]], [0.0]), TypeError, ["A", "real numbers"]),
    (lambda: backward_sweep(np.zeros((3, 3)), np.zeros(4)), ValueError, ["e", "(N,)", "(3,)"]),
    (lambda: backward_sweep(np.zeros((3, 3)), np.array([0, np.inf, 0])), ValueError, ["e", "infinite"]),
    (lambda: forward_sweep(np.zeros((3, 3)), np.zeros(3), 3), ValueError, ["inputs", "0..2"]),
    (lambda: forward_sweep(np.zeros((3, 3)), np.zeros(3), [-1]), ValueError, ["inputs", ">= 0"]),
    (lambda: forward_sweep(np.zeros((3, 3)), np.zeros(3), [1.5]), TypeError, ["inputs", "integer"]),
    (lambda: forward_tangent(np.zeros((3, 3)), True), TypeError, ["i", "integer"]),
    (lambda: path_contributions(*dense_system(16), 0), ValueError, ["max_paths"]),
    (lambda: evaluate_linear(*source_system(), [1.0]), ValueError, ["u", "(N,)"]),
    (lambda: dense_system(0), ValueError, ["N", ">= 1"]),
    (lambda: check_system(np.eye(2)), ValueError, ["A[0, 0]"]),
    (lambda: concat_params([1, 2]), TypeError, ["params", "dict"]),
    (lambda: source_rnn_grads({"w_ih": np.zeros((2, 3)), "b_ih": np.zeros(2), "w_ho": np.zeros((2, 2)),
                               "b_ho": np.zeros(2)}, np.zeros((2, 1, 2)), np.zeros((2, 1), int)),
     ValueError, ["w_ih", "(n, m+n)", "(2, 4)"]),
    (lambda: source_rnn_grads([1], np.zeros((2, 1, 2)), np.zeros((2, 1), int)), TypeError, ["sparams", "dict"]),
    (lambda: split_params({"w_ih": np.zeros(3)}, 1), ValueError, ["w_ih", "matrix"]),
    (lambda: so.system_at_point(*so.source_system()[:3], {}), ValueError, ["inputs", "z_1"]),
])
def test_bad_input_is_refused_with_a_clear_message(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)


# -- the figures ---------------------------------------------------------------------------------------

def test_explorable_draws_every_corner_without_nonfinite_values():
    from matplotlib.figure import Figure

    from bptt.viz import nonfinite_count
    from bptt.viz.ordered import draw_explorer, draw_source_graph, draw_sweep_costs
    fig = Figure()
    for a32, a43, c2 in [(-3.0, -4.0, -2.0), (3.0, 4.0, 4.0), (0.0, 0.0, 0.0)]:   # the extremes and all-zero
        draw_explorer(fig, a32=a32, a43=a43, c2=c2)
        assert nonfinite_count(fig) == 0 and len(fig.axes) == 3
    draw_explorer(fig, a32=1.0, a43=-2.0, c2=2.0)               # the cancelling setting of the exercises
    assert "= 0" in fig.axes[2].get_title()
    draw_source_graph(fig)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert {"2", "3", "4", "1"} <= set(labels) and {"136", "58", "16"} <= set(labels)
    draw_sweep_costs(fig)
    assert nonfinite_count(fig) == 0


def test_aligned_latex_keeps_every_term_and_wraps_long_sums():
    z, eqs, E = so.linear_system(4)
    text = so.aligned_latex(["a", "b", "c", "d"], so.ordered_by_substitution(z, eqs, E), per_line=4)
    assert text.count("&=") == 4 and text.count(r"&\quad +") == 1       # 8 terms: one wrap
    assert text.count("c_{4}") == 4 + 2 + 1 + 1   # paths ending with the arrow z_4 -> E and text.startswith(r"\begin{aligned}")
    assert so.aligned_latex(["x"], [-z[0] + 2 * z[1]]) == r"\begin{aligned}x &= - z_{1} + 2 z_{2}\end{aligned}"


# -- figures sized for the text column -------------------------------------------------------------

def test_ordered_figures_fit_the_column_with_legible_text():
    import re
    from pathlib import Path

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from bptt.viz import ordered as vo
    text = (Path(__file__).resolve().parents[1] / "book" / "ordered_derivatives.md").read_text()
    calls = [(m[1], float(m[2]), float(m[3]), 96) for m in re.finditer(r"show\(\s*(\w+),\s*\(([\d.]+),\s*([\d.]+)\)", text)]
    for m in re.finditer(r"explorable\(\s*(\w+),(.*?)\n\)\n```", text, re.S):
        size, dpi = re.search(r"figsize=\(([\d.]+),\s*([\d.]+)\)", m[2]), re.search(r"dpi=(\d+)", m[2])
        calls.append((m[1], float(size[1]), float(size[2]), int(dpi[1]) if dpi else 96))
    assert {c[0] for c in calls} == {"draw_source_graph", "draw_sweep_costs", "draw_explorer"}, calls
    assert all(w <= 7.1 and dpi == 96 for _, w, _, dpi in calls), calls     # 688 CSS px column at dpi 96
    settings = {"draw_explorer": [{}, {"a32": -3.0, "a43": -4.0, "c2": -2.0}, {"a32": 1.0, "a43": -2.0, "c2": 2.0}]}
    for name, w, h, _ in calls:
        for kw in settings.get(name, [{}]):
            fig = Figure(figsize=(w, h), layout="constrained")
            getattr(vo, name)(fig, **kw)
            FigureCanvasAgg(fig).draw()
            sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
            assert min(sizes) >= 7.0, (name, kw, min(sizes))              # 7 pt = 9.3 CSS px at dpi 96


# -- the learner's path (issue 12): key box first, few mentions of the sources --------------------------

def test_ordered_chapter_opens_with_werbos_rule_in_a_box_and_moves_source_notes_to_the_appendix():
    import re
    from pathlib import Path
    book = Path(__file__).resolve().parents[1] / "book"
    text = (book / "ordered_derivatives.md").read_text()
    start = text.index(":class: key-result")
    box = text[start:text.index("````\n", start)]
    assert start < len(text) // 10 and "(eq-ordered-rule)" in box
    assert "4, 16, 58, 136" in box and "4, 0, 2, 0" in box
    # the box's numbers: ordered and direct derivatives of z_4, ..., z_1
    A, e = source_system()
    assert list(backward_sweep(A, e).grad[::-1]) == [4, 16, 58, 136] and list(e[::-1]) == [4, 0, 2, 0]
    assert "**You need:**" in text[:start] and "## You should now be able to" in text
    mentions = re.findall(r"[Ss]ource 00\d|00\d_[0-9a-f]{16}", text)
    assert len(mentions) <= 5, mentions
    appendix = (book / "sources_ordered_derivatives.md").read_text()
    assert appendix.count("Correction to source 004") == 5
    labels = re.findall(r"\{ref\}`(?:[^`<]*<)?(ordered-sources-[\w-]+)>?`", text)
    assert len(labels) >= 2, labels
    for label in labels:
        assert f"({label})=" in appendix, label
