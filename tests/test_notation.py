"""The notation page held to the library: every formula-to-code mapping it states is read from the
page's text and evaluated against `bptt`, and the backward step it displays is checked by finite
differences.

The reference values come from a loop over column vectors written here, one example at a time,
independently of the library's batched rows.
"""
import re
from pathlib import Path

import numpy as np
import pytest

import bptt

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "notation.md"

# Numbers in the prose of notation.md, index.md and the appendix index pages, and of sources_notation.md
# (tests/test_prose_numbers.py): none. Source 003's weights sit in a display equation on sources_notation.md
# (held below), the Python version in inline code.
PROSE_NUMBERS = {"given": set(), "held": {}}


# -- an independent forward and backward pass, one example at a time, in columns -----------------

def column_pass(params, X, Y, w, h0=None, dh=None):
    """Loss and every intermediate of the Elman network, by a loop over examples and steps.

    dh = (t, b, vector) adds a perturbation to h_t of example b (t = 0 is h_0) and reruns the rest.
    Returns L and a dict of arrays indexed like the book: x[t], h[t], z[t], o[t], p[t] for t = 1..T
    (index 0 unused except h[0]), each (B, ·).
    """
    W_hx, W_hh, b_h = params["W_hx"], params["W_hh"], params["b_h"]
    W_qh, b_q = params["W_qh"], params["b_q"]
    T, B, _ = X.shape
    n, q = W_hh.shape[0], W_qh.shape[0]
    h = np.zeros((T + 1, B, n)) if h0 is None else np.concatenate([h0[None], np.zeros((T, B, n))])
    z, o, p = np.zeros((T + 1, B, n)), np.zeros((T + 1, B, q)), np.zeros((T + 1, B, q))
    L = 0.0
    for b in range(B):
        if dh is not None and dh[0] == 0 and dh[1] == b:
            h[0, b] = h[0, b] + dh[2]
        for t in range(1, T + 1):
            z[t, b] = W_hx @ X[t - 1, b] + W_hh @ h[t - 1, b] + b_h
            h[t, b] = np.tanh(z[t, b])
            if dh is not None and dh[0] == t and dh[1] == b:
                h[t, b] = h[t, b] + dh[2]
            o[t, b] = W_qh @ h[t, b] + b_q
            e = np.exp(o[t, b] - o[t, b].max())
            p[t, b] = e / e.sum()
            L += w[t - 1] * -np.log(p[t, b, Y[t - 1, b]])
    return L, {"h": h, "z": z, "o": o, "p": p}


def column_backward(params, X, Y, w, h0=None):
    """∂L/∂o_t, ∂⁺L/∂h_t, δ_t and the parameter gradients from the column formulas of the page."""
    _, v = column_pass(params, X, Y, w, h0)
    W_hh, W_qh = params["W_hh"], params["W_qh"]
    T, B, _ = X.shape
    n, q = W_hh.shape[0], W_qh.shape[0]
    g_o = np.zeros((T + 1, B, q))
    g_h = np.zeros((T + 2, B, n))                  # ∂⁺L/∂h_t; row T+1 stays 0
    delta = np.zeros((T + 2, B, n))                # δ_t;      δ_{T+1} = 0
    for b in range(B):
        for t in range(T, 0, -1):
            g_o[t, b] = w[t - 1] * (v["p"][t, b] - np.eye(q)[Y[t - 1, b]])
            J_next = np.diag(1 - v["h"][t + 1, b] ** 2) @ W_hh if t < T else np.zeros((n, n))
            g_h[t, b] = W_qh.T @ g_o[t, b] + J_next.T @ g_h[t + 1, b]
            delta[t, b] = np.diag(1 - v["h"][t, b] ** 2) @ g_h[t, b]
    dh0 = np.array([W_hh.T @ delta[1, b] for b in range(B)])
    outer = lambda a, c: sum(np.outer(a[b], c[b]) for b in range(B))   # noqa: E731  Σ_b a cᵀ
    grads = {
        "W_hh": sum(outer(delta[t], v["h"][t - 1]) for t in range(1, T + 1)),
        "W_hx": sum(outer(delta[t], X[t - 1]) for t in range(1, T + 1)),
        "b_h": delta[1:T + 1].sum(axis=(0, 1)),
        "W_qh": sum(outer(g_o[t], v["h"][t]) for t in range(1, T + 1)),
        "b_q": g_o[1:].sum(axis=(0, 1)),
    }
    return {**v, "g_o": g_o, "g_h": g_h, "delta": delta, "dh0": dh0, "grads": grads, "outer": outer}


