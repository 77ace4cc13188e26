"""Ordered derivatives in SymPy: the source's system with symbolic coefficients, two derivations
of ∂⁺E/∂z_i (substitution and Werbos's backward recursion), and the concatenated-input RNN.

A system is (variables, equations, E): ``variables`` lists z_1..z_N in computation order,
``equations`` holds one ``Eq(z_j, rhs_j)`` for every variable that is computed (the others are
inputs), and E is an expression in the variables.
"""
import numpy as np
import sympy as sp


def variables(N):
    """The symbols z_1, ..., z_N."""
    return list(sp.symbols(f"z_1:{N + 1}"))


def linear_system(N=4):
    """z_j = Σ_{i<j} a_{ji} z_i (j = 2..N) and E = Σ_i c_i z_i, with symbolic coefficients."""
    z = variables(N)
    eqs = [sp.Eq(z[j], sum(sp.Symbol(f"a_{j + 1}{i + 1}") * z[i] for i in range(j))) for j in range(1, N)]
    E = sum(sp.Symbol(f"c_{i + 1}") * z[i] for i in range(N))
    return z, eqs, E


def source_values():
    """The source's coefficients: z2 = 2 z1, z3 = 3 z2 + z1, z4 = 4 z3 + 2 z2 + z1, E = 4 z4 + 2 z2."""
    a = {(2, 1): 2, (3, 1): 1, (3, 2): 3, (4, 1): 1, (4, 2): 2, (4, 3): 4}
    c = {1: 0, 2: 2, 3: 0, 4: 4}
    return {**{sp.Symbol(f"a_{j}{i}"): v for (j, i), v in a.items()}, **{sp.Symbol(f"c_{i}"): v for i, v in c.items()}}


def source_system():
    """The source's system with its numbers: (variables, equations, E)."""
    z, eqs, E = linear_system(4)
    vals = source_values()
    return z, [sp.Eq(q.lhs, q.rhs.subs(vals)) for q in eqs], E.subs(vals)


def defining(equations):
    """{z_j: rhs_j} for the computed variables."""
    return {q.lhs: q.rhs for q in equations}


def substitute_after(z, equations, E, i):
    """E with the equations of z_{i+1}, ..., z_N substituted (last first): a function of z_1..z_i (0-based i)."""
    rhs = defining(equations)
    for v in reversed(z[i + 1:]):
        if v in rhs:
            E = E.subs(v, rhs[v])
    return sp.expand(E)


def ordered_by_substitution(z, equations, E):
    """∂⁺E/∂z_i for every i: substitute every later variable's equation into E, then differentiate by z_i."""
    return sp.Matrix([sp.expand(sp.diff(substitute_after(z, equations, E, i), z[i])) for i in range(len(z))])


def direct_partials(z, equations, E):
    """The direct partials: A[j, i] = ∂z_j/∂z_i from z_j's equation, e[i] = ∂E/∂z_i (SymPy matrices)."""
    rhs = defining(equations)
    N = len(z)
    A = sp.Matrix(N, N, lambda j, i: sp.diff(rhs[z[j]], z[i]) if z[j] in rhs and i < j else 0)
    return A, sp.Matrix([sp.diff(E, v) for v in z])


def ordered_by_recursion(z, equations, E):
    """∂⁺E/∂z_i by Werbos's rule, last variable first: ∂E/∂z_i + Σ_{j>i} ∂⁺E/∂z_j ∂z_j/∂z_i."""
    A, e = direct_partials(z, equations, E)
    N = len(z)
    g = [None] * N
    for i in range(N - 1, -1, -1):
        g[i] = sp.expand(e[i] + sum(g[j] * A[j, i] for j in range(i + 1, N)))
    return sp.Matrix(g)


def aligned_latex(lhs, exprs, per_line=4):
    """LaTeX for the equations lhs[k] = exprs[k], one under the other, long sums wrapped after
    ``per_line`` terms (MathJax does not break lines by itself)."""
    rows = []
    for left, expr in zip(lhs, exprs):
        terms = [sp.latex(t) for t in sp.sympify(expr).as_ordered_terms()]
        chunks = [" + ".join(terms[k:k + per_line]) for k in range(0, len(terms), per_line)]
        rows.append(f"{left} &= " + r" \\ &\quad + ".join(chunks))
    return r"\begin{aligned}" + r" \\[4pt] ".join(rows).replace("+ -", "- ") + r"\end{aligned}"


def system_at_point(z, equations, E, inputs):
    """The numbers (A (N, N), e (N,), values (N,)) for :mod:`bptt.ordered` at a point.

    inputs: {symbol: number} for every variable without an equation and every other free symbol
    (coefficients). The computed variables are evaluated in order from their equations.
    """
    rhs = defining(equations)
    point = {sp.Symbol(str(k)) if isinstance(k, str) else k: v for k, v in inputs.items()}
    missing = [v for v in z if v not in rhs and v not in point]
    if missing:
        raise ValueError(f"inputs must give a value to every variable without an equation; missing {missing}")
    for v in z:
        if v in rhs:
            point[v] = sp.sympify(rhs[v]).subs(point)
    A, e = direct_partials(z, equations, E)
    as_float = lambda M: np.array(M.subs(point).evalf(), dtype=float)  # noqa: E731
    return as_float(A), as_float(e)[:, 0], np.array([float(point[v]) for v in z])


# -- the bridge to recurrent networks --------------------------------------------------------------

