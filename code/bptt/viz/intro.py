"""Figures of the introduction: the network folded and unrolled, Elman versus Jordan, parameter
counts against a Markov chain, and the first explorable (how long a pulse is remembered).

Every text a figure shows is made with :func:`bptt.i18n.t` when it is drawn (in the current language).
"""
import numpy as np
from matplotlib.colors import Normalize, SymLogNorm
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import LogLocator

from ..activations import DERIVATIVE_BOUND, check_activation
from ..elman import forward
from ..i18n import t
from ..params import init_params
from ..validate import check_positive_int
from .explorable import control

# -- small drawing helpers (boxes and arrows in data coordinates) ----------------------------

_STYLE = {"x": ("#e8f1fb", "#3a6ea5"), "h": ("#fdf0dc", "#c07a12"), "y": ("#e6f4ea", "#2f7d46"),
          "L": ("#f6e3e3", "#a33b3b"), "d": ("#f0f0f0", "#666666")}


def _node(ax, xy, text, kind="h", w=0.9, h=0.6, fontsize=11):
    face, edge = _STYLE[kind]
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                fc=face, ec=edge, lw=1.4))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, a, b, label="", color="#444444", rad=0.0, offset=(0.0, 0.0), fontsize=9, ls="-"):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=11, lw=1.2, color=color,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2, linestyle=ls))
    if label:
        mx, my = (a[0] + b[0]) / 2 + offset[0], (a[1] + b[1]) / 2 + offset[1]
        ax.text(mx, my, label, fontsize=fontsize, color=color, ha="center", va="center",
                bbox={"fc": "white", "ec": "none", "pad": 0.5, "alpha": 0.85})


def _blank(ax, xlim, ylim, title=""):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)


def draw_unrolled(fig, T=4):
    """The Elman network folded (left) and unrolled over T steps (right): one set of weights at every step."""
    T = check_positive_int(T, "T")
    fig.clear()
    dx = 1.6                                   # distance between two time steps
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.4, dx * T + 1.6]})
    # folded: one cell whose state comes back one step later
    _blank(left, (-0.8, 1.9), (-0.6, 5.0), t("folded"))
    _node(left, (0, 0), "$x_t$", "x")
    _node(left, (0, 1.5), "$h_t$", "h")
    _node(left, (0, 3.0), r"$\hat y_t$", "y")
    _node(left, (0, 4.2), r"$\ell_t$", "L", w=0.7, h=0.5)
    _node(left, (1.35, 1.5), t("delay"), "d", w=0.8, h=0.45, fontsize=8)
    _arrow(left, (0, 0.3), (0, 1.2), "$W_{hx}$", offset=(-0.5, 0))
    _arrow(left, (0, 1.8), (0, 2.7), "$W_{qh}$", offset=(-0.5, 0))
    _arrow(left, (0, 3.3), (0, 3.95), "", color="#a33b3b")
    _arrow(left, (0.45, 1.65), (0.95, 1.65), "", color="#666666", ls="--")
    _arrow(left, (0.95, 1.35), (0.45, 1.35), "$W_{hh}$", color="#c07a12", offset=(0, -0.3))
    # unrolled: a deep feed-forward net whose layers share W_hx, W_hh, W_qh
    _blank(right, (-0.7, dx * T + 0.9), (-0.6, 5.2),
           t("unrolled over T = {T} steps: the same weights in every column").format(T=T))
    _node(right, (0, 1.5), "$h_0$", "h")
    for s in range(1, T + 1):
        c = dx * s
        _node(right, (c, 0), f"$x_{s}$", "x")
        _node(right, (c, 1.5), f"$h_{s}$", "h")
        _node(right, (c, 3.0), rf"$\hat y_{s}$", "y")
        _node(right, (c, 4.2), rf"$\ell_{s}$", "L", w=0.7, h=0.5)
        _arrow(right, (c, 0.3), (c, 1.2), "$W_{hx}$", offset=(-0.42, 0), fontsize=8)
        _arrow(right, (c, 1.8), (c, 2.7), "$W_{qh}$", offset=(-0.42, 0), fontsize=8)
        _arrow(right, (c, 3.3), (c, 3.95), "", color="#a33b3b")
        _arrow(right, (c + 0.75, 4.2), (c + 0.36, 4.2), "", color="#a33b3b")
        right.text(c + 0.62, 4.5, f"$y_{s}$", fontsize=9, ha="center", color="#a33b3b")
        _arrow(right, (c - dx + 0.45, 1.5), (c - 0.45, 1.5), "$W_{hh}$", color="#c07a12", offset=(0, 0.28),
               fontsize=8)
    right.text(dx * (T + 1) / 2, 4.95, rf"$L = \ell_1 + \cdots + \ell_{{{T}}}$" if T > 1 else r"$L = \ell_1$", ha="center",
               fontsize=10, color="#a33b3b")
    return fig