def problem(seed=3, T=4, B=3, m=2, n=5, q=3):
    rng = np.random.default_rng(seed)
    params = bptt.init_params(m, n, q, seed=seed)
    params["b_h"] = rng.normal(scale=0.3, size=n)
    params["b_q"] = rng.normal(scale=0.3, size=q)
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    w = rng.uniform(0.5, 1.5, size=T)
    return params, X, Y, w


# -- the mappings stated on the page ---------------------------------------------------------------

def normalise(tex):
    """A formula's left-hand side, without spaces and thin spaces; \\frac{∂a}{∂b} written ∂a/∂b."""
    tex = re.sub(r"\\[,;!]|\s+", "", tex.split("=")[0])
    return re.sub(r"\\frac\{(\\partial[^{}]*)\}\{(\\partial[^{}]*)\}", r"\1/\2", tex)


def references(ref, P, X, Y, T):
    """Normalised formula -> (function of t giving the batch of column results as rows, steps t)."""
    outer, g = ref["outer"], ref["grads"]
    all_t = range(1, T + 1)
    return {
        "x_t": (lambda t: X[t - 1], all_t),
        "h_t": (lambda t: ref["h"][t], all_t),
        "y_t": (lambda t: Y[t - 1], all_t),
        r"W_{hx}x_t": (lambda t: np.array([P["W_hx"] @ x for x in X[t - 1]]), all_t),
        r"W_{hh}h_{t-1}": (lambda t: np.array([P["W_hh"] @ h for h in ref["h"][t - 1]]), all_t),
        "z_t": (lambda t: ref["z"][t], all_t),
        "o_t": (lambda t: ref["o"][t], all_t),
        r"\haty_t": (lambda t: ref["p"][t], all_t),
        r"\partialL/\partialo_t": (lambda t: ref["g_o"][t], all_t),
        "f'(z_t)": (lambda t: 1 - np.tanh(ref["z"][t]) ** 2, all_t),
        "D_t": (lambda t: 1 - np.tanh(ref["z"][t]) ** 2, all_t),      # its diagonal
        r"\delta_t": (lambda t: ref["delta"][t], all_t),
        r"\delta_th_{t-1}^\top": (lambda t: outer(ref["delta"][t], ref["h"][t - 1]), all_t),
        r"\partialL/\partialW_{hh}": (lambda t: g["W_hh"], [1]),
        r"\partialL/\partialW_{hx}": (lambda t: g["W_hx"], [1]),
        r"\partialL/\partialb_h": (lambda t: g["b_h"], [1]),
        r"\partialL/\partialW_{qh}": (lambda t: g["W_qh"], [1]),
        r"\partialL/\partialb_q": (lambda t: g["b_q"], [1]),
        r"\partialL/\partialh_0": (lambda t: ref["dh0"], [1]),
    }

ROW = re.compile(r"^\|(?P<cells>.*)\|\s*$", re.M)
MATH = re.compile(r"\$([^$]+)\$")
CODE = re.compile(r"`([^`]+)`")
SENTENCE = [re.compile(r"\$(?P<tex>[^$]+)\$[^$`\n]{0,40}?\b(?:becomes|is) `(?P<code>[^`]+)`"),
            re.compile(r"`(?P<code>[^`]+)` is \$(?P<tex>[^$]+)\$")]


