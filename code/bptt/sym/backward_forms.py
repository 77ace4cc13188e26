"""SymPy derivations of the BPTT chapter's two backward forms, the element-wise step and the two layouts.

Generic symbols stand for the numbers of one backward pass, so each identity holds for every network
of the given size: d_k = f'(z_k), g_t = W_qhᵀ ∂L_t/∂o_t, W = W_hh (entries u_ij; u when n = 1,
not w, which names the loss weights), h_{k-1}. Every function returns
SymPy objects; tests hold them to the NumPy library.
"""
import sympy as sp

# -- the two backward forms ------------------------------------------------------------------------

def error_terms(T=3, n=2):
    """Both backward forms on generic symbols: T steps, n hidden units.

    Symbols: W (n x n, entries u_ij = [W_hh]_ij; the scalar u when n = 1), d_k = f'(z_k) (n-vectors),
    g_t = W_qhᵀ ∂L_t/∂o_t (n-vectors), h_{k-1} (n-vectors). Returns a dict with
      per_loss[(t, k)] = δ_{t,k} (source 000's recursion),   sweep[k] = δ_k (one backward sweep),
      dW_double = Σ_t Σ_{k<=t} δ_{t,k} h_{k-1}ᵀ,             dW_sweep = Σ_k δ_k h_{k-1}ᵀ,
    and the symbols W, d, g, h.
    """
    W = (sp.Matrix(n, n, lambda i, j: sp.Symbol(f"u_{i + 1}{j + 1}")) if n > 1
         else sp.Matrix([[sp.Symbol("u")]]))
    vec = (lambda name, k: sp.Matrix(sp.symbols(f"{name}_{k}_1:{n + 1}"))) if n > 1 else \
          (lambda name, k: sp.Matrix([sp.Symbol(f"{name}_{k}")]))
    d = {k: vec("d", k) for k in range(1, T + 1)}
    g = {t: vec("g", t) for t in range(1, T + 1)}
    h = {k: vec("h", k) for k in range(0, T)}
    per_loss = {}
    for t in range(1, T + 1):
        per_loss[(t, t)] = sp.matrix_multiply_elementwise(d[t], g[t])                    # δ_{t,t}
        for k in range(t - 1, 0, -1):
            per_loss[(t, k)] = sp.matrix_multiply_elementwise(d[k], W.T * per_loss[(t, k + 1)])
    sweep, nxt = {}, sp.zeros(n, 1)
    for k in range(T, 0, -1):
        sweep[k] = sp.matrix_multiply_elementwise(d[k], g[k] + W.T * nxt)               # δ_k
        nxt = sweep[k]
    dW_double = sum((per_loss[(t, k)] * h[k - 1].T for t in range(1, T + 1) for k in range(1, t + 1)), sp.zeros(n, n))
    dW_sweep = sum((sweep[k] * h[k - 1].T for k in range(1, T + 1)), sp.zeros(n, n))
    return {"per_loss": per_loss, "sweep": sweep, "dW_double": dW_double, "dW_sweep": dW_sweep,
            "W": W, "d": d, "g": g, "h": h}


# -- the element-wise step and the two layouts ---------------------------------------------------------

def direct_partials_of_z(n=2, m=1):
    """z = U h + W x + b with symbolic U (n x n): {(i, j): ∂z/∂u_ij} (0-based), each an n x 1 Matrix.

    Source 000: the direct partial is zero except entry i, which is [h_{k-1}]_j: I_i([h_{k-1}]_j).
    Also returns h (the n-vector h_{k-1}).
    """
    U = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"u_{i + 1}{j + 1}"))
    Wx = sp.Matrix(n, m, lambda i, j: sp.Symbol(f"W_{i + 1}{j + 1}"))
    h = sp.Matrix(sp.symbols(f"h_1:{n + 1}"))
    x = sp.Matrix(sp.symbols(f"x_1:{m + 1}"))
    b = sp.Matrix(sp.symbols(f"b_1:{n + 1}"))
    z = U * h + Wx * x + b
    return {(i, j): z.diff(U[i, j]) for i in range(n) for j in range(n)}, h


def rtrl_step(n=2, i=0, j=1):
    """One RTRL step for ∂⁺h_t/∂u_ij, three ways, with f = tanh (0-based i, j).

    Returns a dict: ``derived`` (SymPy's derivative of h_t = tanh(U h_{t-1}(u_ij) + c) with
    ∂⁺h_{t-1}/∂u_ij written p), ``column`` = D (e_i [h_{t-1}]_j + U p) (numerator layout, this book),
    ``row`` = (I_i([h_{t-1}]_j) + pᵀ Uᵀ) D (denominator layout, source 000), and the symbols.
    """
    U = sp.Matrix(n, n, lambda a, b: sp.Symbol(f"u_{a + 1}{b + 1}"))
    u = U[i, j]
    hf = [sp.Function(f"h_{a + 1}")(u) for a in range(n)]                  # h_{t-1} depends on u_ij
    c = sp.Matrix(sp.symbols(f"c_1:{n + 1}"))                              # W_hx x_t + b_h, free of u_ij
    h = sp.Matrix(sp.symbols(f"h_1:{n + 1}"))
    p = sp.Matrix(sp.symbols(f"p_1:{n + 1}"))
    z = U * sp.Matrix(hf) + c
    derived = sp.Matrix([sp.tanh(za) for za in z]).diff(u)
    derived = derived.subs({sp.Derivative(hf[a], u): p[a] for a in range(n)}).subs(dict(zip(hf, h)))
    zs = U * h + c
    D = sp.diag(*[1 - sp.tanh(za) ** 2 for za in zs])
    e_i = sp.Matrix([1 if a == i else 0 for a in range(n)])
    column = D * (e_i * h[j] + U * p)
    row = (e_i.T * h[j] + p.T * U.T) * D
    return {"derived": derived, "column": column, "row": row, "U": U, "h": h, "p": p, "c": c}
