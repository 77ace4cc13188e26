"""Plain SGD on a seeded sequence task, with and without gradient clipping: measuring divergence.

An exploding gradient shows up in training as a sudden huge step that throws the parameters
somewhere useless. The two clipping rules of :mod:`bptt.optim` guard the step:

    global norm   g ← g · min(1, c / ‖g‖)        (direction kept; Pascanu et al. 2013)
    element-wise  g_i ← max(−c, min(c, g_i))     (direction changed; Karpathy's min-char-rnn)
"""
import numpy as np

from .backprop import bptt_grads
from .elman import forward
from .i18n import Msg
from .optim import clip_elementwise, clip_global_norm, global_norm, sgd_step
from .params import init_params
from .tasks import delayed_recall
from .validate import check_positive_int

CLIPS = (None, "global", "elementwise")


def recall_batches(steps, T, B, delay, seed=0, n_symbols=2):
    """``steps`` batches (X, Y, weights) of :func:`bptt.delayed_recall`, seeded.

    weights (T,) average the loss over the scored positions (t >= delay) and the batch, so a
    learning rate does not depend on T or B. X: (T, B, n_symbols), Y: (T, B).
    """
    rng = np.random.default_rng(seed)
    for _ in range(check_positive_int(steps, "steps")):
        X, Y, mask = delayed_recall(T, B, delay, rng, n_symbols)
        yield X, Y, mask / (mask.sum() * B)


def train_sgd(params, batches, lr, clip=None, threshold=None, activation="tanh"):
    """Run SGD over ``batches`` (iterable of (X, Y, weights)) and record what happened.

    clip: None, "global" (rescale to global norm <= threshold) or "elementwise" (entries to
    [-threshold, threshold]). Returns a dict:
      loss (S,) the loss before each step; grad_norm (S,) the global norm of the raw gradient;
      cosine (S,) between the step actually taken and the raw gradient; clipped (S,) bool;
      params the final parameters; diverged_at the first step whose loss or gradient is not
      finite (training stops there; None if it never happened).
    Overflow inside a diverging run is expected and not warned about.
    """
    if clip not in CLIPS:
        raise ValueError(f"clip must be one of {list(CLIPS)}, got {clip!r}")
    if clip is not None and not (threshold is not None and threshold > 0):
        raise ValueError(f"threshold must be a number > 0 when clip={clip!r}, got {threshold!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    rec = {"loss": [], "grad_norm": [], "cosine": [], "clipped": []}
    diverged_at = None
    for step, (X, Y, w) in enumerate(batches):
        with np.errstate(over="ignore", invalid="ignore"):
            loss, g = bptt_grads(params, X, Y, activation=activation, weights=w)
            norm = global_norm(g)
        if not (np.isfinite(loss) and np.isfinite(norm)):
            diverged_at = step
            break
        if clip == "global":
            step_g, _ = clip_global_norm(g, threshold)
        elif clip == "elementwise":
            step_g = clip_elementwise(g, threshold)
        else:
            step_g = g
        step_norm = global_norm(step_g)
        dot = sum(float(np.sum(g[k] * step_g[k])) for k in g)
        rec["loss"].append(loss)
        rec["grad_norm"].append(norm)
        rec["cosine"].append(dot / (norm * step_norm) if norm > 0 and step_norm > 0 else 1.0)
        rec["clipped"].append(bool(step_norm < norm * (1 - 1e-12)))
        with np.errstate(over="ignore", invalid="ignore"):
            params = sgd_step(params, step_g, lr)
        if not all(np.all(np.isfinite(v)) for v in params.values()):
            diverged_at = step + 1                  # the step itself overflowed the parameters
            break
    out = {k: np.array(v) for k, v in rec.items()}
    out["params"], out["diverged_at"] = params, diverged_at
    return out


def recall_accuracy(params, T, B, delay, seed=0, activation="tanh", n_symbols=2):
    """Fraction of the scored positions (t >= delay) of a fresh seeded batch that the network gets right."""
    X, Y, mask = delayed_recall(T, B, delay, np.random.default_rng(seed), n_symbols)
    with np.errstate(over="ignore", invalid="ignore"):
        _, O = forward(params, X, activation=activation)
        right = np.argmax(O, axis=-1) == Y
    return float(right[mask].mean())


#: the clipping rules compared in the chapter: label -> (clip, threshold); each label a
#: :class:`bptt.i18n.Msg`, its English as the key, said in the reader's language by :func:`bptt.i18n.local`
RULES = {
    Msg("no clipping"): (None, None),
    Msg("global norm ≤ 1"): ("global", 1.0),
    Msg("element-wise to ±0.1"): ("elementwise", 0.1),
}


def clipping_experiment(seeds, steps=150, T=40, B=16, delay=8, n=32, spectral_radius=1.2, lr=1.0, rules=None):
    """Train the same seeded tanh network on the same seeded batches under each clipping rule.

    Delayed recall (2 symbols, ``delay`` steps), n hidden units, W_hh ~ N(0, 1/n) rescaled to
    ``spectral_radius``, plain SGD with learning rate ``lr``. rules: {label: (clip, threshold)},
    default :data:`RULES`. Returns {(label, seed): run} with run as :func:`train_sgd` returns it,
    plus "accuracy" on a fresh batch of 256 sequences (seed 10⁶ + seed).
    """
    rules = RULES if rules is None else rules
    runs = {}
    for seed in seeds:
        for label, (clip, threshold) in rules.items():
            params = init_params(2, n, 2, seed=seed, spectral_radius=spectral_radius)
            run = train_sgd(params, recall_batches(steps, T, B, delay, seed=seed), lr, clip, threshold)
            run["accuracy"] = recall_accuracy(run["params"], T, 256, delay, seed=10**6 + seed)
            runs[label, seed] = run
    return runs
