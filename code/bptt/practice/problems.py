"""The seeded problems each exercise is checked on, chosen to expose the classic mistakes.

T = 1, 2 and longer; B = 1 and more; m, n, q all different (a transposed matrix then has the
wrong shape); every weight and bias non-zero; h_0 non-zero in some. ``problems(name)`` gives
the check's problems, ``growing(name)`` a family of growing T (or growing step t for RTRL)
used to say where a wrong result first goes wrong (None where there is no time axis).
"""
from typing import NamedTuple

import numpy as np

from ..i18n import t
from ..lstm import lstm_init_params
from ..ordered import source_system
from ..params import init_params
from ..rtrl import rtrl_init, rtrl_step

SEED = 13


class Problem(NamedTuple):
    """Positional arguments of the reader's function, the sizes, and a one-line description."""

    args: tuple
    dims: dict
    about: str          # in the language current when the problem was made


def _rng(*key):
    return np.random.default_rng([SEED, *key])


def _sizes(dims):
    return ", ".join(f"{k} = {v}" for k, v in dims.items())


def elman_params(m, n, q, seed):
    """Elman parameters with every entry non-zero (biases drawn too)."""
    rng = _rng(1, seed)
    p = init_params(m, n, q, seed=seed)
    p["W_hh"] = p["W_hh"] * 0.9 + rng.uniform(0.1, 0.3, (n, n)) * rng.choice([-1, 1], (n, n))
    p["b_h"], p["b_q"] = rng.normal(0, 0.3, n), rng.normal(0, 0.3, q)
    return p


def sequence(T, B, m, q, seed):
    """X (T, B, m) and integer targets Y (T, B)."""
    rng = _rng(2, seed)
    return rng.normal(size=(T, B, m)), rng.integers(0, q, size=(T, B))


def state(B, n, seed, scale=0.5):
    return _rng(3, seed).normal(0, scale, (B, n))


def _with_h0(dims, given):
    return (t("{sizes}, h0 given") if given else t("{sizes}, h0 None")).format(sizes=_sizes(dims))


def _ordered(N, seed, density=1.0):
    rng = _rng(4, seed)
    A = np.tril(rng.normal(0, 0.8, (N, N)), -1)
    A *= np.tril(rng.random((N, N)) < density, -1)
    e = rng.normal(size=N)
    about = t("a graph of N = {N} variables") if N > 1 else t("a graph of N = {N} variable")
    return Problem((A, e), {"N": N}, about.format(N=N))


def _elman(T, B, m, n, q, with_h0, seed):
    p = elman_params(m, n, q, seed)
    X, Y = sequence(T, B, m, q, seed)
    h0 = state(B, n, seed) if with_h0 else None
    dims = {"T": T, "B": B, "m": m, "n": n, "q": q}
    return Problem((p, X, Y, h0), dims, _with_h0(dims, with_h0))


def _truncated(T, B, m, n, q, tau, with_h0, seed):
    p, X, Y, h0 = _elman(T, B, m, n, q, with_h0, seed).args
    dims = {"T": T, "B": B, "m": m, "n": n, "q": q, "tau": tau}
    return Problem((p, X, Y, tau, h0), dims, _with_h0(dims, with_h0))


def _rtrl_stream(B, m, n, q, steps, seed):
    """Problems of steps t = 1..steps of one stream, each with the correct h_{t-1}, P_{t-1}."""
    p = elman_params(m, n, q, seed)
    X, Y = sequence(steps, B, m, q, seed)
    st = rtrl_init(p, B, state(B, n, seed))
    out = []
    for step in range(1, steps + 1):
        dims = {"t": step, "B": B, "m": m, "n": n, "q": q}
        out.append(Problem((p, st.h, st.P, X[step - 1], Y[step - 1]), dims, _sizes(dims)))
        st = rtrl_step(p, st, X[step - 1], Y[step - 1])[0]
    return out


