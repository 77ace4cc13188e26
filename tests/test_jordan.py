"""The Jordan network: its forward pass is the model, its BPTT gradients match finite differences."""
import numpy as np
import pytest
import sympy as sp

import bptt
from bptt.jordan import jordan_backward, jordan_forward, jordan_grads, jordan_init_params
from bptt.sym import elman as se

ACTIVATIONS = ["tanh", "relu", "sigmoid", "identity"]
F = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
     "identity": lambda z: z}
DF = {"tanh": lambda z: 1 - np.tanh(z) ** 2, "relu": lambda z: (z > 0).astype(float),
      "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "identity": np.ones_like}


def jordan_problem(rng, T, B, m, n, q, weighted=False, with_y0=True):
    params = jordan_init_params(m, n, q, seed=int(rng.integers(1 << 31)))
    params["b_h"] = rng.normal(scale=0.1, size=n)
    params["b_q"] = rng.normal(scale=0.1, size=q)
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    y0 = rng.dirichlet(np.ones(q), size=B) if with_y0 else None
    w = rng.uniform(0.1, 1.0, size=T) if weighted else None
    return params, X, Y, y0, w


def softmax_col(o):
    e = np.exp(o - o.max())
    return e / e.sum()


def columns_jordan(p, x, y0, act):
    """One sequence, the equations literally: lists z, h, o, ŷ indexed by step (ŷ[0] = y0)."""
    z, h, o, y = [None], [None], [None], [y0]
    for t in range(1, x.shape[0] + 1):
        z.append(p["W_hx"] @ x[t - 1] + p["W_hq"] @ y[t - 1] + p["b_h"])
        h.append(F[act](z[t]))
        o.append(p["W_qh"] @ h[t] + p["b_q"])
        y.append(softmax_col(o[t]))
    return z, h, o, y


@pytest.mark.formula("eq-jordan", "eq-bptt-elman-jordan-model")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("with_y0", [False, True])
def test_forward_is_the_jordan_model_step_by_step(rng, activation, with_y0):
    params, X, Y, y0, _ = jordan_problem(rng, 5, 3, 2, 4, 3, with_y0=with_y0)
    H, O = jordan_forward(params, X, y0, activation)
    assert H.shape == (6, 3, 4) and O.shape == (5, 3, 3)
    assert not np.any(H[0])
    for b in range(3):
        start = np.zeros(3) if y0 is None else y0[b]
        z, h, o, _ = columns_jordan(params, X[:, b], start, activation)
        for t in range(1, 6):
            np.testing.assert_allclose(H[t, b], h[t], rtol=1e-13, atol=1e-14)
            np.testing.assert_allclose(O[t - 1, b], o[t], rtol=1e-13, atol=1e-14)


@pytest.mark.formula("eq-bptt-elman-jordan-do", "eq-bptt-elman-jordan-grads")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", [(1, 1, 1, 1, 2), (1, 3, 2, 3, 3), (5, 1, 2, 3, 4), (7, 2, 3, 4, 3)])
def test_jordan_grads_match_finite_differences(rng, activation, weighted, T, B, m, n, q):
    params, X, Y, y0, w = jordan_problem(rng, T, B, m, n, q, weighted, with_y0=(T % 2 == 1))
    bptt.check_grads(lambda p: jordan_grads(p, X, Y, y0, activation, w), params)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient_of_y0(rng, activation):
    params, X, Y, y0, w = jordan_problem(rng, 5, 2, 2, 3, 3, weighted=True)
    out = jordan_backward(params, X, Y, y0, activation, w)
    bptt.check_grads(lambda d: (jordan_grads(params, X, Y, d["y0"], activation, w)[0], {"y0": out["dy0"]}),
                     {"y0": y0})


@pytest.mark.formula("eq-bptt-elman-jordan-do")
def test_jordan_recursion_written_per_example(rng):
    """dO_t = w_t(ŷ_t − y_t) + (diag(ŷ_t) − ŷ_t ŷ_tᵀ) W_hqᵀ δ_{t+1}, δ_t = f'(z_t) ⊙ W_qhᵀ dO_t, with explicit matrices."""
    params, X, Y, y0, w = jordan_problem(rng, 6, 2, 2, 3, 4, weighted=True)
    out = jordan_backward(params, X, Y, y0, "tanh", w)
    for b in range(2):
        z, h, o, y = columns_jordan(params, X[:, b], y0[b], "tanh")
        nxt = np.zeros(3)
        for t in range(6, 0, -1):
            J = np.diag(y[t]) - np.outer(y[t], y[t])
            dO = w[t - 1] * (y[t] - np.eye(4)[Y[t - 1, b]]) + J @ params["W_hq"].T @ nxt
            delta = DF["tanh"](z[t]) * (params["W_qh"].T @ dO)
            np.testing.assert_allclose(out["dO"][t - 1, b], dO, rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(out["delta"][t - 1, b], delta, rtol=1e-10, atol=1e-13)
            nxt = delta


@pytest.mark.formula("eq-bptt-elman-jordan-grads")
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_jordan_gradients_as_displayed(rng, activation):
    """Every line of eq-bptt-elman-jordan-grads per example with columns (∂⁺L/∂ŷ_0 and the five sums,
    W_hq included), against the library and entry-by-entry finite differences; m, n, q all different."""
    T, B, m, n, q = 5, 2, 2, 3, 4
    params, X, Y, y0, w = jordan_problem(rng, T, B, m, n, q, weighted=True)
    shown = {k: np.zeros_like(v) for k, v in params.items()}
    dy0 = np.zeros_like(y0)
    for b in range(B):
        z, h, o, y = columns_jordan(params, X[:, b], y0[b], activation)
        dO, delta, nxt = [None] * (T + 1), [None] * (T + 2), np.zeros(n)
        for t in range(T, 0, -1):
            J = np.diag(y[t]) - np.outer(y[t], y[t])
            dO[t] = w[t - 1] * (y[t] - np.eye(q)[Y[t - 1, b]]) + J @ params["W_hq"].T @ nxt     # ∂⁺L/∂o_t
            delta[t] = DF[activation](z[t]) * (params["W_qh"].T @ dO[t])
            nxt = delta[t]
        dy0[b] = params["W_hq"].T @ delta[1]                                                  # ∂⁺L/∂ŷ_0
        for t in range(1, T + 1):
            shown["W_hx"] += np.outer(delta[t], X[t - 1, b])
            shown["W_hq"] += np.outer(delta[t], y[t - 1])
            shown["b_h"] += delta[t]
            shown["W_qh"] += np.outer(dO[t], h[t])
            shown["b_q"] += dO[t]
    out = jordan_backward(params, X, Y, y0, activation, w)
    fd = bptt.numeric_grads(lambda p: jordan_grads(p, X, Y, y0, activation, w)[0], params)
    assert set(shown) == {"W_hx", "W_hq", "b_h", "W_qh", "b_q"}
    for key in shown:
        np.testing.assert_allclose(shown[key], out["grads"][key], rtol=1e-10, atol=1e-13, err_msg=key)
        np.testing.assert_allclose(shown[key], fd[key], rtol=1e-5, atol=1e-8, err_msg=key)
    np.testing.assert_allclose(dy0, out["dy0"], rtol=1e-10, atol=1e-13)


@pytest.mark.formula("eq-bptt-elman-softmax-jacobian")
@pytest.mark.parametrize("q", [2, 3])
def test_softmax_jacobian(q):
    J, formula = se.softmax_jacobian(q)
    assert sp.simplify(J - formula) == sp.zeros(q, q)
    assert formula.T == formula                       # symmetric: Jᵀ v = J v in the backward pass


def test_without_feedback_the_jordan_network_is_feedforward(rng):
    """W_hq = 0: no error flows back through the feedback, so the gradient is the sum of one-step gradients
    (each step fed the ŷ_{t-1} of the full run, which W_hq's gradient Σ_t δ_t ŷ_{t-1}ᵀ still needs)."""
    params, X, Y, y0, _ = jordan_problem(rng, 4, 2, 2, 3, 3)
    params["W_hq"] = np.zeros_like(params["W_hq"])
    loss, g = jordan_grads(params, X, Y, y0)
    _, O = jordan_forward(params, X, y0)
    fed = [y0] + [bptt.softmax(O[t]) for t in range(3)]          # ŷ_{t-1}, what step t is fed
    parts = [jordan_grads(params, X[t:t + 1], Y[t:t + 1], fed[t]) for t in range(4)]
    assert loss == pytest.approx(sum(p[0] for p in parts), rel=1e-12)
    for k in params:
        np.testing.assert_allclose(g[k], sum(p[1][k] for p in parts), rtol=1e-10, atol=1e-13)


def test_jordan_arguments_are_checked(rng):
    params, X, Y, y0, _ = jordan_problem(rng, 3, 2, 2, 3, 4)
    bad = dict(params, W_hq=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="W_hq"):
        jordan_forward(bad, X)
    with pytest.raises(ValueError, match="y0"):
        jordan_forward(params, X, y0=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="activation"):
        jordan_grads(params, X, Y, activation="gelu")
    with pytest.raises(ValueError, match="Y"):
        jordan_grads(params, X, Y[:2])
    with pytest.raises(ValueError, match="missing"):
        jordan_forward({k: v for k, v in params.items() if k != "b_q"}, X)
    with pytest.raises(TypeError, match="params"):
        jordan_forward("weights", X)
    with pytest.raises(ValueError, match="n_hidden"):
        jordan_init_params(2, 0, 3)
