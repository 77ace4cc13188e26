"""SymPy derivations of the BPTT chapter: the three-step network of source 003, its paths, tied weights, the output layer.

Source 003's network, one hidden unit, one input, q = 2 outputs (its symbols):

    S_t = tanh(U x_t + W S_{t-1} + b_a),   ŷ_t = softmax(V S_t + b_y),   L = Σ_t w_t L_t,  L_t = −log ŷ_t[c_t]

In the book's names: U = W_hx, W = W_hh, b_a = b_h, V = W_qh, b_y = b_q, S_t = h_t.
Every function returns SymPy objects; tests hold them to the NumPy library. The two backward forms,
the element-wise step and the layouts are in :mod:`bptt.sym.backward_forms`.
"""
import sympy as sp

PARAMS = ("U", "W", "b_a", "V", "b_y")

#: a point at which the chapter evaluates the scalar network's expressions (targets c = (0, 1, 0))
POINT = {"U": 0.7, "W": -1.1, "b_a": 0.2, "v_1": 0.9, "v_2": -0.4, "c_1": 0.1, "c_2": -0.3,
         "x_1": 0.5, "x_2": -1.3, "x_3": 0.8, "S_0": 0.35}


def evaluate(expr, values=None):
    """A float (or float array, for a Matrix) from an expression of the scalar network at ``values`` (default POINT)."""
    import numpy as np

    subs = {sp.Symbol(k): v for k, v in (values or POINT).items()}
    out = sp.N(sp.sympify(expr).subs(subs), 20)
    return np.array(out, dtype=float) if isinstance(out, sp.MatrixBase) else float(out)


def library_arrays(values=None, targets=(0, 1, 0)):
    """The scalar network at ``values`` as the library's (params, X, Y, h0): m = n = 1, q = 2, B = 1."""
    import numpy as np

    v = values or POINT
    T = len(targets)
    params = {"W_hx": np.array([[v["U"]]]), "W_hh": np.array([[v["W"]]]), "b_h": np.array([v["b_a"]]),
              "W_qh": np.array([[v["v_1"]], [v["v_2"]]]), "b_q": np.array([v["c_1"], v["c_2"]])}
    X = np.array([v[f"x_{t}"] for t in range(1, T + 1)]).reshape(T, 1, 1)
    return params, X, np.array(targets).reshape(T, 1), np.array([[v["S_0"]]])


def scalar_symbols(T=3):
    """The symbols of the scalar network: {name: symbol or 2x1 Matrix}, inputs x_1..x_T and S_0."""
    p = {"U": sp.Symbol("U"), "W": sp.Symbol("W"), "b_a": sp.Symbol("b_a"),
         "V": sp.Matrix(sp.symbols("v_1 v_2")), "b_y": sp.Matrix(sp.symbols("c_1 c_2"))}
    return p, list(sp.symbols(f"x_1:{T + 1}")), sp.Symbol("S_0")


def cross_entropy(o, c):
    """ℓ = −log softmax(o)[c] for a column o of logits and a class index c."""
    return -o[c] + sp.log(sum(sp.exp(oi) for oi in o))


def unroll(T=3, targets=(0, 1, 0), weights=None, params_at=None):
    """Unroll the scalar network over T steps.

    params_at(t) -> the parameter dict step t uses (default: the shared symbols at every step;
    :func:`untied_gradients` passes per-step copies). Returns a dict with the shared symbols
    ``params``, inputs ``x``, ``S0``, states ``S`` = [S_1..S_T], logits ``O``, per-step losses
    ``Lt`` = [ℓ_1..ℓ_T] and ``L`` = Σ w_t ℓ_t.
    """
    params, x, S0 = scalar_symbols(T)
    params_at = params_at or (lambda t: params)
    w = [1] * T if weights is None else list(weights)
    S, O, Lt = [], [], []
    prev = S0
    for t in range(1, T + 1):
        p = params_at(t)
        prev = sp.tanh(p["U"] * x[t - 1] + p["W"] * prev + p["b_a"])      # S_t
        S.append(prev)
        O.append(p["V"] * prev + p["b_y"])                                  # o_t = V S_t + b_y
        Lt.append(cross_entropy(O[-1], targets[t - 1]))
    return {"params": params, "x": x, "S0": S0, "S": S, "O": O, "Lt": Lt,
            "L": sum(wt * lt for wt, lt in zip(w, Lt)), "weights": w}


# -- paths -------------------------------------------------------------------------------------

def graph_edges(T=3):
    """The unrolled graph: S_t -> S_{t+1}, S_t -> L_t, L_t -> L (node names as strings)."""
    edges = [(f"S{t}", f"L{t}") for t in range(1, T + 1)] + [(f"L{t}", "L") for t in range(1, T + 1)]
    return edges + [(f"S{t}", f"S{t + 1}") for t in range(1, T)]


def paths_to_loss(k, T=3):
    """Every path from S_k to L in the unrolled graph, as tuples of node names (T − k + 1 of them)."""
    out = {}
    for a, b in graph_edges(T):
        out.setdefault(a, []).append(b)

    def walk(node):
        if node == "L":
            return [("L",)]
        return [(node,) + rest for nxt in out.get(node, []) for rest in walk(nxt)]
    return walk(f"S{k}")


