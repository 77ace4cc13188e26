"""Library edges found with bad input (issue 11, section E).

Every case raises a clear error that names the argument and what was expected; a forward pass
that leaves the float64 range says at which step, instead of returning a silent NaN.
"""
import numpy as np
import pytest

import bptt
from bptt.params import recurrent_matrix, spectral_radius


def raises(error, words, fn, *args, **kw):
    """Call fn, expect ``error``, and check that the message contains every word of ``words``."""
    with pytest.raises(error) as info:
        fn(*args, **kw)
    for word in words:
        assert word in str(info.value), f"message {str(info.value)!r} should mention {word!r}"
    return info.value


O = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]])   # (B, q) = (2, 3) logits


# -- losses --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [bptt.cross_entropy, bptt.softmax_cross_entropy])
@pytest.mark.parametrize("Y,error,words", [
    (np.array([0, -1]), ValueError, ["Y", "0..2", "-1"]),        # today: silently the last class
    (np.array([0, 3]), ValueError, ["Y", "0..2", "3"]),          # today: a bare IndexError
    (np.array([0.0, 1.0]), TypeError, ["Y", "integer"]),
    (np.array([0, 1, 2]), ValueError, ["Y", "shape", "(2,)", "(3,)"]),
    (np.array([[0], [1]]), ValueError, ["Y", "shape", "(2,)", "(2, 1)"]),
])
def test_losses_refuse_bad_targets(loss, Y, error, words):
    raises(error, words, loss, O, Y)


@pytest.mark.parametrize("loss", [bptt.cross_entropy, bptt.softmax_cross_entropy])
def test_losses_still_pick_the_target_class(loss):
    Y = np.array([2, 0])
    logp = O - np.log(np.exp(O).sum(axis=1, keepdims=True))       # log softmax, written out
    out = loss(O, Y)
    ell = out[0] if isinstance(out, tuple) else out
    np.testing.assert_allclose(ell, [-logp[0, 2], -logp[1, 0]], rtol=1e-14)


def test_one_hot_refuses_a_negative_class():
    raises(ValueError, ["Y", "0..2"], bptt.one_hot, np.array([0, -1]), 3)


@pytest.mark.parametrize("fn", [bptt.softmax, bptt.log_softmax,
                                lambda O: bptt.cross_entropy(O, np.array([0, 1]))])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_softmax_of_nan_or_inf_names_the_logits(fn, bad):
    logits = O.copy()
    logits[1, 1] = bad
    raises(ValueError, ["O", "NaN"], fn, logits)


def test_softmax_passes_nan_through_when_the_caller_ignores_floating_point_errors():
    logits = O.copy()
    logits[1, 1] = np.nan
    with np.errstate(over="ignore", invalid="ignore"):      # figures that mark overflow do this
        out = bptt.softmax(logits)
    assert np.all(np.isnan(out[1])) and np.allclose(out[0].sum(), 1.0)


# -- optimiser helpers ---------------------------------------------------------------------------------

@pytest.fixture
def pg():
    params = bptt.init_params(2, 3, 2, seed=0)
    grads = {k: np.ones_like(v) for k, v in params.items()}
    return params, grads


@pytest.mark.parametrize("lr", [np.nan, -0.1, np.inf, 0.0])
def test_sgd_step_refuses_a_bad_learning_rate(pg, lr):
    raises(ValueError, ["lr", "> 0"], bptt.sgd_step, *pg, lr)


def test_sgd_step_refuses_a_non_number_learning_rate(pg):
    raises(TypeError, ["lr", "number"], bptt.sgd_step, *pg, "0.1")


def test_sgd_step_names_a_grads_entry_of_the_wrong_shape(pg):
    params, grads = pg
    grads["W_hh"] = np.ones((3, 2))
    raises(ValueError, ["grads['W_hh']", "(3, 3)", "(3, 2)"], bptt.sgd_step, params, grads, 0.1)
    grads["W_hh"] = np.ones(3)                           # would broadcast silently over the rows
    raises(ValueError, ["grads['W_hh']", "(3, 3)", "(3,)"], bptt.sgd_step, params, grads, 0.1)


def test_sgd_step_names_a_missing_grads_entry(pg):
    params, grads = pg
    del grads["b_q"]
    raises(ValueError, ["grads", "b_q"], bptt.sgd_step, params, grads, 0.1)


def test_sgd_step_refuses_non_dicts(pg):
    params, grads = pg
    raises(TypeError, ["grads", "dict"], bptt.sgd_step, params, list(grads.values()), 0.1)


def test_sgd_step_is_still_theta_minus_lr_g(pg):
    params, grads = pg
    new = bptt.sgd_step(params, grads, 0.25)
    for k in params:
        np.testing.assert_array_equal(new[k], params[k] - 0.25)


def test_global_norm_accepts_a_list_a_tuple_a_generator_and_a_dict():
    arrays = [np.array([3.0, 0.0]), np.array([[4.0]]), np.array(12.0)]   # sqrt(9 + 16 + 144) = 13
    assert bptt.global_norm(arrays) == 13.0
    assert bptt.global_norm(tuple(arrays)) == 13.0
    assert bptt.global_norm(a for a in arrays) == 13.0
    assert bptt.global_norm(dict(zip("abc", arrays))) == 13.0


def test_global_norm_refuses_what_is_not_arrays():
    raises(TypeError, ["grads", "arrays"], bptt.global_norm, 3.0)
    raises(TypeError, ["grads", "real numbers"], bptt.global_norm, [np.array(["a"])])


