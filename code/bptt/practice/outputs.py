"""What each exercise returns, read into labelled arrays, with precise messages when it cannot be.

``flatten(name, raw, keys)`` turns a return value into {label: float64 array}, e.g.
{"loss": ..., "grads['W_hh']": ...}, or raises :class:`ContractError` naming what is wrong.
"""
import numbers
from collections.abc import Mapping

import numpy as np

from ..i18n import t
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


def returns(name):
    """What exercise ``name`` returns (RETURNS), in the current language."""
    if name == "ordered_backward":
        return t("grad, an array of shape (N,)")
    return RETURNS[name]


def _kind(x):
    if isinstance(x, np.ndarray):
        return t("an array of shape {shape}").format(shape=x.shape)
    kind = type(x).__name__
    return (t("an {kind}") if kind[0] in "aeiou" else t("a {kind}")).format(kind=kind)


def _what(label):
    """What the one number ``label`` is."""
    if label == "loss_t":
        return t("ℓ_t summed over the batch")
    if label == "norm":
        return t("the global norm before clipping")
    return t("the loss summed over batch and time")


def real_array(x, label):
    """``x`` as a float64 array, or ContractError."""
    try:
        arr = np.asarray(x)
    except Exception:                                # ragged lists and the like
        raise ContractError(t("your {label} is {kind}, not an array of numbers").format(
            label=label, kind=_kind(x))) from None
    if arr.dtype.kind == "O":
        raise ContractError(t("your {label} is {kind}, not an array of real numbers").format(
            label=label, kind=_kind(x)))
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise ContractError(t("your {label} is {kind} of dtype {dtype}; it must hold "
                              "real numbers (float64)").format(label=label, kind=_kind(x),
                                                               dtype=arr.dtype))
    return arr.astype(np.float64)


def scalar(x, label):
    """One real number, or ContractError (saying what the number is)."""
    if isinstance(x, (bool, np.bool_)):
        raise ContractError(t("your {label} is a bool; it must be one number, {what}").format(
            label=label, what=_what(label)))
    if isinstance(x, numbers.Real):
        return np.array(float(x))
    arr = real_array(x, label)
    if arr.shape != ():
        raise ContractError(t("your {label} has shape {shape}; it must be one number, {what}")
                            .format(label=label, shape=arr.shape, what=_what(label)))
    return arr


def array_dict(d, label, keys):
    """A dict of arrays with exactly ``keys``, or ContractError."""
    if not isinstance(d, Mapping):
        raise ContractError(t("your {label} is {kind}; it must be a dict keyed {keys}").format(
            label=label, kind=_kind(d), keys=sorted(keys)))
    missing = [k for k in keys if k not in d]
    extra = [k for k in d if k not in keys]
    if missing or extra:
        raise ContractError(t("your {label} must have exactly the keys {keys}; "
                              "missing {missing}, unexpected {extra}").format(
                                  label=label, keys=list(keys), missing=missing, extra=extra))
    return {f"{label}[{k!r}]": real_array(d[k], f"{label}[{k!r}]") for k in keys}


def tuple_of(raw, name, n):
    if not isinstance(raw, (tuple, list)) or len(raw) != n:
        if isinstance(raw, (tuple, list)):
            got = t("{kind} of length {n}").format(kind=_kind(raw), n=len(raw))
        else:
            got = _kind(raw)
        raise ContractError(t("your function returned {got}; it must return "
                              "{returns}, a tuple of {n}").format(got=got, returns=returns(name), n=n))
    return raw


def flatten(name, raw, keys):
    """{label: array} of a return value of exercise ``name``; keys: the parameter names."""
    if name == "ordered_backward":
        return {"grad": real_array(raw, "grad")}
    if name == "rtrl_step":
        h, P, loss, grads = tuple_of(raw, name, 4)
        return {"h": real_array(h, "h"), **array_dict(P, "P", ("W_hx", "W_hh", "b_h")),
                "loss_t": scalar(loss, "loss_t"),
                **array_dict(grads, "grads_t", keys)}
    if name == "clip_global_norm":
        clipped, norm = tuple_of(raw, name, 2)
        return {**array_dict(clipped, "clipped", keys),
                "norm": scalar(norm, "norm")}
    loss, grads = tuple_of(raw, name, 2)
    return {"loss": scalar(loss, "loss"),
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
        return t("the shape of grads[{key}]").format(key=repr(key))
    if label == "h":
        return "(B, n)"
    if label.startswith("P["):
        return P_DIMS[key]
    m, n, q = dims["m"], dims["n"], dims["q"]
    shapes = lstm_shapes(m, n, q) if name == "lstm_bptt" else elman_shapes(m, n, q)
    return shapes[key][1]
