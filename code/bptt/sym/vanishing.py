"""SymPy derivations for the vanishing/exploding-gradient chapter.

Each function returns expressions (or pairs "computed directly" / "by the formula" that a test
holds equal); the chapter displays them and the tests check them.

* ∂⁺h_T/∂h_k as an ordered product of Jacobians D_t W_hh, on a small tanh network;
* the three paths from h_1 to L = ℓ_1 + ℓ_2 + ℓ_3 of source 003 (and to a weighted L);
* source 002's linear case ∂⁺L/∂h_t = Σ_{i=t}^{T} (W_hhᵀ)^{T-i} W_qhᵀ ∂L/∂o_{T+t-i};
* a 2×2 W_hh: eigenvalues in closed form, and what its powers W^k do.
"""
import sympy as sp


def _matrix(name, rows, cols):
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}"))


def _vector(name, n):
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i + 1}"))


# -- the product of Jacobians ------------------------------------------------------------------

def state_jacobian_tanh(T=2, n=2, k=0):
    """∂⁺h_T/∂h_k of h_t = tanh(W_hh h_{t-1} + c_t), two ways: (direct Jacobian, D_T W_hh ⋯ D_{k+1} W_hh).

    c_t = W_hx x_t + b_h is one symbol vector per step; D_t = diag(1 − h_t ⊙ h_t). Both are n×n.
    """
    W = _matrix("w", n, n)
    h_k = _vector("h", n)
    h, product = h_k, sp.eye(n)
    for t in range(k + 1, T + 1):
        h = (W * h + _vector(f"c{t}", n)).applyfunc(sp.tanh)
        D = sp.diag(*[1 - hi ** 2 for hi in h])
        product = D * W * product                  # the newest Jacobian multiplies on the left
    return h.jacobian(h_k), product


def jacobian_product_entries(T=2, n=2):
    """D_T W ⋯ D_1 W with symbolic d_{t,i} = f'(z_t)_i and w_ij: each entry is a sum over paths."""
    W = _matrix("w", n, n)
    P = sp.eye(n)
    for t in range(1, T + 1):
        P = sp.diag(*[sp.Symbol(f"d_{t}{i + 1}") for i in range(n)]) * W * P
    return P.applyfunc(sp.expand)


def three_paths(weights=(1, 1, 1)):
    """Source 003's example in the book's letters, one hidden unit: h_t = tanh(w_hx x_t + w_hh h_{t-1} + b_h).

    o_t = w_qh h_t + b_q, ℓ_t an arbitrary differentiable loss of o_t, L = Σ_t w_t ℓ_t with the
    given ``weights`` (source 003's unweighted L = L_1 + L_2 + L_3 is the default, w = (1, 1, 1)).
    Returns (direct, by_paths): ∂⁺L/∂h_1 computed directly, and as the sum of its three paths
    w_1 ∂ℓ_1/∂h_1 + w_2 ∂ℓ_2/∂h_2 ∂h_2/∂h_1 + w_3 ∂ℓ_3/∂h_3 ∂h_3/∂h_2 ∂h_2/∂h_1.
    """
    w_hx, w_hh, w_qh, b_h, b_q, h1 = sp.symbols("w_hx w_hh w_qh b_h b_q h_1")
    x2, x3 = sp.symbols("x_2 x_3")
    w = [sp.nsimplify(v) for v in weights]
    ell = [sp.Function(f"ell_{t}") for t in (1, 2, 3)]
    h2 = sp.tanh(w_hx * x2 + w_hh * h1 + b_h)
    h3 = sp.tanh(w_hx * x3 + w_hh * h2 + b_h)
    L = sum(wt * l(w_qh * h + b_q) for wt, l, h in zip(w, ell, (h1, h2, h3)))
    direct = sp.diff(L, h1)
    o = sp.Symbol("o")
    dl = [sp.diff(l(o), o) for l in ell]           # ℓ_t'(o)
    dl_dh = [d.subs(o, w_qh * h + b_q) * w_qh for d, h in zip(dl, (h1, h2, h3))]   # ∂ℓ_t/∂h_t
    H = sp.Symbol("H")                             # ∂h_3/∂h_2 is the direct partial, taken with h_2 a free symbol
    dh2_dh1, dh3_dh2 = sp.diff(h2, h1), sp.diff(sp.tanh(w_hx * x3 + w_hh * H + b_h), H).subs(H, h2)
    by_paths = w[0] * dl_dh[0] + w[1] * dl_dh[1] * dh2_dh1 + w[2] * dl_dh[2] * dh3_dh2 * dh2_dh1
    return direct, by_paths


# -- source 002's linear case ----------------------------------------------------------------

