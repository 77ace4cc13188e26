"""Gated networks: LSTM, GRU, peephole LSTM and bidirectional RNN.

Finite differences for every gradient; column-vector reference implementations written from the
chapter's equations (independent of the library's stacked, row-layout code); SymPy Jacobians held
to finite differences of the NumPy forward passes; the constant-error-carousel identity.
"""
import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from page_checks import code_blocks, long_code_lines, pages

import bptt
from bptt.adam import adam_init, adam_step
from bptt.birnn import birnn_forward, birnn_grads, birnn_init_params
from bptt.gru import gru_backward, gru_forward, gru_grads, gru_init_params
from bptt.lstm import carousel_path, cell_backward, lstm_backward, lstm_forward, lstm_grads, lstm_init_params
from bptt.peephole import peephole_backward, peephole_forward, peephole_grads, peephole_init_params
from bptt.recall import train_recall
from bptt.sym import gated as S


def _carousel_factor(b_f, k):
    """σ(b_f)^k, the carousel's damping over k steps, from an LSTM whose forget gate is σ(b_f)."""
    p = lstm_init_params(2, 1, 2, seed=0, forget_bias=b_f)
    p["W_xf"][:], p["W_hf"][:] = 0.0, 0.0
    X, _, _ = bptt.delayed_recall(k, 1, 1, rng=0)
    return carousel_path(lstm_forward(p, X)["F"], np.ones((1, 1)))[0, 0, 0]


