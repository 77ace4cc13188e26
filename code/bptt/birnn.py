"""The bidirectional recurrent network (Schuster & Paliwal 1997) on the Elman cell.

Two independent Elman chains read the sequence, one forwards and one backwards in time:

    h→_t = f(W_hx_fwd x_t + W_hh_fwd h→_{t-1} + b_h_fwd),   t = 1..T,  h→_0 given
    h←_t = f(W_hx_bwd x_t + W_hh_bwd h←_{t+1} + b_h_bwd),   t = T..1,  h←_{T+1} given
    o_t  = W_qh_fwd h→_t + W_qh_bwd h←_t + b_q

The output sum is the same as W_qh [h→_t; h←_t] with W_qh = [W_qh_fwd  W_qh_bwd] acting on the
concatenated state; keeping the two blocks apart names each direction's weights. The backward
chain is an ordinary Elman network run on the reversed sequence, so both chains use
:mod:`bptt.elman`'s forward pass; only the sweep that starts from given ∂L/∂h_t is written here.
"""
import numpy as np

from .activations import ACTIVATIONS, check_activation
from .backprop import backward_through_time, output_errors
from .elman import _forward as elman_forward
from .params import init_params
from .validate import check_inputs, check_params, check_positive_int, check_state, check_targets, check_weights

DIRECTIONS = ("fwd", "bwd")


def birnn_shapes(m, n, q):
    """{key: (shape, spelled shape)}: per direction W_hx (n, m), W_hh (n, n), b_h (n,), W_qh (q, n); one b_q (q,)."""
    shapes = {}
    for d in DIRECTIONS:
        shapes.update({f"W_hx_{d}": ((n, m), "(n, m)"), f"W_hh_{d}": ((n, n), "(n, n)"),
                       f"b_h_{d}": ((n,), "(n,)"), f"W_qh_{d}": ((q, n), "(q, n)")})
    shapes["b_q"] = ((q,), "(q,)")
    return shapes


def birnn_init_params(n_in, n_hidden, n_out, seed=0, spectral_radius=None):
    """Two Elman chains from :func:`bptt.init_params` (seeds ``seed`` and ``seed + 1``) and b_q = 0."""
    check_positive_int(n_out, "n_out")
    p = {}
    for k, d in enumerate(DIRECTIONS):
        e = init_params(n_in, n_hidden, n_out, seed=seed + k, spectral_radius=spectral_radius)
        p.update({f"W_hx_{d}": e["W_hx"], f"W_hh_{d}": e["W_hh"], f"b_h_{d}": e["b_h"], f"W_qh_{d}": e["W_qh"]})
    p["b_q"] = np.zeros(n_out)
    return p


def check_birnn(params, X, h0_fwd=None, h0_bwd=None, activation="tanh"):
    """Validate the arguments; return (params, X, h0_fwd, h0_bwd) as float64 arrays."""
    check_activation(activation)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like birnn_init_params returns, got {type(params).__name__}")
    for key, dims in (("W_hx_fwd", "(n, m)"), ("W_qh_fwd", "(q, n)")):
        if np.ndim(params.get(key)) != 2:
            raise ValueError(f"params[{key!r}] must be a matrix of shape {dims}, got {np.shape(params.get(key))}")
    (n, m), q = np.shape(params["W_hx_fwd"]), np.shape(params["W_qh_fwd"])[0]
    params = check_params(params, birnn_shapes(m, n, q))
    X = check_inputs(X, m)
    B = X.shape[1]
    return params, X, check_state(h0_fwd, B, n, "h0_fwd"), check_state(h0_bwd, B, n, "h0_bwd")


def chain(p, d):
    """The Elman parameter dict of direction d (its output layer without the shared bias)."""
    return {"W_hx": p[f"W_hx_{d}"], "W_hh": p[f"W_hh_{d}"], "b_h": p[f"b_h_{d}"],
            "W_qh": p[f"W_qh_{d}"], "b_q": np.zeros_like(p["b_q"])}


def _forward(p, X, h0_fwd, h0_bwd, activation):
    H_fwd, O_fwd = elman_forward(chain(p, "fwd"), X, h0_fwd, activation)
    H_rev, O_rev = elman_forward(chain(p, "bwd"), X[::-1], h0_bwd, activation)   # time reversed
    O = O_fwd + O_rev[::-1] + p["b_q"]                     # o_t = W_qh_fwd h→_t + W_qh_bwd h←_t + b_q
    return H_fwd, H_rev[::-1], O


def birnn_forward(params, X, h0_fwd=None, h0_bwd=None, activation="tanh"):
    """Run both chains. X: (T, B, m); h0_fwd = h→_0 and h0_bwd = h←_{T+1}: (B, n) or None (zeros).

    Returns H_fwd (T+1, B, n) with H_fwd[t] = h→_t (H_fwd[0] = h→_0), H_bwd (T+1, B, n) with
    H_bwd[t-1] = h←_t (H_bwd[T] = h←_{T+1}), and the logits O (T, B, q).
    """
    p, X, h0_fwd, h0_bwd = check_birnn(params, X, h0_fwd, h0_bwd, activation)
    return _forward(p, X, h0_fwd, h0_bwd, activation)


def elman_sweep(p, X, H, dH_out, activation):
    """BPTT through one Elman chain given ∂L/∂h_t from outside the recurrence.

    H: (T+1, B, n) states with H[0] the initial one; dH_out: (T, B, n), dH_out[t-1] = the
    direct error at h_t. Returns (delta (T, B, n), ∂L/∂h_0 (B, n), grads of W_hx, W_hh, b_h).
    """
    T, B, m = X.shape
    n = H.shape[2]
    dF = ACTIVATIONS[activation][2](H[1:])               # f'(z_t) from the stored h_t
    delta, carry = backward_through_time(p["W_hh"], dF, dH_out)
    D = delta.reshape(T * B, n)
    return delta, carry, {"W_hx": D.T @ X.reshape(T * B, m), "W_hh": D.T @ H[:-1].reshape(T * B, n),
                          "b_h": D.sum(axis=0)}


def birnn_grads(params, X, Y, h0_fwd=None, h0_bwd=None,
                activation="tanh", weights=None):
    """Loss and gradients of the bidirectional RNN: (loss, grads).

    X: (T, B, m); Y: (T, B) integer targets; h0_fwd, h0_bwd: (B, n)
    or None; weights: (T,) or None. grads is keyed like params. Each
    chain is swept back in its own time direction.
    """
    p, X, h0_fwd, h0_bwd = check_birnn(params, X, h0_fwd, h0_bwd,
                                       activation)
    T, B, _ = X.shape
    Y = check_targets(Y, T, B, p["b_q"].shape[0])
    w = check_weights(weights, T)
    H_fwd, H_bwd, O = _forward(p, X, h0_fwd, h0_bwd, activation)
    loss, dO = output_errors(O, Y, w)
    grads = {"b_q": dO.sum(axis=(0, 1))}
    chains = (("fwd", X, H_fwd, dO),         # swept back from t = T
              ("bwd", X[::-1], H_bwd[::-1], dO[::-1]))   # from t = 1
    for d, Xd, Hd, dOd in chains:
        dH_out = dOd @ p[f"W_qh_{d}"]           # W_qhᵀ ∂L/∂o_t
        _, _, g = elman_sweep(chain(p, d), Xd, Hd, dH_out,
                              activation)
        grads.update({f"{k}_{d}": v for k, v in g.items()})
        # Σ_t ∂L/∂o_t h_tᵀ
        grads[f"W_qh_{d}"] = np.einsum("tbq,tbn->qn", dOd, Hd[1:])
    return loss, grads
