"""Vanishing and exploding gradients: Jacobian products, the bound, the pitfalls, the figures.

Every check compares independent computations: finite differences of the forward map against
the Jacobian routines, SymPy against NumPy, one backward sweep against explicit matrix products,
the lag split against bptt.backward.
"""
import warnings

import numpy as np
import pytest
import sympy as sp

import bptt
from bptt.divergence import recall_accuracy, recall_batches, train_sgd
from bptt.jacobians import (
    backward_norms,
    bound_rate,
    jacobian_products,
    lag_contributions,
    lag_norms,
    lag_shares,
    last_loss_grad,
    linear_state_grads,
    pascanu_bound,
    safe_norm,
    step_jacobians,
    step_singular_values,
)
from bptt.sym import vanishing as sv
from bptt.viz import nonfinite_count
from bptt.viz.vanishing import CONTROLS, DEFAULT, gradient_flow_data, main_explorable
from conftest import make_problem

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]


def _jordan_power_norm(k):
    return np.linalg.norm(np.linalg.matrix_power(np.array([[0.9, 2.0], [0.0, 0.9]]), k), 2)


# numbers the chapter's prose states (tests/test_prose_numbers.py): the ones it sets, and the
# results it states, each recomputed here; every other computed number is glued from its cell
PROSE_NUMBERS = {
    "given": {"0.1", "0.5", "0.6", "0.8", "0.9", "0.95", "1.1", "1.2", "1.5"},
    "held": {
        "3\\cdot 10^{-5}": lambda: f"{0.9 ** 100 / 1e-5:.0f}\\cdot 10^{{-5}}",
        "1.4\\cdot 10^{4}": lambda: f"{1.1 ** 100 / 1e4:.1f}\\cdot 10^{{4}}",
        # eigenvalues a ± b of the symmetric example, a = 0.8, b = 0.25
        "1.05": lambda: f"{max(np.linalg.eigvalsh([[0.8, 0.25], [0.25, 0.8]])):.2f}",
        "0.55": lambda: f"{min(np.linalg.eigvalsh([[0.8, 0.25], [0.25, 0.8]])):.2f}",
        # the Jordan block λ = 0.9, s = 2: ‖W^10‖₂, its largest entry at k = 9 and 10, and ρ^10
        "7.8": lambda: f"{_jordan_power_norm(10):.1f}",
        "7.75": lambda: f"{np.linalg.matrix_power(np.array([[0.9, 2.0], [0.0, 0.9]]), 10)[0, 1]:.2f}",
        "0.35": lambda: f"{0.9 ** 10:.2f}",
    },
}


def run_from(params, X, k, h_k, activation):
    """h_T as a function of h_k: run the network over X[k:] starting from h_k. h_k: (B, n) -> (B, n)."""
    H, _ = bptt.forward(params, X[k:], h0=h_k, activation=activation)
    return H[-1]


def fd_state_jacobian(params, X, H, k, activation, eps=1e-6):
    """∂h_T/∂h_k by central differences, one column per unit vector. Returns (B, n, n)."""
    B, n = H.shape[1:]
    J = np.empty((B, n, n))
    for j in range(n):
        e = np.zeros((B, n))
        e[:, j] = eps
        plus, minus = run_from(params, X, k, H[k] + e, activation), run_from(params, X, k, H[k] - e, activation)
        J[:, :, j] = (plus - minus) / (2 * eps)
    return J


# -- the product of Jacobians ------------------------------------------------------------------

@pytest.mark.formula("eq-vanishing-step-jacobian")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_step_jacobian_is_D_t_W_hh(rng, activation):
    params, X, Y = make_problem(rng, 5, 3, 2, 4, 3, spectral_radius=0.9)
    H, _ = bptt.forward(params, X, activation=activation)
    J = step_jacobians(params, H, activation)
    assert J.shape == (5, 3, 4, 4)
    for t in (1, 3, 5):
        np.testing.assert_allclose(J[t - 1], fd_state_jacobian(params, X[:t], H[:t + 1], t - 1, activation),
                                   rtol=1e-6, atol=1e-8)


@pytest.mark.formula("eq-vanishing-product")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_jacobian_products_equal_finite_differences_of_the_forward_map(rng, activation):
    T = 7
    params, X, Y = make_problem(rng, T, 2, 3, 4, 2, spectral_radius=1.2)
    H, _ = bptt.forward(params, X, activation=activation)
    P = jacobian_products(step_jacobians(params, H, activation))
    assert P.shape == (T + 1, 2, 4, 4)
    np.testing.assert_array_equal(P[T], np.broadcast_to(np.eye(4), (2, 4, 4)))
    for k in (0, 2, 5, 6):
        np.testing.assert_allclose(P[k], fd_state_jacobian(params, X, H, k, activation), rtol=1e-6, atol=1e-8)


@pytest.mark.formula("eq-vanishing-product")
def test_sympy_product_of_jacobians_on_a_small_tanh_network():
    for T, k in ((2, 0), (3, 1)):
        direct, product = sv.state_jacobian_tanh(T=T, n=2, k=k)
        assert (direct - product).applyfunc(sp.expand) == sp.zeros(2, 2)
    # and the order matters: the oldest Jacobian multiplies on the right
    direct, _ = sv.state_jacobian_tanh(T=2, n=2)
    W = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"w_{i + 1}{j + 1}"))
    h1 = (W * sp.Matrix(sp.symbols("h_1 h_2")) + sp.Matrix(sp.symbols("c1_1 c1_2"))).applyfunc(sp.tanh)
    h2 = (W * h1 + sp.Matrix(sp.symbols("c2_1 c2_2"))).applyfunc(sp.tanh)
    D1, D2 = (sp.diag(*[1 - x ** 2 for x in h]) for h in (h1, h2))
    assert (direct - D1 * W * D2 * W).applyfunc(sp.expand) != sp.zeros(2, 2)


@pytest.mark.formula("eq-vanishing-paths")
def test_jacobian_product_entries_are_sums_over_paths():
    P = sv.jacobian_product_entries(T=2, n=2)
    d = {(t, i): sp.Symbol(f"d_{t}{i}") for t in (1, 2) for i in (1, 2)}
    w = {(i, j): sp.Symbol(f"w_{i}{j}") for i in (1, 2) for j in (1, 2)}
    for i in (1, 2):
        for j in (1, 2):
            paths = sum(d[2, i] * w[i, l] * d[1, l] * w[l, j] for l in (1, 2))
            assert sp.expand(P[i - 1, j - 1] - paths) == 0


