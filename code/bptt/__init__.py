"""bptt: backpropagation through time, written to read like the book's maths.

The numerical modules import only NumPy; plotting and explorable figures live in
:mod:`bptt.viz`, which imports them.
"""
from .activations import DERIVATIVE_BOUND, df, df_from_h, f
from .backprop import backward, bptt_grads
from .elman import forward
from .gradcheck import check_grads, directional_check, numeric_grads
from .tasks import chance_loss, delayed_recall
from .losses import cross_entropy, log_softmax, one_hot, softmax, softmax_cross_entropy
from .optim import clip_elementwise, clip_global_norm, global_norm, sgd_step
from .params import init_params, recurrent_matrix, spectral_radius

__all__ = [
    "DERIVATIVE_BOUND", "backward", "bptt_grads", "chance_loss", "check_grads", "clip_elementwise",
    "clip_global_norm", "delayed_recall", "global_norm", "sgd_step", "cross_entropy", "df", "df_from_h",
    "directional_check", "f", "forward", "init_params", "log_softmax", "numeric_grads", "one_hot",
    "recurrent_matrix", "softmax", "softmax_cross_entropy", "spectral_radius",
]