def _tex_sci(x):
    """2.5 \\times 10^{-14}, as the chapter writes a number in scientific notation."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


# convention 6: every number the prose states (tests/test_prose_numbers.py reads this)
PROSE_NUMBERS = {
    # values the text sets: a slider's ρ, Adam's learning rate, the 95 % chance threshold of the
    # experiment, the update-gate values of exercise 3
    "given": {"0.5", "0.03", "95 %", "0.9", "0.99",
              # the weights and inputs of the case worked by hand (set in its table)
              "0.3", "0.4", "0.8", "0.2", "0.1"},
    "held": {
        "0.993": lambda: f"{float(bptt.activations.sigmoid(np.array(5.0))):.3f}",          # σ(5)
        "0.6": lambda: f"{float(bptt.activations.sigmoid(np.array(5.0))) ** 80:.1f}",       # σ(5)^80
        "0.12": lambda: f"{float(bptt.activations.sigmoid(np.array(-2.0))):.2f}",           # σ(−2)
        "0.69": lambda: f"{bptt.chance_loss(2):.2f}",                       # log 2
        # exercise 2: the carousel's factor over 100 steps for b_f = 0, 1, 2, 3
        **{_s: (lambda _b=_b: _tex_sci(_carousel_factor(_b, 100)))
           for _b, _s in [(0, "7.9 \\times 10^{-31}"), (1, "2.5 \\times 10^{-14}"),
                          (2, "3.1 \\times 10^{-6}"), (3, "7.8 \\times 10^{-3}")]},
    },
}

SHAPES = [(1, 1, 1, 1, 2), (1, 3, 2, 4, 3), (4, 1, 3, 2, 5), (6, 2, 2, 3, 4), (9, 3, 4, 5, 2)]   # T, B, m, n, q


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def jiggle(params, rng, scale=0.3):
    """Perturb every parameter (biases and peepholes included), so that no gradient is trivially zero."""
    return {k: v + scale * rng.normal(size=np.shape(v)) for k, v in params.items()}


def problem(rng, T, B, m, n, q):
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    return X, Y, rng.normal(scale=0.5, size=(B, n)), rng.normal(scale=0.5, size=(B, n))


def fd_jacobian(fn, v, eps=1e-6):
    """Central-difference Jacobian of a vector function fn: (k,) -> (r,)."""
    cols = []
    for j in range(len(v)):
        e = np.zeros_like(v)
        e[j] = eps
        cols.append((fn(v + e) - fn(v - e)) / (2 * eps))
    return np.stack(cols, axis=1)


def sym_eval(expr, cell, params, **vectors):
    """Evaluate a SymPy expression of ``cell`` at NumPy parameter values and vectors (x, h_prev, ...)."""
    subs = {}
    for key, value in {**params, **vectors}.items():
        if key in cell:
            subs.update(zip(list(cell[key]), [sp.Float(v) for v in np.ravel(value)]))
    return np.array(sp.Matrix(expr).xreplace(subs).evalf(), dtype=float)


# ----------------------------------------------------------------------------------------------
# reference implementations: one sequence, column vectors, one matrix per gate, as in the chapter
# ----------------------------------------------------------------------------------------------

def softmax_errors(o, y, w):
    p = np.exp(o - o.max())
    p /= p.sum()
    loss = -w * math.log(p[y])
    p[y] -= 1.0
    return loss, w * p


def ref_lstm(p, xs, ys, h0, c0, w, peep=None):
    """Forward and backward of one sequence by eq-gated-lstm-* (and eq-gated-peephole* if peep)."""
    T, n = len(xs), len(h0)
    pc = peep or {k: np.zeros(n) for k in ("w_ci", "w_cf", "w_co")}
    h, c, G = [h0], [c0], [None]
    for t in range(1, T + 1):
        x = xs[t - 1]
        i = sig(p["W_xi"] @ x + p["W_hi"] @ h[t - 1] + pc["w_ci"] * c[t - 1] + p["b_i"])
        f = sig(p["W_xf"] @ x + p["W_hf"] @ h[t - 1] + pc["w_cf"] * c[t - 1] + p["b_f"])
        ct = np.tanh(p["W_xc"] @ x + p["W_hc"] @ h[t - 1] + p["b_c"])
        c.append(f * c[t - 1] + i * ct)
        og = sig(p["W_xo"] @ x + p["W_ho"] @ h[t - 1] + pc["w_co"] * c[t] + p["b_o"])
        h.append(og * np.tanh(c[t]))
        G.append({"i": i, "f": f, "o": og, "c": ct})
    loss, dO = 0.0, [None]
    for t in range(1, T + 1):
        l_t, d = softmax_errors(p["W_qh"] @ h[t] + p["b_q"], ys[t - 1], w[t - 1])
        loss += l_t
        dO.append(d)
    zero = np.zeros(n)
    delta = [None] * (T + 2)
    delta[T + 1] = {g: zero for g in "ifoc"}
    dh, dc = [None] * (T + 1), [None] * (T + 2)
    dc[T + 1], f_next = zero, zero
    for t in range(T, 0, -1):
        g = G[t]
        dh[t] = p["W_qh"].T @ dO[t] + sum(p[f"W_h{k}"].T @ delta[t + 1][k] for k in "ifoc")      # eq-gated-lstm-dh
        d_o_gate = dh[t] * np.tanh(c[t])                                                      # eq-gated-lstm-dgates
        d_zo = d_o_gate * g["o"] * (1 - g["o"])
        dc[t] = (dh[t] * g["o"] * (1 - np.tanh(c[t]) ** 2) + f_next * dc[t + 1]              # eq-gated-lstm-dc
                 + pc["w_co"] * d_zo + pc["w_ci"] * delta[t + 1]["i"] + pc["w_cf"] * delta[t + 1]["f"])
        d_f, d_i, d_ct = dc[t] * c[t - 1], dc[t] * g["c"], dc[t] * g["i"]
        delta[t] = {"i": d_i * g["i"] * (1 - g["i"]), "f": d_f * g["f"] * (1 - g["f"]),        # eq-gated-lstm-delta
                    "o": d_zo, "c": d_ct * (1 - g["c"] ** 2)}
        f_next = g["f"]
    dh[0] = sum(p[f"W_h{k}"].T @ delta[1][k] for k in "ifoc")
    dc[0] = f_next * dc[1] + pc["w_ci"] * delta[1]["i"] + pc["w_cf"] * delta[1]["f"]
    grads = {}
    for k in "ifoc":                                                                          # eq-gated-lstm-dW
        grads[f"W_x{k}"] = sum(np.outer(delta[t][k], xs[t - 1]) for t in range(1, T + 1))
        grads[f"W_h{k}"] = sum(np.outer(delta[t][k], h[t - 1]) for t in range(1, T + 1))
        grads[f"b_{k}"] = sum(delta[t][k] for t in range(1, T + 1))
    grads["W_qh"] = sum(np.outer(dO[t], h[t]) for t in range(1, T + 1))
    grads["b_q"] = sum(dO[t] for t in range(1, T + 1))
    if peep:
        grads["w_ci"] = sum(delta[t]["i"] * c[t - 1] for t in range(1, T + 1))
        grads["w_cf"] = sum(delta[t]["f"] * c[t - 1] for t in range(1, T + 1))
        grads["w_co"] = sum(delta[t]["o"] * c[t] for t in range(1, T + 1))
    stacked = np.array([np.concatenate([delta[t][k] for k in "ifoc"]) for t in range(1, T + 1)])
    return {"loss": loss, "H": np.array(h), "C": np.array(c), "dH": np.array(dh), "dC": np.array(dc[:T + 1]),
            "delta": stacked, "grads": grads, "O": np.array([p["W_qh"] @ h[t] + p["b_q"] for t in range(1, T + 1)])}


def ref_gru(p, xs, ys, h0, w):
    """Forward and backward of one sequence by eq-gated-gru-*."""
    T = len(xs)
    h, G = [h0], [None]
    for t in range(1, T + 1):
        x = xs[t - 1]
        r = sig(p["W_xr"] @ x + p["W_hr"] @ h[t - 1] + p["b_r"])
        z = sig(p["W_xz"] @ x + p["W_hz"] @ h[t - 1] + p["b_z"])
        ht = np.tanh(p["W_xh"] @ x + p["W_hh"] @ (r * h[t - 1]) + p["b_h"])
        h.append(z * h[t - 1] + (1 - z) * ht)
        G.append({"r": r, "z": z, "ht": ht})
    loss, dO = 0.0, [None]
    for t in range(1, T + 1):
        l_t, d = softmax_errors(p["W_qh"] @ h[t] + p["b_q"], ys[t - 1], w[t - 1])
        loss += l_t
        dO.append(d)
    g = [None] * (T + 1)
    g[T] = p["W_qh"].T @ dO[T]
    dl = [None] * (T + 1)
    for t in range(T, 0, -1):
        r, z, ht = G[t]["r"], G[t]["z"], G[t]["ht"]
        d_h = g[t] * (1 - z) * (1 - ht ** 2)                                                  # eq-gated-gru-deltas
        d_z = g[t] * (h[t - 1] - ht) * z * (1 - z)
        d_r = (p["W_hh"].T @ d_h) * h[t - 1] * r * (1 - r)
        dl[t] = {"r": d_r, "z": d_z, "h": d_h}
        out = p["W_qh"].T @ dO[t - 1] if t > 1 else 0.0
        g[t - 1] = out + z * g[t] + r * (p["W_hh"].T @ d_h) + p["W_hr"].T @ d_r + p["W_hz"].T @ d_z   # eq-gated-gru-dh
    grads = {}
    for k in "rzh":                                                                           # eq-gated-gru-dW
        grads[f"W_x{k}"] = sum(np.outer(dl[t][k], xs[t - 1]) for t in range(1, T + 1))
        grads[f"b_{k}"] = sum(dl[t][k] for t in range(1, T + 1))
    grads["W_hr"] = sum(np.outer(dl[t]["r"], h[t - 1]) for t in range(1, T + 1))
    grads["W_hz"] = sum(np.outer(dl[t]["z"], h[t - 1]) for t in range(1, T + 1))
    grads["W_hh"] = sum(np.outer(dl[t]["h"], G[t]["r"] * h[t - 1]) for t in range(1, T + 1))
    grads["W_qh"] = sum(np.outer(dO[t], h[t]) for t in range(1, T + 1))
    grads["b_q"] = sum(dO[t] for t in range(1, T + 1))
    return {"loss": loss, "H": np.array(h), "dH": np.array(g), "grads": grads}


def ref_birnn(p, xs, ys, hf0, hb0, w):
    """Forward and backward of one sequence by eq-gated-birnn and eq-gated-birnn-backward (tanh)."""
    T = len(xs)
    hf, hb = {0: hf0}, {T + 1: hb0}
    for t in range(1, T + 1):
        hf[t] = np.tanh(p["W_hx_fwd"] @ xs[t - 1] + p["W_hh_fwd"] @ hf[t - 1] + p["b_h_fwd"])
    for t in range(T, 0, -1):
        hb[t] = np.tanh(p["W_hx_bwd"] @ xs[t - 1] + p["W_hh_bwd"] @ hb[t + 1] + p["b_h_bwd"])
    loss, dO = 0.0, {}
    for t in range(1, T + 1):
        l_t, dO[t] = softmax_errors(p["W_qh_fwd"] @ hf[t] + p["W_qh_bwd"] @ hb[t] + p["b_q"], ys[t - 1], w[t - 1])
        loss += l_t
    n = len(hf0)
    df, db = {T + 1: np.zeros(n)}, {0: np.zeros(n)}
    for t in range(T, 0, -1):
        df[t] = (1 - hf[t] ** 2) * (p["W_qh_fwd"].T @ dO[t] + p["W_hh_fwd"].T @ df[t + 1])
    for t in range(1, T + 1):
        db[t] = (1 - hb[t] ** 2) * (p["W_qh_bwd"].T @ dO[t] + p["W_hh_bwd"].T @ db[t - 1])
    ts = range(1, T + 1)
    grads = {"b_q": sum(dO[t] for t in ts),
             "W_hx_fwd": sum(np.outer(df[t], xs[t - 1]) for t in ts), "W_hh_fwd": sum(np.outer(df[t], hf[t - 1]) for t in ts),
             "b_h_fwd": sum(df[t] for t in ts), "W_qh_fwd": sum(np.outer(dO[t], hf[t]) for t in ts),
             "W_hx_bwd": sum(np.outer(db[t], xs[t - 1]) for t in ts), "W_hh_bwd": sum(np.outer(db[t], hb[t + 1]) for t in ts),
             "b_h_bwd": sum(db[t] for t in ts), "W_qh_bwd": sum(np.outer(dO[t], hb[t]) for t in ts)}
    return {"loss": loss, "grads": grads, "H_fwd": np.array([hf[t] for t in range(T + 1)]),
            "H_bwd": np.array([hb[t] for t in range(1, T + 2)])}


def batch_sum(refs, key):
    return sum(r["grads"][key] for r in refs)


# ----------------------------------------------------------------------------------------------
# finite differences: every parameter gradient of every network
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_lstm_gradients_match_finite_differences(rng, weighted, T, B, m, n, q):
    params = jiggle(lstm_init_params(m, n, q, seed=int(rng.integers(1000))), rng)
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T) if weighted else None
    bptt.check_grads(lambda p: lstm_grads(p, X, Y, h0, c0, weights=w), params)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_gru_gradients_match_finite_differences(rng, weighted, T, B, m, n, q):
    params = jiggle(gru_init_params(m, n, q, seed=int(rng.integers(1000))), rng)
    X, Y, h0, _ = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T) if weighted else None
    bptt.check_grads(lambda p: gru_grads(p, X, Y, h0, weights=w), params)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_peephole_gradients_match_finite_differences(rng, weighted, T, B, m, n, q):
    params = jiggle(peephole_init_params(m, n, q, seed=int(rng.integers(1000))), rng)
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T) if weighted else None
    bptt.check_grads(lambda p: peephole_grads(p, X, Y, h0, c0, weights=w), params)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("T,B,m,n,q", SHAPES)
def test_birnn_gradients_match_finite_differences(rng, activation, weighted, T, B, m, n, q):
    params = jiggle(birnn_init_params(m, n, q, seed=int(rng.integers(1000))), rng)
    X, Y, h0, hb = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T) if weighted else None
    bptt.check_grads(lambda p: birnn_grads(p, X, Y, h0, hb, activation, weights=w), params)


@pytest.mark.parametrize("backward,init,has_c", [(lstm_backward, lstm_init_params, True),
                                                 (peephole_backward, peephole_init_params, True),
                                                 (gru_backward, gru_init_params, False)])
def test_initial_state_gradients_match_finite_differences(rng, backward, init, has_c):
    T, B, m, n, q = 5, 2, 3, 4, 3
    params = jiggle(init(m, n, q, seed=7), rng)
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    states = {"h0": h0, "c0": c0} if has_c else {"h0": h0}
    out = backward(params, X, Y, *states.values())
    num = bptt.numeric_grads(lambda s: backward(params, X, Y, *s.values())["loss"], states)
    np.testing.assert_allclose(out["dH"][0], num["h0"], rtol=1e-6, atol=1e-9)
    if has_c:
        np.testing.assert_allclose(out["dC"][0], num["c0"], rtol=1e-6, atol=1e-9)


def test_the_checker_catches_a_wrong_lstm_gradient(rng):
    params = jiggle(lstm_init_params(2, 3, 2, seed=0), rng)
    X, Y, h0, c0 = problem(rng, 4, 2, 2, 3, 2)

    def wrong(p):
        loss, g = lstm_grads(p, X, Y, h0, c0)
        g["W_hf"] = g["W_hf"] * 1.001
        return loss, g

    with pytest.raises(AssertionError):
        bptt.check_grads(wrong, params)


# ----------------------------------------------------------------------------------------------
# the chapter's equations, held to independent column-vector implementations
# ----------------------------------------------------------------------------------------------

@pytest.mark.formula("eq-gated-lstm-gates", "eq-gated-lstm-candidate", "eq-gated-lstm-cell", "eq-gated-lstm-hidden",
                     "eq-gated-output", "eq-gated-stacked", "eq-gated-lstm-dh", "eq-gated-lstm-dc",
                     "eq-gated-lstm-dgates", "eq-gated-lstm-delta", "eq-gated-lstm-dW",
                     "eq-gated-key-cell", "eq-gated-key-backward")
@pytest.mark.parametrize("T,B,m,n,q", [(1, 1, 2, 3, 2), (5, 3, 2, 4, 3)])
def test_lstm_matches_the_chapter_equations(rng, T, B, m, n, q):
    params = jiggle(lstm_init_params(m, n, q, seed=1), rng)
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T)
    out = lstm_backward(params, X, Y, h0, c0, w)
    refs = [ref_lstm(params, X[:, b], Y[:, b], h0[b], c0[b], w) for b in range(B)]
    assert out["loss"] == pytest.approx(sum(r["loss"] for r in refs), rel=1e-12)
    for key in ("H", "C", "O", "dH", "dC", "delta"):
        np.testing.assert_allclose(out[key], np.stack([r[key] for r in refs], axis=1), rtol=1e-10, atol=1e-12)
    for key in params:
        np.testing.assert_allclose(out["grads"][key], batch_sum(refs, key), rtol=1e-10, atol=1e-12)


@pytest.mark.formula("eq-gated-peephole", "eq-gated-peephole-backward")
def test_peephole_matches_the_chapter_equations(rng):
    T, B, m, n, q = 6, 2, 3, 4, 3
    params = jiggle(peephole_init_params(m, n, q, seed=2), rng)
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T)
    out = peephole_backward(params, X, Y, h0, c0, w)
    peep = {k: params[k] for k in ("w_ci", "w_cf", "w_co")}
    refs = [ref_lstm(params, X[:, b], Y[:, b], h0[b], c0[b], w, peep=peep) for b in range(B)]
    assert out["loss"] == pytest.approx(sum(r["loss"] for r in refs), rel=1e-12)
    for key in ("H", "C", "dH", "dC", "delta"):
        np.testing.assert_allclose(out[key], np.stack([r[key] for r in refs], axis=1), rtol=1e-10, atol=1e-12)
    for key in params:
        np.testing.assert_allclose(out["grads"][key], batch_sum(refs, key), rtol=1e-10, atol=1e-12)


def test_peephole_with_zero_peepholes_is_the_lstm(rng):
    params = jiggle(lstm_init_params(3, 4, 3, seed=3), rng)
    X, Y, h0, c0 = problem(rng, 5, 2, 3, 4, 3)
    loss, grads = lstm_grads(params, X, Y, h0, c0)
    ploss, pgrads = peephole_grads({**params, **{k: np.zeros(4) for k in ("w_ci", "w_cf", "w_co")}}, X, Y, h0, c0)
    assert ploss == pytest.approx(loss, rel=1e-13)
    for key in params:
        np.testing.assert_allclose(pgrads[key], grads[key], rtol=1e-12, atol=1e-14)
    assert peephole_init_params(3, 4, 3)["w_co"].tolist() == [0.0] * 4


@pytest.mark.formula("eq-gated-gru-gates", "eq-gated-gru-candidate", "eq-gated-gru-hidden", "eq-gated-gru-deltas",
                     "eq-gated-gru-dh", "eq-gated-gru-dW")
@pytest.mark.parametrize("T,B,m,n,q", [(1, 1, 2, 3, 2), (6, 3, 2, 4, 3)])
def test_gru_matches_the_chapter_equations(rng, T, B, m, n, q):
    params = jiggle(gru_init_params(m, n, q, seed=4), rng)
    X, Y, h0, _ = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T)
    out = gru_backward(params, X, Y, h0, w)
    refs = [ref_gru(params, X[:, b], Y[:, b], h0[b], w) for b in range(B)]
    assert out["loss"] == pytest.approx(sum(r["loss"] for r in refs), rel=1e-12)
    for key in ("H", "dH"):
        np.testing.assert_allclose(out[key], np.stack([r[key] for r in refs], axis=1), rtol=1e-10, atol=1e-12)
    for key in params:
        np.testing.assert_allclose(out["grads"][key], batch_sum(refs, key), rtol=1e-10, atol=1e-12)


@pytest.mark.formula("eq-gated-birnn", "eq-gated-birnn-backward")
def test_birnn_matches_the_chapter_equations(rng):
    T, B, m, n, q = 6, 2, 3, 4, 3
    params = jiggle(birnn_init_params(m, n, q, seed=5), rng)
    X, Y, h0, hb = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T)
    H_fwd, H_bwd, _ = birnn_forward(params, X, h0, hb)
    loss, grads = birnn_grads(params, X, Y, h0, hb, weights=w)
    refs = [ref_birnn(params, X[:, b], Y[:, b], h0[b], hb[b], w) for b in range(B)]
    np.testing.assert_allclose(H_fwd, np.stack([r["H_fwd"] for r in refs], axis=1), rtol=1e-12)
    np.testing.assert_allclose(H_bwd, np.stack([r["H_bwd"] for r in refs], axis=1), rtol=1e-12)
    assert loss == pytest.approx(sum(r["loss"] for r in refs), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(grads[key], batch_sum(refs, key), rtol=1e-10, atol=1e-12)


def test_birnn_directions_are_elman_networks(rng):
    """With one direction's output matrix zero, the other chain is bptt's Elman network (reversed for ←)."""
    T, B, m, n, q = 5, 2, 3, 4, 3
    params = jiggle(birnn_init_params(m, n, q, seed=6), rng)
    X, Y, h0, hb = problem(rng, T, B, m, n, q)
    w = rng.uniform(0.1, 1.0, size=T)
    for d, other, Xd, Yd, wd, h in (("fwd", "bwd", X, Y, w, h0), ("bwd", "fwd", X[::-1], Y[::-1], w[::-1], hb)):
        p = {**params, f"W_qh_{other}": np.zeros((q, n))}
        loss, grads = birnn_grads(p, X, Y, h0, hb, weights=w)
        elman = {"W_hx": p[f"W_hx_{d}"], "W_hh": p[f"W_hh_{d}"], "b_h": p[f"b_h_{d}"], "W_qh": p[f"W_qh_{d}"],
                 "b_q": p["b_q"]}
        eloss, egrads = bptt.bptt_grads(elman, Xd, Yd, h0=h, weights=wd)
        assert loss == pytest.approx(eloss, rel=1e-12)
        for k in ("W_hx", "W_hh", "b_h", "W_qh"):
            np.testing.assert_allclose(grads[f"{k}_{d}"], egrads[k], rtol=1e-10, atol=1e-12)
        assert np.all(grads[f"W_hh_{other}"] == 0)


# ----------------------------------------------------------------------------------------------
# the constant error carousel
# ----------------------------------------------------------------------------------------------

def test_cell_backward_passes_the_cell_error_unchanged_when_f_is_1_and_i_is_0(rng):
    B, n = 3, 4
    dc_next = rng.normal(size=(B, n))
    c = rng.normal(size=(B, n))
    ones, zeros = np.ones((B, n)), np.zeros((B, n))
    dc, delta, carry = cell_backward(zeros, dc_next, c, c, zeros, ones, rng.uniform(size=(B, n)), rng.normal(size=(B, n)))
    np.testing.assert_array_equal(dc, dc_next)
    np.testing.assert_array_equal(carry, dc_next)
    assert np.all(delta[:, :2 * n] == 0)                      # saturated gates: δ^i = δ^f = 0
    f = rng.uniform(0.1, 0.9, size=(B, n))                    # and an ordinary forget gate scales it
    _, _, carry = cell_backward(zeros, dc_next, c, c, zeros, f, ones, zeros)
    np.testing.assert_allclose(carry, f * dc_next, rtol=1e-15)


def saturated_lstm(rng, m, n, q, blind_output_gate=True):
    params = jiggle(lstm_init_params(m, n, q, seed=11), rng)
    params["b_f"][:] = 50.0                                  # f_t = σ(50 + ...) = 1 in float64
    params["b_i"][:] = -50.0                                 # i_t = 0
    for k in ("W_xf", "W_xi"):
        params[k] *= 0.1                                     # keep the gates saturated whatever x_t is
    if blind_output_gate:
        params["W_ho"][:] = 0.0
    return params


def test_carousel_identity_in_the_full_lstm(rng):
    """f_t = 1, i_t = 0, W_ho = 0, loss at T only: ∂L/∂c_k = ∂L/∂c_T for every k, and = ∂L/∂c_0 numerically."""
    T, B, m, n, q = 12, 2, 3, 4, 3
    params = saturated_lstm(rng, m, n, q)
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = np.zeros(T)
    w[-1] = 1.0
    out = lstm_backward(params, X, Y, h0, c0, w)
    assert np.all(out["F"] == 1.0) and np.all(out["I"] < 1e-20)
    for k in range(T + 1):
        np.testing.assert_allclose(out["dC"][k], out["dC"][T], rtol=1e-12, atol=1e-15)
    num = bptt.numeric_grads(lambda s: lstm_backward(params, X, Y, h0, s["c0"], w)["loss"], {"c0": c0})["c0"]
    np.testing.assert_allclose(num, out["dC"][T], rtol=1e-6, atol=1e-10)


def test_carousel_identity_fails_when_the_output_gate_reads_h(rng):
    """The same network with W_ho != 0 has a second path, through the output gates: the identity must fail."""
    T, B, m, n, q = 12, 2, 3, 4, 3
    params = saturated_lstm(rng, m, n, q, blind_output_gate=False)
    params["W_ho"] = 2.0 * rng.normal(size=(n, n))
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = np.zeros(T)
    w[-1] = 1.0
    out = lstm_backward(params, X, Y, h0, c0, w)
    assert not np.allclose(out["dC"][0], out["dC"][T], rtol=1e-3)


@pytest.mark.formula("eq-gated-cec-product", "eq-gated-key-path")
def test_cell_path_is_the_product_of_forget_gates(rng):
    """With no recurrent weights the cell path is the only one: ∂L/∂c_k = (∏_{j>k} f_j) ⊙ ∂L/∂c_T."""
    T, B, m, n, q = 10, 3, 2, 4, 2
    params = jiggle(lstm_init_params(m, n, q, seed=12), rng)
    for g in "ifoc":
        params[f"W_h{g}"][:] = 0.0
    X, Y, h0, c0 = problem(rng, T, B, m, n, q)
    w = np.zeros(T)
    w[-1] = 1.0
    out = lstm_backward(params, X, Y, h0, c0, w)
    expected = np.array([np.prod(out["F"][k:], axis=0) * out["dC"][T] for k in range(T + 1)])
    np.testing.assert_allclose(out["dC"], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(carousel_path(out["F"], out["dC"][T]), expected, rtol=1e-12, atol=1e-15)
    assert np.all(np.abs(out["dC"][0]) < np.abs(out["dC"][T]))   # forget gates < 1: the error decays


@pytest.mark.formula("eq-gated-forget-bias")
def test_forget_bias_numbers_of_the_exercise():
    """σ(b)^20 as printed in exercise 2, against an LSTM whose forget gate is exactly σ(b)."""
    printed = {0: 9.5e-7, 1: 1.9e-3, 2: 0.079, 3: 0.38}
    printed_100 = {0: 7.9e-31, 1: 2.5e-14, 2: 3.1e-6, 3: 7.8e-3}
    X, Y, _ = bptt.delayed_recall(100, 1, 1, rng=0)
    for b in printed:
        s = 1.0 / (1.0 + math.exp(-b))
        assert s ** 20 == pytest.approx(printed[b], rel=0.03)
        assert s ** 100 == pytest.approx(printed_100[b], rel=0.03)
        p = lstm_init_params(2, 3, 2, seed=0, forget_bias=b)
        p["W_xf"][:] = 0.0
        p["W_hf"][:] = 0.0
        F = lstm_forward(p, X)["F"]
        ratio = carousel_path(F, np.ones((1, 3)))[:, 0, 0]
        assert ratio[100 - 20] == pytest.approx(printed[b], rel=0.03)


# ----------------------------------------------------------------------------------------------
# SymPy derivations, symbolically and against the NumPy forward passes
# ----------------------------------------------------------------------------------------------

def one_step(rng, n=2, m=2, peephole=False):
    init = peephole_init_params if peephole else lstm_init_params
    params = jiggle(init(m, n, 2, seed=13), rng, scale=0.5)
    return params, rng.normal(size=m), rng.normal(size=n), rng.normal(size=n)


@pytest.mark.formula("eq-gated-concat")
def test_concatenated_gate_equals_split_gate(rng):
    concatenated, split = S.concat_form(n=2, m=3)
    assert S.is_zero_matrix(concatenated - split)
    params, x, h, c = one_step(rng, n=2, m=3)
    W_f = np.hstack([params["W_hf"], params["W_xf"]])            # source 001's W_f = [W_hf  W_xf]
    f = sig(W_f @ np.concatenate([h, x]) + params["b_f"])
    F = lstm_forward(params, x[None, None], h[None], c[None])["F"][0, 0]
    np.testing.assert_allclose(F, f, rtol=1e-13)


@pytest.mark.formula("eq-gated-cec")
def test_cec_jacobian(rng):
    J, claim = S.cec_jacobian(n=3, m=2)
    assert S.is_zero_matrix(J - claim)
    cell = S.lstm_cell(n=3, m=2)
    assert S.abbreviate(J, cell) == sp.diag(*[sp.Symbol(f"f_{{t,{j}}}") for j in (1, 2, 3)])
    params, x, h, c = one_step(rng, n=3, m=2)
    numeric = fd_jacobian(lambda cc: lstm_forward(params, x[None, None], h[None], cc[None])["C"][1, 0], c)
    derived = sym_eval(J, cell, params, x=x, h_prev=h, c_prev=c)
    np.testing.assert_allclose(derived, numeric, rtol=1e-7, atol=1e-9)
    assert np.count_nonzero(derived - np.diag(np.diag(derived))) == 0


@pytest.mark.formula("eq-gated-dc-dh")
def test_cell_jacobian_with_respect_to_h(rng):
    J, claim = S.lstm_dc_dh_jacobian()
    assert S.is_zero_matrix(J - claim)
    cell = S.lstm_cell()
    params, x, h, c = one_step(rng)
    numeric = fd_jacobian(lambda hh: lstm_forward(params, x[None, None], hh[None], c[None])["C"][1, 0], h)
    np.testing.assert_allclose(sym_eval(claim, cell, params, x=x, h_prev=h, c_prev=c), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.formula("eq-gated-cell-total")
def test_total_cell_jacobian(rng):
    J, claim = S.lstm_total_cell_jacobian()
    assert S.is_zero_matrix(J - claim)
    cell = S.lstm_cell()
    params, x, _, c = one_step(rng)
    o_prev = rng.uniform(0.2, 0.9, size=2)
    numeric = fd_jacobian(
        lambda cc: lstm_forward(params, x[None, None], (o_prev * np.tanh(cc))[None], cc[None])["C"][1, 0], c)
    derived = sym_eval(claim, cell, params, x=x, c_prev=c, o_gate_prev=o_prev)
    np.testing.assert_allclose(derived, numeric, rtol=1e-7, atol=1e-9)
    f = lstm_forward(params, x[None, None], (o_prev * np.tanh(c))[None], c[None])["F"][0, 0]
    assert not np.allclose(derived, np.diag(f))                  # the total is more than the carousel


@pytest.mark.formula("eq-gated-peephole-cec")
def test_peephole_cec_jacobian(rng):
    J, claim = S.peephole_cec_jacobian()
    assert S.is_zero_matrix(J - claim)
    cell = S.lstm_cell(peephole=True)
    params, x, h, c = one_step(rng, peephole=True)
    numeric = fd_jacobian(lambda cc: peephole_forward(params, x[None, None], h[None], cc[None])["C"][1, 0], c)
    derived = sym_eval(claim, cell, params, x=x, h_prev=h, c_prev=c)
    np.testing.assert_allclose(derived, numeric, rtol=1e-7, atol=1e-9)
    assert np.count_nonzero(derived - np.diag(np.diag(derived))) == 0


@pytest.mark.formula("eq-gated-gru-jacobian")
def test_gru_jacobian(rng):
    J, claim = S.gru_jacobian()
    assert S.is_zero_matrix(J - claim)
    cell = S.gru_cell()
    params = jiggle(gru_init_params(2, 2, 2, seed=14), rng, scale=0.5)
    x, h = rng.normal(size=2), rng.normal(size=2)
    numeric = fd_jacobian(lambda hh: gru_forward(params, x[None, None], hh[None])["H"][1, 0], h)
    np.testing.assert_allclose(sym_eval(claim, cell, params, x=x, h_prev=h), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.formula("eq-gated-leaky")
def test_gru_leaky_integrator(rng):
    closed, residual = S.leaky_integrator()
    assert residual == 0
    n, T = 3, 15
    params = gru_init_params(2, n, 2, seed=15)
    z = rng.uniform(0.5, 0.95, size=n)
    params.update(W_xz=np.zeros((n, 2)), W_hz=np.zeros((n, n)), b_z=np.log(z / (1 - z)),   # σ(b_z) = z
                  W_hh=np.zeros((n, n)))                                                      # h̃_t = tanh(W_xh x + b_h)
    x = rng.normal(size=2)
    h0 = rng.normal(size=n)
    H = gru_forward(params, np.tile(x, (T, 1, 1)), h0[None])["H"][:, 0]
    h_tilde = np.tanh(params["W_xh"] @ x + params["b_h"])
    expected = np.array([h_tilde + z ** t * (h0 - h_tilde) for t in range(T + 1)])
    np.testing.assert_allclose(H, expected, rtol=1e-12, atol=1e-14)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    zs, hts, h0s = sp.symbols(r"z \tilde{h} h_0")
    value = float(closed.subs({zs: z[0], hts: h_tilde[0], h0s: h0[0], t: 7}))
    assert value == pytest.approx(expected[7, 0], rel=1e-12)


@pytest.mark.formula("eq-gated-param-count")
@pytest.mark.parametrize("m,n,q", [(2, 24, 2), (3, 5, 4), (1, 1, 2)])
def test_parameter_counts(m, n, q):
    size = lambda p: sum(np.size(v) for v in p.values())
    assert size(lstm_init_params(m, n, q)) == 4 * (n * m + n * n + n) + q * n + q
    assert size(gru_init_params(m, n, q)) == 3 * (n * m + n * n + n) + q * n + q
    assert size(peephole_init_params(m, n, q)) == 4 * (n * m + n * n + n) + q * n + q + 3 * n
    assert size(birnn_init_params(m, n, q)) == 2 * (n * m + n * n + n) + 2 * q * n + q
    if (m, n, q) == (2, 24, 2):                                # the numbers printed in exercise 1
        assert [size(f(m, n, q)) for f in (lstm_init_params, gru_init_params, peephole_init_params,
                                          birnn_init_params)] == [2642, 1994, 2714, 1394]
        assert [size(bptt.init_params(m, k, q)) for k in (24, 48, 49, 50)] == [698, 2546, 2648, 2752]
        assert all(size(bptt.init_params(m, k, q)) == k * k + 5 * k + 2 for k in (24, 48, 49, 50))


def test_the_vanilla_network_that_matches_the_lstm_is_the_closest_one():
    """Exercise 1 and the experiment: the vanilla n whose parameter count is closest to the LSTM's."""
    size = lambda p: sum(np.size(v) for v in p.values())
    target = size(lstm_init_params(2, 24, 2))
    gaps = {k: abs(size(bptt.init_params(2, k, 2)) - target) for k in range(1, 100)}
    best = min(gaps, key=gaps.get)
    assert best == 49 and gaps[49] < gaps[50]
    text = CHAPTER.read_text()
    solution = text[text.index("```{solution} ex-gated-1"):]
    solution = solution[:solution.index("```", 10)]
    assert f"so $n = {best}$" in solution and "is the closest match" in solution
    assert "hence the\n$n = 50$" not in text and '"rnn", 50)' not in text   # the old choice


