"""Figures of the vanishing/exploding-gradient chapter, and its main explorable.

The main explorable (:func:`main_explorable`) is redrawn on every slider move, so it is built for
speed; almost all of a redraw is matplotlib drawing text, and the function avoids text work:
* :func:`draw_gradient_flow` builds its axes on the first call and afterwards only replaces the
  data of the artists it made (the explorable mechanism passes the same figure every time);
* labels are plain Unicode, not mathtext (each PNG gets a fresh renderer whose mathtext cache starts
  empty, and parsing a handful of $...$ labels costs more than the whole computation);
* axis labels sit at fixed coordinates (placed automatically, each re-measures every tick label);
* the legend, keys and axis labels, which rarely change, are rasterised once into a layer that
  later redraws only composite (:class:`_Frozen`).

Every text a figure shows is made with :func:`bptt.i18n.t` when it is drawn: the main explorable's
legends and axis labels on the first call on a figure in a language (the book build draws each
language on a fresh figure; a figure drawn again in another language is built afresh), its status
line on every call.
"""

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import LineCollection
from matplotlib.ticker import MaxNLocator

from ..activations import DERIVATIVE_BOUND
from ..i18n import current, local, t
from ..jacobians import lag_norms, safe_norm, step_singular_values
from ..params import init_params, spectral_radius
from .explorable import control, explorable
from .lag import CEILING, FLOOR, log_ticks, plot_lag_norms
from .live_canvas import set_moving

#: sizes of the network in the main explorable: m inputs, n hidden units, q outputs, B sequences
M_IN, N_HIDDEN, Q_OUT, BATCH = 4, 32, 4, 8
#: singular values of J_t are computed at no more than this many steps (SVDs are the costly part)
MAX_SVD_STEPS = 12                         # (main_explorable's caption says "12 steps")
SV_FLOOR = 1e-3                            # singular values below this sit on the panel's bottom edge

#: figure size (inches) and resolution of the main explorable: 682 px, narrower than the text column
FIGSIZE, DPI = (7.1, 4.0), 96
#: smallest font size (points) on the main explorable
FONT = 8

CONTROLS = {
    "sigma": control([0.5, 0.9, 1.0, 1.1, 1.2, 1.5, 4.0], label="σ_max(W_hh)"),
    "activation": control(["tanh", "sigmoid", "relu", "identity"], label="activation f"),
    "T": control([100, 1000], label="T"),
    "scale": control([0.5, 4.0], label="input scale"),
}
DEFAULT = {"sigma": 1.5, "activation": "tanh", "T": 100, "scale": 0.5}


def gradient_flow_data(sigma, activation, T, scale, seed=0, n=N_HIDDEN, B=BATCH):
    """Everything the main explorable draws, for one setting of its controls.

    W_hh is N(0, 1/n) rescaled to largest singular value ``sigma``; inputs are N(0, scale²);
    L_T is the cross-entropy of the last step for random targets. Returns a dict:
      lags (T+1,) 0..T; norms (T+1,) the root mean square over the batch of ‖∂⁺L_T/∂h_{T-lag}‖;
      rate γσ_max(W_hh); rho ρ(W_hh); gamma γ; sv_W (n,) the singular values of W_hh;
      steps (S,) the steps t where J_t's singular values are taken (sequence 1 of the batch);
      S (S, n) those singular values, largest first (NaN after an overflow); bad_step the first
      t with a non-finite h_t (None if the forward pass stayed finite).
    """
    rng = np.random.default_rng(seed)
    params = init_params(M_IN, n, Q_OUT, seed=seed, singular_value=sigma)
    X = rng.normal(0.0, scale, size=(T, B, M_IN))
    y = rng.integers(0, Q_OUT, size=B)
    N, H = lag_norms(params, X, y, activation=activation)     # N (T+1, B): ‖∂L_T/∂h_k‖ per sequence
    steps = np.unique(np.linspace(1, T, min(T, MAX_SVD_STEPS)).round().astype(int))
    S = step_singular_values(params, H[:, :1], activation, steps)[:, 0]
    finite = np.all(np.isfinite(H), axis=(1, 2))
    gamma = DERIVATIVE_BOUND[activation]
    return {
        "lags": np.arange(T + 1), "norms": (safe_norm(N, axis=1) / np.sqrt(B))[::-1],
        "rate": gamma * sigma, "rho": spectral_radius(params["W_hh"]), "gamma": gamma,
        "sv_W": np.linalg.svd(params["W_hh"], compute_uv=False),
        "steps": steps, "S": S, "bad_step": None if finite.all() else int(np.argmin(finite)),
    }


