"""The long-dependency experiment: a vanilla RNN, an LSTM and a GRU trained on delayed recall.

Each network reads one-hot symbols and must output, at every step t >= delay, the symbol it saw
``delay`` steps earlier (:func:`bptt.delayed_recall`); the steps before are not scored. The loss
is the mean cross-entropy per scored step, minimised by Adam with global-norm clipping.
"""
import numpy as np

from .adam import adam_init, adam_step
from .backprop import bptt_grads
from .elman import forward
from .gru import gru_forward, gru_grads, gru_init_params
from .lstm import lstm_forward, lstm_grads, lstm_init_params
from .optim import clip_global_norm
from .params import init_params
from .tasks import delayed_recall
from .validate import check_positive_int

MODELS = ("rnn", "lstm", "gru")


def model(name, n_symbols, n_hidden, seed=0, forget_bias=2.0, update_bias=1.0):
    """(params, grads(params, X, Y, weights), logits(params, X)) for "rnn", "lstm" or "gru"."""
    m = q = n_symbols
    if name == "rnn":
        return (init_params(m, n_hidden, q, seed=seed),
                lambda p, X, Y, w: bptt_grads(p, X, Y, weights=w), lambda p, X: forward(p, X)[1])
    if name == "lstm":
        return (lstm_init_params(m, n_hidden, q, seed=seed, forget_bias=forget_bias),
                lambda p, X, Y, w: lstm_grads(p, X, Y, weights=w), lambda p, X: lstm_forward(p, X)["O"])
    if name == "gru":
        return (gru_init_params(m, n_hidden, q, seed=seed, update_bias=update_bias),
                lambda p, X, Y, w: gru_grads(p, X, Y, weights=w), lambda p, X: gru_forward(p, X)["O"])
    raise ValueError(f"name must be one of {list(MODELS)}, got {name!r}")


def train_recall(name, delay=16, T=32, n_hidden=24, B=8, steps=500, lr=0.03, max_norm=1.0, seed=0,
                 n_symbols=2, eval_B=500, **init):
    """Train one network on delayed recall. Returns a dict:
    loss (steps,) the training loss per scored step at each iteration (log n_symbols = chance),
    accuracy on a held-out batch of ``eval_B`` sequences (scored steps only), and params."""
    steps, B = check_positive_int(steps, "steps"), check_positive_int(B, "B")
    params, grads_of, logits = model(name, n_symbols, n_hidden, seed, **init)
    rng = np.random.default_rng(seed + 1000)             # the training data, the same for every network
    weights = (np.arange(T) >= delay) / (B * (T - delay))    # w_t: the mean over scored steps and sequences
    state, losses = adam_init(params), np.empty(steps)
    for k in range(steps):
        X, Y, _ = delayed_recall(T, B, delay, rng=rng, n_symbols=n_symbols)
        losses[k], grads = grads_of(params, X, Y, weights)
        grads, _ = clip_global_norm(grads, max_norm)
        params, state = adam_step(params, grads, state, lr)
    X, Y, mask = delayed_recall(T, eval_B, delay, rng=np.random.default_rng(seed + 2000), n_symbols=n_symbols)
    accuracy = float(np.mean(logits(params, X)[mask].argmax(axis=-1) == Y[mask]))
    return {"loss": losses, "accuracy": accuracy, "params": params}