def test_global_norm_does_not_overflow_for_large_finite_gradients():
    # ‖(3e200, 4e200)‖ = 5e200 although the squares 9e400 are beyond float64
    assert bptt.global_norm({"a": np.array([3e200, 4e200])}) == pytest.approx(5e200, rel=1e-15)


# -- recurrent matrices ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n,error", [(-1, ValueError), (0, ValueError), (2.5, TypeError)])
def test_recurrent_matrix_refuses_a_bad_size(n, error):
    raises(error, ["n", ">= 1"], recurrent_matrix, n)


def test_spectral_radius_refuses_a_non_square_matrix():
    raises(ValueError, ["A", "square", "(2, 3)"], spectral_radius, np.ones((2, 3)))
    raises(ValueError, ["A", "2 dimensions"], spectral_radius, np.ones(3))


def test_spectral_radius_is_still_the_largest_eigenvalue_modulus():
    assert spectral_radius(np.array([[0.0, -2.0], [2.0, 0.0]])) == pytest.approx(2.0)   # eigenvalues ±2i


# -- the gradient checker -------------------------------------------------------------------------------

def zeros(p):
    return {k: np.zeros_like(v) for k, v in p.items()}


@pytest.mark.parametrize("bad,error,words", [
    (lambda p: None, TypeError, ["loss_and_grads", "(loss, grads)", "None"]),
    (lambda p: 1.0, TypeError, ["loss_and_grads", "(loss, grads)", "float"]),
    (lambda p: (1.0, 2.0), TypeError, ["loss_and_grads", "grads", "dict"]),
    (lambda p: ("a", zeros(p)), TypeError, ["loss_and_grads", "loss", "number"]),
    (lambda p: (1.0, {**zeros(p), "W_hh": np.zeros(2)}), ValueError,
     ["grads['W_hh']", "(2, 2)", "(2,)"]),
])
def test_check_grads_says_what_loss_and_grads_must_return(bad, error, words):
    params = bptt.init_params(1, 2, 2, seed=0)
    raises(error, words, bptt.check_grads, bad, params)


# -- the forward pass leaving the float range -----------------------------------------------------------

def first_nonfinite_step(params, X):
    """The first t whose state h_t (identity activation) is not finite, recomputed column by column."""
    h = np.zeros((params["W_hh"].shape[0], X.shape[1]))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, len(X) + 1):
            h = params["W_hx"] @ X[t - 1].T + params["W_hh"] @ h + params["b_h"][:, None]
            if not np.all(np.isfinite(h)):
                return t
    return None


@pytest.fixture
def exploding():
    """Identity activation, spectral radius 5, T = 1000: the state leaves float64 after a few hundred steps."""
    params = bptt.init_params(2, 4, 2, seed=0, spectral_radius=5.0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3, 2))
    Y = rng.integers(0, 2, size=(1000, 3))
    return params, X, Y


@pytest.mark.parametrize("call", [
    lambda p, X, Y: bptt.forward(p, X, activation="identity"),
    lambda p, X, Y: bptt.bptt_grads(p, X, Y, activation="identity"),
    lambda p, X, Y: bptt.backward(p, X, Y, activation="identity"),
])
def test_overflowing_forward_pass_names_the_first_bad_step(exploding, call):
    t_bad = first_nonfinite_step(*exploding[:2])
    assert t_bad is not None and 100 < t_bad < 1000          # the setting really overflows
    err = raises(FloatingPointError, [f"t = {t_bad}", "h_t", "spectral radius", "tanh", "clip"],
                 call, *exploding)                            # no numpy RuntimeWarning escapes first
    assert isinstance(err, ValueError)                        # also a ValueError: bad settings


def test_overflowing_outputs_name_o_t():
    params = bptt.init_params(1, 3, 2, seed=0)
    params["W_hx"][:] = 1.0
    params["W_qh"][:] = 1e308                                 # o_t = W_qh h_t + b_q with h_t >= 10
    X = np.full((4, 2, 1), 10.0)
    raises(FloatingPointError, ["o_t", "t = 1"], bptt.forward, params, X, activation="relu")


def test_overflow_is_returned_as_inf_or_nan_inside_errstate_ignore(exploding):
    """Figures that mark overflow (bptt.jacobians.lag_norms, bptt.divergence.train_sgd) ask numpy to ignore it."""
    params, X, Y = exploding
    t_bad = first_nonfinite_step(params, X)
    with np.errstate(over="ignore", invalid="ignore"):
        H, _ = bptt.forward(params, X, activation="identity")
        loss, _ = bptt.bptt_grads(params, X, Y, activation="identity")
    finite = np.all(np.isfinite(H), axis=(1, 2))
    assert finite[:t_bad].all() and not finite[t_bad:].any()
    assert not np.isfinite(loss)


def test_a_finite_forward_pass_is_unchanged(exploding):
    params, X, _ = exploding
    H, O = bptt.forward(params, X[:50], activation="identity")
    h = np.zeros((3, 4))
    for t in range(1, 51):
        h = X[t - 1] @ params["W_hx"].T + h @ params["W_hh"].T + params["b_h"]
        np.testing.assert_allclose(H[t], h, rtol=1e-12)


def test_overflowing_backward_pass_names_the_step(exploding):
    """T = 442: every h_t is finite (checked below) but ∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ overflows."""
    params, X, Y = exploding
    assert first_nonfinite_step(params, X[:442]) is None
    raises(FloatingPointError, ["grads", "not finite"], bptt.bptt_grads, params, X[:442], Y[:442],
           activation="identity")
