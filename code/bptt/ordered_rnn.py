"""An unrolled Elman network is an ordered system; and the same network with one input matrix.

:func:`unrolled_elman` lists every scalar of the unrolled network in computation order,

    parameters, h_0, then for t = 1..T:  z_t = W_hx x_t + W_hh h_{t-1} + b_h,  h_t = f(z_t),
                                         o_t = W_qh h_t + b_q,

with its direct partials (A, e) for :mod:`bptt.ordered`: one backward sweep over it is BPTT,
one forward sweep per parameter is RTRL. :func:`source_rnn_grads` writes the network the way
source 004 does, with the concatenated input xc_t = [x_t; h_{t-1}] and one matrix
w_ih = [W_hx  W_hh], and runs the source's backward formulas (corrected, column layout).
"""
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS, check_activation
from .elman import _forward, check_elman
from .losses import one_hot, softmax_cross_entropy
from .ordered import backward_sweep
from .validate import as_real_array, check_inputs, check_params, check_state, check_targets, check_weights

PARAM_KEYS = ("W_hx", "W_hh", "b_h", "W_qh", "b_q")


@dataclass(frozen=True)
class Unrolled:
    """Direct partials A (N, N) and e (N,) of an unrolled network, its loss, and where each symbol lives.

    index[name] is an integer array of variable numbers with the symbol's shape: the parameter
    keys, "h" (T+1, B, n) with h[0] = h_0, "z" (T, B, n) and "o" (T, B, q).
    """

    A: np.ndarray
    e: np.ndarray
    loss: float
    index: dict

    def take(self, vec, name):
        """The entries of a length-N vector that belong to symbol ``name``, in its shape."""
        return np.asarray(vec)[self.index[name]]


def unrolled_elman(params, X, Y, h0=None, activation="tanh", weights=None):
    """The ordered system of the Elman network on one batch. Arguments as :func:`bptt.bptt_grads`.

    Returns :class:`Unrolled`. The loss L = Σ_t w_t Σ_b ℓ_tb is the target E; it reads only the o_t.
    """
    p, X, h0 = check_elman(params, X, h0, activation)
    T, B, m = X.shape
    n, q = p["W_hh"].shape[0], p["W_qh"].shape[0]
    Y = check_targets(Y, T, B, q)
    w = check_weights(weights, T)
    H, O = _forward(p, X, h0, activation)
    ell, Y_hat = softmax_cross_entropy(O, Y)
    dF = ACTIVATIONS[activation][2](H[1:])                     # f'(z_t) from h_t

    count = 0

    def block(shape):                                          # the next free variable numbers
        nonlocal count
        ids = np.arange(count, count + int(np.prod(shape))).reshape(shape)
        count += ids.size
        return ids

    idx = {k: block(p[k].shape) for k in PARAM_KEYS}
    hid, zid, oid = np.empty((T + 1, B, n), int), np.empty((T, B, n), int), np.empty((T, B, q), int)
    hid[0] = block((B, n))
    for t in range(T):                                         # computation order: z_t, h_t, o_t
        zid[t], hid[t + 1], oid[t] = block((B, n)), block((B, n)), block((B, q))
    A, e = np.zeros((count, count)), np.zeros(count)
    for t in range(T):                                         # step s = t + 1 of the book
        z, h_prev, h, o = zid[t][:, :, None], hid[t][:, None, :], hid[t + 1], oid[t][:, :, None]
        A[z, idx["W_hx"][None]] = X[t][:, None, :]             # ∂z_s[k]/∂W_hx[k, i] = x_s[i]
        A[z, idx["W_hh"][None]] = H[t][:, None, :]             # ∂z_s[k]/∂W_hh[k, l] = h_{s-1}[l]
        A[zid[t], idx["b_h"][None]] = 1.0                      # ∂z_s[k]/∂b_h[k] = 1
        A[z, h_prev] = p["W_hh"][None]                         # ∂z_s[k]/∂h_{s-1}[l] = W_hh[k, l]
        A[h, zid[t]] = dF[t]                                   # ∂h_s[k]/∂z_s[k] = f'(z_s[k])
        A[o, idx["W_qh"][None]] = H[t + 1][:, None, :]         # ∂o_s[k]/∂W_qh[k, l] = h_s[l]
        A[oid[t], idx["b_q"][None]] = 1.0                      # ∂o_s[k]/∂b_q[k] = 1
        A[o, h[:, None, :]] = p["W_qh"][None]                  # ∂o_s[k]/∂h_s[l] = W_qh[k, l]
        e[oid[t]] = w[t] * (Y_hat[t] - one_hot(Y[t], q))       # ∂L/∂o_s = w_s (ŷ_s − y_s)
    idx.update(h=hid, z=zid, o=oid)
    return Unrolled(A, e, float(np.sum(w[:, None] * ell)), idx)


def ordered_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """(loss, grads) by one backward sweep over the unrolled system; the contract of bptt_grads."""
    system = unrolled_elman(params, X, Y, h0, activation, weights)
    g = backward_sweep(system.A, system.e).grad
    return system.loss, {k: system.take(g, k) for k in PARAM_KEYS}


