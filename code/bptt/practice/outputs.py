"""What each exercise returns, read into labelled arrays, with precise messages when it cannot be.

``flatten(name, raw, keys)`` turns a return value into {label: float64 array}, e.g.
{"loss": ..., "grads['W_hh']": ...}, or raises :class:`ContractError` naming what is wrong.
"""
import numbers
from collections.abc import Mapping

import numpy as np

from ..lstm import lstm_shapes
from ..params import elman_shapes

RETURNS = {"ordered_backward": "grad, an array of shape (N,)",
           "elman_bptt": "(loss, grads)", "truncated_bptt": "(loss, grads)",
           "lstm_bptt": "(loss, grads)", "rtrl_step": "(h, P, loss_t, grads_t)",
           "clip_global_norm": "(clipped, norm)"}
SCALARS = ("loss", "loss_t", "norm")
P_DIMS = {"W_hx": "(B, n, n, m)", "W_hh": "(B, n, n, n)", "b_h": "(B, n, n)"}


class ContractError(Exception):
    """The reader's function returned something of the wrong kind (the message says what)."""


def _kind(x):
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    kind = type(x).__name__
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def real_array(x, label):
    """``x`` as a float64 array, or ContractError."""
    try:
        arr = np.asarray(x)
    except Exception:                                # ragged lists and the like
        raise ContractError(f"your {label} is {_kind(x)}, not an array of numbers") from None
    if arr.dtype.kind == "O":
        raise ContractError(f"your {label} is {_kind(x)}, not an array of real numbers")
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise ContractError(f"your {label} is {_kind(x)} of dtype {arr.dtype}; it must hold "
                            "real numbers (float64)")
    return arr.astype(np.float64)


def scalar(x, label, hint):
    """One real number, or ContractError (``hint`` says what the number is)."""
    if isinstance(x, (bool, np.bool_)):
        raise ContractError(f"your {label} is a bool; it must be one number, {hint}")
    if isinstance(x, numbers.Real):
        return np.array(float(x))
    arr = real_array(x, label)
    if arr.shape != ():
        raise ContractError(f"your {label} has shape {arr.shape}; it must be one number, {hint}")
    return arr


def array_dict(d, label, keys):
    """A dict of arrays with exactly ``keys``, or ContractError."""
    if not isinstance(d, Mapping):
        raise ContractError(f"your {label} is {_kind(d)}; it must be a dict keyed "
                            f"{sorted(keys)}")
    missing = [k for k in keys if k not in d]
    extra = [k for k in d if k not in keys]
    if missing or extra:
        raise ContractError(f"your {label} must have exactly the keys {list(keys)}; "
                            f"missing {missing}, unexpected {extra}")
    return {f"{label}[{k!r}]": real_array(d[k], f"{label}[{k!r}]") for k in keys}


def tuple_of(raw, name, n):
    if not isinstance(raw, (tuple, list)) or len(raw) != n:
        length = f" of length {len(raw)}" if isinstance(raw, (tuple, list)) else ""
        raise ContractError(f"your function returned {_kind(raw)}{length}; it must return "
                            f"{RETURNS[name]}, a tuple of {n}")
    return raw


def flatten(name, raw, keys):
    """{label: array} of a return value of exercise ``name``; keys: the parameter names."""
    if name == "ordered_backward":
        return {"grad": real_array(raw, "grad")}
    if name == "rtrl_step":
        h, P, loss, grads = tuple_of(raw, name, 4)
        return {"h": real_array(h, "h"), **array_dict(P, "P", ("W_hx", "W_hh", "b_h")),
                "loss_t": scalar(loss, "loss_t", "ℓ_t summed over the batch"),
                **array_dict(grads, "grads_t", keys)}
    if name == "clip_global_norm":
        clipped, norm = tuple_of(raw, name, 2)
        return {**array_dict(clipped, "clipped", keys),
                "norm": scalar(norm, "norm", "the global norm before clipping")}
    loss, grads = tuple_of(raw, name, 2)
    return {"loss": scalar(loss, "loss", "the loss summed over batch and time"),
            **array_dict(grads, "grads", keys)}


def low_precision(raw):
    """True if a return value holds float32 or float16 arrays anywhere."""
    if isinstance(raw, Mapping):
        return any(low_precision(v) for v in raw.values())
    if isinstance(raw, (tuple, list)):
        return any(low_precision(v) for v in raw)
    return isinstance(raw, (np.ndarray, np.generic)) and raw.dtype in (np.float32, np.float16)


def spelled(name, label, dims):
    """How a label's shape is written, e.g. '(n, n)', from the problem's sizes."""
    if label in SCALARS:
        return "()"
    key = label.split("'")[1] if "'" in label else None
    if name == "ordered_backward":
        return "(N,)"
    if name == "clip_global_norm":
        return f"the shape of grads[{key!r}]"
    if label == "h":
        return "(B, n)"
    if label.startswith("P["):
        return P_DIMS[key]
    m, n, q = dims["m"], dims["n"], dims["q"]
    shapes = lstm_shapes(m, n, q) if name == "lstm_bptt" else elman_shapes(m, n, q)
    return shapes[key][1]