def _log_limits(values):
    """(lo, hi) of a log axis holding the positive values shown, at least a decade of margin each
    side, both whole powers of ten (so that most slider steps keep the axis, see set_moving)."""
    v = values[np.isfinite(values) & (values > 0)]
    lo, hi = (v.min(), v.max()) if v.size else (1.0, 1.0)
    lo, hi = max(lo / 10, FLOOR / 10), min(hi * 10, CEILING * 10)
    return 10.0 ** np.floor(np.log10(lo)), 10.0 ** np.ceil(np.log10(hi))


def _nice_ceiling(v):
    """The smallest of 1, 2 or 5 times a power of ten that is at least ``v`` > 0."""
    k = 10.0 ** np.floor(np.log10(v))
    return next(m * k for m in (1, 2, 5, 10) if m * k >= v * (1 - 1e-12))


class _Frozen(Artist):
    """Artists that rarely change between frames, drawn from a bitmap made once per canvas size.

    Text is the costly part of a redraw: matplotlib lays out and rasterises every glyph on every
    draw. The legend, the keys and the axis labels of the main explorable are the same in most
    frames, so they are rasterised once into a transparent layer that later draws only composite.
    :meth:`freeze` takes a ``key`` that must change whenever one of the artists does.
    """

    def __init__(self):
        super().__init__()
        self.set_zorder(10)                         # above the axes
        self.members, self.key, self._layer = [], None, (None, None)

    def freeze(self, artists, key):
        self.members, self.key = list(artists), key
        for a in self.members:
            a.set_visible(False)                    # hidden from the normal draw; drawn into the layer

    def draw(self, renderer):
        layer_key = (renderer.width, renderer.height, renderer.dpi, self.key)
        if self._layer[0] != layer_key:
            layer = RendererAgg(int(renderer.width), int(renderer.height), renderer.dpi)
            for a in self.members:
                a.set_visible(True)
                a.draw(layer)
                a.set_visible(False)
            # draw_image counts rows from the bottom, the buffer from the top
            self._layer = (layer_key, np.ascontiguousarray(np.asarray(layer.buffer_rgba())[::-1]))
        gc = renderer.new_gc()
        renderer.draw_image(gc, 0, 0, self._layer[1])
        gc.restore()