# ----------------------------------------------------------------------------------------------
# argument checks, the optimiser, the experiment and the explorable
# ----------------------------------------------------------------------------------------------

def test_argument_errors(rng):
    p = lstm_init_params(3, 4, 2)
    X, Y = rng.normal(size=(5, 2, 3)), rng.integers(0, 2, size=(5, 2))
    with pytest.raises(ValueError, match="W_hf"):
        lstm_grads({k: v for k, v in p.items() if k != "W_hf"}, X, Y)
    with pytest.raises(ValueError, match=r"params\['W_hc'\].*\(n, n\)"):
        lstm_grads({**p, "W_hc": np.zeros((4, 3))}, X, Y)
    with pytest.raises(ValueError, match="c0"):
        lstm_grads(p, X, Y, c0=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="m = 3"):
        lstm_forward(p, rng.normal(size=(5, 2, 2)))
    with pytest.raises(ValueError, match="Y must hold class indices"):
        lstm_grads(p, X, Y + 5)
    with pytest.raises(ValueError, match="weights"):
        lstm_grads(p, X, Y, weights=np.ones(4))
    with pytest.raises(TypeError, match="params must be a dict"):
        lstm_forward([1, 2], X)
    with pytest.raises(ValueError, match="n_hidden"):
        lstm_init_params(3, 0, 2)
    with pytest.raises(ValueError, match="forget_bias"):
        lstm_init_params(3, 4, 2, forget_bias=float("nan"))
    g = gru_init_params(3, 4, 2)
    with pytest.raises(ValueError, match="W_xr"):
        gru_grads({k: v for k, v in g.items() if k != "W_xr"}, X, Y)
    with pytest.raises(ValueError, match="h0"):
        gru_grads(g, X, Y, h0=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="w_co"):
        peephole_grads(p, X, Y)                                      # an LSTM dict lacks the peepholes
    b = birnn_init_params(3, 4, 2)
    with pytest.raises(ValueError, match="activation"):
        birnn_grads(b, X, Y, activation="softsign")
    with pytest.raises(ValueError, match="h0_bwd"):
        birnn_grads(b, X, Y, h0_bwd=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="lr"):
        adam_step(p, p, adam_init(p), lr=0.0)
    with pytest.raises(ValueError, match="name"):
        train_recall("transformer")