def draw_elman_jordan(fig):
    """Where the loop closes: the Elman network feeds back h_{t-1}, the Jordan network ŷ_{t-1}."""
    fig.clear()
    axes = fig.subplots(1, 2)
    for ax, kind in zip(axes, (t("Elman: the state is fed back"), t("Jordan: the prediction is fed back"))):
        _blank(ax, (-1.6, 2.6), (-0.6, 3.6), kind)
        _node(ax, (0, 0), "$x_t$", "x")
        _node(ax, (0, 1.5), "$h_t$", "h")
        _node(ax, (0, 3.0), r"$\hat y_t$", "y")
        _arrow(ax, (0, 0.3), (0, 1.2), "$W_{hx}$", offset=(-0.5, 0))
        _arrow(ax, (0, 1.8), (0, 2.7), r"$W_{qh}$, softmax", offset=(-0.95, 0))
    elman, jordan = axes
    _node(elman, (1.7, 1.5), "$h_{t-1}$", "d")
    _arrow(elman, (0.45, 1.62), (1.25, 1.62), t("copy"), color="#666666", offset=(0, 0.25), ls="--")
    _arrow(elman, (1.25, 1.38), (0.45, 1.38), "$W_{hh}$", color="#c07a12", offset=(0, -0.28))
    _node(jordan, (1.7, 1.5), r"$\hat y_{t-1}$", "d")
    _arrow(jordan, (0.45, 3.0), (1.7, 1.8), t("copy"), color="#666666", offset=(0.45, 0.2), ls="--", rad=-0.25)
    _arrow(jordan, (1.25, 1.45), (0.45, 1.45), "$W_{hq}$", color="#2f7d46", offset=(0, -0.28))
    return fig


# -- parameter counts: Markov chain against Elman network ------------------------------------

def markov_param_count(k, order):
    """Free parameters of an order-N Markov chain over k symbols: k^N contexts × (k − 1) probabilities."""
    k = check_positive_int(k, "k", minimum=2)
    order = check_positive_int(order, "order", minimum=0)
    return k ** order * (k - 1)


def elman_param_count(m, n, q):
    """Number of numbers in the Elman network's parameters (W_hx, W_hh, b_h, W_qh, b_q), read off init_params."""
    return sum(int(v.size) for v in init_params(m, n, q).values())


def draw_param_counts(fig, k=27, hidden=(32, 128, 512), orders=range(1, 9)):
    """Parameters of an order-N Markov chain over k symbols (growing like k^N) against Elman networks
    with one-hot inputs and outputs (m = q = k) and a fixed number of hidden units (flat in N)."""
    fig.clear()
    ax = fig.add_subplot()
    orders = np.array(list(orders))
    ax.semilogy(orders, [markov_param_count(k, int(N)) for N in orders], "o-", color="#3a6ea5",
                label=t("order-N Markov chain, k = {k} symbols: $k^N(k-1)$").format(k=k))
    for n, ls in zip(hidden, ("--", "-.", ":")):
        ax.axhline(elman_param_count(k, n, k), color="#c07a12", ls=ls, label=t("Elman network, n = {n} hidden units").format(n=n))
    ax.set_xlabel(t("how many past symbols the model can use (Markov order N; the RNN: unbounded)"))
    ax.set_ylabel(t("number of parameters"))
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(True, which="major", alpha=0.3)
    return fig


# -- the first explorable: the memory of a pulse -----------------------------------------------

#: the explorable's controls (6 × 4 × 3 = 72 frames) and its starting position
PULSE_CONTROLS = {
    "rho": control([0.5, 0.9, 1.0, 1.1, 1.5, 5.0], label="ρ(W_hh) = σ_max(W_hh)"),
    "activation": control(["tanh", "sigmoid", "relu", "identity"], label="activation f"),
    "scale": control([0.05, 0.5, 3.0], label="pulse size x_1"),
}
PULSE_DEFAULT = {"rho": 0.9, "activation": "tanh", "scale": 0.5}

def pulse_response(rho, activation="tanh", scale=1.0, n=8, T=40, seed=0):
    """Run an Elman network (m = 1 input, n units) twice: with a pulse x_1 = scale, then silence, and
    with no input at all. W_hh = ρ Q with Q orthogonal, so every singular value of W_hh equals ρ.

    Returns (H, H_bar) of shape (T+1, n): the states with and without the pulse (H[0] = h_0 = 0).
    """
    check_activation(activation)
    if not np.isfinite(rho) or rho < 0:
        raise ValueError(f"rho must be a finite number >= 0, got {rho!r}")
    if not np.isfinite(scale):
        raise ValueError(f"scale must be a finite number, got {scale!r}")
    params = init_params(1, n, 1, seed=seed, init="orthogonal", spectral_radius=rho)
    X = np.zeros((T, 1, 1))
    X[0, 0, 0] = scale
    H, _ = forward(params, X, activation=activation)
    H_bar, _ = forward(params, np.zeros_like(X), activation=activation)
    return H[:, 0, :], H_bar[:, 0, :]


