"""Parameters of the Elman network, as a dict of float64 arrays.

Shapes: W_hx (n, m), W_hh (n, n), b_h (n,), W_qh (q, n), b_q (q,).
"""
import numpy as np

from .validate import as_real_array, check_positive_int


def elman_shapes(m, n, q):
    """{key: (shape, spelled shape)} for an Elman network with m inputs, n hidden units, q outputs."""
    return {
        "W_hx": ((n, m), "(n, m)"),
        "W_hh": ((n, n), "(n, n)"),
        "b_h": ((n,), "(n,)"),
        "W_qh": ((q, n), "(q, n)"),
        "b_q": ((q,), "(q,)"),
    }


def gate_shapes(gates, m, n, q):
    """Shapes of a gated cell: W_x<g> (n, m), W_h<g> (n, n), b_<g> (n,) for each gate letter, plus W_qh, b_q."""
    shapes = {}
    for g in gates:
        shapes.update({f"W_x{g}": ((n, m), "(n, m)"), f"W_h{g}": ((n, n), "(n, n)"), f"b_{g}": ((n,), "(n,)")})
    shapes.update({"W_qh": ((q, n), "(q, n)"), "b_q": ((q,), "(q,)")})
    return shapes


def gated_init_params(gates, n_in, n_hidden, n_out, seed=0, gate_bias=None, spectral_radius=None):
    """Random parameters of a gated cell with the letters ``gates`` (e.g. "ifoc" or "rzh").

    W_x<g> ~ N(0, 1/n_in), W_h<g> ~ N(0, 1/n_hidden) (each rescaled to ``spectral_radius`` if
    given), W_qh ~ N(0, 1/n_hidden); biases zero except gate_bias = {(letter, name): value},
    e.g. {("f", "forget_bias"): 1.0}; ``name`` is the argument named in errors.
    """
    m, n, q = (check_positive_int(v, k) for v, k in ((n_in, "n_in"), (n_hidden, "n_hidden"), (n_out, "n_out")))
    bias = {}
    for (g, name), value in (gate_bias or {}).items():
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        bias[g] = float(value)
    rng = np.random.default_rng(seed)
    p = {}
    for g in gates:
        p[f"W_x{g}"] = rng.normal(0.0, 1.0 / np.sqrt(m), size=(n, m))
        p[f"W_h{g}"] = recurrent_matrix(n, "normal", rng, spectral_radius)
        p[f"b_{g}"] = np.full(n, bias.get(g, 0.0))
    p["W_qh"] = rng.normal(0.0, 1.0 / np.sqrt(n), size=(q, n))
    p["b_q"] = np.zeros(q)
    return p


def dims_of(params):
    """(m, n, q) read off the shapes of W_hx and W_qh."""
    n, m = np.shape(params["W_hx"])
    return m, n, np.shape(params["W_qh"])[0]


def spectral_radius(A):
    """ρ(A) = max |λ_i(A)|, the largest eigenvalue modulus. A: a finite square matrix (n, n)."""
    A = as_real_array(A, "A", ndim=2)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a square matrix of shape (n, n) with n >= 1, got shape {A.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def recurrent_matrix(n, init="normal", rng=None, spectral_radius_=None, singular_value=None):
    """An (n, n) recurrent matrix.

    init: "normal" (entries N(0, 1/n)), "orthogonal" (Q of a QR factorisation) or
    "identity" (IRNN, Le et al. 2015). Optionally rescaled so that its spectral radius, or
    its largest singular value, equals the requested number (give at most one of the two).
    n: an integer >= 1.
    """
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(rng)
    if init == "normal":
        A = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n))
    elif init == "orthogonal":
        Q, R = np.linalg.qr(rng.normal(size=(n, n)))
        A = Q * np.sign(np.diag(R))  # sign fix makes Q Haar-distributed
    elif init == "identity":
        A = np.eye(n)
    else:
        raise ValueError(f"init must be one of ['identity', 'normal', 'orthogonal'], got {init!r}")
    if spectral_radius_ is not None and singular_value is not None:
        raise ValueError("give at most one of spectral_radius and singular_value")
    for target, current, name in ((spectral_radius_, spectral_radius, "spectral_radius"),
                                  (singular_value, lambda M: np.linalg.norm(M, 2), "singular_value")):
        if target is not None:
            if not np.isfinite(target) or target < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {target!r}")
            A = A * (target / current(A))
    return A


def init_params(n_in, n_hidden, n_out, seed=0, spectral_radius=None, singular_value=None,
                init="normal", scale=None):
    """Random Elman-network parameters (dict of float64 arrays), reproducible from ``seed``.

    W_hx ~ N(0, scale²) with scale = 1/sqrt(n_in) by default, W_qh ~ N(0, 1/n_hidden),
    biases zero; W_hh from :func:`recurrent_matrix` (``init``, optional ``spectral_radius``
    or largest ``singular_value``).
    """
    m = check_positive_int(n_in, "n_in")
    n = check_positive_int(n_hidden, "n_hidden")
    q = check_positive_int(n_out, "n_out")
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(m) if scale is None else float(scale)
    return {
        "W_hx": rng.normal(0.0, scale, size=(n, m)),
        "W_hh": recurrent_matrix(n, init, rng, spectral_radius, singular_value),
        "b_h": np.zeros(n),
        "W_qh": rng.normal(0.0, 1.0 / np.sqrt(n), size=(q, n)),
        "b_q": np.zeros(q),
    }