def stated_mappings(text):
    """(formula, code, where) for every mapping the page states before its concordance."""
    text = text.split("## Concordance")[0]
    formulas = text[text.index("## Formulas and code"):]
    out = []
    for part, every_span in ((formulas, True), (text[:text.index("## Formulas and code")], False)):
        for row in ROW.finditer(part):
            cells = [c.strip() for c in row.group("cells").split("|")]
            math = MATH.search(cells[0])
            if len(cells) < 2 or not math:
                continue
            for code in CODE.findall(cells[-1]):
                if every_span or "[t" in code:
                    out.append((math.group(1), code, row.group(0).strip()[:60]))
    flat = re.sub(r"\s*\n\s*", " ", text)         # sentences run over line breaks
    for pattern in SENTENCE:
        for m in pattern.finditer(flat):
            if "[t" in m.group("code"):
                out.append((m.group("tex"), m.group("code"), m.group(0)[:60]))
    return out


def test_every_code_mapping_on_the_notation_page_is_what_the_library_computes():
    params, X, Y, w = problem()
    T, _, m = X.shape
    n, q = params["W_hh"].shape[0], params["W_qh"].shape[0]
    ref = column_backward(params, X, Y, w)
    refs = references(ref, params, X, Y, T)
    r = bptt.backward(params, X, Y, weights=w)
    names = {"X": X, "Y": Y, "H": r["H"], "O": r["O"], "dO": r["dO"], "delta": r["delta"], "dh0": r["dh0"],
             "grads": r["grads"], "T": T, "m": m, "n": n, "q": q, "np": np, "bptt": bptt, **params}
    mappings = stated_mappings(PAGE.read_text())
    wrong, unknown = [], []
    for tex, code, where in mappings:
        key = normalise(tex)
        if key not in refs:
            unknown.append(f"{tex!r} (in: {where})")
            continue
        fn, steps = refs[key]
        if r"\delta_{t+1}" in tex:
            steps = range(1, T)                    # a recursion that reads δ_{t+1}: steps t < T
        for t in steps:
            got = eval(code, {**names, "t": t})  # noqa: S307 - the page's own code text
            if np.shape(got) != np.shape(fn(t)) or not np.allclose(got, fn(t), rtol=1e-10, atol=1e-12):
                wrong.append(f"${tex}$ -> `{code}` at t = {t}")
                break
    assert not wrong, "the notation page maps formulas to the wrong code:\n" + "\n".join(wrong)
    assert not unknown, "mappings this test has no reference for (add one here): " + "; ".join(unknown)
    assert len(mappings) >= 20, f"expected the page's table of formulas and code, found {len(mappings)} mappings"
    keys = {normalise(tex) for tex, _, _ in mappings}
    assert {"z_t", r"\delta_th_{t-1}^\top", r"\partialL/\partialW_{hh}", r"W_{hx}x_t"} <= keys


def test_the_reader_sees_a_wrong_mapping_fail():
    """The checker itself: an off-by-one in the text is caught."""
    params, X, Y, w = problem(seed=5)
    ref = column_backward(params, X, Y, w)
    fn, _ = references(ref, params, X, Y, X.shape[0])[r"\delta_th_{t-1}^\top"]
    r = bptt.backward(params, X, Y, weights=w)
    good = r["delta"][2 - 1].T @ r["H"][2 - 1]
    bad = r["delta"][2].T @ r["H"][2 - 1]             # HEAD's `delta[t].T @ H[t-1]`
    assert np.allclose(good, fn(2)) and not np.allclose(bad, fn(2))
    found = stated_mappings("## Formulas and code\nSo $W_{hx} x_t$ (a column) becomes `X[t] @ W_hx.T`.\n")
    assert found == [("W_{hx} x_t", "X[t] @ W_hx.T", found[0][2])]


# -- the displayed backward step -------------------------------------------------------------------