# -- the source's formulation: one input vector, one input matrix ------------------------------------

def concat_params(params):
    """Book names -> source names: w_ih = [W_hx  W_hh] (n, m+n), b_ih = b_h, w_ho = W_qh, b_ho = b_q."""
    m = np.shape(params["W_hx"])[1] if isinstance(params, dict) and np.ndim(params.get("W_hx")) == 2 else 1
    p = check_elman(params, np.zeros((1, 1, m)))[0]
    return {"w_ih": np.hstack([p["W_hx"], p["W_hh"]]), "b_ih": p["b_h"].copy(),
            "w_ho": p["W_qh"].copy(), "b_ho": p["b_q"].copy()}


def check_source(sparams, m):
    """Validate source-named parameters for input size m: w_ih (n, m+n), b_ih (n,), w_ho (q, n), b_ho (q,)."""
    if not isinstance(sparams, dict):
        raise TypeError(f"sparams must be a dict with keys w_ih, b_ih, w_ho, b_ho, got {type(sparams).__name__}")
    for key, dims in (("w_ih", "(n, m+n)"), ("w_ho", "(q, n)")):
        if np.ndim(sparams.get(key)) != 2:
            raise ValueError(f"sparams[{key!r}] must be a matrix of shape {dims}, got {np.shape(sparams.get(key))}")
    n, q = np.shape(sparams["w_ih"])[0], np.shape(sparams["w_ho"])[0]
    return check_params(sparams, {"w_ih": ((n, m + n), "(n, m+n)"), "b_ih": ((n,), "(n,)"),
                                  "w_ho": ((q, n), "(q, n)"), "b_ho": ((q,), "(q,)")})


def split_params(sparams, m):
    """Source names -> book names; m is the input size (the first m columns of w_ih are W_hx)."""
    s = check_source(sparams, m)
    return {"W_hx": s["w_ih"][:, :m].copy(), "W_hh": s["w_ih"][:, m:].copy(), "b_h": s["b_ih"].copy(),
            "W_qh": s["w_ho"].copy(), "b_q": s["b_ho"].copy()}


def source_rnn_grads(sparams, X, Y, h0=None, activation="tanh"):
    """Loss and gradients of the same network, computed the source's way.

    sparams: {"w_ih" (n, m+n), "b_ih" (n,), "w_ho" (q, n), "b_ho" (q,)}; X (T, B, m); Y (T, B)
    integer targets; h0 (B, n) or None. Returns (C, grads) with grads keyed like sparams.
    Rows of XC[t] are xc_tᵀ = [x_tᵀ, h_{t-1}ᵀ], so w_ih xc_t is XC[t] @ w_ih.T.
    """
    f, _, df_from_h = ACTIVATIONS[check_activation(activation)]
    X = as_real_array(X, "X", ndim=3)
    s = check_source(sparams, X.shape[2])                      # w_ih must have m + n columns
    X = check_inputs(X, X.shape[2])
    T, B, m = X.shape
    n, q = s["w_ih"].shape[0], s["w_ho"].shape[0]
    Y = check_targets(Y, T, B, q)
    H = np.empty((T + 1, B, n))
    H[0] = check_state(h0, B, n)
    XC = np.empty((T, B, m + n))
    for t in range(T):
        XC[t] = np.concatenate([X[t], H[t]], axis=1)           # xc_t = [x_t; h_{t-1}]
        H[t + 1] = f(XC[t] @ s["w_ih"].T + s["b_ih"])          # h_t = φ(z^h_t), z^h_t = w_ih xc_t + b_ih
    C, Y_hat = softmax_cross_entropy(H[1:] @ s["w_ho"].T + s["b_ho"], Y)   # z^o_t = w_ho h_t + b_ho
    dZo = Y_hat - one_hot(Y, q)                                # ∂⁺C/∂z^o_t = ŷ_t − y_t: no path between outputs
    dF = df_from_h(H[1:])
    delta = np.empty((T, B, n))
    carry = np.zeros((B, n))                                   # nothing after step T
    for t in range(T - 1, -1, -1):
        delta[t] = dF[t] * (dZo[t] @ s["w_ho"] + carry)        # δ_t = D_t (w_hoᵀ ∂C/∂z^o_t + W_hhᵀ δ_{t+1})
        carry = delta[t] @ s["w_ih"][:, m:]                    # W_hhᵀ δ_t: the h-block of w_ih
    grads = {"w_ih": np.einsum("tbn,tbk->nk", delta, XC),      # Σ_t δ_t xc_tᵀ
             "b_ih": delta.sum(axis=(0, 1)),
             "w_ho": np.einsum("tbq,tbn->qn", dZo, H[1:]),     # Σ_t ∂⁺C/∂z^o_t h_tᵀ
             "b_ho": dZo.sum(axis=(0, 1))}
    return float(C.sum()), grads