def _build(fig):
    """First call: the two panels and the artists later calls only update."""
    fig.clear()
    fig.set_layout_engine(None)                     # fixed geometry: frames do not jump, and no layout pass
    gs = fig.add_gridspec(1, 2, width_ratios=[1.6, 1], left=0.1, right=0.985, bottom=0.19, top=0.75,
                          wspace=0.27)
    ax, ax2 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    st = {"ax": ax, "ax2": ax2, "curve": [], "lang": current()}      # the language of its texts
    (st["bound"],) = ax.plot([0, 1], [1, 1], "--", color="tab:red", lw=1.3, label=t("bound (γσ_max)^lag"))
    (st["eig"],) = ax.plot([0, 1], [1, 1], ":", color="0.35", lw=1.4, label=t("(γρ)^lag: not a bound"))
    # axis labels at fixed coordinates (placed automatically, each would re-measure the tick labels
    # of every axis on each draw); they are drawn from the frozen layer, see _Frozen
    for a, x in ((ax, -0.15), (ax2, -0.2)):
        a.xaxis.set_label_coords(0.5, -0.13)
        a.yaxis.set_label_coords(x, 0.5)
        a.tick_params(labelsize=FONT + 0.5)
        for label in (a.xaxis.label, a.yaxis.label):
            label.set_fontsize(FONT + 1)
    ax2.set_xlabel("i")
    ax.set_ylabel(t("gradient norm"))
    ax2.set_ylabel(t("singular value"))
    # log scale with fixed limits before the first curve: autoscaling margins around values
    # clipped at CEILING would overflow (and warn) inside plot_lag_norms' set_yscale
    ax.set_yscale("log")
    ax.set_ylim(1e-2, 1e2)
    st["status"] = fig.text(0.1, 0.015, "", fontsize=FONT + 0.5, va="bottom", color="0.1")
    st["spectra"] = LineCollection([], colors="0.6", linewidths=0.7, label=t("σ_i(J_t), {steps} steps t").format(steps=MAX_SVD_STEPS))
    ax2.add_collection(st["spectra"])
    (st["envelope"],) = ax2.plot([1], [1], "--", color="tab:red", lw=1.3, label=t("under γσ_i(W_hh)"))
    ax2.axhline(1.0, ls=":", color="k", lw=0.8)
    ax2.set_yscale("log")
    ax2.set_xticks([1, N_HIDDEN // 2, N_HIDDEN])
    # both legends sit above their panels, where no curve can run into them; the right one never
    # changes, the left one gains an entry when values are clipped (see draw_gradient_flow)
    st["keys"] = [ax2.legend(loc="lower left", bbox_to_anchor=(-0.03, 1.0), fontsize=FONT, frameon=False,
                             borderaxespad=0.2, handlelength=1.6)]
    ax.set_xlabel(t("lag T − k"))
    st["frozen"] = fig.add_artist(_Frozen())
    fig._gradient_flow = st
    return st


def draw_gradient_flow(fig, sigma, activation, T, scale, seed=0):
    """The main explorable: ‖∂⁺L_T/∂h_{T-lag}‖ against the lag with the bound, and J_t's singular values."""
    st = getattr(fig, "_gradient_flow", None)
    if st is None or st["ax"] not in fig.axes or st["lang"] != current():
        st = _build(fig)
    d = gradient_flow_data(sigma, activation, T, scale, seed)
    ax, ax2 = st["ax"], st["ax2"]
    lags, norms = d["lags"], d["norms"]
    for line in st["curve"]:                       # the curve and its overflow markers are redrawn
        line.remove()
    n_before = len(ax.lines)
    plot_lag_norms(ax, lags, norms, label="‖∂⁺L_T/∂h_k‖", color="tab:blue", lw=1.8)
    st["curve"] = ax.lines[n_before:]
    shown = np.clip(np.nan_to_num(norms, nan=CEILING, posinf=CEILING), FLOOR, CEILING)
    g_T = shown[0]
    lo, hi = _log_limits(np.append(shown, [1e-2, 1e2, min(g_T * 1e3, CEILING)]))
    for line, rate in ((st["bound"], d["rate"]), (st["eig"], d["gamma"] * d["rho"])):
        log_curve = np.log10(g_T) + lags * np.log10(max(rate, FLOOR))
        line.set_data(lags, 10.0 ** np.clip(log_curve, np.log10(lo) - 1, np.log10(hi) + 1))
    ax.set_xlim(0, T)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(t("lag T − k"))                  # plot_lag_norms sets a longer one
    ax.xaxis.set_major_locator(MaxNLocator(2, integer=True))
    log_ticks(ax.yaxis, numticks=4)
    labels = tuple(line.get_label() for line in ax.lines)
    if st.get("legend_labels") != labels:       # a new legend only when an overflow entry comes or goes
        legend = ax.legend(loc="lower left", bbox_to_anchor=(-0.03, 1.0), fontsize=FONT, frameon=False,
                           borderaxespad=0.2, handlelength=1.6, labelspacing=0.3)
        st["frozen"].freeze([legend, *st["keys"], ax.xaxis.label, ax2.xaxis.label, ax.yaxis.label,
                             ax2.yaxis.label], key=labels)
        st["legend_labels"] = labels
    st["status"].set_text(t("{activation}, ρ(W_hh) = {rho:.2f}, γσ_max = {rate:g}: {status}").format(
        activation=activation, rho=d["rho"], rate=d["rate"], status=_status(d)))
    # the spectrum of J_t at up to MAX_SVD_STEPS steps of sequence 1, under γ σ_i(W_hh)
    i = np.arange(1, d["S"].shape[1] + 1)
    S = np.maximum(d["S"][np.all(np.isfinite(d["S"]), axis=1)], SV_FLOOR)
    st["spectra"].set_segments([np.column_stack([i, s]) for s in S])
    envelope = np.maximum(d["gamma"] * d["sv_W"], SV_FLOOR)
    st["envelope"].set_data(i, envelope)
    ax2.set_xlim(0.5, len(i) + 0.5)
    ax2.set_ylim(SV_FLOOR / 1.5, _nice_ceiling(max(envelope[0], 1.0) * 4))
    log_ticks(ax2.yaxis, numticks=3)
    # from one slider step to the next usually only the curves and the status line change
    set_moving(fig, [*st["curve"], st["bound"], st["eig"], st["spectra"], st["envelope"], st["status"]],
               key=(T, ax.get_ylim(), ax2.get_xlim(), ax2.get_ylim(), labels))


def _status(d):
    """One line saying what happened to the gradient, in words (in the current language)."""
    norms = d["norms"]
    if d["bad_step"] is not None:
        return t("h_t overflows at t = {step}, no finite gradient").format(step=d["bad_step"])
    high = np.flatnonzero(~np.isfinite(norms) | (norms > CEILING))
    low = np.flatnonzero(np.isfinite(norms) & (norms < FLOOR))
    if high.size:
        return t("above {ceiling:.0e} from lag {lag}").format(ceiling=CEILING, lag=high[0])
    if low.size:
        return t("below {floor:.0e} from lag {lag}").format(floor=FLOOR, lag=low[0])
    ratio = norms[-1] / norms[0]
    if ratio < 1e-3:
        return t("vanished: ratio {ratio:.0e}").format(ratio=ratio)
    if ratio > 1e3:
        return t("exploded: ratio {ratio:.0e}").format(ratio=ratio)
    return t("kept its size: ratio {ratio:.0e}").format(ratio=ratio)


def main_explorable(dpi=DPI):
    """The chapter's main explorable figure over :data:`CONTROLS` (112 frames), opening on :data:`DEFAULT`."""
    # the caption is one literal (the explorable translates it when it renders): its "12" is MAX_SVD_STEPS
    return explorable(draw_gradient_flow, CONTROLS, default=DEFAULT, figsize=FIGSIZE, dpi=dpi,
                      caption=r"Left: the gradient of the last step's loss with respect to the state lag steps back "
                              r"(log scale), with the Pascanu–Mikolov–Bengio bound \((\gamma\sigma_{\max})^{T-k}\) "
                              r"dashed and the eigenvalue rate \((\gamma\rho)^{T-k}\), which is not a bound, dotted. "
                              r"Right: the singular values of the per-step Jacobian \(J_t = D_t W_{hh}\) at "
                              r"12 steps \(t\), under \(\gamma\) times those of \(W_{hh}\); "
                              r"values below \(10^{-3}\) sit on the bottom edge.")


# -- the chapter's other figures and tables ----------------------------------------------------------

def label_text(label):
    """A label given to a drawing in the current language (:func:`bptt.i18n.local`: the chapter
    writes its labels as ``t("...")`` literals, the clipping rules of
    :data:`bptt.divergence.RULES` are :class:`bptt.i18n.Msg`); a label that is not text, such as
    a number, as it is."""
    return local(label) if isinstance(label, str) else label


def draw_powers_2x2(fig, matrices, K=40):
    """‖W^k‖₂ for k = 0..K for a few 2×2 matrices, with ρ(W)^k dotted and σ_max(W)^k dashed.

    matrices: {label: (2, 2) array}. One panel; log scale.
    """
    fig.clear()
    ax = fig.add_subplot()
    k = np.arange(K + 1)
    for (label, W), color in zip(matrices.items(), ["tab:blue", "tab:orange", "tab:green", "tab:purple"]):
        W = np.asarray(W, dtype=float)
        norms = [np.linalg.norm(np.linalg.matrix_power(W, int(j)), 2) for j in k]
        rho, smax = spectral_radius(W), np.linalg.norm(W, 2)
        ax.plot(k, norms, "o-", ms=2.5, color=color, label=f"{label_text(label)}\nρ = {rho:.2f}, σ_max = {smax:.2f}")
        ax.plot(k, rho ** k, ":", color=color, lw=1.2)
        ax.plot(k, smax ** k, "--", color=color, lw=0.9, alpha=0.7)
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1e3)
    ax.set_xlabel(t("power k"))
    ax.set_ylabel("‖W^k‖₂")
    ax.legend(fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title=t("solid ‖W^k‖, dotted ρ^k,\ndashed σ_max^k"), title_fontsize=8.5)


def draw_lag_shares(fig, shares, grad_norms=None):
    """Each lag's share of ∂L/∂W_hh (left, log scale) and the cumulative share (right).

    shares: {label: (T,) array from bptt.jacobians.lag_shares}; grad_norms: {label: ‖∂L/∂W_hh‖_F}
    to print in the legend, or None.
    """
    fig.clear()
    ax, ax2 = fig.subplots(1, 2)
    for label, s in shares.items():
        s = np.asarray(s, dtype=float)
        s = s[: np.flatnonzero(s)[-1] + 1] if np.any(s) else s   # G_{T-1} = δ_{T,1} h_0ᵀ is exactly 0 when h_0 = 0
        name = label_text(label)
        text = name if grad_norms is None else f"{name} (‖∂L/∂W_hh‖ = {grad_norms[label]:.3g})"
        plot_lag_norms(ax, np.arange(len(s)), s, label=text, floor=1e-30, ceiling=1.0)
        ax2.plot(np.arange(len(s)), np.cumsum(s), label=name)
    ax.set_xlabel(t("lag t − k"))
    ax.set_ylabel(t("share of Σ_l ‖G_l‖"))
    ax.legend(fontsize=8)
    ax2.set_xlabel(t("lag t − k"))
    ax2.set_ylabel(t("cumulative share"))
    ax2.set_ylim(0, 1.02)
    ax2.axhline(0.99, color="0.6", ls=":", lw=0.8)


def draw_training(fig, runs, threshold=None, chance=None):
    """Loss (left) and raw gradient norm (right) at every SGD step, one line per run.

    runs: {label: dict from bptt.divergence.train_sgd}. threshold: the global-norm clipping
    threshold to mark; chance: the loss of a uniform guess to mark.
    """
    fig.clear()
    ax, ax2 = fig.subplots(1, 2)
    for label, r in runs.items():
        steps = np.arange(len(r["loss"]))
        ax.plot(steps, r["loss"], lw=1.1, label=label_text(label))
        ax2.plot(steps, r["grad_norm"], lw=1.1, label=label_text(label))
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", lw=1, label=t("chance (log 2)"))
    if threshold is not None:
        ax2.axhline(threshold, color="0.5", ls="--", lw=1,
                    label=t("global clipping threshold {threshold:g}").format(threshold=threshold))
    for a, name in ((ax, t("loss per scored position")), (ax2, t("‖∂L/∂θ‖ before clipping"))):
        a.set_yscale("log")
        a.set_xlabel(t("SGD step"))
        a.set_ylabel(name)
        a.legend(fontsize=8)


def draw_remedies(fig, curves, tau=None):
    """‖∂⁺L_T/∂h_{T-lag}‖ against the lag for several networks on one log axis.

    curves: {label: (T+1,) norms indexed by lag}; tau: a truncation window to mark (gradients
    beyond it are cut to exactly zero by truncated BPTT).
    """
    fig.clear()
    ax = fig.add_subplot()
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        plot_lag_norms(ax, np.arange(len(norms)), norms, label=label_text(label), lw=1.6)
    if tau is not None:
        ax.axvline(tau, color="0.3", ls="--", lw=1)
        # low in the panel, below the curves that stay large and above the ones that decay
        ax.text(tau, 0.3, t(" truncation at τ = {tau}:\n nothing beyond").format(tau=tau),
                transform=ax.get_xaxis_transform(), fontsize=8.5, color="0.3", va="top")
    ax.set_ylabel(t("‖∂⁺L_T/∂h_k‖ (rms over batch)"))
    ax.legend(fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