def local_derivative(net, a, b, targets=(0, 1, 0)):
    """The direct partial ∂b/∂a of one edge of the graph, evaluated on the forward pass of ``net``."""
    s = sp.Symbol("s")
    p = net["params"]
    if b == "L":                                             # L = Σ w_t L_t: ∂L/∂L_t = w_t
        return sp.sympify(net["weights"][int(a[1:]) - 1])
    t = int(a[1:])
    if b.startswith("L"):                                    # ∂ℓ_t/∂S_t, S_t held as a free symbol s
        local = cross_entropy(p["V"] * s + p["b_y"], targets[t - 1])
    else:                                                    # ∂S_{t+1}/∂S_t with everything else fixed
        local = sp.tanh(p["U"] * net["x"][t] + p["W"] * s + p["b_a"])
    return sp.diff(local, s).subs(s, net["S"][t - 1])


def path_terms(k, T=3, targets=(0, 1, 0), weights=None):
    """[(path, product of its local derivatives)] for every path from S_k to L."""
    net = unroll(T, targets, weights)
    terms = []
    for path in paths_to_loss(k, T):
        prod = sp.Integer(1)
        for a, b in zip(path, path[1:]):
            prod *= local_derivative(net, a, b, targets)
        terms.append((path, prod))
    return terms


def total_state_derivative(k, T=3, targets=(0, 1, 0), weights=None):
    """∂⁺L/∂S_k by plain differentiation: S_k made a free symbol, the later states rebuilt from it."""
    net = unroll(T, targets, weights)
    p, s = net["params"], sp.Symbol("s")
    prev, L = s, net["weights"][k - 1] * cross_entropy(p["V"] * s + p["b_y"], targets[k - 1])
    for t in range(k + 1, T + 1):
        prev = sp.tanh(p["U"] * net["x"][t - 1] + p["W"] * prev + p["b_a"])
        L += net["weights"][t - 1] * cross_entropy(p["V"] * prev + p["b_y"], targets[t - 1])
    return sp.diff(L, s).subs(s, net["S"][k - 1])


# -- shared weights: untie, differentiate, tie ------------------------------------------------

def untied_gradients(name="W", T=3, targets=(0, 1, 0), weights=None):
    """Give step t its own copy name_t of one shared parameter, differentiate, then tie the copies again.

    Returns (per_copy, tied): per_copy[t-1] = ∂L/∂name_t evaluated at name_t = name (a Matrix for
    V and b_y), and tied = ∂L/∂name of the shared network. Their sum equals tied.
    """
    params, _, _ = scalar_symbols(T)
    shared = params[name]
    if isinstance(shared, sp.MatrixBase):
        copies = [sp.Matrix(sp.symbols(f"{name}{t}_1:{shared.rows + 1}")) for t in range(1, T + 1)]
    else:
        copies = [sp.Symbol(f"{name}_{t}") for t in range(1, T + 1)]
    net = unroll(T, targets, weights, params_at=lambda t: {**params, name: copies[t - 1]})
    tie = {}
    for c in copies:
        tie.update(zip(c, shared) if isinstance(shared, sp.MatrixBase) else [(c, shared)])
    per_copy = [sp.Matrix([sp.diff(net["L"], ci) for ci in c]).subs(tie) if isinstance(shared, sp.MatrixBase)
                else sp.diff(net["L"], c).subs(tie) for c in copies]
    L = unroll(T, targets, weights)["L"]
    tied = sp.Matrix([sp.diff(L, si) for si in shared]) if isinstance(shared, sp.MatrixBase) else sp.diff(L, shared)
    return per_copy, tied


def gradient(T=3, targets=(0, 1, 0), weights=None):
    """∂L/∂θ for every parameter and S_0 by SymPy differentiation: {name: expression or Matrix}."""
    net = unroll(T, targets, weights)
    out = {}
    for name, sym in net["params"].items():
        out[name] = sp.Matrix([sp.diff(net["L"], s) for s in sym]) if isinstance(sym, sp.MatrixBase) \
            else sp.diff(net["L"], sym)
    out["S_0"] = sp.diff(net["L"], net["S0"])
    return out


# -- the output layer --------------------------------------------------------------------------

def softmax_cross_entropy_gradient(q=3, c=0):
    """(∂ℓ/∂o as SymPy differentiates it, ŷ − e_c) for ℓ = −log softmax(o)[c]: two q x 1 matrices."""
    o = sp.Matrix(sp.symbols(f"o_1:{q + 1}"))
    y_hat = sp.Matrix([sp.exp(oi) for oi in o]) / sum(sp.exp(oi) for oi in o)
    e_c = sp.Matrix([1 if i == c else 0 for i in range(q)])
    return sp.Matrix([sp.diff(cross_entropy(o, c), oi) for oi in o]), y_hat - e_c


def softmax_jacobian(q=3):
    """(∂ŷ/∂o by differentiation, diag(ŷ) − ŷŷᵀ): two q x q matrices, ŷ = softmax(o)."""
    o = sp.Matrix(sp.symbols(f"o_1:{q + 1}"))
    y_hat = sp.Matrix([sp.exp(oi) for oi in o]) / sum(sp.exp(oi) for oi in o)
    return y_hat.jacobian(o), sp.diag(*y_hat) - y_hat * y_hat.T
