"""BPTT within a memory budget: checkpointed backpropagation through time.

checkpointed_grads runs the actions of a schedule (:mod:`bptt.schedule`, re-exported here):
it stores at most ``slots`` states h_t besides h_0 and recomputes the others from the
nearest stored one. The backward step at t, with h_t at hand, is bptt_grads's arithmetic:

    ∂L/∂o_t = w_t (ŷ_t − e_{y_t}),   δ_t = f'(z_t) ⊙ (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1}),

and the gradient sums Σ_t grow one term per step, in the order t = T, …, 1. The term
δ_{t+1} h_tᵀ of ∂L/∂W_hh is added at step t, when h_t is at hand (δ_1 h_0ᵀ at the end).

Exactness: a recomputed h_t is bit-for-bit the first one (the same operations on the same
numbers), so the result is bit-for-bit the same for every schedule and slot count. Against
bptt_grads it agrees to rounding only: bptt_grads sums over t inside one matrix product
(and the loss by pairwise summation), whose rounding differs from a sum built step by step.
(The states h_t and logits o_t themselves came out bit-identical to bptt.forward's with the
OpenBLAS this was tested with; a BLAS may round a row of a large product differently.)
"""
import numpy as np

from .activations import ACTIVATIONS
from .backprop import check_backward_args
from .schedule import (
    KINDS,
    Action,
    beta,
    binomial_forward_steps,
    count,
    iter_schedule,
    optimal_forward_steps,
    replay,
    schedule,
    uniform_forward_steps,
    uniform_slots,
    uniform_spacing,
)
from .validate import FloatRangeError, check_positive_int, nonfinite_ignored

__all__ = ["checkpointed_grads", "Action", "beta", "binomial_forward_steps", "count",
           "iter_schedule", "optimal_forward_steps", "replay", "schedule",
           "uniform_forward_steps", "uniform_slots", "uniform_spacing"]


def checkpointed_grads(params, X, Y, h0=None, activation="tanh", weights=None,
                       slots=None, schedule="binomial"):
    """Loss and gradients of the Elman network, like bptt_grads, within a memory budget.

    params, X (T, B, m), Y (T, B), h0 (B, n) or None, activation, weights (T,) or None: as
    in :func:`bptt.bptt_grads`. slots: the number of states stored at once besides h_0 (an
    int ≥ 0; None: ⌈√T⌉ for "binomial", a checkpoint every ⌈√T⌉ steps for "uniform").
    schedule: "binomial" (fewest forward steps for the slots) or "uniform".
    Returns (loss, grads) as bptt_grads does, equal to rounding (bit-for-bit the same for
    every slots and schedule). Besides the X, Y and weights it is given, no array it holds
    grows with T (the input check's temporary isfinite(X) aside): the losses and output
    errors are formed step by step, and the actions come from a generator.
    Raises ValueError for slots < 0, a slot count the uniform schedule cannot keep to, or
    an unknown schedule; TypeError for a slots that is not an int; the usual errors of
    :func:`bptt.bptt_grads` for bad params, X, Y, h0, activation or weights.
    """
    if not isinstance(schedule, str) or schedule not in KINDS:
        raise ValueError(f"schedule must be one of {KINDS}, got {schedule!r}")
    if slots is not None:
        slots = check_positive_int(slots, "slots", minimum=0)
    p, X, Y, h0, w = check_backward_args(params, X, Y, h0, activation, weights)
    actions = iter_schedule(X.shape[0], slots, schedule)   # checks slots against T
    quiet = nonfinite_ignored()
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grads = _run(p, X, Y, h0, activation, w, actions, quiet)
    if not quiet:
        _check_result(loss, grads)
    return loss, grads


