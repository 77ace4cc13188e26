"""Comparing results: the library's answer, a catalogued variant's, and the tolerance."""
import numpy as np

from .. import backprop, lstm, optim, ordered, rtrl, truncation
from . import variants, variants_gated
from .outputs import SCALARS, flatten

RTOL, ATOL = 1e-6, 1e-9


def _rtrl_library(p, h, P, x, y):
    st, loss, grads = rtrl.rtrl_step(p, rtrl.RTRLState(h, P), x, y)
    return st.h, st.P, loss, grads


LIBRARY = {"ordered_backward": lambda A, e: ordered.backward_sweep(A, e).grad,
           "elman_bptt": backprop.bptt_grads,
           "rtrl_step": _rtrl_library,
           "truncated_bptt": lambda p, X, Y, tau, h0: truncation.truncated_grads(
               p, X, Y, tau, mode="chunked", h0=h0),
           "clip_global_norm": optim.clip_global_norm,
           "lstm_bptt": lstm.lstm_grads}
VARIANT = {"ordered_backward": variants.ordered_backward, "elman_bptt": variants.elman_bptt,
           "rtrl_step": variants_gated.rtrl_step, "truncated_bptt": variants.truncated_bptt,
           "clip_global_norm": variants.clip_global_norm, "lstm_bptt": variants_gated.lstm_bptt}


def keys_of(name, problem):
    """The parameter (or gradient) names the result must be keyed by."""
    first = problem.args[0]
    return tuple(first) if isinstance(first, dict) else ()


def expected(name, problem, mistake=None, form=0):
    """The flattened library result (mistake None) or a catalogued variant's."""
    if mistake is None:
        raw = LIBRARY[name](*problem.args)
    else:
        raw = VARIANT[name](*problem.args, mistake=mistake, form=form)
    return flatten(name, raw, keys_of(name, problem))


def close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL,
                                              atol=ATOL * max(1.0, np.abs(b).max(initial=0)))


def rel_error(a, b):
    """max |a − b| / max |b| (one array), inf when the shapes differ."""
    if a.shape != b.shape:
        return np.inf
    return float(np.abs(a - b).max(initial=0) / max(np.abs(b).max(initial=0), 1e-300))


def agrees(got, want, correct):
    """got matches want label by label; a scalar (loss, norm) may instead be the correct one."""
    return all(close(got[k], want[k]) or (k in SCALARS and close(got[k], correct[k]))
               for k in want)