def test_adam_first_step_moves_each_parameter_by_lr_against_its_gradient(rng):
    """With bias correction, m̂ = g and v̂ = g² at t = 1, so the step is lr · g / |g| (Kingma & Ba)."""
    params = {"a": rng.normal(size=(3, 2)), "b": rng.normal(size=4)}
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    new, state = adam_step(params, grads, adam_init(params), lr=0.01)
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.01 * np.sign(grads[k]), rtol=1e-6, atol=1e-9)
    assert state["t"] == 1


def test_gated_training_learns_a_short_recall_and_is_reproducible():
    a = train_recall("gru", delay=2, T=8, n_hidden=8, B=8, steps=150, lr=0.03, seed=0, eval_B=100)
    b = train_recall("gru", delay=2, T=8, n_hidden=8, B=8, steps=150, lr=0.03, seed=0, eval_B=100)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["loss"][-20:].mean() < 0.5 * bptt.chance_loss(2)
    assert a["accuracy"] > 0.9


def test_lag_curves_are_finite_and_the_vanilla_curve_is_bptts(rng):
    from bptt.viz import gated as V

    for bias, rho in [(-2.0, 2.0), (5.0, 0.5)]:
        d = V.lag_curves(bias, rho, T=30)
        for key, curve in d.items():
            assert curve.shape == (31,) and np.all(np.isfinite(curve)) and np.all(curve >= 0), key
    # the vanilla curve from bptt.backward with the loss of the last step: ∂L_T/∂h_k = W_hhᵀ δ_{k+1}
    T = 30
    d = V.lag_curves(1.0, 1.0, T=T)
    rng0 = np.random.default_rng(0)
    X = rng0.normal(size=(T, V.BATCH, V.M_IN))
    Y = rng0.integers(0, V.Q_OUT, size=(T, V.BATCH))
    w = np.zeros(T)
    w[-1] = 1.0
    params = bptt.init_params(V.M_IN, V.N_HIDDEN, V.Q_OUT, seed=0, spectral_radius=1.0)
    out = bptt.backward(params, X, Y, weights=w)
    dh = np.concatenate([out["delta"] @ params["W_hh"], (out["dO"][-1] @ params["W_qh"])[None]])
    rms = np.sqrt((np.linalg.norm(dh, axis=-1) ** 2).mean(axis=1))
    np.testing.assert_allclose(d["rnn"], rms[::-1], rtol=1e-10)