@pytest.mark.formula("eq-vanishing-three-paths")
def test_three_paths_of_source_003():
    direct, by_paths = sv.three_paths()
    assert sp.simplify(direct - by_paths) == 0
    assert len(sp.Add.make_args(sp.expand(by_paths))) >= 3


@pytest.mark.formula("eq-vanishing-weighted-paths")
def test_weighted_loss_multiplies_each_path_by_its_loss_weight():
    """Exercise 7.6: L = 0.1 ℓ_1 + 0.1 ℓ_2 + 0.8 ℓ_3; each path is scaled by its loss's weight, nothing else."""
    direct, _ = sv.three_paths(weights=(0.1, 0.1, 0.8))
    # the displayed sum, built from the unweighted paths: one weight per loss, paths otherwise untouched
    paths = []
    for t in range(3):
        unit = [0, 0, 0]
        unit[t] = 1
        paths.append(sv.three_paths(weights=unit)[1])       # the path(s) into ℓ_{t+1} alone
    displayed = sp.Rational(1, 10) * paths[0] + sp.Rational(1, 10) * paths[1] + sp.Rational(4, 5) * paths[2]
    assert sp.simplify(direct - displayed) == 0
    # and a wrong weighting (the weights on the wrong losses) is caught: evaluated at numbers, with
    # concrete losses ℓ_t(o) = (t + 1) o², it differs
    wrong = sp.Rational(4, 5) * paths[0] + sp.Rational(1, 10) * (paths[1] + paths[2])
    o = sp.Symbol("o")
    losses = {sp.Function(f"ell_{t}"): sp.Lambda(o, (t + 1) * o ** 2) for t in (1, 2, 3)}
    values = {sp.Symbol(name): v for name, v in
              zip(["w_hx", "w_hh", "w_qh", "b_h", "b_q", "h_1", "x_2", "x_3"], [0.7, 1.3, 0.9, 0.1, -0.2, 0.4, 0.5, -1.1])}

    def at_numbers(e):
        return float(e.subs(losses).doit().subs(values))

    assert at_numbers(direct - displayed) == pytest.approx(0.0, abs=1e-12)
    assert abs(at_numbers(direct - wrong)) > 1e-3


@pytest.mark.formula("eq-vanishing-vjp")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_sweep_equals_the_products_applied_to_the_gradient(rng, activation):
    T = 9
    params, X, Y = make_problem(rng, T, 3, 2, 5, 3, spectral_radius=1.1)
    H, _ = bptt.forward(params, X, activation=activation)
    g = last_loss_grad(params, H, Y[-1])
    P = jacobian_products(step_jacobians(params, H, activation))
    expected = np.linalg.norm(np.einsum("kbij,bi->kbj", P, g), axis=-1)   # ‖(∂h_T/∂h_k)ᵀ g‖
    np.testing.assert_allclose(backward_norms(params, H, g, activation), expected, rtol=1e-10)


@pytest.mark.formula("eq-vanishing-vjp")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_lag_norms_match_bptt_backward_with_only_the_last_loss(rng, activation):
    T, B = 8, 3
    params, X, Y = make_problem(rng, T, B, 2, 4, 3, spectral_radius=1.0)
    N, H = lag_norms(params, X, Y[-1], activation=activation)
    w = np.zeros(T)
    w[-1] = 1.0                                     # L = L_T
    out = bptt.backward(params, X, Y, activation=activation, weights=w)
    dh = [out["delta"][k] @ params["W_hh"] for k in range(T)]   # ∂L_T/∂h_k = W_hhᵀ δ_{k+1}, k < T
    dh.append(out["dO"][-1] @ params["W_qh"])       # ∂L_T/∂h_T = W_qhᵀ ∂L_T/∂o_T
    np.testing.assert_allclose(dh[0], out["dh0"], rtol=1e-12)
    np.testing.assert_allclose(N, np.linalg.norm(np.array(dh), axis=-1), rtol=1e-10, atol=1e-14)


def test_lag_norms_of_the_loss_are_finite_differences(rng):
    """‖∂L_T/∂h_k‖ against the central-difference gradient of L_T with respect to h_k."""
    T, B, n = 6, 1, 3
    params, X, Y = make_problem(rng, T, B, 2, n, 2, spectral_radius=1.1)
    N, H = lag_norms(params, X, Y[-1])
    k, eps = 2, 1e-6

    def L_T(h_k):
        HH, O = bptt.forward(params, X[k:], h0=h_k)
        return float(bptt.cross_entropy(O[-1], Y[-1]).sum())

    grad = [(L_T(H[k] + eps * e) - L_T(H[k] - eps * e)) / (2 * eps) for e in np.eye(n)[:, None, :]]
    assert N[k, 0] == pytest.approx(np.linalg.norm(grad), rel=1e-6)


# -- source 002 --------------------------------------------------------------------------------

@pytest.mark.formula("eq-vanishing-d2l-chain")
def test_source_002_chain_rule_for_dh_dw(rng):
    """∂h_t/∂w_h = direct term + Σ_i (Π_j ∂f/∂h_{j-1}) ∂f(x_i, h_{i-1}, w_h)/∂w_h, along a direction V.

    The direct term of step i is D_i V h_{i-1}.
    """
    T = 6
    params, X, Y = make_problem(rng, T, 2, 2, 4, 2, spectral_radius=1.1)
    H, _ = bptt.forward(params, X)
    J = step_jacobians(params, H)
    V = rng.normal(size=(4, 4))
    direct = [None] + [np.einsum("bi,ij,bj->bi", 1 - H[i] ** 2, V, H[i - 1]) for i in range(1, T + 1)]  # D_i V h_{i-1}
    t = T
    formula = direct[t].copy()
    for i in range(1, t):
        prod = jacobian_products(J[i:t])[0]         # J_t ⋯ J_{i+1}
        formula += np.einsum("bij,bj->bi", prod, direct[i])
    eps = 1e-6
    plus = bptt.forward({**params, "W_hh": params["W_hh"] + eps * V}, X)[0][t]
    minus = bptt.forward({**params, "W_hh": params["W_hh"] - eps * V}, X)[0][t]
    np.testing.assert_allclose(formula, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-9)


