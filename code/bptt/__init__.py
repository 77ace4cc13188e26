"""bptt: backpropagation through time, written to read like the book's maths.

The numerical modules import only NumPy; SymPy derivations live in :mod:`bptt.sym` and
plotting and explorable figures in :mod:`bptt.viz`, which import the numerical modules.
Every gradient routine returns ``(loss, grads)`` with ``grads`` keyed like ``params``.
"""
from . import practice  # bptt.practice.check: the practice pages' checker
from .activations import DERIVATIVE_BOUND, df, df_from_h, f
from .backprop import backward, bptt_grads
from .birnn import birnn_forward, birnn_grads, birnn_init_params
from .checkpoint import checkpointed_grads
from .double_sum import double_sum_grads, per_loss_deltas
from .elman import forward
from .gradcheck import check_grads, directional_check, numeric_grads
from .gru import gru_forward, gru_grads, gru_init_params
from .jordan import jordan_forward, jordan_grads, jordan_init_params
from .losses import cross_entropy, log_softmax, one_hot, softmax, softmax_cross_entropy
from .lstm import lstm_forward, lstm_grads, lstm_init_params
from .optim import clip_elementwise, clip_global_norm, global_norm, sgd_step
from .ordered import backward_sweep, forward_sweep
from .params import init_params, recurrent_matrix, spectral_radius
from .peephole import peephole_forward, peephole_grads, peephole_init_params
from .rtrl import rtrl_grads, rtrl_init, rtrl_step
from .snap import snap1_grads
from .tasks import chance_loss, delayed_recall
from .truncation import randomized_truncation_grads, truncated_grads
from .uoro import uoro_grads

__all__ = [
    # the Elman network and its gradient
    "init_params", "recurrent_matrix", "spectral_radius", "forward", "backward", "bptt_grads",
    "f", "df", "df_from_h", "DERIVATIVE_BOUND",
    "softmax", "log_softmax", "cross_entropy", "softmax_cross_entropy", "one_hot",
    # checking gradients
    "check_grads", "directional_check", "numeric_grads",
    # other ways to the same gradient, and approximations to it
    "backward_sweep", "forward_sweep", "double_sum_grads", "per_loss_deltas",
    "rtrl_grads", "rtrl_init", "rtrl_step", "uoro_grads", "snap1_grads",
    "truncated_grads", "randomized_truncation_grads", "checkpointed_grads",
    # other architectures
    "jordan_init_params", "jordan_forward", "jordan_grads",
    "lstm_init_params", "lstm_forward", "lstm_grads", "gru_init_params", "gru_forward", "gru_grads",
    "peephole_init_params", "peephole_forward", "peephole_grads", "birnn_init_params", "birnn_forward", "birnn_grads",
    # practice: the checker of the practice pages
    "practice",
    # training
    "delayed_recall", "chance_loss", "sgd_step", "clip_global_norm", "clip_elementwise", "global_norm",
]
