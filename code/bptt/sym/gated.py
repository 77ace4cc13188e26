"""SymPy derivations for the gated cells: the LSTM's constant error carousel and the GRU's leaky path.

Each cell is built with explicit symbols for a small size (n cells, m inputs) so that SymPy can
differentiate it entry by entry. Functions named ``*_jacobian`` return a pair (derived, claimed):
the Jacobian SymPy computes from the cell's equations and the closed form the book displays;
the tests check that the two are identical. :func:`abbreviate` rewrites the gates as short
symbols (f_{t,1} for σ(z^f_{t,1}) and so on) for display.
"""
import sympy as sp


class sigma(sp.Function):
    """The logistic function σ(z) = 1 / (1 + e^{-z}), whose derivative is σ(1 − σ)."""

    @classmethod
    def eval(cls, z):
        if isinstance(z, sp.Float):                  # numbers evaluate, symbols stay σ(·)
            return 1 / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))


def _vec(name, n):
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{{{i + 1}}}"))


def _mat(name, rows, cols):
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1}{j + 1}}}"))


def _had(a, b):
    """Element-wise (Hadamard) product a ⊙ b of two column vectors."""
    return a.multiply_elementwise(b)


def _diag(v):
    return sp.diag(*v)


def _map(fn, v):
    return v.applyfunc(fn)


def lstm_cell(n=2, m=2, peephole=False):
    """One LSTM step in symbols: a dict with the inputs x, h_prev, c_prev, the weights, the gates
    i, f, o_gate, the candidate c_tilde, the new c and h. With ``peephole`` the gates also see
    the cell (w_ci ⊙ c_{t-1}, w_cf ⊙ c_{t-1}, w_co ⊙ c_t)."""
    s = {"x": _vec("x", m), "h_prev": _vec("h^{t-1}", n), "c_prev": _vec("c^{t-1}", n),
         "o_gate_prev": _vec("o^{gate,t-1}", n)}                    # used by lstm_total_cell_jacobian only
    for g in "ifoc":
        s[f"W_x{g}"], s[f"W_h{g}"], s[f"b_{g}"] = _mat(f"W^{{x{g}}}", n, m), _mat(f"W^{{h{g}}}", n, n), _vec(f"b^{g}", n)
    z = {g: s[f"W_x{g}"] * s["x"] + s[f"W_h{g}"] * s["h_prev"] + s[f"b_{g}"] for g in "ifoc"}
    if peephole:
        for g in ("ci", "cf", "co"):
            s[f"w_{g}"] = _vec(f"w^{{{g}}}", n)
        z["i"] += _had(s["w_ci"], s["c_prev"])
        z["f"] += _had(s["w_cf"], s["c_prev"])
    s["i"], s["f"], s["c_tilde"] = _map(sigma, z["i"]), _map(sigma, z["f"]), _map(sp.tanh, z["c"])
    s["c"] = _had(s["f"], s["c_prev"]) + _had(s["i"], s["c_tilde"])            # c_t = f ⊙ c_{t-1} + i ⊙ c̃
    s["o_gate"] = _map(sigma, z["o"] + (_had(s["w_co"], s["c"]) if peephole else sp.zeros(n, 1)))
    s["h"] = _had(s["o_gate"], _map(sp.tanh, s["c"]))                         # h_t = o^gate ⊙ tanh(c_t)
    return s


def abbreviate(expr, cell):
    """``expr`` with each gate entry σ(·) or tanh(·) of ``cell`` replaced by a short symbol."""
    names = {"i": "i_{{t,{}}}", "f": "f_{{t,{}}}", "o_gate": "o^{{gate}}_{{t,{}}}", "c_tilde": r"\tilde{{c}}_{{t,{}}}",
             "r": "r_{{t,{}}}", "z": "z_{{t,{}}}", "h_tilde": r"\tilde{{h}}_{{t,{}}}"}
    subs = {}
    for key, fmt in names.items():
        if key in cell:
            subs.update({e: sp.Symbol(fmt.format(j + 1)) for j, e in enumerate(cell[key])})
    return sp.sympify(expr).xreplace(subs)


def cec_jacobian(n=2, m=2):
    """The direct ∂c_t/∂c_{t-1} of the LSTM (h_{t-1} held fixed), and the claim diag(f_t)."""
    s = lstm_cell(n, m)
    return s["c"].jacobian(s["c_prev"]), _diag(s["f"])


def lstm_dc_dh_jacobian(n=2, m=2):
    """∂c_t/∂h_{t-1}, and the claim
    diag(c_{t-1} ⊙ f(1−f)) W_hf + diag(c̃ ⊙ i(1−i)) W_hi + diag(i ⊙ (1−c̃²)) W_hc."""
    s = lstm_cell(n, m)
    one = sp.ones(n, 1)
    claim = (_diag(_had(s["c_prev"], _had(s["f"], one - s["f"]))) * s["W_hf"]
             + _diag(_had(s["c_tilde"], _had(s["i"], one - s["i"]))) * s["W_hi"]
             + _diag(_had(s["i"], one - _had(s["c_tilde"], s["c_tilde"]))) * s["W_hc"])
    return s["c"].jacobian(s["h_prev"]), claim