@pytest.mark.formula("eq-vanishing-linear")
def test_sympy_derives_the_linear_case_formula():
    for t in (1, 2, 3):
        direct, formula = sv.linear_case_derivation(T=3, t=t)
        assert (direct - formula).applyfunc(sp.expand) == sp.zeros(2, 1)


@pytest.mark.formula("eq-vanishing-linear")
def test_linear_case_formula_agrees_with_bptt_backward_for_the_identity_activation(rng):
    T, B, n, q = 3, 2, 2, 2
    params, X, Y = make_problem(rng, T, B, 3, n, q, spectral_radius=1.3)
    out = bptt.backward(params, X, Y, activation="identity")
    grads, sym = sv.linear_case_formula(T, n, q)
    subs = {s: v for s, v in zip(sym["W_hh"], params["W_hh"].ravel())}
    subs.update({s: v for s, v in zip(sym["W_qh"], params["W_qh"].ravel())})
    for b in range(B):
        vals = dict(subs)
        for s in range(T):
            vals.update({g: v for g, v in zip(sym["g"][s], out["dO"][s, b])})
        for t in range(T):
            got = np.array(grads[t].subs(vals), dtype=float).ravel()
            np.testing.assert_allclose(got, out["delta"][t, b], rtol=1e-10)   # identity: δ_t = ∂L/∂h_t
    np.testing.assert_allclose(linear_state_grads(params["W_hh"], params["W_qh"], out["dO"]), out["delta"], rtol=1e-10)


def test_linear_case_formula_needs_the_identity_activation(rng):
    """The stated assumption matters: with tanh the formula is wrong."""
    params, X, Y = make_problem(rng, 5, 2, 3, 4, 3, spectral_radius=0.9)
    out = bptt.backward(params, X, Y, activation="tanh")
    dh = out["delta"] / (1 - out["H"][1:] ** 2)        # ∂L/∂h_t = δ_t / f'(z_t)
    assert not np.allclose(linear_state_grads(params["W_hh"], params["W_qh"], out["dO"]), dh, rtol=1e-3)


# -- powers of a 2×2 matrix ----------------------------------------------------------------------

@pytest.mark.formula("eq-vanishing-eig2")
def test_eigenvalues_and_eigenvectors_of_a_2x2_matrix():
    W, lam, vecs = sv.eig_2x2()
    for l, v in zip(lam, vecs):
        assert sp.simplify(W * v - l * v) == sp.zeros(2, 1)
    assert sp.simplify(lam[0] + lam[1] - W.trace()) == 0
    assert sp.simplify(lam[0] * lam[1] - W.det()) == 0


