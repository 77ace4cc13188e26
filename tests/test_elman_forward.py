"""forward(): shapes, the recurrence itself, and the initial state."""
import numpy as np
import pytest

import bptt
from conftest import make_problem


@pytest.mark.parametrize("T,B,m,n,q", [(1, 1, 1, 1, 1), (5, 3, 2, 4, 6), (7, 1, 5, 3, 2)])
def test_shapes_and_h0(rng, T, B, m, n, q):
    params, X, _ = make_problem(rng, T, B, m, n, q)
    H, O = bptt.forward(params, X)
    assert H.shape == (T + 1, B, n) and O.shape == (T, B, q)
    assert H.dtype == np.float64 and O.dtype == np.float64
    assert np.all(H[0] == 0)
    h0 = rng.normal(size=(B, n))
    H2, _ = bptt.forward(params, X, h0=h0)
    np.testing.assert_array_equal(H2[0], h0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_recurrence_one_sequence_at_a_time(rng, activation):
    """Each batch column follows z_t = W_hx x_t + W_hh h_{t-1} + b_h, h_t = f(z_t), o_t = W_qh h_t + b_q."""
    params, X, _ = make_problem(rng, 6, 3, 2, 4, 5)
    H, O = bptt.forward(params, X, activation=activation)
    f = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
         "identity": lambda z: z}[activation]
    for b in range(3):
        h = np.zeros(4)
        for t in range(6):
            h = f(params["W_hx"] @ X[t, b] + params["W_hh"] @ h + params["b_h"])
            np.testing.assert_allclose(H[t + 1, b], h, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(O[t, b], params["W_qh"] @ h + params["b_q"], rtol=1e-12, atol=1e-14)


def test_init_params_contract():
    p = bptt.init_params(3, 5, 2, seed=1)
    assert {k: v.shape for k, v in p.items()} == {"W_hx": (5, 3), "W_hh": (5, 5), "b_h": (5,), "W_qh": (2, 5),
                                                   "b_q": (2,)}
    assert all(v.dtype == np.float64 for v in p.values())
    q = bptt.init_params(3, 5, 2, seed=1)
    assert all(np.array_equal(p[k], q[k]) for k in p), "same seed, same parameters"
    r = bptt.init_params(3, 5, 2, seed=2)
    assert not np.array_equal(p["W_hh"], r["W_hh"])


@pytest.mark.parametrize("init", ["normal", "orthogonal", "identity"])
def test_init_spectral_radius_and_singular_value(init):
    p = bptt.init_params(2, 6, 2, seed=3, init=init, spectral_radius=1.3)
    assert np.max(np.abs(np.linalg.eigvals(p["W_hh"]))) == pytest.approx(1.3, rel=1e-10)
    p = bptt.init_params(2, 6, 2, seed=3, init=init, singular_value=0.7)
    assert np.linalg.svd(p["W_hh"], compute_uv=False)[0] == pytest.approx(0.7, rel=1e-10)


def test_orthogonal_init_is_orthogonal():
    W = bptt.init_params(2, 7, 2, seed=4, init="orthogonal")["W_hh"]
    np.testing.assert_allclose(W.T @ W, np.eye(7), atol=1e-12)
