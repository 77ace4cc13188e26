"""Ordered derivatives (Werbos 1990) for an ordered system of scalar equations.

Variables z_1, ..., z_N are computed in order, each from earlier ones; a target E reads any of
them. At a given point the system is described by its direct partial derivatives:

    A[j, i] = ∂z_j/∂z_i   (j > i: the defining equation of z_j, other arguments held fixed)
    e[i]    = ∂E/∂z_i     (the formula for E, other arguments held fixed)

so A is strictly lower-triangular, and a zero entry means "no edge". Werbos's rule gives the
ordered (total) derivatives, the effect on E of a change in z_i through every path:

    ∂⁺E/∂z_i = ∂E/∂z_i + Σ_{j>i} ∂⁺E/∂z_j · ∂z_j/∂z_i

Python index 0 holds z_1. One backward sweep gives every ∂⁺E/∂z_i for about one multiply-add
per edge; forward accumulation needs one sweep per variable differentiated against.
"""
from dataclasses import dataclass

import numpy as np

from .validate import as_real_array, check_positive_int

#: the source's system: z2 = 2 z1, z3 = 3 z2 + z1, z4 = 4 z3 + 2 z2 + z1, E = 4 z4 + 2 z2
SOURCE_A = ((0.0, 0.0, 0.0, 0.0),
            (2.0, 0.0, 0.0, 0.0),
            (1.0, 3.0, 0.0, 0.0),
            (1.0, 2.0, 4.0, 0.0))
SOURCE_E = (0.0, 2.0, 0.0, 4.0)


@dataclass(frozen=True)
class Sweep:
    """Result of a sweep: grad[k] = ∂⁺E/∂z for the variables asked for, and the multiply-adds used."""

    grad: np.ndarray
    ops: int


def source_system():
    """(A (4, 4), e (4,)): the direct partials of the source's linear system (fresh copies)."""
    return np.array(SOURCE_A), np.array(SOURCE_E)


def dense_system(N, weight=1.0):
    """Every variable reads every earlier one and E reads them all: A (N, N), e (N,), all edges ``weight``."""
    N = check_positive_int(N, "N")
    return np.tril(np.full((N, N), float(weight)), -1), np.full(N, float(weight))


def chain_system(N, weight=1.0):
    """A chain z_1 -> z_2 -> ... -> z_N -> E (the shape of an unrolled scalar RNN): A (N, N), e (N,)."""
    N = check_positive_int(N, "N")
    e = np.zeros(N)
    e[-1] = weight
    return np.diag(np.full(N - 1, float(weight)), -1), e


def check_system(A, e=None):
    """Validate A: (N, N) strictly lower-triangular and finite, and e: (N,); return float64 copies."""
    A = as_real_array(A, "A", ndim=2)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a square (N, N) matrix of direct partials with N >= 1, got shape {A.shape}")
    upper = np.argwhere(np.triu(A) != 0)
    if len(upper):
        j, i = upper[0]
        raise ValueError("A must be strictly lower-triangular (A[j, i] = ∂z_j/∂z_i exists only for i < j), "
                         f"got A[{j}, {i}] = {A[j, i]!r}")
    if e is None:
        return A
    e = as_real_array(e, "e", ndim=1)
    if e.shape != (A.shape[0],):
        raise ValueError(f"e must have shape (N,) = ({A.shape[0]},), one ∂E/∂z_i per variable, got {e.shape}")
    return A, e


def check_index(i, N, name="i"):
    """An integer variable index in 0..N-1 (index 0 is z_1)."""
    check_positive_int(i, name, minimum=0)
    if i >= N:
        raise ValueError(f"{name} must be a variable index in 0..{N - 1} (index 0 is z_1), got {i}")
    return int(i)


def backward_sweep(A, e):
    """Every ordered derivative ∂⁺E/∂z_i in one reverse pass.

    A: (N, N) direct partials ∂z_j/∂z_i; e: (N,) direct partials ∂E/∂z_i.
    Returns Sweep(grad (N,), ops): one multiply-add per edge, that is
    per nonzero A[j, i].
    """
    A, e = check_system(A, e)
    N = len(e)
    grad = np.zeros(N)
    ops = 0
    for i in range(N - 1, -1, -1):          # last variable first
        later = A[i + 1:, i]                # ∂z_j/∂z_i for every j > i
        # Werbos: ∂⁺E/∂z_i = ∂E/∂z_i + Σ_{j>i} ∂⁺E/∂z_j ∂z_j/∂z_i
        grad[i] = e[i] + grad[i + 1:] @ later
        ops += np.count_nonzero(later)
    return Sweep(grad, int(ops))