@pytest.mark.formula("eq-vanishing-sylvester")
def test_sylvester_formula_for_powers_of_a_2x2_matrix():
    W, l1, l2, Wk = sv.power_2x2(3)
    assert sp.simplify(Wk - W ** 3) == sp.zeros(2, 2)
    rng = np.random.default_rng(3)
    for _ in range(3):
        A = rng.normal(size=(2, 2))
        a, b, c, d = sp.symbols("a b c d")
        for k in (0, 1, 5, 12):
            _, _, _, Wk = sv.power_2x2(k)
            num = np.array(Wk.subs(dict(zip((a, b, c, d), A.ravel()))).evalf(), dtype=complex)
            np.testing.assert_allclose(num.real, np.linalg.matrix_power(A, k), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(num.imag, 0, atol=1e-9)


@pytest.mark.formula("eq-vanishing-symmetric", "eq-vanishing-jordan", "eq-vanishing-rotation")
@pytest.mark.parametrize("make", [sv.symmetric_power, sv.jordan_power, sv.rotation_power])
def test_closed_form_powers_by_induction_and_numbers(make):
    W, k, Wk = make()
    assert sp.simplify(Wk.subs(k, 0)) == sp.eye(2)          # base case
    assert sv.power_recursion_residual(W, k, Wk) == sp.zeros(2, 2)   # W^{k+1} = W W^k
    vals = {s: v for s, v in zip(sorted(W.free_symbols, key=str), (0.7, 0.4, 0.3))}
    A = np.array(W.subs(vals), dtype=float)
    for j in (2, 7):
        np.testing.assert_allclose(np.array(Wk.subs(vals).subs(k, j), dtype=float),
                                   np.linalg.matrix_power(A, j), rtol=1e-12)


def test_a_wrong_closed_form_fails_the_induction_check():
    W, k, Wk = sv.jordan_power()
    wrong = Wk.subs(k * sp.Symbol("s", real=True), sp.Symbol("s", real=True))   # drops the factor k
    assert sv.power_recursion_residual(W, k, wrong) != sp.zeros(2, 2)


# -- the bound -----------------------------------------------------------------------------------

def random_cases(rng, n_cases, n=6, T=12):
    for i in range(n_cases):
        activation = ACTIVATIONS[i % 4]
        scale = rng.uniform(0.3, 3.0)
        params, X, Y = make_problem(rng, T, 2, 3, n, 2, singular_value=scale)
        params["W_hh"] = params["W_hh"] + rng.normal(scale=0.3, size=(n, n)) * (i % 3 == 0)
        X = X * rng.uniform(0.1, 3.0)
        H, _ = bptt.forward(params, X, activation=activation)
        P = jacobian_products(step_jacobians(params, H, activation))
        yield params, activation, np.linalg.norm(P, ord=2, axis=(-2, -1)), T


@pytest.mark.formula("eq-vanishing-bound", "eq-vanishing-conditions")
def test_the_bound_holds_on_random_matrices(rng):
    worst = 0.0
    for params, activation, norms, T in random_cases(rng, 40):
        bound = pascanu_bound(params["W_hh"], T - np.arange(T + 1), activation)      # lag T − k
        assert np.all(norms <= bound[:, None] * (1 + 1e-10) + 1e-300), activation
        worst = max(worst, float(np.max(norms[:-1] / bound[:-1, None])))        # lag >= 1
        if bound_rate(params["W_hh"], activation) < 1:                              # sufficient for vanishing
            assert np.all(norms[0] <= bound_rate(params["W_hh"], activation) ** T * (1 + 1e-10))
    assert worst > 0.2, "the random cases must come near the bound, or the test proves little"


@pytest.mark.formula("eq-vanishing-conditions")
def test_explosion_needs_gamma_sigma_max_above_one_and_the_converses_fail():
    """The second implication: γσ_max ≤ 1 keeps ‖∂⁺h_T/∂h_k‖ ≤ 1 at every lag, so explosion needs γσ_max > 1.

    Checked on long products (T = 150) of networks swept across σ_max, activations and input
    scales, including γσ_max exactly 1; and neither converse holds: some γσ_max > 1 vanish, and
    γσ_max > 1 is not enough to explode.
    """
    T, n = 150, 8
    exploded, vanished_above = [], 0
    for i, sigma in enumerate([0.5, 0.9, 1.0, 1.3, 2.0, 3.0, 4.0]):
        for activation in ACTIVATIONS:
            for scale in (0.3, 3.0):
                rate = bptt.DERIVATIVE_BOUND[activation] * sigma
                params = bptt.init_params(2, n, 2, seed=i, singular_value=sigma)
                X = np.random.default_rng(i).normal(scale=scale, size=(T, 1, 2))
                with np.errstate(over="ignore", invalid="ignore"):
                    H, _ = bptt.forward(params, X, activation=activation)
                    g = np.ones((1, n)) / np.sqrt(n)             # a unit vector at h_T
                    norms = backward_norms(params, H, g, activation)[:, 0]   # ‖(∂⁺h_T/∂h_k)ᵀ g‖
                    P = jacobian_products(step_jacobians(params, H, activation)[-20:])
                    top = np.linalg.norm(P[:, 0], ord=2, axis=(-2, -1))      # ‖∂⁺h_T/∂h_k‖, last 20 lags
                if rate <= 1 + 1e-12:
                    assert np.all(norms <= 1 + 1e-9) and np.all(top <= 1 + 1e-9), (activation, sigma)
                if not np.isfinite(norms[0]) or norms[0] > 1e3:                # explosion at lag T
                    exploded.append(rate)
                if rate > 1 and norms[0] < 1e-3:
                    vanished_above += 1
    assert exploded and min(exploded) > 1, "explosion only with γσ_max > 1"
    assert vanished_above > 0, "γσ_max > 1 does not prevent vanishing"


def test_exercise_1_one_unit_without_input():
    """ex-vanishing-1: h_t = tanh(w h_{t-1}). h_0 = 0 gives w^T; else a fixed point (w > 1) or a 2-cycle (w < −1)."""
    T = 200

    def run(w, h0):
        h, d, states = h0, 1.0, []
        for _ in range(T):
            h = np.tanh(w * h)
            d *= w * (1 - h ** 2)                  # ∂⁺h_T/∂h_0 = Π_t w (1 − h_t²)
            states.append(h)
        return np.array(states), d

    for w in (1.5, -1.5, 3.0, -3.0):
        states, d = run(w, 0.0)
        assert np.all(states == 0) and d == pytest.approx(w ** T)        # grows without bound
        # the same through the library's Jacobians: a one-unit network with W_hh = w, no input
        params = {"W_hx": np.zeros((1, 1)), "W_hh": np.array([[w]]), "b_h": np.zeros(1),
                  "W_qh": np.eye(1), "b_q": np.zeros(1)}
        H, _ = bptt.forward(params, np.zeros((10, 1, 1)))
        assert jacobian_products(step_jacobians(params, H))[0, 0, 0, 0] == pytest.approx(w ** 10)
        # h_0 ≠ 0: h* > 0 solves h* = tanh(|w| h*); found here by bisection, not by iterating the map
        lo, hi = 1e-9, 1.0
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if np.tanh(abs(w) * mid) > mid else (lo, mid)
        h_star = lo
        assert abs(w) * (1 - h_star ** 2) < 1                             # the slope there is below 1
        for h0 in (0.3, -0.7):
            states, d = run(w, h0)
            tail = states[-4:]
            if w > 0:                                                    # a fixed point of h_0's sign
                np.testing.assert_allclose(tail, np.sign(h0) * h_star, rtol=1e-9)
            else:                                                        # a 2-cycle ±h*, no fixed point
                np.testing.assert_allclose(np.abs(tail), h_star, rtol=1e-9)
                assert np.all(tail[1:] * tail[:-1] < 0)
            assert abs(d) < 1e-6                                         # the derivative decays
    # with inputs that hold the state at 0, |∂⁺h_T/∂h_0| = |w|^T, the bound itself
    w, u = 1.5, 1.0
    h, d = 0.0, 1.0
    for _ in range(50):
        x = -w * h / u
        h = np.tanh(w * h + u * x)
        d *= w * (1 - h ** 2)
    assert abs(d) == pytest.approx(abs(w) ** 50)


def test_the_same_check_with_eigenvalues_fails(rng):
    """The bound test can fail: replace σ_max by the spectral radius and it does, on a non-normal W_hh."""
    violated = 0
    for params, activation, norms, T in random_cases(rng, 40):
        rate = bptt.DERIVATIVE_BOUND[activation] * bptt.spectral_radius(params["W_hh"])
        violated += int(np.any(norms > (rate ** (T - np.arange(T + 1)))[:, None] * (1 + 1e-10)))
    assert violated > 0


# -- the pitfalls --------------------------------------------------------------------------------

def test_pitfall_singular_values_not_eigenvalues():
    """A non-normal W_hh with ρ = 0.9 < 1: its products grow first (σ_max ≈ 2.35 > 1), then decay."""
    W = np.array([[0.9, 2.0], [0.0, 0.9]])
    assert bptt.spectral_radius(W) == pytest.approx(0.9)
    powers = np.array([np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(100)])
    assert powers.max() > 5.0 and powers[-1] < 0.1
    assert np.any(powers > 0.9 ** np.arange(100))                  # ρ^k is no bound
    assert np.all(powers <= np.linalg.norm(W, 2) ** np.arange(100) * (1 + 1e-12))  # σ_max^k is
    # the same inside the network: identity activation, ∂h_T/∂h_0 = W_hh^T
    params = {"W_hx": np.ones((2, 1)), "W_hh": W, "b_h": np.zeros(2), "W_qh": np.eye(2), "b_q": np.zeros(2)}
    H, _ = bptt.forward(params, np.zeros((10, 1, 1)), activation="identity")
    P = jacobian_products(step_jacobians(params, H, "identity"))
    assert np.linalg.norm(P[0, 0], 2) > 1.0 > 0.9 ** 10


def test_pitfall_the_transpose_in_the_per_step_jacobian(rng):
    """∂h_t/∂h_{t-1} = D_t W_hh. Pascanu et al.'s eq. (5) writes W_recᵀ diag(...); used literally, it is wrong."""
    params, X, Y = make_problem(rng, 1, 1, 2, 4, 2, spectral_radius=1.0)
    H, _ = bptt.forward(params, X)
    fd = fd_state_jacobian(params, X, H, 0, "tanh")[0]
    D = np.diag(1 - H[1, 0] ** 2)
    W = params["W_hh"]
    np.testing.assert_allclose(fd, D @ W, rtol=1e-6)
    assert not np.allclose(fd, W.T @ D, rtol=1e-2)
    assert not np.allclose(fd, W @ D, rtol=1e-2)
    # the norms agree, so the bound survives the slip; the gradient does not
    assert np.linalg.norm(W.T @ D, 2) == pytest.approx(np.linalg.norm(D @ W, 2))


def test_pitfall_a_product_of_jacobians_is_a_matrix_product(rng):
    """Multiplying the Jacobians entry by entry (p *= J in NumPy) gives a different, wrong answer."""
    T = 5
    params, X, Y = make_problem(rng, T, 1, 2, 4, 2, spectral_radius=1.0)
    H, _ = bptt.forward(params, X)
    J = step_jacobians(params, H)
    fd = fd_state_jacobian(params, X, H, 0, "tanh")
    np.testing.assert_allclose(jacobian_products(J)[0], fd, rtol=1e-6, atol=1e-9)
    elementwise = np.prod(J, axis=0)
    assert not np.allclose(elementwise, fd, rtol=1e-2, atol=1e-6)


# -- how the gradient splits by lag ------------------------------------------------------------

@pytest.mark.formula("eq-vanishing-sum-of-products", "eq-vanishing-lag-split")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_lag_contributions_sum_to_the_bptt_gradient(rng, activation):
    params, X, Y = make_problem(rng, 7, 3, 2, 4, 3, spectral_radius=1.0)
    w = rng.uniform(0.1, 1.0, size=7)
    G = lag_contributions(params, X, Y, activation=activation, weights=w)
    assert G.shape == (7, 4, 4)

    def loss_and_grads(p):
        loss, grads = bptt.bptt_grads(p, X, Y, activation=activation, weights=w)
        return loss, {**grads, "W_hh": lag_contributions(p, X, Y, activation=activation, weights=w).sum(axis=0)}

    bptt.check_grads(loss_and_grads, params)


@pytest.mark.formula("eq-vanishing-lag-split")
def test_each_lag_term_against_explicit_jacobian_products(rng):
    """G_l = Σ_t δ_{t,t-l} h_{t-l-1}ᵀ with δ_{t,k} = D_k (∂h_t/∂h_k)ᵀ W_qhᵀ ∂L_t/∂o_t, term by term."""
    T = 5
    params, X, Y = make_problem(rng, T, 2, 2, 3, 2, spectral_radius=1.1)
    out = bptt.backward(params, X, Y)
    H = out["H"]
    J = step_jacobians(params, H)
    D = 1 - H[1:] ** 2
    G = np.zeros((T, 3, 3))
    for t in range(1, T + 1):
        P = jacobian_products(J[:t])                # P[k] = ∂h_t/∂h_k for k = 0..t
        g_t = out["dO"][t - 1] @ params["W_qh"]     # W_qhᵀ ∂L_t/∂o_t
        for k in range(1, t + 1):
            delta_tk = D[k - 1] * np.einsum("bij,bi->bj", P[k], g_t)
            G[t - k] += delta_tk.T @ H[k - 1]
    np.testing.assert_allclose(lag_contributions(params, X, Y), G, rtol=1e-10, atol=1e-13)


@pytest.mark.formula("eq-vanishing-share")
def test_lag_shares_against_lag_terms_from_finite_differences(rng):
    """share_l = ‖G_l‖_F / Σ ‖G_l'‖_F, with every G_l computed independently of lag_contributions.

    G_l is the part of ∂L/∂W_hh that comes from the pairs (t, k = t − l): perturb W_hh only in
    step k's equation (W_hh + εV there, W_hh elsewhere) and difference ℓ_t alone. That is the
    definition of the lag split, evaluated without any Jacobian routine of the library.
    """
    T, B, m, n, q = 5, 2, 2, 3, 2
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=1.1)
    H0 = rng.normal(size=(B, n))                     # h_0 ≠ 0, so that the longest lag is not 0

    def loss_t(t, k, E):
        """ℓ_t (summed over the batch) when W_hh is replaced by W_hh + E in step k only."""
        h = H0
        for s in range(1, t + 1):
            W = params["W_hh"] + (E if s == k else 0)
            h = np.tanh(X[s - 1] @ params["W_hx"].T + h @ W.T + params["b_h"])
        o = h @ params["W_qh"].T + params["b_q"]
        return float(bptt.cross_entropy(o[None], Y[t - 1][None]).sum())

    eps = 1e-6
    G = np.zeros((T, n, n))
    for t in range(1, T + 1):
        for k in range(1, t + 1):
            for i in range(n):
                for j in range(n):
                    E = np.zeros((n, n))
                    E[i, j] = eps
                    G[t - k, i, j] += (loss_t(t, k, E) - loss_t(t, k, -E)) / (2 * eps)
    norms = np.sqrt((G ** 2).sum(axis=(1, 2)))
    expected = norms / norms.sum()
    got = lag_shares(lag_contributions(params, X, Y, h0=H0))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    assert got.sum() == pytest.approx(1.0)