def test_explorable_has_few_frames_and_draws_extreme_settings_without_nan():
    from bptt.viz import gated as V
    from bptt.viz.explorable import nonfinite_count

    e = V.lag_explorable()
    assert len(e.grid()) <= 120
    for bias, rho in [(-2.0, 2.0), (5.0, 0.5)]:
        e.render(bias=bias, rho=rho)
        assert nonfinite_count(e.figure()) == 0


# ----------------------------------------------------------------------------------------------
# the page as the reader sees it: code lines that fit the column, numbers from the build
# ----------------------------------------------------------------------------------------------

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "gated.md"
# the chapter's sections of the two appendices
APPENDIX = [CHAPTER.with_name("sources_gated.md"), CHAPTER.with_name("measured_gated.md")]


def test_no_code_line_the_reader_sees_is_wider_than_the_column():
    """Code cells (hidden ones too: a reader can unfold them) and included library code."""
    long = long_code_lines(pages("gated", "sources_gated", "measured_gated"))
    assert not long, "code lines that scroll sideways at 1280 px:\n" + "\n".join(long)


def test_the_code_line_scan_sees_cells_and_included_functions():
    shown = "\n".join(code_blocks(pages("gated", "sources_gated", "measured_gated")))
    for included in ("def cell_backward(", "def lstm_backward(", "def birnn_grads(", 'd_z[s] @ p["W_hz"])'):
        assert included in shown, included
    fake = "```{code-cell} ipython3\n" + "x = 1  # " + "a" * 80 + "\n```\n"
    assert [len(line) for line in long_code_lines(fake)] == [89]