def lstm_total_cell_jacobian(n=2, m=2):
    """The total ∂⁺c_t/∂c_{t-1} when h_{t-1} = o^gate_{t-1} ⊙ tanh(c_{t-1}) also depends on c_{t-1}
    (o^gate_{t-1} is a symbol: it does not depend on c_{t-1} in the plain LSTM), and the claim
    diag(f_t) + (∂c_t/∂h_{t-1}) diag(o^gate_{t-1} ⊙ (1 − tanh² c_{t-1}))."""
    s = lstm_cell(n, m)
    o_prev = s["o_gate_prev"]
    tanh_prev = _map(sp.tanh, s["c_prev"])
    h_of_c = _had(o_prev, tanh_prev)
    c_total = s["c"].xreplace(dict(zip(s["h_prev"], h_of_c)))
    dc_dh = s["c"].jacobian(s["h_prev"]).xreplace(dict(zip(s["h_prev"], h_of_c)))
    f = s["f"].xreplace(dict(zip(s["h_prev"], h_of_c)))
    claim = _diag(f) + dc_dh * _diag(_had(o_prev, sp.ones(n, 1) - _had(tanh_prev, tanh_prev)))
    return c_total.jacobian(s["c_prev"]), claim


def peephole_cec_jacobian(n=2, m=2):
    """The direct ∂c_t/∂c_{t-1} of the peephole LSTM (h_{t-1} fixed), and the claim
    diag(f + w_cf ⊙ c_{t-1} ⊙ f(1−f) + w_ci ⊙ c̃ ⊙ i(1−i)): still diagonal."""
    s = lstm_cell(n, m, peephole=True)
    one = sp.ones(n, 1)
    claim = _diag(s["f"] + _had(s["w_cf"], _had(s["c_prev"], _had(s["f"], one - s["f"])))
                  + _had(s["w_ci"], _had(s["c_tilde"], _had(s["i"], one - s["i"]))))
    return s["c"].jacobian(s["c_prev"]), claim


def concat_form(n=2, m=2, gate="f"):
    """Source 001's W_f·[h_{t-1}, x_t] + b_f with W_f = [W_hf  W_xf], and the split form
    W_xf x_t + W_hf h_{t-1} + b_f. Returns (concatenated, split)."""
    s = lstm_cell(n, m)
    W = s[f"W_h{gate}"].row_join(s[f"W_x{gate}"])                  # (n, n + m)
    v = s["h_prev"].col_join(s["x"])                              # [h_{t-1}; x_t], (n + m, 1)
    return W * v + s[f"b_{gate}"], s[f"W_x{gate}"] * s["x"] + s[f"W_h{gate}"] * s["h_prev"] + s[f"b_{gate}"]


def gru_cell(n=2, m=2):
    """One GRU step in symbols (d2l's form): x, h_prev, the weights, r, z, h_tilde and h."""
    s = {"x": _vec("x", m), "h_prev": _vec("h^{t-1}", n)}
    for g in "rzh":
        s[f"W_x{g}"], s[f"W_h{g}"], s[f"b_{g}"] = _mat(f"W^{{x{g}}}", n, m), _mat(f"W^{{h{g}}}", n, n), _vec(f"b^{g}", n)
    s["r"] = _map(sigma, s["W_xr"] * s["x"] + s["W_hr"] * s["h_prev"] + s["b_r"])
    s["z"] = _map(sigma, s["W_xz"] * s["x"] + s["W_hz"] * s["h_prev"] + s["b_z"])
    s["h_tilde"] = _map(sp.tanh, s["W_xh"] * s["x"] + s["W_hh"] * _had(s["r"], s["h_prev"]) + s["b_h"])
    s["h"] = _had(s["z"], s["h_prev"]) + _had(sp.ones(n, 1) - s["z"], s["h_tilde"])
    return s


def gru_jacobian(n=2, m=2):
    """∂h_t/∂h_{t-1} of the GRU, and the claim (four terms: the leaky path, the update gate,
    the candidate through r_t ⊙ h_{t-1} with r_t fixed, and the candidate through the reset gate)
    diag(z) + diag((h_{t-1} − h̃) ⊙ z(1−z)) W_hz + diag((1−z) ⊙ (1−h̃²)) W_hh diag(r)
    + diag((1−z) ⊙ (1−h̃²)) W_hh diag(h_{t-1} ⊙ r(1−r)) W_hr."""
    s = gru_cell(n, m)
    one, z, r, ht, hp = sp.ones(n, 1), s["z"], s["r"], s["h_tilde"], s["h_prev"]
    through_candidate = _diag(_had(one - z, one - _had(ht, ht))) * s["W_hh"]
    claim = (_diag(z) + _diag(_had(hp - ht, _had(z, one - z))) * s["W_hz"]
             + through_candidate * _diag(r)
             + through_candidate * _diag(_had(hp, _had(r, one - r))) * s["W_hr"])
    return s["h"].jacobian(hp), claim


def leaky_integrator():
    """The GRU's update with constant z and h̃ is a leaky integrator: h_t = h̃ + z^t (h_0 − h̃).

    Returns (closed form h_t, the residual h_t − (z h_{t-1} + (1 − z) h̃), which is 0)."""
    z, h_tilde, h0 = sp.symbols(r"z \tilde{h} h_0")
    t = sp.Symbol("t", integer=True, nonnegative=True)
    h = lambda k: h_tilde + z ** k * (h0 - h_tilde)
    return h(t), sp.powsimp(sp.expand(h(t) - (z * h(t - 1) + (1 - z) * h_tilde)))


def aligned_terms(expr):
    """LaTeX of a sum with one term per line (an ``aligned`` block), for long entries."""
    terms = sp.Add.make_args(sp.sympify(expr))
    lines = [sp.latex(terms[0])] + [f"- {sp.latex(-t)}" if t.could_extract_minus_sign() else f"+ {sp.latex(t)}"
                                    for t in terms[1:]]
    return r"\begin{aligned}&" + r"\\ &".join(lines) + r"\end{aligned}"


def is_zero_matrix(M):
    """True when every entry of M is 0 once expanded (simplified, if expanding is not enough)."""
    return all(sp.expand(e) == 0 or sp.simplify(e) == 0 for e in M)