def test_vanishing_keeps_the_update_but_loses_the_far_past():
    """Source 003's reading: with a small W_hh the update is not small, it is made of short lags."""
    X, Y, _ = bptt.delayed_recall(40, 8, 5, np.random.default_rng(0))
    small = bptt.init_params(2, 16, 2, seed=0, spectral_radius=0.5)
    big = bptt.init_params(2, 16, 2, seed=0, spectral_radius=2.0)
    s_small, s_big = (lag_shares(lag_contributions(p, X, Y)) for p in (small, big))
    assert s_small[:5].sum() > 0.98 and s_small[20:].sum() < 1e-6
    assert s_big[20:].sum() > 100 * s_small[20:].sum()
    assert np.linalg.norm(lag_contributions(small, X, Y).sum(0)) > 1.0


# -- clipping and divergence ----------------------------------------------------------------------

@pytest.mark.formula("eq-vanishing-clip-global")
def test_global_norm_clipping_keeps_the_direction(rng):
    g = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5) * 10}
    norm = bptt.global_norm(g)
    clipped, before = bptt.clip_global_norm(g, 1.0)
    assert before == pytest.approx(norm)
    assert bptt.global_norm(clipped) == pytest.approx(1.0)
    for k in g:
        np.testing.assert_allclose(clipped[k], g[k] / norm)
    same, _ = bptt.clip_global_norm(g, 2 * norm)
    assert all(np.array_equal(same[k], g[k]) for k in g)