# ----------------------------------------------------------------------------------------------
# issue 12: the page's shape (the browser check measures heights; these hold the text)
# ----------------------------------------------------------------------------------------------

def test_key_result_box_comes_first_and_source_mentions_are_few():
    text = CHAPTER.read_text()
    box = text.index(":class: key-result")
    assert box < text.index("\n## "), "the key-result box must precede the first section"
    box_text = text[box:text.index("\n```\n", box)]
    for label in ("eq-gated-key-cell", "eq-gated-key-backward", "eq-gated-key-path"):
        assert f"({label})" in box_text
    assert "**You need:**" in text[:box] and "## You should now be able to" in text
    mentions = re.findall(r"[Ss]ource 00\d|00\d_[0-9a-f]{16}", text)
    assert len(mentions) <= 5, mentions
    assert ":class: warning" not in text          # corrections live in sources_gated.md
    assert "(eq-gated-concat)" in APPENDIX[0].read_text()


def test_worked_case_compares_with_the_library():
    """The hand-worked LSTM (n = 1, T = 3) asserts its numbers against lstm_backward and lstm_grads."""
    text = CHAPTER.read_text()
    case = text[text.index("### A case worked by hand"):text.index("### The backward pass in NumPy")]
    assert "lstm_backward(p, X, Y)" in case and "lstm_grads(p, X, Y)" in case
    assert case.count("assert ") >= 4