def linear_case_formula(T=3, n=2, q=2):
    """Source 002's sum, symbolically: [∂⁺L/∂h_t for t = 1..T] in terms of W_hh, W_qh and g_s = ∂L/∂o_s.

    Returns (grads, symbols): grads a list of T column vectors (n×1); symbols a dict with the
    matrices "W_hh" (n×n), "W_qh" (q×n) and the list "g" of T vectors (q×1) of symbols.
    """
    W_hh, W_qh = _matrix("w", n, n), _matrix("v", q, n)
    g = [_vector(f"g{s}", q) for s in range(1, T + 1)]
    grads = [sp.zeros(n, 1) for _ in range(T)]
    for t in range(1, T + 1):
        for i in range(t, T + 1):
            grads[t - 1] += (W_hh.T) ** (T - i) * W_qh.T * g[T + t - i - 1]
    return grads, {"W_hh": W_hh, "W_qh": W_qh, "g": g}


def linear_case_derivation(T=3, t=1, n=2, q=2):
    """∂⁺L/∂h_t for the linear network h_s = W_hh h_{s-1} + c_s, o_s = W_qh h_s + b_q, two ways.

    L = Σ_s ½‖o_s − y_s‖² (any differentiable loss would do; this one keeps both sides polynomial).
    h_t is a free symbol vector and h_{t+1}, ..., h_T are rolled forward from it, so the gradient
    of L is the total derivative ∂⁺L/∂h_t. Returns (direct, formula): source 002's sum with
    ∂L/∂o_s = o_s − y_s substituted. Both n×1.
    """
    grads, sym = linear_case_formula(T, n, q)
    W_hh, W_qh = sym["W_hh"], sym["W_qh"]
    b_q, h_t = _vector("b_q", q), _vector("h", n)
    h, o = h_t, {}
    for s in range(t, T + 1):
        if s > t:
            h = W_hh * h + _vector(f"c{s}", n)
        o[s] = W_qh * h + b_q
    y = {s: _vector(f"y{s}", q) for s in range(1, T + 1)}
    L = sum(((o[s] - y[s]).T * (o[s] - y[s]))[0] / 2 for s in o)   # terms with s < t do not involve h_t
    direct = sp.Matrix([sp.diff(L, hi) for hi in h_t])
    subs = {gs: val for s in o for gs, val in zip(sym["g"][s - 1], o[s] - y[s])}
    return direct.applyfunc(sp.expand), grads[t - 1].subs(subs).applyfunc(sp.expand)


# -- powers of a 2×2 matrix -------------------------------------------------------------------

def eig_2x2():
    """W = [[a, b], [c, d]]: (W, eigenvalues λ_±, eigenvectors v_± = (b, λ_± − a)ᵀ)."""
    a, b, c, d = sp.symbols("a b c d")
    W = sp.Matrix([[a, b], [c, d]])
    disc = sp.sqrt((a - d) ** 2 / 4 + b * c)
    lam = [(a + d) / 2 + disc, (a + d) / 2 - disc]
    vecs = [sp.Matrix([b, l - a]) for l in lam]
    return W, lam, vecs


def power_2x2(k):
    """W^k for a 2×2 W with distinct eigenvalues λ_1 ≠ λ_2 (Sylvester's formula):

    W^k = (λ_1^k (W − λ_2 I) − λ_2^k (W − λ_1 I)) / (λ_1 − λ_2).
    Returns (W, λ_1, λ_2, W^k) with λ_1, λ_2 as in :func:`eig_2x2`.
    """
    W, (l1, l2), _ = eig_2x2()
    I = sp.eye(2)
    return W, l1, l2, (l1 ** k * (W - l2 * I) - l2 ** k * (W - l1 * I)) / (l1 - l2)


def symmetric_power():
    """W = [[a, b], [b, a]] (eigenvalues a ± b, eigenvectors (1, ±1)/√2): (W, k, W^k in closed form)."""
    a, b = sp.symbols("a b", real=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    p, m = (a + b) ** k, (a - b) ** k
    return sp.Matrix([[a, b], [b, a]]), k, sp.Matrix([[p + m, p - m], [p - m, p + m]]) / 2


def jordan_power():
    """W = [[λ, s], [0, λ]] (one eigenvalue λ, not diagonalisable when s ≠ 0): (W, k, W^k)."""
    lam, s = sp.symbols("lambda s", real=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    return sp.Matrix([[lam, s], [0, lam]]), k, sp.Matrix([[lam ** k, k * s * lam ** (k - 1)], [0, lam ** k]])


def rotation_power():
    """W = r R(θ), a scaled rotation (eigenvalues r e^{±iθ}): (W, k, W^k = r^k R(kθ))."""
    r, th = sp.symbols("r theta", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)

    def R(angle):
        return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])

    return r * R(th), k, r ** k * R(k * th)


def power_recursion_residual(W, k, Wk):
    """W^{k+1} − W W^k, simplified: zero for every k (with W^0 = I) proves a closed form by induction."""
    return sp.simplify(sp.expand_trig(Wk.subs(k, k + 1) - W * Wk))