@pytest.mark.formula("eq-vanishing-clip-elementwise")
def test_elementwise_clipping_bounds_entries_and_turns_the_direction(rng):
    g = {"a": rng.normal(size=(3, 4)) * 3, "b": rng.normal(size=5)}
    clipped = bptt.clip_elementwise(g, 1.0)
    flat, cflat = (np.concatenate([d[k].ravel() for k in sorted(d)]) for d in (g, clipped))
    np.testing.assert_array_equal(cflat, np.clip(flat, -1, 1))
    cos = flat @ cflat / (np.linalg.norm(flat) * np.linalg.norm(cflat))
    assert cos < 0.999


def _angle_deg(g, c):
    clipped = bptt.clip_elementwise({"g": g}, c)["g"]
    u, v = g / np.linalg.norm(g), clipped / np.linalg.norm(clipped)
    return np.degrees(2 * np.arctan2(np.linalg.norm(u - v), np.linalg.norm(u + v))), g @ clipped   # accurate near 0


def test_exercise_vanishing_5_the_angle_clipping_turns_a_step(rng):
    """The solution of ex-vanishing-5: g·clip(g) > 0; in two dimensions the angle stays below
    45° (its formula arctan(min(g₂,c)/min(g₁,c)) − arctan(g₂/g₁)), and comes as close to 45° as
    we like with g₂ = c, g₁ → ∞; in n dimensions (A, c, ..., c) tends to arccos(1/√n)."""
    c = 0.7
    g2 = rng.standard_cauchy(size=(20000, 2)) * rng.choice([0.1, 1.0, 10.0], size=(20000, 1))
    angles, dots = zip(*(_angle_deg(g, c) for g in g2))
    assert min(dots) > 0 and max(angles) < 45.0
    for g1, g2 in [(5.0, 0.3), (5.0, 2.0), (0.5, 0.2), (3.0, 0.7)]:
        formula = np.degrees(np.arctan(min(g2, c) / min(g1, c)) - np.arctan(g2 / g1))
        assert _angle_deg(np.array([g1, g2]), c)[0] == pytest.approx(formula, abs=1e-6)
    near = [_angle_deg(np.array([g1, c]), c)[0] for g1 in (10.0, 1e3, 1e6)]
    assert near == sorted(near) and 44.99 < near[-1] < 45.0
    for n in (3, 32):
        g = np.full(n, c)
        g[0] = 1e9
        assert _angle_deg(g, c)[0] == pytest.approx(np.degrees(np.arccos(1 / np.sqrt(n))), abs=1e-4)


def test_training_records_and_clipping_rules():
    batches = list(recall_batches(12, 10, 4, 2, seed=1))
    p0 = bptt.init_params(2, 8, 2, seed=1, spectral_radius=1.5)
    plain = train_sgd(p0, batches, lr=0.5)
    glob = train_sgd(p0, batches, lr=0.5, clip="global", threshold=0.05)
    elem = train_sgd(p0, batches, lr=0.5, clip="elementwise", threshold=0.01)
    assert len(plain["loss"]) == 12 and plain["diverged_at"] is None and not plain["clipped"].any()
    assert plain["loss"][0] == glob["loss"][0] == elem["loss"][0]
    assert glob["clipped"].all() and np.allclose(glob["cosine"], 1.0)
    assert elem["clipped"].any() and elem["cosine"].min() < 0.99
    # a step of a clipped run moves the parameters by at most lr · threshold
    moved = np.sqrt(sum(np.sum((glob["params"][k] - p0[k]) ** 2) for k in p0))
    assert moved <= 12 * 0.5 * 0.05 * (1 + 1e-9)
    assert 0.0 <= recall_accuracy(plain["params"], 10, 8, 2) <= 1.0


