"""Argument checks shared by every routine: clear errors that name the argument and what was expected.

Nothing is silently broadcast: an argument either has exactly the documented shape or is refused.

Non-finite results follow numpy's error state. By default (numpy's "warn") a routine whose
result leaves the float64 range raises :class:`FloatRangeError` saying where; a caller that
asks for overflow to pass quietly, ``with np.errstate(over="ignore", invalid="ignore"):`` (as
the figures that mark overflow do), gets the inf and NaN back instead.
"""
import numbers

import numpy as np


class FloatRangeError(FloatingPointError, ValueError):
    """A computation left the float64 range (inf or NaN); the message says where and what to change."""


def nonfinite_ignored():
    """True when the caller has told numpy to ignore overflow or invalid results (np.errstate)."""
    err = np.geterr()
    return err["over"] == "ignore" or err["invalid"] == "ignore"


def first_nonfinite(A):
    """Index along axis 0 of the first slice of ``A`` holding inf or NaN, or None if all are finite."""
    if np.isfinite(A).all():                      # the common case, one pass
        return None
    return int(np.argmax(~np.isfinite(A).reshape(len(A), -1).all(axis=1)))


def as_real_array(x, name, ndim=None):
    """``x`` as a float64 array, refusing non-numeric input, a wrong rank and NaN or inf."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    # min and max carry NaN and ±inf: no full-size temporary (checkpointed BPTT counts its bytes)
    if arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def expect_shape(arr, shape, name, dims):
    """Raise ValueError unless ``arr.shape == shape``; ``dims`` spells the shape, e.g. '(n, m)'."""
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {dims} = {tuple(shape)}, got {arr.shape}")


def check_params(params, shapes):
    """Check a parameter dict against ``shapes``: {key: (shape tuple, 'spelled shape')}.

    Returns a new dict of float64 arrays with exactly those keys.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict with keys {sorted(shapes)}, got {type(params).__name__}")
    missing = sorted(set(shapes) - set(params))
    extra = sorted(set(params) - set(shapes))
    if missing or extra:
        raise ValueError(f"params must have exactly the keys {sorted(shapes)}; missing {missing}, unexpected {extra}")
    out = {}
    for key, (shape, dims) in shapes.items():
        out[key] = as_real_array(params[key], f"params[{key!r}]", ndim=len(shape))
        expect_shape(out[key], shape, f"params[{key!r}]", dims)
    return out


def check_inputs(X, m):
    """Input sequence X: (T, B, m) with T >= 1 and B >= 1; returns it as float64."""
    X = as_real_array(X, "X", ndim=3)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one time step: shape (T, B, m) with T >= 1, got T = 0")
    if X.shape[1] == 0:
        raise ValueError("X must hold at least one sequence: shape (T, B, m) with B >= 1, got B = 0")
    if X.shape[2] != m:
        raise ValueError(f"X must have shape (T, B, m) with m = {m} (the columns of W_hx), got {X.shape}")
    return X


def check_targets(Y, T, B, q):
    """Integer class targets Y: (T, B) with values in 0..q-1."""
    return check_class_indices(Y, (T, B), q, "Y", "(T, B)")


def check_class_indices(Y, shape, q, name="Y", dims=None):
    """Integer class indices of the given shape with values in 0..q-1 (−1 is refused, not the last class).

    ``shape`` None accepts any shape; ``dims`` spells the shape in the message, e.g. '(T, B)'.
    Returns Y as an intp array.
    """
    Y = np.asarray(Y)
    if Y.dtype.kind not in "iu":                  # signed or unsigned integers; bool is kind "b"
        raise TypeError(f"{name} must hold integer class indices in 0..{q - 1}, got dtype {Y.dtype}")
    if shape is not None and Y.shape != tuple(shape):
        spelled = f"{dims} = {tuple(shape)}" if dims else f"{tuple(shape)}"
        raise ValueError(f"{name} must have shape {spelled}, got {Y.shape}")
    if Y.size and (Y.min() < 0 or Y.max() >= q):
        raise ValueError(f"{name} must hold class indices in 0..{q - 1} (q = {q} outputs), "
                         f"got values in {Y.min()}..{Y.max()}")
    return Y.astype(np.intp, copy=False)


def check_state(h0, B, n, name="h0"):
    """Initial state: None (zeros) or an array of shape (B, n)."""
    if h0 is None:
        return np.zeros((B, n))
    h0 = as_real_array(h0, name, ndim=2)
    expect_shape(h0, (B, n), name, "(B, n)")
    return h0


def check_weights(weights, T):
    """Per-step loss weights w_t: None (all ones) or a finite array of shape (T,)."""
    if weights is None:
        return np.ones(T)
    w = as_real_array(weights, "weights", ndim=1)
    if w.shape != (T,):
        raise ValueError(f"weights must have shape (T,) = ({T},), one w_t per time step, got {w.shape}")
    return w


def check_positive_number(value, name):
    """A finite real number > 0 (bools and strings refused), returned as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number > 0, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_positive_int(value, name, minimum=1):
    """An integer >= ``minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_backward_range(loss, delta, grads):
    """Raise FloatRangeError if the backward pass overflowed although the forward pass stayed finite.

    delta: (T, B, n) with delta[t-1] = δ_t; grads: dict of arrays. The sweep runs from t = T down,
    so the message names the last step t whose δ_t is not finite (where it first went wrong).
    Call it only when :func:`nonfinite_ignored` was False before the computation.
    """
    bad = ~np.isfinite(delta).reshape(len(delta), -1).all(axis=1)
    if bad.any():
        t = len(delta) - int(np.argmax(bad[::-1]))
        raise FloatRangeError(
            f"the backward pass left the float64 range: δ_t is not finite from step t = {t} back to "
            "t = 1 although every h_t is finite; use a smaller spectral radius of W_hh, a bounded "
            "activation such as 'tanh', or fewer steps, or call inside np.errstate(over='ignore', "
            "invalid='ignore') to get the inf/NaN back.")
    for k, g in grads.items():
        if not np.isfinite(g).all():
            raise FloatRangeError(
                f"the gradient grads[{k!r}] is not finite although every h_t and δ_t is: the sum over "
                "t overflowed float64; use a smaller spectral radius of W_hh or fewer steps, or call "
                "inside np.errstate(over='ignore', invalid='ignore') to get the inf/NaN back.")
    if not np.isfinite(loss):
        raise FloatRangeError(f"the loss is {loss!r}: the sum of the per-step losses overflowed float64")
