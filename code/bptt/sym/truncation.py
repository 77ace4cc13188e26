"""SymPy for the truncation chapter: the recursion a_t = b_t + c_t a_{t-1}, its closed form, the
source's sum-of-products formula for ∂h_t/∂w_h on a scalar network, and the randomized recursion
with its expectation and variance.

Symbols: b_t = ∂f(x_t, h_{t-1}, w_h)/∂w_h (the direct partial), c_t = ∂f(x_t, h_{t-1}, w_h)/∂h_{t-1},
a_t = ∂⁺h_t/∂w_h (the total derivative), ξ_t the random weight, π_t its continuation probability.
"""
import sympy as sp


def recursion_symbols(t):
    """(b, c, xi, pi): lists of the symbols b_1..b_t, c_1..c_t, ξ_1..ξ_t, π_1..π_t (index i-1 holds step i)."""
    rng = range(1, t + 1)
    return ([sp.Symbol(f"b_{i}") for i in rng], [sp.Symbol(f"c_{i}") for i in rng],
            [sp.Symbol(f"xi_{i}") for i in rng], [sp.Symbol(f"pi_{i}", positive=True) for i in rng])


def unrolled(t, xi=False):
    """a_t by running a_i = b_i + c_i a_{i-1} from a_0 = 0 (with xi: z_i = b_i + ξ_i c_i z_{i-1})."""
    b, c, x, _ = recursion_symbols(t)
    a = sp.Integer(0)
    for i in range(t):
        a = b[i] + (x[i] if xi else 1) * c[i] * a
    return sp.expand(a)


def closed_form(t):
    """a_t = b_t + Σ_{i=1}^{t-1} (Π_{j=i+1}^{t} c_j) b_i, written out."""
    b, c, _, _ = recursion_symbols(t)
    return b[t - 1] + sum(sp.Mul(*c[i:t]) * b[i - 1] for i in range(1, t))


def truncated_closed_form(t, tau):
    """The closed form with only the terms that reach at most tau steps back (i > t − tau): a sliding truncation."""
    b, c, _, _ = recursion_symbols(t)
    return b[t - 1] + sum(sp.Mul(*c[i:t]) * b[i - 1] for i in range(max(1, t - tau + 1), t))


def expectation(expr, t):
    """E[expr] for a polynomial in independent ξ_1..ξ_t with P(ξ_i = 1/π_i) = π_i, P(ξ_i = 0) = 1 − π_i.

    E[ξ^e] = π (1/π)^e = π^(1−e) for e >= 1, so each monomial's expectation is a product of those.
    """
    _, _, xi, pi = recursion_symbols(t)
    poly = sp.Poly(sp.expand(expr), *xi)
    out = sp.Integer(0)
    for powers, coeff in poly.terms():
        out += coeff * sp.Mul(*[p ** (1 - e) for p, e in zip(pi, powers) if e > 0])
    return sp.expand(out)


def variance_recursion(t):
    """Var z_t from Var z_1 = 0 and Var z_i = (c_i²/π_i) Var z_{i-1} + c_i² a_{i-1}² (1 − π_i)/π_i."""
    _, c, _, pi = recursion_symbols(t)
    var = sp.Integer(0)
    for i in range(1, t):
        var = c[i] ** 2 / pi[i] * var + c[i] ** 2 * unrolled(i) ** 2 * (1 - pi[i]) / pi[i]
    return var


# --- the scalar network h_t = tanh(w_x x_t + w_h h_{t-1} + b): the source's formula, checked ----------------

W_X, W_H, B, H0 = sp.symbols("w_x w_h b h_0")


def scalar_f(x, h, w):
    """f(x_t, h_{t-1}, w_h) = tanh(w_x x_t + w_h h_{t-1} + b)."""
    return sp.tanh(W_X * x + w * h + B)


def scalar_states(t):
    """(x, h): the inputs x_1..x_t and the states h_0..h_t as nested SymPy expressions."""
    x = sp.symbols(f"x_1:{t + 1}")
    h = [H0]
    for i in range(t):
        h.append(scalar_f(x[i], h[-1], W_H))
    return x, h


def in_state_names(expr, t):
    """``expr`` with each nested tanh(...) of the trajectory replaced by the symbol h_j it stands for."""
    _, h = scalar_states(t)
    for j in range(t, 0, -1):                               # outermost first, so inner ones are still intact
        expr = expr.xreplace({h[j]: sp.Symbol(f"h_{j}")})
    return sp.factor_terms(expr)


def dh_dwh_direct(t):
    """∂⁺h_t/∂w_h by differentiating the nested expression h_t(w_h) directly."""
    return sp.diff(scalar_states(t)[1][t], W_H)


def dh_dwh_source(t):
    """The source's formula: ∂f_t/∂w_h + Σ_{i=1}^{t-1} (Π_{j=i+1}^{t} ∂f_j/∂h_{j-1}) ∂f_i/∂w_h,
    each partial taken with the other arguments of f held fixed, then evaluated on the trajectory."""
    x, h = scalar_states(t)
    hs, ws = sp.symbols("h_s w_s")

    def partial(j, wrt):                                   # ∂f(x_j, h_{j-1}, w_h)/∂(wrt) at step j (1-based)
        expr = sp.diff(scalar_f(x[j - 1], hs, ws), wrt)
        return expr.subs({hs: h[j - 1], ws: W_H})

    b = [partial(j, ws) for j in range(1, t + 1)]
    c = [partial(j, hs) for j in range(1, t + 1)]
    return b[t - 1] + sum(sp.Mul(*c[i:t]) * b[i - 1] for i in range(1, t))


def loss_gradient_check(t):
    """(direct, chain): ∂L/∂w_h for L = Σ_i ℓ_i, ℓ_i = (w_o h_i − y_i)²/2, directly and as
    Σ_i ∂ℓ_i/∂o_i · ∂g/∂h_i · ∂⁺h_i/∂w_h with o_i = g(h_i, w_o) = w_o h_i."""
    w_o = sp.Symbol("w_o")
    y = sp.symbols(f"y_1:{t + 1}")
    _, h = scalar_states(t)
    L = sum((w_o * h[i] - y[i - 1]) ** 2 / 2 for i in range(1, t + 1))
    chain = sum((w_o * h[i] - y[i - 1]) * w_o * dh_dwh_source(i) for i in range(1, t + 1))
    return sp.diff(L, W_H), chain