def test_training_stops_and_reports_divergence():
    batches = list(recall_batches(20, 30, 4, 3, seed=0))
    p0 = bptt.init_params(2, 8, 2, seed=0, spectral_radius=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = train_sgd(p0, batches, lr=1e300, activation="identity")
    assert run["diverged_at"] is not None and run["diverged_at"] <= 20
    assert np.all(np.isfinite(run["loss"]))


# -- the main explorable --------------------------------------------------------------------------

def corner_settings():
    lo_hi = {k: (c.values[0], c.values[-1]) for k, c in CONTROLS.items() if k != "activation"}
    for activation in CONTROLS["activation"].values:
        for i, sigma in enumerate(lo_hi["sigma"]):
            for j, T in enumerate(lo_hi["T"]):
                end = (i + j) % 2                   # scale at both ends, alternately
                yield dict(sigma=sigma, activation=activation, T=T, scale=lo_hi["scale"][end])


def test_every_slider_extreme_renders_without_nan():
    ex = main_explorable(dpi=40)
    assert len(ex.grid()) <= 120
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for values in corner_settings():
            png = ex.render(**values)
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert nonfinite_count(ex.figure()) == 0, values
            assert not any("not finite" in t.get_text() for t in ex.figure().texts), values


def test_overflow_is_shown_as_such():
    d = gradient_flow_data(sigma=4.0, activation="identity", T=1000, scale=4.0)
    assert d["bad_step"] is not None                  # the forward pass really overflows here
    ex = main_explorable(dpi=40)
    ex.render(sigma=4.0, activation="identity", T=1000, scale=4.0)
    ax = ex.figure().axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert "1001 values > 1e+250 or not finite (drawn at the top)" in labels
    assert any("overflow" in t.get_text() for t in ex.figure().texts)
    under = gradient_flow_data(sigma=0.5, activation="tanh", T=1000, scale=0.5)
    assert under["bad_step"] is None and np.any(under["norms"] == 0)   # underflow: also marked, not hidden


def test_one_threshold_for_markers_status_and_axis():
    """Underflow: the markers sit at 1e-250, the legend and the status line name 1e-250, the axis shows them."""
    norms = gradient_flow_data(sigma=0.5, activation="tanh", T=1000, scale=0.5)["norms"]
    first = int(np.flatnonzero(norms < 1e-250)[0])   # computed here from the data, not from the figure
    ex = main_explorable(dpi=40)
    ex.render(sigma=0.5, activation="tanh", T=1000, scale=0.5)
    fig = ex.figure()
    ax = fig.axes[0]
    marks = [ln for ln in ax.lines if "values <" in ln.get_label()]
    assert len(marks) == 1 and marks[0].get_label().startswith(f"{int(np.sum(norms < 1e-250))} values < 1e-250")
    np.testing.assert_array_equal(marks[0].get_ydata(), 1e-250)
    assert ax.get_ylim()[0] <= 1e-250                  # on the panel, at its bottom
    status = [t.get_text() for t in fig.texts if "lag" in t.get_text()]
    assert status and status[0].endswith(f"below 1e-250 from lag {first}")
    assert "float range" not in ex.caption


def _overlaps(fig):
    """Pairs of legends and text boxes of ``fig`` whose window extents intersect (after a draw)."""
    renderer = fig._get_renderer()
    boxes = [(f"legend of axes {i}", a.get_legend().get_window_extent(renderer))
             for i, a in enumerate(fig.axes) if a.get_legend() is not None]
    boxes += [(f"text {t.get_text()[:30]!r}", t.get_window_extent(renderer)) for t in fig.texts if t.get_text()]
    return [(na, nb) for i, (na, a) in enumerate(boxes) for nb, b in boxes[i + 1:]
            if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1]


def test_every_frame_is_legible_and_nothing_overlaps():
    """Every frame: no two legends or text boxes overlap, all of them inside the figure, fonts ≥ 7 pt."""
    ex = main_explorable()
    assert ex.dpi == 96 and ex.figsize[0] <= 7.1             # shown at natural size in the 688 px column
    assert len(ex.grid()) <= 120
    sigmas = CONTROLS["sigma"].values
    assert {0.9, 1.0, 1.1} <= set(sigmas) and min(sigmas) < 0.9 and max(sigmas) > 1.2
    W, Hgt = ex.figsize[0] * ex.dpi, ex.figsize[1] * ex.dpi
    for combo in ex.grid():
        values = dict(zip(CONTROLS, combo))
        ex.render(**values)
        fig = ex.figure()
        assert not _overlaps(fig), (values, _overlaps(fig))
        renderer = fig._get_renderer()
        for a in fig.axes:
            leg = a.get_legend()
            if leg is not None:
                bb = leg.get_window_extent(renderer)
                assert bb.x0 >= 0 and bb.y0 >= 0 and bb.x1 <= W + 0.5 and bb.y1 <= Hgt + 0.5, values
                assert all(t.get_fontsize() >= 7 for t in leg.get_texts())
            labels = [a.xaxis.label, a.yaxis.label, *a.get_xticklabels(), *a.get_yticklabels()]
            assert all(t.get_fontsize() >= 7 for t in labels)
        assert all(t.get_fontsize() >= 7 for t in fig.texts)


def test_the_caption_writes_its_maths_as_maths():
    caption = main_explorable().caption
    for tex in (r"\(J_t = D_t W_{hh}\)", r"\((\gamma\sigma_{\max})^{T-k}\)", r"\((\gamma\rho)^{T-k}\)"):
        assert tex in caption
    assert "J_t = D_t W_hh" not in caption and "(γρ)" not in caption


def test_reused_figure_draws_the_same_picture_as_a_fresh_one():
    a, b = main_explorable(dpi=40), main_explorable(dpi=40)
    setting = dict(sigma=4.0, activation="relu", T=100, scale=4.0)
    a.render(sigma=4.0, activation="identity", T=1000, scale=0.5)   # leaves overflow markers behind
    axes_before = list(a.figure().axes)
    assert a.render(**setting) == b.render(**setting)
    assert a.figure().axes == axes_before, "the axes are reused, not rebuilt"


def test_gradient_flow_data_agrees_with_its_definition():
    d = gradient_flow_data(**DEFAULT)
    T = DEFAULT["T"]
    assert d["norms"].shape == (T + 1,) and d["lags"][-1] == T
    assert d["rate"] == pytest.approx(bptt.DERIVATIVE_BOUND["tanh"] * DEFAULT["sigma"])
    assert d["S"].shape[1] == 32 and np.all(np.diff(d["S"], axis=1) <= 1e-12)
    assert np.all(d["S"][:, 0] <= d["rate"] * (1 + 1e-12))   # σ_max(J_t) ≤ γ σ_max(W_hh)


# -- argument checks --------------------------------------------------------------------------------

def test_arguments_are_validated(rng):
    params, X, Y = make_problem(rng, 4, 2, 3, 5, 3)
    H, _ = bptt.forward(params, X)
    with pytest.raises(ValueError, match=r"H must have shape \(T\+1, B, n\)"):
        step_jacobians(params, H[:, :, :3])
    with pytest.raises(ValueError, match="activation must be one of"):
        step_jacobians(params, H, "softplus")
    with pytest.raises(ValueError, match="J must have shape"):
        jacobian_products(np.zeros((3, 1, 2, 4)))
    with pytest.raises(ValueError, match="g must have shape"):
        backward_norms(params, H, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="y must hold B = 2 integer targets in 0..2"):
        last_loss_grad(params, H, np.array([0, 3]))
    with pytest.raises(ValueError, match="lags must be"):
        pascanu_bound(params["W_hh"], np.array([-1, 2]))
    with pytest.raises(ValueError, match="steps must lie in 1..T"):
        step_singular_values(params, H, steps=[0, 2])
    with pytest.raises(ValueError, match="dO must have shape"):
        linear_state_grads(params["W_hh"], params["W_qh"], np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="clip must be one of"):
        train_sgd(params, [], lr=0.1, clip="norm")
    with pytest.raises(ValueError, match="threshold must be a number > 0"):
        train_sgd(params, [], lr=0.1, clip="global")


def test_safe_norm_does_not_overflow():
    g = np.array([[3e200, 4e200], [0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(safe_norm(g), [5e200, 0.0])


# -- the chapter's static figures -----------------------------------------------------------------

def test_static_figures_fit_the_text_column_with_legible_text():
    """Every show(viz.draw_*, (w, h), ...) of the chapter is at most 7.1 in wide (682 px at 96 dpi),
    and every text its drawing function makes is at least 7 pt."""
    import re
    from pathlib import Path

    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from bptt.viz import vanishing as viz

    chapter = (Path(__file__).resolve().parents[1] / "book" / "vanishing.md").read_text()
    sizes = {name: (float(w), float(h)) for name, w, h in
             re.findall(r"show\(viz\.(\w+),\s*\(([\d.]+),\s*([\d.]+)\)", chapter)}
    assert set(sizes) == {"draw_powers_2x2", "draw_lag_shares", "draw_training", "draw_remedies"}
    assert all(w <= 7.1 for w, _ in sizes.values()), sizes
    lags = np.arange(31)
    run = {"loss": np.linspace(1, 0.1, 20), "grad_norm": np.linspace(3, 0.2, 20)}
    args = {
        "draw_powers_2x2": ({"a": [[0.8, 0.25], [0.25, 0.8]], "b": [[0.9, 2.0], [0.0, 0.9]]},),
        "draw_lag_shares": ({"ρ = 0.6": 0.5 ** lags / np.sum(0.5 ** lags)}, {"ρ = 0.6": 12.0}),
        "draw_training": ({"no clipping": run, "global": run}, 1.0, np.log(2)),
        "draw_remedies": ({"a": 0.9 ** lags, "b": np.r_[0.5 ** lags[:-1], 0.0]}, 20),
    }
    for name, figsize in sizes.items():
        fig = Figure(figsize=figsize, layout="constrained")
        getattr(viz, name)(fig, *args[name])
        fig.canvas.draw()
        small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text) if t.get_text() and t.get_fontsize() < 7]
        assert not small, (name, small)
        assert not _overlaps(fig), name


def test_code_lines_fit_the_code_column():
    """No code line of the chapter's (or its appendix sections') cells is longer than 76 characters.

    Longer lines scroll sideways at 1280 px.
    """
    from pathlib import Path

    long, inside = [], False
    book = Path(__file__).resolve().parents[1] / "book"
    text = "\n".join((book / f"{name}.md").read_text()
                     for name in ("vanishing", "sources_vanishing", "measured_vanishing"))
    for i, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            info = line.lstrip("`").strip()         # fences of 3 to 5 backticks
            inside = info.startswith("{code-cell}") or (info != "" and not info.startswith("{"))
            continue
        if inside and len(line) > 76:
            long.append((i, len(line)))
    assert not long, long


# -- the chapter as a learner reads it (issue 12) ---------------------------------------------------

def _page(name):
    from pathlib import Path
    return (Path(__file__).resolve().parents[1] / "book" / f"{name}.md").read_text()


def test_worked_case_one_unit_three_steps():
    """The hand-sized case: ∂⁺h_3/∂h_0 is the product of the three numbers (1 − h_t²) w_hh, it is
    below the bound w_hh³, and the library's sweep carries ∂L_3/∂h_3 back to h_0 by that product."""
    p = {"W_hx": np.array([[1.0]]), "W_hh": np.array([[0.8]]), "b_h": np.zeros(1),
         "W_qh": np.array([[1.0], [-1.0]]), "b_q": np.zeros(2)}
    X = np.array([1.0, 0.5, -1.0]).reshape(3, 1, 1)
    Y = np.array([[0], [0], [1]])
    H, _ = bptt.forward(p, X)
    h = H[1:, 0, 0]
    np.testing.assert_allclose(h[0], np.tanh(1.0))
    product = np.prod((1 - h ** 2) * 0.8)
    np.testing.assert_allclose(jacobian_products(step_jacobians(p, H))[0, 0, 0, 0], product)
    assert product < 0.8 ** 3
    out = bptt.backward(p, X, Y, weights=np.array([0.0, 0.0, 1.0]))
    g3 = (p["W_qh"].T @ out["dO"][2, 0])[0]
    np.testing.assert_allclose(out["dh0"][0, 0], product * g3)
    # and by finite differences of L_3 with respect to h_0
    eps = 1e-6

    def loss(h0):
        return bptt.bptt_grads(p, X, Y, h0=np.array([[h0]]), weights=np.array([0.0, 0.0, 1.0]))[0]
    np.testing.assert_allclose((loss(eps) - loss(-eps)) / (2 * eps), product * g3, rtol=1e-6)


def test_the_key_result_box_comes_first_and_holds_the_bound():
    text = _page("vanishing")
    box = text.index(":class: key-result")
    assert box < text.index("## Watching a gradient travel back in time")
    body = text[box:text.index("`````", box)]
    assert "(eq-vanishing-bound)" in body and "(eq-vanishing-conditions)" in body
    assert "the most $W_{hh}$ can stretch a vector" in body
    assert text.index("**Convention**") < box
    assert text.index("**You need:**") < box
    assert "## You should now be able to" in text


def test_source_mentions_stay_in_the_appendix():
    import re
    pattern = r"[Ss]ources? 00\d|00\d_[0-9a-f]{16}"
    assert len(re.findall(pattern, _page("vanishing"))) <= 5
    notes = _page("sources_vanishing")
    for label in ("three-paths", "sums", "linear", "pascanu", "weights", "causes"):
        assert f"(sec-sources-vanishing-{label})=" in notes
    for eq in ("three-paths", "d2l-chain", "linear", "weighted-paths"):
        assert f"(eq-vanishing-{eq})" in notes
    assert notes.count(":class: warning") >= 4


def test_hard_terms_are_defined_where_first_used():
    text = _page("vanishing")
    for term in ("submultiplicative", "Sylvester's formula", "Gelfand's formula"):
        first = text.index(term)
        assert text[first - 2:first] == "**", term           # bold where it is defined
    assert text.index("**normal**") < text.index("normal matri")
    assert text.index("the most $W_{hh}$ can stretch") < text.index("viz.main_explorable()")
    assert "The envelope in the right panel (optional)" in text


def test_timings_live_on_the_measured_page():
    assert "perf_counter" not in _page("vanishing")
    measured = _page("measured_vanishing")
    assert 'glue("vanishing-compute-ms"' in measured and 'glue("vanishing-update-ms"' in measured