def forward_tangent(A, i):
    """Column i of the total Jacobian: d[k] = ∂⁺z_k/∂z_i for every k (forward accumulation).

    A: (N, N); i: index of the variable perturbed. Returns (d (N,), ops), one multiply-add per
    edge leaving z_i or a later variable.
    """
    A = check_system(A)
    N = A.shape[0]
    i = check_index(i, N)
    d = np.zeros(N)
    d[i] = 1.0                                                # ∂⁺z_i/∂z_i = 1; earlier variables do not move
    ops = 0
    for k in range(i + 1, N):
        direct = A[k, i:k]                                    # ∂z_k/∂z_l for i <= l < k
        d[k] = direct @ d[i:k]                                # ∂⁺z_k/∂z_i = Σ_l ∂z_k/∂z_l ∂⁺z_l/∂z_i
        ops += np.count_nonzero(direct)
    return d, int(ops)


def forward_sweep(A, e, inputs=None):
    """Ordered derivatives by forward accumulation: one sweep per variable in ``inputs``.

    A: (N, N); e: (N,); inputs: an index, a sequence of indices, or None (all N variables).
    Returns Sweep(grad (len(inputs),), ops) with grad[k] = ∂⁺E/∂z_{inputs[k]} = Σ_l e[l] ∂⁺z_l/∂z_i.
    """
    A, e = check_system(A, e)
    N = len(e)
    if inputs is None:
        inputs = range(N)
    elif isinstance(inputs, (int, np.integer)) and not isinstance(inputs, bool):
        inputs = [inputs]
    inputs = [check_index(i, N, "inputs") for i in inputs]
    grad = np.zeros(len(inputs))
    ops = 0
    for k, i in enumerate(inputs):
        d, sweep_ops = forward_tangent(A, i)
        grad[k] = e[i:] @ d[i:]                               # E reads the moved variables directly
        ops += sweep_ops + np.count_nonzero(e[i:])
    return Sweep(grad, int(ops))


def total_derivatives(A, e):
    """∂⁺E/∂z as one triangular solve: (I - Aᵀ) g = e. A check on the sweeps; shapes as there."""
    A, e = check_system(A, e)
    return np.linalg.solve(np.eye(len(e)) - A.T, e)


def path_contributions(A, e, i, max_paths=10_000):
    """Every path z_i -> ... -> E and its weight (the product of the direct partials along it).

    Returns a list of (path, weight): path is a tuple of variable indices starting at i (E is
    implied at the end). The weights sum to ∂⁺E/∂z_i. Their number can grow like 2^N, so more
    than ``max_paths`` paths raise ValueError.
    """
    A, e = check_system(A, e)
    N = len(e)
    i = check_index(i, N)
    out, stack = [], [((i,), 1.0)]
    while stack:
        path, weight = stack.pop()
        last = path[-1]
        if e[last] != 0:
            out.append((path, float(weight * e[last])))
            if len(out) > max_paths:
                raise ValueError(f"more than max_paths = {max_paths} paths from z_{i + 1} to E")
        for j in range(N - 1, last, -1):
            if A[j, last] != 0:
                stack.append((path + (j,), weight * A[j, last]))
    return sorted(out, key=lambda pw: pw[0])


def evaluate_linear(A, e, u):
    """Run a linear ordered system: z_j = u_j + Σ_{i<j} A[j, i] z_i, then E = Σ_i e[i] z_i.

    u: (N,) external inputs (the source's system has u = (z_1, 0, 0, 0)). Returns (z (N,), E).
    """
    A, e = check_system(A, e)
    u = as_real_array(u, "u", ndim=1)
    if u.shape != e.shape:
        raise ValueError(f"u must have shape (N,) = {e.shape}, one external input per variable, got {u.shape}")
    z = np.zeros(len(e))
    for j in range(len(e)):
        z[j] = u[j] + A[j, :j] @ z[:j]
    return z, float(e @ z)
