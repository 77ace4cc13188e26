"""Calling the reader's function safely: fresh copies, exceptions caught and explained."""
import copy
import os
import traceback
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..i18n import columns, t

_BPTT = str(Path(__file__).resolve().parents[1])
_NUMPY = str(Path(np.__file__).resolve().parent)

CALLS = {"ordered_backward": "ordered_backward(A, e)",
         "elman_bptt": "elman_bptt(params, X, Y, h0)",
         "rtrl_step": "rtrl_step(params, h_prev, P_prev, x, y)",
         "truncated_bptt": "truncated_bptt(params, X, Y, tau, h0)",
         "clip_global_norm": "clip_global_norm(grads, max_norm)",
         "lstm_bptt": "lstm_bptt(params, X, Y, h0, c0)"}
ARGS = {name: call[call.index("(") + 1:-1].split(", ") for name, call in CALLS.items()}


def joined(first, second):
    """Two sentences, one after the other (a space after an English one, none after a Chinese one)."""
    return first + ("" if columns(first[-1:] or " ") == 2 else " ") + second


def rows():
    """How the book's vectors are laid out in code."""
    return t("Code uses rows: x_t is X[t-1], shape (B, m), so W_hx x_t is "
             "X[t-1] @ W_hx.T; h_t is H[t], shape (B, n), with H[0] = h_0.")


def shape_hint(name):
    """What to know about the shapes of exercise ``name``."""
    if name == "ordered_backward":
        return t("A[j, i] = ∂z_j/∂z_i is (N, N) and e is (N,); "
                 "the column A[i+1:, i] holds the edges leaving z_i.")
    if name == "clip_global_norm":
        return t("grads is a dict of arrays of different shapes; "
                 "sum the squares of each tensor, then add.")
    if name == "rtrl_step":
        return joined(rows(), t("P['W_hx'] is (B, n, n, m): P[b, a, i, j] = "
                                "∂h_{t,a}/∂(W_hx)_ij; np.einsum helps."))
    return rows()


class Outcome(NamedTuple):
    """A call's return value, or the exception it raised, and the inputs it changed."""

    value: object
    error: object
    changed: list


def _snapshot(x):
    return copy.deepcopy(x)


def _changed(before, after, label):
    """Labels of the parts of ``after`` that differ from ``before``."""
    if isinstance(before, dict):
        out = []
        for k in before:
            if not isinstance(after, dict) or k not in after:
                out.append(f"{label} (key {k!r} removed)")
            else:
                out += _changed(before[k], after[k], f"{label}[{k!r}]")
        return out
    if isinstance(before, np.ndarray):
        same = (isinstance(after, np.ndarray) and after.shape == before.shape
                and np.array_equal(after, before, equal_nan=True))
        return [] if same else [label]
    return []


def call(name, fn, args):
    """Run fn(*copies of args) quietly; report what it returned, raised and changed."""
    mine = _snapshot(args)
    value, error = None, None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = fn(*mine)
        except Exception as exc:          # the reader's exception is the finding
            error = exc
    changed = []
    for arg, before, after in zip(ARGS[name], args, mine):
        changed += _changed(before, after, arg)
    return Outcome(value, error, changed)


def _where(filename):
    if "ipykernel" in filename or filename.startswith("<"):
        return t("your cell")
    return os.path.basename(filename)


def reader_frames(exc):
    """'line N of <where>: code' for the frames outside bptt and numpy (the last three)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((_BPTT, _NUMPY))]
    return [t("line {n} of {where}: {code}").format(n=f.lineno, where=_where(f.filename),
                                                    code=f.line.strip())
            if f.line and f.line.strip()
            else t("line {n} of {where}").format(n=f.lineno, where=_where(f.filename))
            for f in frames[-3:]]


def hint(name, exc):
    """A hint for a kind of exception."""
    text = str(exc)
    if isinstance(exc, IndexError):
        return t("Python counts from 0: x_t is X[t-1] and y_t is Y[t-1], but h_t is H[t] "
                 "(H[0] holds h_0); a loop over t = 1..T is range(1, T + 1).")
    if isinstance(exc, KeyError) and name == "clip_global_norm":
        return t("grads may have any keys: loop over grads.items().")
    if isinstance(exc, KeyError):
        return t("The keys are the symbols: params['W_hh'], params['W_hx'], params['b_h'], ...")
    if isinstance(exc, TypeError) and ("argument" in text or "positional" in text):
        return t("The check calls your function as {call}.").format(call=CALLS[name])
    if isinstance(exc, ValueError) and any(w in text for w in ("shape", "matmul", "broadcast",
                                                                 "align")):
        return joined(t("Check the shapes."), shape_hint(name))
    return t("Run your function on a small problem yourself and print the shapes on the way.")


def explain(name, exc, problem):
    """The message for a function that raised on ``problem``."""
    if isinstance(exc, NotImplementedError):
        return (t("Not written yet: your function raises NotImplementedError.") + "\n\n"
                + t("Fill in the function first: replace `raise NotImplementedError` with "
                    "your code, run its cell, then run this check again."))
    lines = [t("Your function raised {error}: {text}").format(error=type(exc).__name__, text=exc),
             t("on the problem {about}.").format(about=problem.about)]
    frames = reader_frames(exc)
    if frames:
        lines.append(t("Where, in your code:") + "\n" + "\n".join("  " + f for f in frames))
    lines.append(t("Hint: {hint}").format(hint=hint(name, exc)))
    return "\n\n".join(lines)
