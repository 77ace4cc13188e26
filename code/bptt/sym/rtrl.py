"""RTRL's sensitivity recursion on a two-unit network, in SymPy: the book's column form, source 000's
row form, and plain differentiation of the unrolled network, so that the three can be compared.

Source 000 writes the network as h_t = f(U h_{t-1} + W x_t + b), y_t = V h_t; in the book's names
U = W_hh, W = W_hx, b = b_h, V = W_qh. Here m = 1 input and n = 2 hidden units; f is left abstract,
f' appears as SymPy's Subs(Derivative(f(ξ), ξ), ξ, z), exactly what differentiating f(z) gives.
"""
import sympy as sp

f = sp.Function("f")
fp = sp.Function("f'")          # f' as a plain name, for display only
_xi = sp.Symbol("xi")


def fprime(z):
    """f'(z) in the form SymPy's chain rule produces, so that results compare structurally."""
    return sp.diff(f(_xi), _xi).subs(_xi, z)


def network(T=2):
    """The unrolled two-unit network: a dict of symbols and the expressions z_t, h_t (t = 0..T).

    Keys: U (2×2, u_ij = (W_hh)_ij), W (2×1, W_hx), b (2×1), x (x_1..x_T), h (list of 2×1: h_0 are
    symbols, h_t = f(z_t) expressions), z (list, z[0] = None), T.
    """
    if not isinstance(T, int) or T < 1:
        raise ValueError(f"T must be an integer >= 1, got {T!r}")
    U = sp.Matrix(2, 2, sp.symbols("u_11 u_12 u_21 u_22"))
    W = sp.Matrix(sp.symbols("w_1 w_2"))
    b = sp.Matrix(sp.symbols("b_1 b_2"))
    x = sp.symbols(f"x_1:{T + 1}")
    h, z = [sp.Matrix([sp.Symbol("h_{0,1}"), sp.Symbol("h_{0,2}")])], [None]
    for t in range(1, T + 1):
        z.append(U * h[t - 1] + W * x[t - 1] + b)             # z_t = U h_{t-1} + W x_t + b
        h.append(z[t].applyfunc(f))                             # h_t = f(z_t)
    return {"U": U, "W": W, "b": b, "x": x, "h": h, "z": z, "T": T}


def D(net, t):
    """diag(f'(z_t)), 2×2."""
    return sp.diag(*[fprime(za) for za in net["z"][t]])


def I_row(i, value, n=2):
    """Source 000's I_i(x): the 1×n row with x in place i (1-based) and zeros elsewhere.

    The source calls it "a row vector whose i-th row is x" but draws its example as a column;
    in the RTRL recursion it must be this row, x e_iᵀ (the book's column form uses e_i x).
    """
    return sp.Matrix(1, n, lambda r, c: value if c == i - 1 else 0)


def direct_dz(net, t, theta):
    """∂z_t/∂θ with h_{t-1} held fixed (the direct partial), a 2×1 column."""
    held = sp.Matrix(sp.symbols("eta_1 eta_2"))
    z = net["U"] * held + net["W"] * net["x"][t - 1] + net["b"]
    return z.diff(theta).subs(dict(zip(held, net["h"][t - 1])))


def sensitivity_column(net, theta):
    """The book's recursion P_t = D_t (U P_{t-1} + ∂z_t/∂θ), P_0 = 0: list of 2×1 columns ∂h_t/∂θ, t = 0..T."""
    P = [sp.zeros(2, 1)]
    for t in range(1, net["T"] + 1):
        P.append(D(net, t) * (net["U"] * P[t - 1] + direct_dz(net, t, theta)))
    return P


def sensitivity_row(net, i, j):
    """Source 000's row form for θ = u_ij: ∂h_{t+1}/∂u_ij = (I_i([h_t]_j) + ∂h_t/∂u_ij Uᵀ) diag(f'(z_{t+1})).

    Returns the list of 1×2 rows ∂h_t/∂u_ij, t = 0..T (row 0 is zero: h_0 does not depend on U).
    """
    R = [sp.zeros(1, 2)]
    for t in range(net["T"]):
        R.append((I_row(i, net["h"][t][j - 1]) + R[t] * net["U"].T) * D(net, t + 1))
    return R


def sensitivity_direct(net, theta):
    """∂h_t/∂θ by differentiating the unrolled expressions: list of 2×1 columns, t = 0..T."""
    return [h.diff(theta) for h in net["h"]]


def u(net, i, j):
    """The symbol u_ij = (W_hh)_ij (1-based indices as in the source)."""
    return net["U"][i - 1, j - 1]


def readable(expr, net):
    """Replace the nested f(z_t) by symbols h_{t,a} and f'(z_t) by f'(z_{t,a}), for display."""
    for t in range(net["T"], 0, -1):                           # outermost first: later z_t contain earlier h_t
        sub = {}
        for a in range(2):
            sub[f(net["z"][t][a])] = sp.Symbol(f"h_{{{t},{a + 1}}}")
            sub[fprime(net["z"][t][a])] = fp(sp.Symbol(f"z_{{{t},{a + 1}}}"))
        expr = expr.xreplace(sub)
    return expr


def with_activation(expr, activation=sp.tanh):
    """Substitute a concrete activation for f (f' follows), e.g. to evaluate numerically."""
    return expr.replace(f, activation).doit()
