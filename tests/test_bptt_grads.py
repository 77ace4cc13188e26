"""bptt_grads: finite-difference checks over activations, weights and shapes, and its contract."""
import numpy as np
import pytest

import bptt
from conftest import make_problem

SHAPES = [(1, 1, 1, 1, 1), (1, 3, 2, 4, 3), (4, 1, 3, 2, 5), (6, 2, 2, 3, 4), (9, 3, 4, 5, 2)]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_gradients_match_finite_differences(rng, activation, weighted, T, B, m, n, q):
    params, X, Y = make_problem(rng, T, B, m, n, q, spectral_radius=0.9)
    h0 = rng.normal(scale=0.5, size=(B, n))
    weights = rng.uniform(0.1, 1.0, size=T) if weighted else None
    bptt.check_grads(lambda p: bptt.bptt_grads(p, X, Y, h0=h0, activation=activation, weights=weights), params)


def test_loss_is_the_weighted_sum_of_cross_entropies(rng):
    params, X, Y = make_problem(rng, 5, 3, 2, 4, 3)
    w = np.array([0.1, 0.2, 0.3, 0.0, 2.0])
    loss, _ = bptt.bptt_grads(params, X, Y, weights=w)
    _, O = bptt.forward(params, X)
    expected = sum(w[t] * -np.log(np.exp(O[t, b, Y[t, b]]) / np.exp(O[t, b]).sum()) for t in range(5) for b in range(3))
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_grads_have_the_params_keys_and_shapes(rng):
    params, X, Y = make_problem(rng, 3, 2, 3, 4, 5)
    _, grads = bptt.bptt_grads(params, X, Y)
    assert set(grads) == set(params)
    assert all(grads[k].shape == params[k].shape and grads[k].dtype == np.float64 for k in params)


def test_gradient_of_h0(rng):
    params, X, Y = make_problem(rng, 5, 2, 3, 4, 3)
    h0 = rng.normal(size=(2, 4))
    out = bptt.backward(params, X, Y, h0=h0)
    num = bptt.numeric_grads(lambda d: bptt.bptt_grads(params, X, Y, h0=d["h0"])[0], {"h0": h0})["h0"]
    np.testing.assert_allclose(out["dh0"], num, rtol=1e-6, atol=1e-9)


def test_batch_is_a_sum_of_independent_sequences(rng):
    params, X, Y = make_problem(rng, 4, 3, 2, 3, 2)
    loss, grads = bptt.bptt_grads(params, X, Y)
    parts = [bptt.bptt_grads(params, X[:, b:b + 1], Y[:, b:b + 1]) for b in range(3)]
    assert loss == pytest.approx(sum(p[0] for p in parts), rel=1e-12)
    for k in params:
        np.testing.assert_allclose(grads[k], sum(p[1][k] for p in parts), rtol=1e-10, atol=1e-12)


def test_checker_catches_a_wrong_gradient(rng):
    """The gradient checker must be able to fail."""
    params, X, Y = make_problem(rng, 4, 2, 2, 3, 2)

    def wrong(p):
        loss, g = bptt.bptt_grads(p, X, Y)
        g["W_hh"] = g["W_hh"] * 1.001
        return loss, g

    with pytest.raises(AssertionError):
        bptt.check_grads(wrong, params)
