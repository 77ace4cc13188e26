"""The BPTT chapter: both backward forms, every gradient, the SymPy derivations, and the chapter's equations.

Independent computations are compared throughout: finite differences against analytic gradients,
SymPy differentiation against the NumPy library, explicit Jacobian products and per-example
column-vector loops against the batched row-vector code.
"""
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import bptt
from bptt.backprop import backward_through_time
from bptt.double_sum import dh0_from_deltas, double_sum_grads, one_path_grads, per_loss_deltas, single_sweep, w_hh_contributions
from bptt.sym import backward_forms as bf
from bptt.sym import elman as se
from conftest import make_problem

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "bptt_elman.md"

# Numbers in the chapter's prose that are not glued from a cell (see tests/test_prose_numbers.py):
# the weighted-loss example's weights (0.1, 0.8) and the explorable's slider settings for ρ(W_hh)
# (0.5, 0.9) that the predict-then-check questions name. Every computed number (the worked case, the
# measured costs on measured_bptt_elman.md) is glued.
PROSE_NUMBERS = {"given": {"0.1", "0.8", "0.5", "0.9"}, "held": {}}

ACTIVATIONS = ["tanh", "relu", "sigmoid", "identity"]
SHAPES = [(1, 1, 1, 1, 2), (1, 3, 2, 4, 3), (4, 1, 3, 2, 5), (6, 2, 2, 3, 4), (8, 3, 4, 5, 2)]   # T, B, m, n, q
F = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
     "identity": lambda z: z}