def _run(p, X, Y, h0, activation, w, actions, quiet):
    """Execute the actions; states are never changed in place, so storing one is keeping it."""
    f, df_from_h = ACTIVATIONS[activation][0], ACTIVATIONS[activation][2]
    W_hx_T, W_hh_T, W_qh_T = p["W_hx"].T, p["W_hh"].T, p["W_qh"].T
    W_hh, W_qh, b_h, b_q = p["W_hh"], p["W_qh"], p["b_h"], p["b_q"]
    rows = np.arange(X.shape[1])
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    stored, h, reached, loss = {}, h0, 0, 0.0
    carry = np.zeros_like(h0)                  # W_hhᵀ δ_{t+1}, zero after the last step
    delta_next = None                          # δ_{t+1}
    for op, t in actions:
        if op == "advance":
            z = h @ W_hh_T
            z += X[t - 1] @ W_hx_T + b_h       # z_t = W_hx x_t + W_hh h_{t-1} + b_h
            h = f(z)                           # h_t = f(z_t), a new array
            if t > reached:
                reached = t
                if not quiet and not np.isfinite(h).all():
                    _forward_overflow(t, activation)
        elif op == "store":
            stored[t] = h
        elif op == "restore":
            h = h0 if t == 0 else stored[t]
        else:                                  # backward step at t, h = h_t
            o = h @ W_qh_T
            o += b_q                           # o_t = W_qh h_t + b_q
            shifted = o - o.max(axis=-1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(axis=-1, keepdims=True)
            y = Y[t - 1]
            loss += float(np.sum(w[t - 1] * (np.log(s[:, 0]) - shifted[rows, y])))
            dO = e / s                         # ŷ_t
            dO[rows, y] -= 1.0
            dO *= w[t - 1]                     # ∂L/∂o_t = w_t (ŷ_t − e_{y_t})
            delta = dO @ W_qh
            delta += carry
            delta *= df_from_h(h)              # δ_t = f'(z_t) ⊙ (W_qhᵀ ∂L/∂o_t + W_hhᵀ δ_{t+1})
            if not quiet and not np.isfinite(delta).all():
                _backward_overflow(t)
            grads["W_qh"] += dO.T @ h
            grads["b_q"] += dO.sum(axis=0)
            if delta_next is not None:
                grads["W_hh"] += delta_next.T @ h   # δ_{t+1} h_tᵀ
            grads["W_hx"] += delta.T @ X[t - 1]
            grads["b_h"] += delta.sum(axis=0)
            np.matmul(delta, W_hh, out=carry)
            delta_next = delta
            stored.pop(t, None)                # h_t is needed no more
    grads["W_hh"] += delta_next.T @ h0          # δ_1 h_0ᵀ
    return loss, grads


def _forward_overflow(t, activation):
    raise FloatRangeError(
        f"the forward pass left the float64 range: h_t is not finite from step t = {t} on, "
        f"with activation={activation!r}. Use a smaller spectral radius of W_hh or a bounded "
        "activation such as 'tanh', or call inside np.errstate(over='ignore', "
        "invalid='ignore') to get the inf/NaN back.")


def _backward_overflow(t):
    raise FloatRangeError(
        f"the backward pass left the float64 range: δ_t is not finite from step t = {t} back "
        "to t = 1; use a smaller spectral radius of W_hh, a bounded activation such as "
        "'tanh', or fewer steps, or call inside np.errstate(over='ignore', invalid='ignore') "
        "to get the inf/NaN back.")


def _check_result(loss, grads):
    for k, g in grads.items():
        if not np.isfinite(g).all():
            raise FloatRangeError(
                f"the gradient grads[{k!r}] is not finite although every h_t and δ_t is: the "
                "sum over t overflowed float64, or the logits o_t did; use a smaller spectral "
                "radius of W_hh or fewer steps, or call inside np.errstate(over='ignore', "
                "invalid='ignore') to get the inf/NaN back.")
    if not np.isfinite(loss):
        raise FloatRangeError(f"the loss is {loss!r}: the logits o_t = W_qh h_t + b_q or the "
                              "sum of the per-step losses left the float64 range")