@pytest.mark.formula("eq-notation-backward")
def test_backward_step_multiplies_by_transposed_jacobians():
    params, X, Y, w = problem(seed=7, T=5, B=2, n=4)
    T, B, _ = X.shape
    n = params["W_hh"].shape[0]
    h0 = np.random.default_rng(8).normal(size=(B, n))
    ref = column_backward(params, X, Y, w, h0)
    eps = 1e-6
    for t in range(0, T + 1):                      # ∂⁺L/∂h_t: nudge h_t, rerun everything after it
        for b in range(B):
            fd = np.array([(column_pass(params, X, Y, w, h0, (t, b, eps * e))[0]
                            - column_pass(params, X, Y, w, h0, (t, b, -eps * e))[0]) / (2 * eps)
                           for e in np.eye(n)])
            expected = ref["dh0"][b] if t == 0 else ref["g_h"][t, b]
            np.testing.assert_allclose(expected, fd, rtol=1e-6, atol=1e-9)
    lib = bptt.backward(params, X, Y, h0, weights=w)
    np.testing.assert_allclose(lib["delta"], ref["delta"][1:T + 1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lib["dh0"], ref["dh0"], rtol=1e-10, atol=1e-12)
    # the +: h_t reaches L along two paths for t < T, so the direct term alone is not the total
    direct = np.array([params["W_qh"].T @ ref["g_o"][1, b] for b in range(B)])
    assert not np.allclose(direct, ref["g_h"][1])


def test_layout_example_gradient_has_the_shape_of_v_and_is_the_transposed_jacobian_times_c():
    rng = np.random.default_rng(0)
    A, c, v = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=3)
    eps = 1e-6
    grad = np.array([(c @ A @ (v + eps * e) - c @ A @ (v - eps * e)) / (2 * eps) for e in np.eye(3)])
    jac = np.column_stack([(A @ (v + eps * e) - A @ (v - eps * e)) / (2 * eps) for e in np.eye(3)])
    assert jac.shape == (2, 3) and grad.shape == (3,)
    np.testing.assert_allclose(grad, jac.T @ c, rtol=1e-8)


# -- the page's tables render: no bare | inside maths ----------------------------------------------

@pytest.mark.parametrize("name", ["notation.md", "intro_rnn.md", "ordered_derivatives.md", "index.md"])
def test_table_rows_have_as_many_cells_as_their_header(name):
    text = (ROOT / "book" / name).read_text()
    bad = []
    for block in re.findall(r"(?:^\|.*\|[ \t]*\n)+", text, re.M):
        rows = block.strip().split("\n")
        width = len(rows[0].strip().strip("|").split("|"))
        for row in rows[1:]:
            if len(row.strip().strip("|").split("|")) != width:
                bad.append(row[:70])
    assert not bad, f"{name}: table rows whose cell count differs from the header (a | inside maths?): {bad}"


@pytest.mark.formula("eq-notation-source003-weights", "eq-notation-loss")
def test_source_003_weighted_loss_is_the_book_loss_with_weights_on_the_per_step_losses():
    params, X, Y, _ = problem(seed=11, T=3, B=2)
    w = np.array([0.1, 0.1, 0.8])
    _, v = column_pass(params, X, Y, np.ones(3))
    ell = np.array([-np.log(v["p"][t][np.arange(2), Y[t - 1]]).sum() for t in (1, 2, 3)])   # ℓ_t (batch summed)
    assert bptt.bptt_grads(params, X, Y, weights=w)[0] == pytest.approx(0.1 * ell[0] + 0.1 * ell[1] + 0.8 * ell[2])
    # weights written on top of already weighted L_t = w_t ℓ_t would apply twice: a different number
    assert bptt.bptt_grads(params, X, Y, weights=w)[0] != pytest.approx(float(np.sum(w * (w * ell))))


# -- the reference page keeps the book's notation; the sources' notation is in the appendix (issue 12) ---

def test_the_concordance_and_the_warnings_about_the_sources_live_in_the_appendix():
    text = PAGE.read_text()
    appendix = (ROOT / "book" / "sources_notation.md").read_text()
    assert "Concordance" not in text and "{ref}`notation-concordance`" in text
    assert "(notation-concordance)=\n## Concordance of the sources" in appendix
    assert appendix.count(":class: warning") == 7                      # every warning about the sources
    assert len(re.findall(r"[Ss]ource 00\d|00\d_[0-9a-f]{16}", text)) <= 5
    for heading in ("## The model", "## Derivatives", "**The one rule for the $+$.**", "**Layout.**",
                    "## Formulas and code"):
        assert heading in text, heading