def test_worked_case_table_states_the_weights_the_cell_uses():
    text = CHAPTER.read_text()
    case = text[text.index("### A case worked by hand"):text.index("### The backward pass in NumPy")]
    assert '{"i": (0.5, 0.2, 0.0), "f": (0.3, -0.1, 1.0),' in case
    assert '"o": (0.4, 0.1, 0.0), "c": (0.8, 0.5, 0.0)}' in case
    for row in ("| $W_{xg}$ | 0.5 | 0.3 | 0.4 | 0.8 |", "| $W_{hg}$ | 0.2 | $-0.1$ | 0.1 | 0.5 |",
                "| $b_g$ | 0 | 1 | 0 | 0 |"):
        assert row in case
    assert "np.array([1.0, -1.0, 0.5])" in case and "np.array([0, 1, 0])" in case
    assert "$x_1, x_2, x_3 = 1, -1, 0.5$" in case and "$y_1, y_2, y_3 = 0, 1, 0$" in case


def test_a_networks_name_keys_its_runs_and_a_bad_kind_is_named():
    from bptt.i18n import language, local
    from bptt.viz import gated as V

    assert V.network("rnn", 24) == "vanilla RNN, n = 24" and V.network("lstm", 24) == "LSTM, n = 24"
    with language("zh_CN"):
        assert local(V.network("rnn", 24)) == "普通 RNN，n = 24"        # locales/zh_CN/LC_MESSAGES/code.po
        assert local(V.network("gru", 8)) == "GRU，n = 8"
    with pytest.raises(ValueError, match="kind: expected one of rnn, lstm, gru, got 'cnn'"):
        V.network("cnn", 24)