def _lstm(T, B, m, n, q, with_state, seed):
    rng = _rng(5, seed)
    p = lstm_init_params(m, n, q, seed=seed)
    for k in p:
        if k.startswith("b_"):
            p[k] = p[k] + rng.normal(0, 0.3, p[k].shape)
    X, Y = sequence(T, B, m, q, seed)
    h0, c0 = (state(B, n, seed), state(B, n, seed + 100, 1.0)) if with_state else (None, None)
    dims = {"T": T, "B": B, "m": m, "n": n, "q": q}
    about = (t("{sizes}, h0 and c0 given") if with_state
             else t("{sizes}, h0 and c0 None")).format(sizes=_sizes(dims))
    return Problem((p, X, Y, h0, c0), dims, about)


def _clip(norm, max_norm, seed, single=False):
    rng = _rng(6, seed)
    shapes = {"w": (3,)} if single else {"W_hx": (4, 3), "W_hh": (4, 4), "b_h": (4,),
                                         "W_qh": (2, 4), "b_q": (2,)}
    g = {k: rng.normal(size=s) * rng.uniform(0.2, 3.0) for k, s in shapes.items()}
    total = np.sqrt(sum(np.sum(v ** 2) for v in g.values()))
    g = {k: v * (norm / total) for k, v in g.items()}
    dims = {"keys": len(g), "max_norm": max_norm}
    about = (t("{k} tensors of global norm {norm:g}, max_norm = {max_norm:g}") if len(g) > 1
             else t("{k} tensor of global norm {norm:g}, max_norm = {max_norm:g}"))
    return Problem((g, max_norm), dims, about.format(k=len(g), norm=norm, max_norm=max_norm))


def problems(name):
    """The list of Problems the check runs ``name`` on."""
    if name == "ordered_backward":
        A, e = source_system()
        return [Problem((A, e), {"N": 4}, t("the chapter's system (N = 4)")),
                _ordered(5, 1), _ordered(6, 2, density=0.5), _ordered(1, 3)]
    if name == "elman_bptt":
        return [_elman(1, 1, 3, 4, 2, True, 1), _elman(2, 3, 2, 5, 3, False, 2),
                _elman(5, 2, 4, 3, 5, True, 3), _elman(4, 1, 2, 3, 4, True, 4)]
    if name == "rtrl_step":
        return _rtrl_stream(2, 3, 4, 2, 3, 1)[::2] + _rtrl_stream(1, 2, 3, 5, 2, 2)[1:]
    if name == "truncated_bptt":
        return [_truncated(5, 2, 3, 4, 2, 2, True, 1), _truncated(6, 1, 2, 5, 3, 3, False, 2),
                _truncated(3, 3, 4, 3, 5, 1, True, 3), _truncated(2, 1, 3, 2, 4, 4, True, 4)]
    if name == "clip_global_norm":
        return [_clip(5.0, 0.5, 1), _clip(0.3, 1.0, 2), _clip(1.5, 2.0, 3),
                _clip(10.0, 1.0, 4, single=True)]
    if name == "lstm_bptt":
        return [_lstm(1, 1, 3, 2, 4, True, 1), _lstm(2, 2, 2, 3, 4, False, 2),
                _lstm(4, 2, 3, 4, 2, True, 3)]
    raise ValueError(f"no problems for {name!r}")


def growing(name):
    """Problems of growing length (prefixes of one sequence), or None."""
    if name == "elman_bptt":
        full = _elman(6, 2, 3, 4, 5, True, 7)
    elif name == "truncated_bptt":
        full = _truncated(7, 2, 3, 4, 2, 2, True, 7)
    elif name == "lstm_bptt":
        full = _lstm(5, 2, 3, 2, 4, True, 7)
    elif name == "rtrl_step":
        return _rtrl_stream(2, 2, 3, 4, 5, 7)
    else:
        return None
    p, X, Y, *rest = full.args
    out = []
    for T in range(1, len(X) + 1):
        dims = dict(full.dims, T=T)
        out.append(Problem((p, X[:T], Y[:T], *rest), dims, _sizes(dims)))
    return out
