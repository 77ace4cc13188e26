"""BPTT as a double sum over losses and steps: the per-loss error terms of source 000.

Loss L_t = w_t ℓ_t sends to every earlier step k <= t its own error term δ_{t,k} = ∂⁺L_t/∂z_k:

    δ_{t,t} = f'(z_t) ⊙ W_qhᵀ ∂L_t/∂o_t,          ∂L_t/∂o_t = w_t (ŷ_t − y_t)
    δ_{t,k} = f'(z_k) ⊙ W_hhᵀ δ_{t,k+1},  k < t     (= diag(f'(z_k)) W_hhᵀ δ_{t,k+1})

and the gradients are sums over both indices:

    ∂L/∂W_hh = Σ_t Σ_{k<=t} δ_{t,k} h_{k-1}ᵀ,   ∂L/∂W_hx = Σ_t Σ_{k<=t} δ_{t,k} x_kᵀ,
    ∂L/∂b_h  = Σ_t Σ_{k<=t} δ_{t,k},            ∂L/∂h_0  = Σ_t W_hhᵀ δ_{t,1},

with the output layer as in the single sweep (one path each). Every δ_{t,k} is computed on
its own: T(T-1)/2 products with W_hhᵀ, where :func:`bptt.bptt_grads` needs T - 1.

Book indices are 1-based (steps 1..T); arrays are 0-based: D[t-1, k-1] = δ_{t,k}.
Rows are examples, so W_hhᵀ δ becomes ``delta @ W_hh`` in the code.
"""
import numpy as np

from .activations import df_from_h
from .elman import check_elman, forward
from .losses import one_hot, softmax_cross_entropy
from .validate import check_targets, check_weights


def _prepare(params, X, Y, h0, activation, weights):
    """Validate, run forward; return (params, X, H, loss, dO, dF) with dO = ∂L/∂o_t, dF = f'(z_t)."""
    params, X, h0 = check_elman(params, X, h0, activation)
    T, B, _ = X.shape
    q = params["W_qh"].shape[0]
    Y = check_targets(Y, T, B, q)
    w = check_weights(weights, T)
    H, O = forward(params, X, h0, activation)
    ell, Y_hat = softmax_cross_entropy(O, Y)                   # ℓ_t and ŷ_t
    loss = float(np.sum(w[:, None] * ell))
    dO = w[:, None, None] * (Y_hat - one_hot(Y, q))             # ∂L_t/∂o_t = w_t (ŷ_t − y_t)
    return params, X, H, loss, dO, df_from_h(H[1:], activation)


def _error_columns(p, dO, dF):
    """Yield (k, E) for k = T-1, ..., 0 (0-based), with E[i] = δ_{k+i, k}: the errors every loss t >= k sends to step k.

    E has shape (T-k, B, n); it is overwritten by the next step, copy it to keep it.
    """
    T, B, n = dF.shape
    dH_out = dO @ p["W_qh"]                                     # W_qhᵀ ∂L_t/∂o_t, (T, B, n)
    S = np.empty((T, B, n))                                     # S[t] holds δ_{t,k} for the current k
    for k in range(T - 1, -1, -1):
        S[k + 1:] = (S[k + 1:] @ p["W_hh"]) * dF[k]             # δ_{t,k} = f'(z_k) ⊙ W_hhᵀ δ_{t,k+1}, every t > k
        S[k] = dH_out[k] * dF[k]                                # δ_{k,k} = f'(z_k) ⊙ W_qhᵀ ∂L_k/∂o_k
        yield k, S[k:]


def per_loss_deltas(params, X, Y, h0=None, activation="tanh", weights=None):
    """Every error term δ_{t,k} = ∂⁺L_t/∂z_k (source 000), zero for k > t.

    Arguments as :func:`bptt.bptt_grads`: X (T, B, m), Y (T, B) ints, h0 (B, n) or None,
    weights (T,) or None. Returns D of shape (T, T, B, n) with D[t-1, k-1] = δ_{t,k}.
    Memory O(T² B n): for small cases and figures.
    """
    params, X, H, _, dO, dF = _prepare(params, X, Y, h0, activation, weights)
    T = X.shape[0]
    D = np.zeros((T, T) + dF.shape[1:])
    for k, E in _error_columns(params, dO, dF):
        D[k:, k] = E
    return D