def draw_pulse_memory(fig, rho, activation, scale, n=8, T=40, seed=0, floor=1e-16):
    """Left: what a pulse at t = 1 changed in each hidden unit, h_t − h̄_t, as a heatmap. Right: the size
    of that trace, ‖h_t − h̄_t‖ (log scale), under the bound (γρ)^{t−1} ‖h_1 − h̄_1‖ with γ = sup|f'|,
    which the identity activation attains."""
    fig.clear()
    fig.set_layout_engine("none")                          # fixed margins: every frame renders fast, same frame
    units, memory = fig.subplots(1, 2, gridspec_kw={"left": 0.06, "right": 0.985, "bottom": 0.14, "top": 0.85,
                                                    "wspace": 0.32})
    with np.errstate(over="ignore", invalid="ignore"):
        H, H_bar = pulse_response(rho, activation, scale, n, T, seed)
        trace = np.linalg.norm(H[1:] - H_bar[1:], axis=1)
        gamma = DERIVATIVE_BOUND[activation]                # sup |f'|
        bound = trace[0] * (gamma * rho) ** np.arange(T, dtype=float)
    steps = np.arange(1, T + 1)
    # left: what the pulse changed, unit by unit (a heatmap: rows are units, columns time steps)
    diff = (H - H_bar).T                                 # (n, T+1)
    finite = np.abs(diff[np.isfinite(diff)])
    top = max(float(np.max(finite, initial=0.0)), 1e-300)
    first = max(float(np.max(np.abs(diff[:, 1]))), 1e-300)  # the size of the trace at t = 1
    if top <= 1.5 * first:                               # colours scaled to the largest change
        norm, note = Normalize(-top, top), ""
    else:                                                # the trace grew: linear up to its size at t = 1, log beyond
        norm = SymLogNorm(linthresh=first, vmin=-top, vmax=top)
        note = t(", log colour scale beyond ±{first:.2g}").format(first=first)
    image = units.imshow(diff, aspect="auto", cmap="RdBu_r", norm=norm, interpolation="nearest",
                         extent=(-0.5, T + 0.5, n - 0.5, -0.5))
    bar = fig.colorbar(image, ax=units, pad=0.02, fraction=0.06)
    if isinstance(norm, SymLogNorm):
        ticks = [-top, -first, 0.0, first, top] if top < 50 * first else [-top, 0.0, top]
        bar.set_ticks(ticks, labels=[f"{v:.1g}" for v in ticks])
    units.set_xlabel(t("time step t (pulse at t = 1)"))
    units.set_ylabel(t("hidden unit"))
    units.set_title(t(r"the pulse's trace in each unit, $h_t-\bar h_t$") + f"\nf = {activation}{note}", fontsize=10, y=1.0)
    # right: how much of the pulse is still in the state; values lost in rounding drawn at the floor
    shown = np.clip(trace, floor, None)
    memory.semilogy(steps, shown, color="#c07a12", lw=2, label=t(r"$\|h_t-\bar h_t\|$: pulse minus no pulse"))
    gone = trace < floor
    if gone.any():
        memory.plot(steps[gone], shown[gone], "o", mfc="none", mec="tab:red", ms=5,
                    label=t("forgotten: below {floor:.0e} (rounding) at {count} steps").format(floor=floor,
                                                                                               count=int(gone.sum())))
    memory.semilogy(steps, np.clip(bound, floor, None), "k--", lw=1,
                    label=t(r"bound $(\gamma\rho)^{{t-1}}\|h_1-\bar h_1\|$, $\gamma$ = {gamma:g}").format(gamma=gamma))
    g = gamma * rho
    sub = (t("γρ = {g:.3g} < 1: forgets, half-life ≤ {half_life:.1f} steps").format(g=g, half_life=np.log(2) / -np.log(g))
           if 0 < g < 1 else t("γρ = {g:.3g} ≥ 1: no guarantee of forgetting").format(g=g))
    title = t(r"memory: $\rho(W_{{hh}})$ = {rho:g}, pulse {scale:g}").format(rho=rho, scale=scale)
    memory.set_title(f"{title}\n{sub}", fontsize=10, y=1.0)
    memory.set_xlabel(t("time step t"))
    memory.legend(fontsize=7.5, loc="best")
    memory.grid(True, which="major", alpha=0.3)
    memory.yaxis.set_major_locator(LogLocator(numticks=6))  # a few labelled decades, no minor ticks:
    memory.minorticks_off()                                # the frames render much faster
    bar.ax.minorticks_off()
    return fig


def draw_training_curve(fig, curve, chance, delay, n=None):
    """The mean cross-entropy per gradient step against the loss of guessing (a dashed line).

    n: the network's number of hidden units, named in the legend (if given).
    """
    fig.clear()
    ax = fig.subplots()
    label = t("Elman network") if n is None else t("Elman network, n = {n}").format(n=n)
    ax.plot(np.asarray(curve, dtype=float), color="#c07a12", label=label)
    ax.axhline(chance, color="0.4", ls="--", label=t("guessing: {chance:.3f}").format(chance=chance))
    ax.set_xlabel(t("gradient step"))
    ax.set_ylabel(t("mean cross-entropy"))
    ax.set_title(t("recalling the bit seen {delay} steps ago").format(delay=delay), fontsize=10)
    ax.legend(fontsize=8)
    return fig