def concat_block_identity():
    """[W_hx  W_hh] [x_t; h_{t-1}] and its block product W_hx x_t + W_hh h_{t-1}, for symbolic sizes m, n."""
    m, n = sp.symbols("m n", integer=True, positive=True)
    W_hx, W_hh = sp.MatrixSymbol("W_hx", n, m), sp.MatrixSymbol("W_hh", n, n)
    x, h = sp.MatrixSymbol("x_t", m, 1), sp.MatrixSymbol("h_{t-1}", n, 1)
    lhs = sp.BlockMatrix([[W_hx, W_hh]]) * sp.BlockMatrix([[x], [h]])
    return lhs, sp.block_collapse(lhs), W_hx * x + W_hh * h


def entries(name, rows, cols=None):
    """A matrix (or column, if cols is None) of symbols named like its entries: W_{hx,12}, b_{h,1}.

    ``name`` is the symbol's LaTeX with its subscript left open, e.g. "W_{hx".
    """
    if cols is None:
        return sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"{name},{i + 1}}}"))
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name},{i + 1}{j + 1}}}"))


def book_matrices(m, n, q):
    """Explicit symbolic matrices in the book's names: W_hx (n, m), W_hh, b_h, W_qh (q, n), b_q, x_t, h_{t-1}."""
    return {"W_hx": entries("W_{hx", n, m), "W_hh": entries("W_{hh", n, n), "b_h": entries("b_{h", n),
            "W_qh": entries("W_{qh", q, n), "b_q": entries("b_{q", q), "x": entries("x_{t", m),
            "h_prev": entries("h_{t-1", n)}


def source_step(m, n, q, f=sp.tanh):
    """One step written the source's way, with its names: xc_t, z^h_t, h_t, z^o_t (explicit matrices).

    Source symbols are entries of w_ih (n, m+n), b_ih (n), w_ho (q, n), b_ho (q).
    """
    b = book_matrices(m, n, q)
    w_ih, b_ih = entries("w_{ih", n, m + n), entries("b_{ih", n)
    w_ho, b_ho = entries("w_{ho", q, n), entries("b_{ho", q)
    xc = b["x"].col_join(b["h_prev"])                          # xc_t = [x_t; h_{t-1}]
    z_h = w_ih * xc + b_ih
    h = z_h.applyfunc(f)
    z_o = w_ho * h + b_ho
    names = {"w_ih": w_ih, "b_ih": b_ih, "w_ho": w_ho, "b_ho": b_ho}
    return {"xc": xc, "z_h": z_h, "h": h, "z_o": z_o}, names


def book_step(m, n, q, f=sp.tanh):
    """The same step in the book's notation: z_t = W_hx x_t + W_hh h_{t-1} + b_h, h_t = f(z_t), o_t = W_qh h_t + b_q."""
    b = book_matrices(m, n, q)
    z = b["W_hx"] * b["x"] + b["W_hh"] * b["h_prev"] + b["b_h"]
    h = z.applyfunc(f)
    return {"z": z, "h": h, "o": b["W_qh"] * h + b["b_q"]}


def source_to_book(m, n, q):
    """Substitution taking the source's parameter entries to the book's: w_ih = [W_hx  W_hh], b_ih = b_h,
    w_ho = W_qh, b_ho = b_q."""
    _, s = source_step(m, n, q)
    b = book_matrices(m, n, q)
    w_ih = b["W_hx"].row_join(b["W_hh"])
    pairs = [(s["w_ih"], w_ih), (s["b_ih"], b["b_h"]), (s["w_ho"], b["W_qh"]), (s["b_ho"], b["b_q"])]
    return {src[k]: dst[k] for src, dst in pairs for k in range(len(src))}


def step_jacobian(n, m=1):
    """∂z_{t+1}/∂z_t for z_{t+1} = W_hx x + W_hh tanh(z_t) + b_h, and the claimed form W_hh D_t."""
    b = book_matrices(m, n, 1)
    z = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"z_{i + 1}"))
    z_next = b["W_hx"] * b["x"] + b["W_hh"] * z.applyfunc(sp.tanh) + b["b_h"]
    D = sp.diag(*[1 - sp.tanh(v) ** 2 for v in z])
    return z_next.jacobian(z), b["W_hh"] * D


def softmax_ce_gradient(q):
    """∂ℓ/∂o for ℓ = -Σ_k y_k log softmax(o)_k with Σ_k y_k = 1, and the claimed ŷ − y (q entries)."""
    o = sp.Matrix(sp.symbols(f"o_1:{q + 1}"))
    y = sp.Matrix(sp.symbols(f"y_1:{q + 1}"))
    s = sum(sp.exp(v) for v in o)
    y_hat = o.applyfunc(lambda v: sp.exp(v) / s)
    ell = -sum(y[k] * sp.log(y_hat[k]) for k in range(q))
    grad = sp.Matrix([sp.diff(ell, v) for v in o]).subs(y[q - 1], 1 - sum(y[:q - 1]))
    return grad, (y_hat - y).subs(y[q - 1], 1 - sum(y[:q - 1]))


def softmax_jacobian(q):
    """∂ŷ/∂o for ŷ = softmax(o), and the claimed diag(ŷ) − ŷŷᵀ: a full matrix, not an element-wise factor."""
    o = sp.Matrix(sp.symbols(f"o_1:{q + 1}"))
    s = sum(sp.exp(v) for v in o)
    y_hat = o.applyfunc(lambda v: sp.exp(v) / s)
    return y_hat.jacobian(o), sp.diag(*y_hat) - y_hat * y_hat.T