def double_sum_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """Loss and gradients by the double sum Σ_t Σ_{k<=t} (source 000); same contract as :func:`bptt.bptt_grads`.

    O(T²) matrix products (every δ_{t,k} separately), O(T B n) memory (one column of errors at a time).
    Returns (loss, grads) with the keys of params.
    """
    params, X, H, loss, dO, dF = _prepare(params, X, Y, h0, activation, weights)
    T, B, m = X.shape
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for k, E in _error_columns(params, dO, dF):
        E_sum = E.sum(axis=0)                                   # Σ_{t>=k} δ_{t,k}: h_{k-1}, x_k are common to every t
        grads["W_hh"] += E_sum.T @ H[k]                         # Σ_t δ_{t,k} h_{k-1}ᵀ (H[k] is h_{k-1} in book indices)
        grads["W_hx"] += E_sum.T @ X[k]                         # Σ_t δ_{t,k} x_kᵀ
        grads["b_h"] += E_sum.sum(axis=0)                       # Σ_t δ_{t,k}, summed over the batch
    q = dO.shape[-1]
    n = H.shape[-1]
    grads["W_qh"] = dO.reshape(T * B, q).T @ H[1:].reshape(T * B, n)   # Σ_t ∂L_t/∂o_t h_tᵀ
    grads["b_q"] = dO.reshape(T * B, q).sum(axis=0)                   # Σ_t ∂L_t/∂o_t
    return loss, grads


def w_hh_contributions(params, X, Y, h0=None, activation="tanh", weights=None):
    """C[t-1, k-1] = Σ_batch δ_{t,k} h_{k-1}ᵀ: what loss t contributes to ∂L/∂W_hh through step k.

    Shape (T, T, n, n), zero for k > t; C.sum((0, 1)) is ∂L/∂W_hh. For small cases and figures.
    """
    D = per_loss_deltas(params, X, Y, h0, activation, weights)
    _, X, h0 = check_elman(params, X, h0, activation)
    H, _ = forward(params, X, h0, activation)
    return np.einsum("tkbi,kbj->tkij", D, H[:-1])


def dh0_from_deltas(params, D):
    """∂L/∂h_0 = Σ_t W_hhᵀ δ_{t,1} from the error terms D of :func:`per_loss_deltas`: shape (B, n)."""
    return D[:, 0].sum(axis=0) @ np.asarray(params["W_hh"], dtype=float)


def one_path_grads(params, X, Y, h0=None, activation="tanh", weights=None):
    """A common mistake, kept for comparison: each loss followed only along its immediate path.

    Keeps only the k = t terms of the double sum (δ_{t,t} h_{t-1}ᵀ and so on), i.e. drops the
    W_hhᵀ δ_{t+1} carried back from later steps. Equals the true gradient only when T = 1.
    Same contract as :func:`bptt.bptt_grads`.
    """
    params, X, H, loss, dO, dF = _prepare(params, X, Y, h0, activation, weights)
    T, B, m = X.shape
    n, q = H.shape[-1], dO.shape[-1]
    delta_tt = (dO @ params["W_qh"]) * dF                       # δ_{t,t} only
    D2 = delta_tt.reshape(T * B, n)
    grads = {
        "W_hx": D2.T @ X.reshape(T * B, m),
        "W_hh": D2.T @ H[:-1].reshape(T * B, n),
        "b_h": D2.sum(axis=0),
        "W_qh": dO.reshape(T * B, q).T @ H[1:].reshape(T * B, n),
        "b_q": dO.reshape(T * B, q).sum(axis=0),
    }
    return loss, grads


def single_sweep(X, H, dO, dF, W_hh, W_qh):
    """BPTT in a dozen lines: the sweep and the five gradients, book names.

    X (T, B, m), H (T+1, B, n) with H[0] = h_0, dO = ∂L/∂o_t (T, B, q),
    dF = f'(z_t) (T, B, n). Rows are examples, so a column W_hhᵀ δ
    is ``delta @ W_hh``. Returns (delta (T, B, n), grads, dh0 (B, n)).
    A test holds it equal to bptt.backprop.backward_through_time.
    """
    T = len(X)
    delta = np.zeros(dF.shape)
    carry = np.zeros(dF.shape[1:])           # W_hhᵀ δ_{T+1} = 0
    for t in range(T, 0, -1):                # t = T, ..., 1
        dh = dO[t-1] @ W_qh + carry          # ∂⁺L/∂h_t
        delta[t-1] = dF[t-1] * dh            # δ_t = D_t ∂⁺L/∂h_t
        carry = delta[t-1] @ W_hh            # W_hhᵀ δ_t, for step t-1
    grads = {
        "W_hx": sum(delta[t].T @ X[t] for t in range(T)),
        "W_hh": sum(delta[t].T @ H[t] for t in range(T)),
        "b_h": delta.sum(axis=(0, 1)),
        "W_qh": sum(dO[t].T @ H[t+1] for t in range(T)),
        "b_q": dO.sum(axis=(0, 1)),
    }
    return delta, grads, carry               # carry = ∂L/∂h_0
