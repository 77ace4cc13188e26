"""Every documented bad input raises ValueError or TypeError naming the argument and what was expected."""
import numpy as np
import pytest

import bptt
from conftest import make_problem


@pytest.fixture
def problem(rng):
    return make_problem(rng, 4, 2, 3, 5, 6)


def call(problem, **kw):
    params, X, Y = problem
    args = {"params": params, "X": X, "Y": Y, **kw}
    return bptt.bptt_grads(args.pop("params"), args.pop("X"), args.pop("Y"), **args)


@pytest.mark.parametrize("change,error,words", [
    (lambda p, X, Y: dict(X=X[:, :, :2]), ValueError, ["X", "(T, B, m)", "m = 3"]),
    (lambda p, X, Y: dict(X=X[0]), ValueError, ["X", "3 dimensions"]),
    (lambda p, X, Y: dict(X=X[:0]), ValueError, ["X", "T = 0"]),
    (lambda p, X, Y: dict(X=np.where(X > 1, np.nan, X)), ValueError, ["X", "NaN"]),
    (lambda p, X, Y: dict(X=X.astype(str)), TypeError, ["X", "real numbers"]),
    (lambda p, X, Y: dict(Y=Y[:3]), ValueError, ["Y", "(T, B)", "(4, 2)"]),
    (lambda p, X, Y: dict(Y=Y + 6), ValueError, ["Y", "0..5"]),
    (lambda p, X, Y: dict(Y=-np.ones_like(Y)), ValueError, ["Y", "0..5"]),
    (lambda p, X, Y: dict(Y=Y.astype(float)), TypeError, ["Y", "integer"]),
    (lambda p, X, Y: dict(h0=np.zeros(5)), ValueError, ["h0", "2 dimensions"]),
    (lambda p, X, Y: dict(h0=np.zeros((3, 5))), ValueError, ["h0", "(B, n)", "(2, 5)"]),
    (lambda p, X, Y: dict(h0=np.full((2, 5), np.inf)), ValueError, ["h0", "infinite"]),
    (lambda p, X, Y: dict(activation="softplus"), ValueError, ["activation", "tanh", "softplus"]),
    (lambda p, X, Y: dict(weights=np.ones(3)), ValueError, ["weights", "(T,)", "(4,)"]),
    (lambda p, X, Y: dict(weights=np.ones((4, 1))), ValueError, ["weights", "1 dimensions"]),
    (lambda p, X, Y: dict(params={**p, "W_hh": p["W_hh"][:, :4]}), ValueError, ["W_hh", "(n, n)", "(5, 5)"]),
    (lambda p, X, Y: dict(params={**p, "b_h": p["b_h"][None]}), ValueError, ["b_h", "1 dimensions"]),
    (lambda p, X, Y: dict(params={k: v for k, v in p.items() if k != "b_q"}), ValueError, ["keys", "b_q"]),
    (lambda p, X, Y: dict(params={**p, "W_qh": p["W_qh"][:, :3]}), ValueError, ["W_qh", "(q, n)"]),
    (lambda p, X, Y: dict(params=[1, 2]), TypeError, ["params", "dict"]),
])
def test_bad_input_is_refused_with_a_clear_message(problem, change, error, words):
    with pytest.raises(error) as info:
        call(problem, **change(*problem))
    for word in words:
        assert word in str(info.value), f"message {str(info.value)!r} should mention {word!r}"


def test_forward_refuses_the_same_bad_inputs(problem):
    params, X, _ = problem
    with pytest.raises(ValueError, match="activation"):
        bptt.forward(params, X, activation="gelu")
    with pytest.raises(ValueError, match=r"X must have shape \(T, B, m\)"):
        bptt.forward(params, X[:, :, 1:])


@pytest.mark.parametrize("kw,error,word", [
    (dict(n_in=0, n_hidden=2, n_out=2), ValueError, "n_in"),
    (dict(n_in=2, n_hidden=2.5, n_out=2), TypeError, "n_hidden"),
    (dict(n_in=2, n_hidden=2, n_out=2, init="xavier"), ValueError, "init"),
    (dict(n_in=2, n_hidden=2, n_out=2, spectral_radius=-1.0), ValueError, "spectral_radius"),
    (dict(n_in=2, n_hidden=2, n_out=2, spectral_radius=1.0, singular_value=1.0), ValueError, "at most one"),
])
def test_init_params_refuses_bad_arguments(kw, error, word):
    with pytest.raises(error, match=word):
        bptt.init_params(**kw)


def test_inputs_are_not_modified(problem):
    params, X, Y = problem
    before = {k: v.copy() for k, v in params.items()}, X.copy(), Y.copy()
    call(problem, weights=np.ones(4))
    assert all(np.array_equal(params[k], before[0][k]) for k in params)
    assert np.array_equal(X, before[1]) and np.array_equal(Y, before[2])