DF = {"tanh": lambda z: 1 - np.tanh(z) ** 2, "relu": lambda z: (z > 0).astype(float),
      "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "identity": np.ones_like}


def problem(rng, T, B, m, n, q, weighted=False):
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    h0 = rng.normal(scale=0.5, size=(B, n))
    w = rng.uniform(0.1, 1.0, size=T) if weighted else None
    return params, X, Y, h0, w


def rel_err(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# -- reference computations, written per example with column vectors ---------------------------------

def columns_forward(p, x, h0, act):
    """One sequence, column vectors: returns lists z[1..T], h[0..T], o[1..T] (index 0 of z, o unused)."""
    T = x.shape[0]
    z, h, o = [None], [h0], [None]
    for t in range(1, T + 1):
        z.append(p["W_hx"] @ x[t - 1] + p["W_hh"] @ h[t - 1] + p["b_h"])
        h.append(F[act](z[t]))
        o.append(p["W_qh"] @ h[t] + p["b_q"])
    return z, h, o


def softmax_col(o):
    e = np.exp(o - o.max())
    return e / e.sum()


def loss_t_given_z(p, x, y, h0, act, t, k, z_k, w=None):
    """L_t = w_t ℓ_t of one sequence when z_k (1-based) is replaced by z_k: for finite differences in z_k."""
    h = h0
    for s in range(1, t + 1):
        z = z_k if s == k else p["W_hx"] @ x[s - 1] + p["W_hh"] @ h + p["b_h"]
        h = F[act](z)
    o = p["W_qh"] @ h + p["b_q"]
    wt = 1.0 if w is None else w[t - 1]
    return wt * -np.log(softmax_col(o)[y[t - 1]])


# -- the model ---------------------------------------------------------------------------------------------

@pytest.mark.formula("eq-bptt-elman-model")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_is_the_model_step_by_step(rng, activation):
    params, X, Y, h0, w = problem(rng, 5, 3, 2, 4, 3, weighted=True)
    H, O = bptt.forward(params, X, h0, activation)
    loss, _ = bptt.bptt_grads(params, X, Y, h0, activation, w)
    total = 0.0
    for b in range(3):
        z, h, o = columns_forward(params, X[:, b], h0[b], activation)
        for t in range(1, 6):
            np.testing.assert_allclose(H[t, b], h[t], rtol=1e-13, atol=1e-14)
            np.testing.assert_allclose(O[t - 1, b], o[t], rtol=1e-13, atol=1e-14)
            total += w[t - 1] * -np.log(softmax_col(o[t])[Y[t - 1, b]])
    assert loss == pytest.approx(total, rel=1e-12)


# -- finite differences for every gradient ---------------------------------------------------------------

@pytest.mark.formula("eq-bptt-elman-double-sum", "eq-bptt-elman-output-grads")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_double_sum_grads_match_finite_differences(rng, activation, weighted, T, B, m, n, q):
    params, X, Y, h0, w = problem(rng, T, B, m, n, q, weighted)
    bptt.check_grads(lambda p: double_sum_grads(p, X, Y, h0, activation, w), params)


@pytest.mark.formula("eq-bptt-elman-h0")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B", [(1, 1), (1, 3), (5, 1), (7, 2)])
def test_gradient_of_h0_matches_finite_differences(rng, activation, weighted, T, B):
    params, X, Y, h0, w = problem(rng, T, B, 2, 3, 3, weighted)
    out = bptt.backward(params, X, Y, h0, activation, w)
    bptt.check_grads(lambda d: (bptt.bptt_grads(params, X, Y, d["h0"], activation, w)[0], {"h0": out["dh0"]}),
                     {"h0": h0})
    # ... and Σ_t W_hhᵀ δ_{t,1} from the per-loss error terms is the same vector
    D = per_loss_deltas(params, X, Y, h0, activation, w)
    np.testing.assert_allclose(dh0_from_deltas(params, D), out["dh0"], rtol=1e-10, atol=1e-14)


# -- the two forms agree -------------------------------------------------------------------------------------

@pytest.mark.formula("eq-bptt-elman-swap", "eq-bptt-elman-total-error", "eq-bptt-elman-sweep-proof")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES + [(30, 4, 3, 6, 4)])
def test_double_sum_equals_single_sweep(rng, activation, weighted, T, B, m, n, q):
    params, X, Y, h0, w = problem(rng, T, B, m, n, q, weighted)
    loss1, g1 = bptt.bptt_grads(params, X, Y, h0, activation, w)
    loss2, g2 = double_sum_grads(params, X, Y, h0, activation, w)
    assert loss2 == pytest.approx(loss1, rel=1e-12)
    for k in params:
        if np.any(g1[k]):
            assert rel_err(g2[k], g1[k]) < 1e-10, k
        else:
            assert not np.any(g2[k])
    D = per_loss_deltas(params, X, Y, h0, activation, w)
    delta = bptt.backward(params, X, Y, h0, activation, w)["delta"]
    np.testing.assert_allclose(D.sum(axis=0), delta, rtol=1e-10, atol=1e-13)      # δ_k = Σ_{t>=k} δ_{t,k}


def test_error_terms_vanish_above_the_diagonal(rng):
    params, X, Y, h0, _ = problem(rng, 6, 2, 2, 3, 3)
    D = per_loss_deltas(params, X, Y, h0)
    upper = np.triu(np.ones((6, 6), dtype=bool), 1)
    assert not np.any(D[upper])
    assert np.all(np.linalg.norm(D[~upper], axis=-1) > 0)


@pytest.mark.formula("eq-bptt-elman-per-loss-delta")
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_per_loss_deltas_are_derivatives_of_each_loss_wrt_each_z(rng, activation):
    """δ_{t,k} = ∂⁺L_t/∂z_k by central differences in z_k, for every pair k <= t."""
    T, B, m, n, q = 4, 2, 2, 3, 3
    params, X, Y, h0, w = problem(rng, T, B, m, n, q, weighted=True)
    D = per_loss_deltas(params, X, Y, h0, activation, w)
    eps = 1e-6
    for b in range(B):
        z, _, _ = columns_forward(params, X[:, b], h0[b], activation)
        for t in range(1, T + 1):
            for k in range(1, t + 1):
                num = np.zeros(n)
                for i in range(n):
                    e = np.zeros(n)
                    e[i] = eps
                    num[i] = (loss_t_given_z(params, X[:, b], Y[:, b], h0[b], activation, t, k, z[k] + e, w)
                              - loss_t_given_z(params, X[:, b], Y[:, b], h0[b], activation, t, k, z[k] - e, w)) / (2 * eps)
                np.testing.assert_allclose(D[t - 1, k - 1, b], num, rtol=1e-6, atol=1e-9)


@pytest.mark.formula("eq-bptt-elman-entry")
def test_entry_of_the_gradient_of_one_loss(rng):
    """∂L_t/∂u_ij = Σ_{k<=t} [δ_{t,k}]_i [h_{k-1}]_j, entry by entry, against finite differences of L_t alone."""
    T, n = 5, 3
    params, X, Y, h0, _ = problem(rng, T, 1, 2, n, 3)
    D = per_loss_deltas(params, X, Y, h0)
    H, _ = bptt.forward(params, X, h0)
    t = 4
    Lt = lambda p: loss_t_given_z(p, X[:, 0], Y[:, 0], h0[0], "tanh", t, 0, None)   # k = 0: no replacement
    num = bptt.numeric_grads(Lt, {"W_hh": params["W_hh"], **{k: v for k, v in params.items() if k != "W_hh"}})
    for i in range(n):
        for j in range(n):
            formula = sum(D[t - 1, k - 1, 0, i] * H[k - 1, 0, j] for k in range(1, t + 1))
            assert formula == pytest.approx(num["W_hh"][i, j], rel=1e-6, abs=1e-9)


@pytest.mark.formula("eq-bptt-elman-sweep")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_single_sweep_recursion_in_columns(rng, activation):
    """backward()'s delta satisfies δ_k = f'(z_k) ⊙ (W_qhᵀ ∂L_k/∂o_k + W_hhᵀ δ_{k+1}), written per example."""
    params, X, Y, h0, w = problem(rng, 6, 2, 2, 4, 3, weighted=True)
    out = bptt.backward(params, X, Y, h0, activation, w)
    for b in range(2):
        z, h, o = columns_forward(params, X[:, b], h0[b], activation)
        nxt = np.zeros(4)
        for k in range(6, 0, -1):
            dO_k = w[k - 1] * (softmax_col(o[k]) - np.eye(3)[Y[k - 1, b]])
            delta_k = DF[activation](z[k]) * (params["W_qh"].T @ dO_k + params["W_hh"].T @ nxt)
            np.testing.assert_allclose(out["delta"][k - 1, b], delta_k, rtol=1e-10, atol=1e-13)
            nxt = delta_k
        np.testing.assert_allclose(out["dh0"][b], params["W_hh"].T @ nxt, rtol=1e-10, atol=1e-13)


def test_step_contributions_add_up_to_the_gradient(rng):
    params, X, Y, h0, w = problem(rng, 7, 3, 2, 4, 3, weighted=True)
    C = w_hh_contributions(params, X, Y, h0, "sigmoid", w)
    _, g = bptt.bptt_grads(params, X, Y, h0, "sigmoid", w)
    assert C.shape == (7, 7, 4, 4)
    np.testing.assert_allclose(C.sum(axis=(0, 1)), g["W_hh"], rtol=1e-10, atol=1e-13)


# -- weighted losses ---------------------------------------------------------------------------------------

@pytest.mark.formula("eq-bptt-elman-weighted")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_weights_scale_each_losss_error_terms(rng, activation):
    params, X, Y, h0, _ = problem(rng, 3, 2, 2, 3, 3)
    w = np.array([0.1, 0.1, 0.8])                                  # source 003's question
    Dw = per_loss_deltas(params, X, Y, h0, activation, w)
    D1 = per_loss_deltas(params, X, Y, h0, activation)
    np.testing.assert_allclose(Dw, w[:, None, None, None] * D1, rtol=1e-12, atol=1e-15)
    # the gradient is the weighted sum of the per-loss gradients, each loss run on its own
    _, g = bptt.bptt_grads(params, X, Y, h0, activation, w)
    for key in params:
        parts = sum(w[t] * bptt.bptt_grads(params, X, Y, h0, activation, np.eye(3)[t])[1][key] for t in range(3))
        np.testing.assert_allclose(g[key], parts, rtol=1e-10, atol=1e-13)


# -- the one-path mistake ------------------------------------------------------------------------------------

@pytest.mark.formula("eq-bptt-elman-one-path")
def test_following_one_path_is_wrong_except_for_one_step(rng):
    params, X, Y, h0, _ = problem(rng, 1, 2, 2, 3, 3)
    bptt.check_grads(lambda p: one_path_grads(p, X, Y, h0), params)       # T = 1: only one path exists
    params, X, Y, h0, _ = problem(rng, 6, 2, 2, 3, 3)
    with pytest.raises(AssertionError):
        bptt.check_grads(lambda p: one_path_grads(p, X, Y, h0), params)
    # what it computes: the diagonal k = t of the double sum
    D = per_loss_deltas(params, X, Y, h0)
    H, _ = bptt.forward(params, X, h0)
    diag = sum(D[t, t].T @ H[t] for t in range(6))
    np.testing.assert_allclose(one_path_grads(params, X, Y, h0)[1]["W_hh"], diag, rtol=1e-12, atol=1e-14)
    _, g = bptt.bptt_grads(params, X, Y, h0)
    np.testing.assert_allclose(one_path_grads(params, X, Y, h0)[1]["W_qh"], g["W_qh"], rtol=1e-12)


# -- source 001's formulas, corrected: explicit products of Jacobians -------------------------------------

@pytest.mark.formula("eq-bptt-elman-001-dW", "eq-bptt-elman-001-dV")
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_corrected_source_001_formulas(rng, activation):
    """Σ_t Σ_{k=1}^t (∂E_t/∂s_t)ᵀ (Π_{i=k+1}^t ∂s_i/∂s_{i-1}) ∂s_k/∂w_ij, with explicit Jacobian matrices."""
    T, n, m, q = 4, 3, 2, 3
    params, X, Y, h0, _ = problem(rng, T, 1, m, n, q)
    z, h, o = columns_forward(params, X[:, 0], h0[0], activation)
    dW, dU, dV = np.zeros((n, n)), np.zeros((n, m)), np.zeros((q, n))
    for t in range(1, T + 1):
        dE_do = softmax_col(o[t]) - np.eye(q)[Y[t - 1, 0]]          # ∂E_t/∂o_t, a column
        dE_ds = params["W_qh"].T @ dE_do                             # ∂E_t/∂s_t = (∂o_t/∂s_t)ᵀ ∂E_t/∂o_t
        dV += np.outer(dE_do, h[t])                                  # ∂E_t/∂V = (ŷ_t − y_t) s_tᵀ
        for k in range(1, t + 1):
            J = np.eye(n)
            for i in range(t, k, -1):                                # ∂s_t/∂s_k = J_t J_{t-1} ... J_{k+1}, J_i = D_i W_hh
                J = J @ (np.diag(DF[activation](z[i])) @ params["W_hh"])
            row = dE_ds @ J @ np.diag(DF[activation](z[k]))          # (∂E_t/∂s_t)ᵀ J_t ⋯ J_{k+1} D_k
            dW += np.outer(row, h[k - 1])                            # ∂s_k/∂w_ij = D_k e_i [s_{k-1}]_j, direct
            dU += np.outer(row, X[k - 1, 0])
    _, g = bptt.bptt_grads(params, X, Y, h0, activation)
    np.testing.assert_allclose(dW, g["W_hh"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dU, g["W_hx"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dV, g["W_qh"], rtol=1e-10, atol=1e-13)
    # the states do not depend on V, so source 001's chain through ∂s_j/∂V is zero
    net = se.unroll()
    assert all(not (set(net["params"]["V"]) & S.free_symbols) for S in net["S"])


# -- SymPy against the library ---------------------------------------------------------------------------------

SCALAR = {"U": 0.7, "W": -1.1, "b_a": 0.2, "v_1": 0.9, "v_2": -0.4, "c_1": 0.1, "c_2": -0.3,
          "x_1": 0.5, "x_2": -1.3, "x_3": 0.8, "S_0": 0.35}
TARGETS = (0, 1, 0)


def scalar_library_problem():
    v = SCALAR
    params = {"W_hx": np.array([[v["U"]]]), "W_hh": np.array([[v["W"]]]), "b_h": np.array([v["b_a"]]),
              "W_qh": np.array([[v["v_1"]], [v["v_2"]]]), "b_q": np.array([v["c_1"], v["c_2"]])}
    X = np.array([v["x_1"], v["x_2"], v["x_3"]]).reshape(3, 1, 1)
    Y = np.array(TARGETS).reshape(3, 1)
    return params, X, Y, np.array([[v["S_0"]]])


def num(expr):
    """Evaluate a SymPy expression (or Matrix) at SCALAR in float64."""
    subs = {sp.Symbol(k): val for k, val in SCALAR.items()}
    return np.array(sp.N(sp.sympify(expr).subs(subs), 30), dtype=float)


@pytest.mark.formula("eq-bptt-elman-state-recursion", "eq-bptt-elman-three-paths")
@pytest.mark.parametrize("weights", [None, (0.1, 0.1, 0.8)])
def test_path_sums_equal_total_derivatives_and_the_library(weights):
    params, X, Y, h0 = scalar_library_problem()
    w = None if weights is None else np.array(weights)
    out = bptt.backward(params, X, Y, h0, "tanh", w)
    D = per_loss_deltas(params, X, Y, h0, "tanh", w)
    for k in (1, 2, 3):
        terms = se.path_terms(k, 3, TARGETS, weights)
        assert len(terms) == 3 - k + 1                                # S_1 has three paths
        path_sum = sum(num(term) for _, term in terms)
        total = num(se.total_state_derivative(k, 3, TARGETS, weights))
        # the library: ∂⁺L/∂h_k = W_qhᵀ ∂L/∂o_k + W_hhᵀ δ_{k+1}
        nxt = out["delta"][k, 0] if k < 3 else np.zeros(1)
        lib = out["dO"][k - 1, 0] @ params["W_qh"] + nxt @ params["W_hh"]
        assert path_sum == pytest.approx(total, rel=1e-12)
        assert path_sum == pytest.approx(float(lib[0]), rel=1e-10)
        # one path per loss: the path ending in L_t is ∂⁺L_t/∂S_k = δ_{t,k} / f'(z_k)
        fprime = 1 - out["H"][k, 0, 0] ** 2
        for path, term in terms:
            t = int(path[-2][1:])
            assert num(term) == pytest.approx(D[t - 1, k - 1, 0, 0] / fprime, rel=1e-10)


def all_grads_as_displayed(p, X, Y, h0, act, w):
    """eq-bptt-elman-all-grads written out per example with column vectors, summed over the batch."""
    T, B, _ = X.shape
    q = p["W_qh"].shape[0]
    g = {k: np.zeros_like(v) for k, v in p.items()}
    for b in range(B):
        z, h, o = columns_forward(p, X[:, b], h0[b], act)
        dO = [None] + [w[t - 1] * (softmax_col(o[t]) - np.eye(q)[Y[t - 1, b]]) for t in range(1, T + 1)]
        delta = [None] * (T + 2)
        delta[T + 1] = np.zeros_like(h0[b])                                     # δ_{T+1} = 0
        for t in range(T, 0, -1):
            delta[t] = DF[act](z[t]) * (p["W_qh"].T @ dO[t] + p["W_hh"].T @ delta[t + 1])
        for t in range(1, T + 1):
            g["W_hx"] += np.outer(delta[t], X[t - 1, b])                        # δ_t x_tᵀ
            g["W_hh"] += np.outer(delta[t], h[t - 1])                           # δ_t h_{t-1}ᵀ
            g["b_h"] += delta[t]
            g["W_qh"] += np.outer(dO[t], h[t])                                  # ∂L/∂o_t h_tᵀ
            g["b_q"] += dO[t]
    return g


@pytest.mark.formula("eq-bptt-elman-all-grads")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_all_five_gradients_as_displayed(rng, activation):
    """Each of the five displayed sums, per example in columns, equals the library's gradient and
    entry-by-entry central differences of L (m, n, q all different, so a wrong factor cannot fit)."""
    params, X, Y, h0, w = problem(rng, 5, 2, 3, 4, 2, weighted=True)
    shown = all_grads_as_displayed(params, X, Y, h0, activation, w)
    _, lib = bptt.bptt_grads(params, X, Y, h0, activation, w)
    fd = bptt.numeric_grads(lambda p: bptt.bptt_grads(p, X, Y, h0, activation, w)[0], params)
    assert set(shown) == {"W_hx", "W_hh", "b_h", "W_qh", "b_q"}
    for key in shown:
        assert shown[key].shape == params[key].shape, key
        np.testing.assert_allclose(shown[key], lib[key], rtol=1e-10, atol=1e-13, err_msg=key)
        np.testing.assert_allclose(shown[key], fd[key], rtol=1e-5, atol=1e-8, err_msg=key)


def fd_jacobian(fun, v, eps=1e-6):
    """Numerator-layout Jacobian of fun at v by central differences: entry (i, j) = ∂fun_i/∂v_j."""
    cols = []
    for j in range(v.size):
        e = np.zeros_like(v)
        e[j] = eps
        cols.append((np.atleast_1d(fun(v + e)) - np.atleast_1d(fun(v - e))) / (2 * eps))
    return np.stack(cols, axis=1)


def display_tex(label):
    """The TeX of the chapter's display equation with this label."""
    m = re.search(r"\$\$\n(?P<tex>(?:(?!\$\$).)*?)\n\$\$ \(" + re.escape(label) + r"\)", CHAPTER.read_text(), re.S)
    assert m, label
    return m.group("tex")


@pytest.mark.formula("eq-bptt-elman-state-recursion", "eq-bptt-elman-three-paths")
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_state_recursion_with_several_units(rng, activation):
    """The displays with n = 4 units, m = 2 inputs, q = 3 classes and weights w_t, every factor
    computed on its own: ∂L/∂ℓ_t = w_t, ∂ℓ_t/∂h_t (a column) and the Jacobians ∂h_{t+1}/∂h_t
    (numerator layout) by finite differences. The recursion and the three paths must equal
    ∂⁺L/∂h_k by finite differences of L in h_k, and the library's W_qhᵀ ∂L/∂o_k + W_hhᵀ δ_{k+1};
    without the transposes they must not."""
    T, m, n, q = 3, 2, 4, 3
    params, X, Y, h0, w = problem(rng, T, 1, m, n, q, weighted=True)
    params["W_hh"] = params["W_hh"] + 0.5 * rng.normal(size=(n, n))       # far from symmetric
    x, y = X[:, 0], Y[:, 0]
    _, h, _ = columns_forward(params, x, h0[0], activation)
    step = lambda t, v: F[activation](params["W_hx"] @ x[t - 1] + params["W_hh"] @ v + params["b_h"])
    ell = lambda t, v: -np.log(softmax_col(params["W_qh"] @ v + params["b_q"])[y[t - 1]])

    def loss_from(k, v):                       # L with h_k replaced by v (earlier losses do not depend on it)
        total = 0.0
        for t in range(k, T + 1):
            if t > k:
                v = step(t, v)
            total += w[t - 1] * ell(t, v)
        return total

    dL_dl = {t: w[t - 1] for t in range(1, T + 1)}                                # ∂L/∂ℓ_t
    dl_dh = {t: fd_jacobian(lambda v: ell(t, v), h[t])[0] for t in range(1, T + 1)}   # ∂ℓ_t/∂h_t
    J = {t: fd_jacobian(lambda v: step(t, v), h[t - 1]) for t in range(2, T + 1)}     # ∂h_t/∂h_{t-1}
    # eq-bptt-elman-state-recursion, line by line
    rec = {3: dL_dl[3] * dl_dh[3]}
    rec[2] = dL_dl[2] * dl_dh[2] + J[3].T @ rec[3]
    rec[1] = dL_dl[1] * dl_dh[1] + J[2].T @ rec[2]
    # eq-bptt-elman-three-paths
    paths = (dL_dl[1] * dl_dh[1] + J[2].T @ (dL_dl[2] * dl_dh[2])
             + J[2].T @ J[3].T @ (dL_dl[3] * dl_dh[3]))
    out = bptt.backward(params, X, Y, h0, activation, w)
    for k in (1, 2, 3):
        total = fd_jacobian(lambda v: loss_from(k, v), h[k])[0]                  # ∂⁺L/∂h_k
        nxt = out["delta"][k, 0] if k < T else np.zeros(n)
        lib = params["W_qh"].T @ out["dO"][k - 1, 0] + params["W_hh"].T @ nxt
        np.testing.assert_allclose(rec[k], total, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(rec[k], lib, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(paths, rec[1], rtol=1e-10, atol=1e-13)
    # the transposes matter: the same products without them give another vector
    untransposed = dL_dl[1] * dl_dh[1] + J[2] @ (dL_dl[2] * dl_dh[2] + J[3] @ rec[3])
    assert not np.allclose(untransposed, rec[1], rtol=1e-3, atol=1e-6)
    # ... and the displays say so: every Jacobian ∂h_a/∂h_b in them is transposed
    for label in ("eq-bptt-elman-state-recursion", "eq-bptt-elman-three-paths"):
        tex = display_tex(label)
        jacobians = re.findall(r"\\frac\{\\partial h_\d\}\{\\partial h_\d\}", tex)
        transposed = re.findall(r"\\Big\(\\frac\{\\partial h_\d\}\{\\partial h_\d\}\\Big\)\^\{\\!\\top\}", tex)
        assert jacobians and len(transposed) == len(jacobians), label


@pytest.mark.formula("eq-bptt-elman-untie")
@pytest.mark.parametrize("name", se.PARAMS)
def test_untied_copies_add_up_to_the_shared_gradient(name):
    per_copy, tied = se.untied_gradients(name, 3, TARGETS)
    np.testing.assert_allclose(sum(num(c) for c in per_copy), num(tied), rtol=1e-12)
    # and each copy is one step's share: for W, Σ_t δ_{t,k} h_{k-1}ᵀ from the library
    if name == "W":
        params, X, Y, h0 = scalar_library_problem()
        C = w_hh_contributions(params, X, Y, h0)
        for k in range(3):
            assert float(num(per_copy[k])) == pytest.approx(C[:, k].sum(), rel=1e-10)


def test_sympy_gradient_of_the_three_step_network_equals_the_library():
    params, X, Y, h0 = scalar_library_problem()
    out = bptt.backward(params, X, Y, h0)
    g = se.gradient(3, TARGETS)
    names = {"U": "W_hx", "W": "W_hh", "b_a": "b_h", "V": "W_qh", "b_y": "b_q"}
    for s, key in names.items():
        np.testing.assert_allclose(num(g[s]).ravel(), out["grads"][key].ravel(), rtol=1e-10)
    assert float(num(g["S_0"])) == pytest.approx(out["dh0"][0, 0], rel=1e-10)


@pytest.mark.formula("eq-bptt-elman-softmax-ce")
@pytest.mark.parametrize("q,c", [(2, 0), (3, 1), (4, 3)])
def test_softmax_cross_entropy_gradient_is_yhat_minus_y(rng, q, c):
    grad, formula = se.softmax_cross_entropy_gradient(q, c)
    assert sp.simplify(grad - formula) == sp.zeros(q, 1)
    # and the library's ∂L/∂o_t is that vector
    o = rng.normal(size=q)
    grad_num = sp.lambdify(sp.symbols(f"o_1:{q + 1}"), grad)(*o)
    params, X, Y, h0, _ = problem(rng, 1, 1, 2, 3, q)
    Y[0, 0] = c
    out = bptt.backward(params, X, Y, h0)
    yhat = bptt.softmax(out["O"][0, 0])
    np.testing.assert_allclose(out["dO"][0, 0], yhat - np.eye(q)[c], rtol=1e-12, atol=1e-15)
    ref = np.array(sp.lambdify(sp.symbols(f"o_1:{q + 1}"), formula)(*o), dtype=float).ravel()
    np.testing.assert_allclose(np.array(grad_num, dtype=float).ravel(), ref, rtol=1e-12)


@pytest.mark.formula("eq-bptt-elman-sym-swap")
@pytest.mark.parametrize("T,n", [(3, 2), (4, 1)])
def test_both_forms_are_the_same_polynomial(T, n):
    et = bf.error_terms(T, n)
    assert sp.expand(et["dW_double"] - et["dW_sweep"]) == sp.zeros(n, n)
    for k in range(1, T + 1):
        summed = sum((et["per_loss"][(t, k)] for t in range(k, T + 1)), sp.zeros(n, 1))
        assert sp.expand(et["sweep"][k] - summed) == sp.zeros(n, 1)
    # a genuinely different expression is told apart
    assert sp.expand(et["sweep"][1] - et["per_loss"][(T, 1)]) != sp.zeros(n, 1)


@pytest.mark.formula("eq-bptt-elman-direct-z")
def test_direct_partial_of_z_is_I_i_of_h_j():
    dz, h = bf.direct_partials_of_z(3, 2)
    for (i, j), col in dz.items():
        expected = sp.Matrix([h[j] if r == i else 0 for r in range(3)])
        assert col == expected


@pytest.mark.formula("eq-bptt-elman-rtrl-col", "eq-bptt-elman-rtrl-row")
@pytest.mark.parametrize("i,j", [(0, 1), (1, 1)])
def test_rtrl_step_in_both_layouts(rng, i, j):
    r = bf.rtrl_step(2, i, j)
    assert sp.simplify(r["derived"] - r["column"]) == sp.zeros(2, 1)
    assert sp.simplify(r["row"] - r["column"].T) == sp.zeros(1, 2)
    # numerically: the recursion P_t = D_t (e_i [h_{t-1}]_j + W_hh P_{t-1}) against finite differences of h_t
    params, X, Y, h0, _ = problem(rng, 4, 1, 2, 2, 2)
    P = np.zeros(2)
    z, h, _ = columns_forward(params, X[:, 0], h0[0], "tanh")
    for t in range(1, 5):
        P = (1 - np.tanh(z[t]) ** 2) * (np.eye(2)[i] * h[t - 1][j] + params["W_hh"] @ P)
    eps = 1e-6
    plus, minus = {k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in params.items()}
    plus["W_hh"][i, j] += eps
    minus["W_hh"][i, j] -= eps
    fd = (columns_forward(plus, X[:, 0], h0[0], "tanh")[1][4] - columns_forward(minus, X[:, 0], h0[0], "tanh")[1][4]) / (2 * eps)
    np.testing.assert_allclose(P, fd, rtol=1e-6, atol=1e-10)


@pytest.mark.formula("eq-bptt-elman-layout-num", "eq-bptt-elman-layout-den")
def test_layouts_give_the_same_error_term(rng):
    """The book's layout: δ_{t,k} = (∂z_{k+1}/∂z_k)ᵀ δ_{t,k+1}, with the numerator-layout Jacobian
    ∂z_{k+1}/∂z_k = W_hh D_k taken by finite differences; source 000's layout: D_k W_hhᵀ δ_{t,k+1};
    source 004's row, δ_{t,k+1}ᵀ W_hh D_k, is the transpose. All equal the library's δ_{t,k}."""
    T, m, n, q = 5, 2, 4, 3
    params, X, Y, h0, _ = problem(rng, T, 1, m, n, q)
    params["W_hh"] = params["W_hh"] + 0.5 * rng.normal(size=(n, n))        # far from symmetric
    D = per_loss_deltas(params, X, Y, h0)
    z, _, _ = columns_forward(params, X[:, 0], h0[0], "tanh")
    t = 5
    for k in range(1, t):
        nxt = lambda zk: params["W_hx"] @ X[k, 0] + params["W_hh"] @ np.tanh(zk) + params["b_h"]  # z_{k+1}(z_k)
        J = fd_jacobian(nxt, z[k])                                            # entry (i, j) = ∂[z_{k+1}]_i/∂[z_k]_j
        Dk = np.diag(1 - np.tanh(z[k]) ** 2)
        np.testing.assert_allclose(J, params["W_hh"] @ Dk, rtol=1e-6, atol=1e-9)
        book = J.T @ D[t - 1, k, 0]                                            # (∂z_{k+1}/∂z_k)ᵀ δ_{t,k+1}
        source_000 = Dk @ params["W_hh"].T @ D[t - 1, k, 0]
        row_004 = D[t - 1, k, 0][None, :] @ params["W_hh"] @ Dk               # 1 x n
        np.testing.assert_allclose(book, D[t - 1, k - 1, 0], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(source_000, D[t - 1, k - 1, 0], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(row_004[0], D[t - 1, k - 1, 0], rtol=1e-10, atol=1e-14)
        # the untransposed Jacobian is not the backward step
        assert not np.allclose(J @ D[t - 1, k, 0], D[t - 1, k - 1, 0], rtol=1e-3, atol=1e-9)


# -- argument checks --------------------------------------------------------------------------------------------

def test_arguments_are_checked(rng):
    params, X, Y, h0, _ = problem(rng, 3, 2, 2, 3, 3)
    with pytest.raises(ValueError, match="activation"):
        per_loss_deltas(params, X, Y, activation="softplus")
    with pytest.raises(ValueError, match="weights"):
        double_sum_grads(params, X, Y, weights=np.ones(4))
    with pytest.raises(ValueError, match="Y"):
        double_sum_grads(params, X, Y + 5)
    with pytest.raises(ValueError, match="h0"):
        per_loss_deltas(params, X, Y, h0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="X"):
        one_path_grads(params, X[..., :1], Y)
    with pytest.raises(TypeError, match="params"):
        double_sum_grads([1, 2], X, Y)


# -- the exercises' equations ----------------------------------------------------------------------------------

@pytest.mark.formula("eq-bptt-elman-ex-relu", "eq-bptt-elman-ex-relu-power")
def test_relu_error_terms(rng):
    T, B, m, n, q = 5, 2, 2, 3, 3
    params, X, Y, h0, _ = problem(rng, T, B, m, n, q)
    D = per_loss_deltas(params, X, Y, h0, "relu")
    out = bptt.backward(params, X, Y, h0, "relu")
    for b in range(B):
        z, _, _ = columns_forward(params, X[:, b], h0[b], "relu")
        for t in range(1, T + 1):
            np.testing.assert_allclose(D[t - 1, t - 1, b], (z[t] > 0) * (params["W_qh"].T @ out["dO"][t - 1, b]),
                                       rtol=1e-12, atol=1e-15)
            for k in range(1, t):
                np.testing.assert_allclose(D[t - 1, k - 1, b], (z[k] > 0) * (params["W_hh"].T @ D[t - 1, k, b]),
                                           rtol=1e-12, atol=1e-15)
    # every unit active: positive weights, inputs, biases and h0 make every z_k > 0
    params = {k: np.abs(v) + 0.1 for k, v in params.items()}
    X, h0 = np.abs(X), np.abs(h0)
    D = per_loss_deltas(params, X, Y, h0, "relu")
    out = bptt.backward(params, X, Y, h0, "relu")
    assert np.all(out["H"][1:] > 0)
    for t in range(1, T + 1):
        for k in range(1, t + 1):
            power = np.linalg.matrix_power(params["W_hh"].T, t - k)
            expected = out["dO"][t - 1] @ params["W_qh"] @ power.T          # rows: (W_hhᵀ)^{t-k} W_qhᵀ ∂L/∂o_t
            np.testing.assert_allclose(D[t - 1, k - 1], expected, rtol=1e-10, atol=1e-13)


# -- the explorable figure -------------------------------------------------------------------------------------

def test_heatmaps_render_every_extreme_without_nan_and_redraw_exactly():
    from matplotlib.figure import Figure

    from bptt.viz import nonfinite_count
    from bptt.viz.bptt_elman import draw_error_heatmaps, error_heatmap_data
    from bptt.viz.explorable import figure_png

    reused = Figure(figsize=(8, 6.2))
    for rho in (0.5, 2.0):
        for activation in ("tanh", "sigmoid", "relu", "identity"):
            delta, contrib, steps, total = error_heatmap_data(rho, 40, activation)
            lower = np.tril(np.ones((40, 40), dtype=bool))
            assert np.all(np.isfinite(delta[lower])) and np.all(np.isnan(delta[~lower]))
            assert np.all(np.isfinite(steps)) and np.isfinite(total)
            if rho == 2.0:                                  # the largest values: draw them
                draw_error_heatmaps(reused, rho, 40, activation)
                assert nonfinite_count(reused) == 0
    # the reused figure shows exactly what a fresh one shows for the same values
    draw_error_heatmaps(reused, 0.9, 8, "relu")
    fresh = Figure(figsize=(8, 6.2))
    draw_error_heatmaps(fresh, 0.9, 8, "relu")
    assert figure_png(reused, 40) == figure_png(fresh, 40)


def test_exercise_claims(rng):
    """Exercise 1: ∂L/∂b_q = Σ_t (ŷ_t − y_t); exercise 5: with w = (0, ..., 0, 1) only the last row survives."""
    T, B, m, n, q = 6, 3, 2, 4, 3
    params, X, Y, h0, _ = problem(rng, T, B, m, n, q)
    _, g = bptt.bptt_grads(params, X, Y, h0)
    _, O = bptt.forward(params, X, h0)
    np.testing.assert_allclose(g["b_q"], (bptt.softmax(O) - np.eye(q)[Y]).sum(axis=(0, 1)), rtol=1e-12, atol=1e-14)
    w = np.eye(T)[-1]
    D = per_loss_deltas(params, X, Y, h0, weights=w)
    assert np.abs(D[:-1]).max() == 0
    np.testing.assert_allclose(D[-1], bptt.backward(params, X, Y, h0, weights=w)["delta"], rtol=1e-12, atol=1e-15)


def test_cost_helpers(rng):
    """The cost section's pieces: the fitted exponent, and the per-example loop is the batched gradient."""
    from bptt.viz.backward_cost import fitted_slope, per_example_grads, time_backward_forms

    lengths = np.array([25, 50, 100, 200, 400])
    assert fitted_slope(lengths, 3e-6 * lengths ** 2) == pytest.approx(2.0, abs=1e-12)
    assert fitted_slope(lengths, 5e-5 * lengths + 0 * lengths) == pytest.approx(1.0, abs=1e-12)
    # only the longer half counts: a different start does not change it
    assert fitted_slope(lengths, np.r_[1.0, 1.0, 7e-4 * lengths[2:] ** 2]) == pytest.approx(2.0, abs=1e-12)
    params, X, Y, _, _ = problem(rng, 6, 3, 2, 4, 3)
    loss, g = per_example_grads(params, X, Y)
    loss_ref, g_ref = bptt.bptt_grads(params, X, Y)
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    for key in params:
        np.testing.assert_allclose(g[key], g_ref[key], rtol=1e-10, atol=1e-13)
    times = time_backward_forms([3, 4], B=2, n=3, m=2, q=2, repeats=1)
    assert set(times) == {"single sweep", "double sum", "per example"}
    assert all(len(v) == 2 and min(v) >= 0 for v in times.values())


@pytest.mark.formula("eq-bptt-elman-all-grads", "eq-bptt-elman-sweep")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_teaching_sweep_equals_the_library(rng, activation, shape):
    """The dozen lines shown beside the box (bptt.double_sum.single_sweep) are the library's sweep:
    the same δ_t as bptt.backprop.backward_through_time, the same five gradients as bptt.backward and
    the same ∂L/∂h_0, for every activation and shape, with weighted losses."""
    T, B, m, n, q = shape
    params, X, Y, h0, w = problem(rng, T, B, m, n, q, weighted=True)
    out = bptt.backward(params, X, Y, h0, activation, w)
    dF = DF[activation](np.einsum("tbm,nm->tbn", X, params["W_hx"])
                        + np.einsum("tbn,kn->tbk", out["H"][:-1], params["W_hh"]) + params["b_h"])
    delta, grads, dh0 = single_sweep(X, out["H"], out["dO"], dF, params["W_hh"], params["W_qh"])
    lib_delta, lib_dh0 = backward_through_time(params["W_hh"], dF, out["dO"] @ params["W_qh"])
    np.testing.assert_allclose(delta, lib_delta, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh0, lib_dh0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(delta, out["delta"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dh0, out["dh0"], rtol=1e-10, atol=1e-13)
    for key in params:
        np.testing.assert_allclose(grads[key], out["grads"][key], rtol=1e-10, atol=1e-13, err_msg=key)


def test_worked_case_by_hand():
    """The worked case (one unit, T = 3): each δ_t redone as a calculator would, from the printed
    columns W_qhᵀ ∂L/∂o_t and W_hhᵀ δ_{t+1}, and each gradient as a sum of three products."""
    params, X, Y, h0 = se.library_arrays()
    out = bptt.backward(params, X, Y, h0)
    h = out["H"][:, 0, 0]
    direct = (out["dO"][:, 0] @ params["W_qh"])[:, 0]
    d, carry = {}, 0.0
    for t in (3, 2, 1):
        d[t] = (1 - h[t] ** 2) * (direct[t - 1] + carry)
        carry = params["W_hh"][0, 0] * d[t]
    np.testing.assert_allclose([d[1], d[2], d[3]], out["delta"][:, 0, 0], rtol=1e-12)
    g = out["grads"]
    x = X[:, 0, 0]
    assert np.isclose(g["W_hh"][0, 0], sum(d[t] * h[t - 1] for t in (1, 2, 3)))
    assert np.isclose(g["W_hx"][0, 0], sum(d[t] * x[t - 1] for t in (1, 2, 3)))
    assert np.isclose(g["b_h"][0], sum(d.values()))
    assert np.isclose(out["dh0"][0, 0], params["W_hh"][0, 0] * d[1])


def test_error_heatmaps_share_one_colour_scale_across_settings():
    """Issue 12: ρ = 0.5 and 0.9 must not look the same; every frame uses the same colour limits."""
    from matplotlib.figure import Figure

    from bptt.viz.bptt_elman import draw_error_heatmaps

    limits = set()
    for rho, T in ((0.5, 20), (0.9, 20), (2.0, 40)):
        fig = Figure(figsize=(7.1, 5.6))
        draw_error_heatmaps(fig, rho=rho, T=T, activation="tanh")
        state = fig._bptt_heatmaps                     # the two coloured panels' images
        for key in ("delta", "contrib"):
            limits.add(tuple(round(v, 9) for v in state[key][0].get_clim()))
    assert len(limits) == 1, f"each setting rescales the colours: {sorted(limits)}"
