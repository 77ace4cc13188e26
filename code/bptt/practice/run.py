"""Calling the reader's function safely: fresh copies, exceptions caught and explained."""
import copy
import os
import traceback
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

_BPTT = str(Path(__file__).resolve().parents[1])
_NUMPY = str(Path(np.__file__).resolve().parent)

CALLS = {"ordered_backward": "ordered_backward(A, e)",
         "elman_bptt": "elman_bptt(params, X, Y, h0)",
         "rtrl_step": "rtrl_step(params, h_prev, P_prev, x, y)",
         "truncated_bptt": "truncated_bptt(params, X, Y, tau, h0)",
         "clip_global_norm": "clip_global_norm(grads, max_norm)",
         "lstm_bptt": "lstm_bptt(params, X, Y, h0, c0)"}
ARGS = {name: call[call.index("(") + 1:-1].split(", ") for name, call in CALLS.items()}
ROWS = ("Code uses rows: x_t is X[t-1], shape (B, m), so W_hx x_t is "
        "X[t-1] @ W_hx.T; h_t is H[t], shape (B, n), with H[0] = h_0.")
SHAPE_HINT = {"ordered_backward": "A[j, i] = ∂z_j/∂z_i is (N, N) and e is (N,); "
                                  "the column A[i+1:, i] holds the edges leaving z_i.",
              "clip_global_norm": "grads is a dict of arrays of different shapes; "
                                  "sum the squares of each tensor, then add.",
              "rtrl_step": ROWS + " P['W_hx'] is (B, n, n, m): P[b, a, i, j] = "
                                  "∂h_{t,a}/∂(W_hx)_ij; np.einsum helps."}


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
        return "your cell"
    return os.path.basename(filename)


def reader_frames(exc):
    """'line N of <where>: code' for the frames outside bptt and numpy (the last three)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((_BPTT, _NUMPY))]
    return [f"line {f.lineno} of {_where(f.filename)}"
            + (f": {f.line.strip()}" if f.line and f.line.strip() else "")
            for f in frames[-3:]]


def hint(name, exc):
    """A hint for a kind of exception."""
    text = str(exc)
    if isinstance(exc, IndexError):
        return ("Python counts from 0: x_t is X[t-1] and y_t is Y[t-1], but h_t is H[t] "
                "(H[0] holds h_0); a loop over t = 1..T is range(1, T + 1).")
    if isinstance(exc, KeyError) and name == "clip_global_norm":
        return "grads may have any keys: loop over grads.items()."
    if isinstance(exc, KeyError):
        return "The keys are the symbols: params['W_hh'], params['W_hx'], params['b_h'], ..."
    if isinstance(exc, TypeError) and ("argument" in text or "positional" in text):
        return f"The check calls your function as {CALLS[name]}."
    if isinstance(exc, ValueError) and any(w in text for w in ("shape", "matmul", "broadcast",
                                                                 "align")):
        return "Check the shapes. " + SHAPE_HINT.get(name, ROWS)
    return "Run your function on a small problem yourself and print the shapes on the way."


def explain(name, exc, problem):
    """The message for a function that raised on ``problem``."""
    if isinstance(exc, NotImplementedError):
        return ("Not written yet: your function raises NotImplementedError.\n\n"
                "Fill in the function first: replace `raise NotImplementedError` with "
                "your code, run its cell, then run this check again.")
    lines = [f"Your function raised {type(exc).__name__}: {exc}",
             f"on the problem {problem.about}."]
    frames = reader_frames(exc)
    if frames:
        lines.append("Where, in your code:\n" + "\n".join("  " + f for f in frames))
    lines.append("Hint: " + hint(name, exc))
    return "\n\n".join(lines)
