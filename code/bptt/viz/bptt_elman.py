"""Figures of the BPTT chapter: the unrolled graph with its paths, and the error-term heatmaps."""
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..double_sum import per_loss_deltas, w_hh_contributions
from ..i18n import current, t
from ..params import init_params

PATH_COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]


def draw_unrolled_graph(fig, T=3, k=1):
    """The unrolled network h_0 -> h_1 -> ... -> h_T, each h_t -> ℓ_t -> L, with every path from h_k to L coloured.

    The graph's nodes are named as in :func:`bptt.sym.elman.paths_to_loss` (source 003's S_t, L_t);
    the figure labels them with the book's letters h_t and ℓ_t.
    """
    from ..sym.elman import paths_to_loss  # SymPy-free function, kept beside its siblings

    fig.clear()
    ax = fig.add_subplot()
    pos = {f"S{t}": (2.0 * t, 0.0) for t in range(T + 1)}
    pos.update({f"L{t}": (2.0 * t, 1.4) for t in range(1, T + 1)})
    pos.update({f"x{t}": (2.0 * t, -1.2) for t in range(1, T + 1)})
    pos["L"] = (T + 1.0, 2.8)
    edges = [(f"S{t - 1}", f"S{t}") for t in range(1, T + 1)] + [(f"x{t}", f"S{t}") for t in range(1, T + 1)]
    edges += [(f"S{t}", f"L{t}") for t in range(1, T + 1)] + [(f"L{t}", "L") for t in range(1, T + 1)]
    for a, b in edges:
        ax.annotate("", pos[b], pos[a], arrowprops=dict(arrowstyle="-|>", color="0.75", lw=1.2, shrinkA=13, shrinkB=13))
    paths = paths_to_loss(k, T)
    for i, path in enumerate(paths):
        off = 0.09 * (i - (len(paths) - 1) / 2)
        for a, b in zip(path, path[1:]):
            (xa, ya), (xb, yb) = pos[a], pos[b]
            ax.annotate("", (xb + off, yb + off), (xa + off, ya + off),
                        arrowprops=dict(arrowstyle="-|>", color=PATH_COLORS[i % 5], lw=2.2, shrinkA=13, shrinkB=13))
        ax.plot([], [], color=PATH_COLORS[i % 5], lw=2.2, label=t("path {nodes}").format(nodes=" → ".join(_tex(s) for s in path)))
    for name, (x, y) in pos.items():
        ax.text(x, y, _tex(name), ha="center", va="center", fontsize=12,
                bbox=dict(boxstyle="circle,pad=0.3", fc="white", ec="0.3"))
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.set_xlim(-0.8, 2.0 * T + 0.8)
    ax.set_ylim(-1.8, 3.4)
    ax.set_axis_off()
    ax.set_title(t("the {n} paths from $h_{k}$ to $L$").format(n=len(paths), k=k), fontsize=10)


def _tex(name):
    """Book letters for the graph's node names: S1 -> h_1, L1 -> ℓ_1, x1 -> x_1, L -> L."""
    if name == "L":
        return "$L$"
    letter = {"S": "h", "L": "\\ell", "x": "x"}[name[0]]
    return f"${letter}_{{{name[1:]}}}$"


def error_heatmap_data(rho, T, activation, n=16, m=4, q=4, B=4, seed=0):
    """The numbers the heatmaps show, for a random network with ρ(W_hh) = rho.

    Returns (delta_norms, contrib_norms, step_norms, total_norm): ‖δ_{t,k}‖ over batch and units
    (T, T), ‖C_{t,k}‖_F (T, T) with C_{t,k} = Σ_b δ_{t,k} h_{k-1}ᵀ, ‖Σ_t C_{t,k}‖_F per step k (T,),
    and ‖∂L/∂W_hh‖_F. Entries with k > t are NaN (no path from loss t back to a later step).
    """
    rng = np.random.default_rng(seed)
    params = init_params(m, n, q, seed=seed, spectral_radius=rho)
    params["b_h"] = rng.normal(scale=0.1, size=n)
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    with np.errstate(over="ignore", invalid="ignore"):
        D = per_loss_deltas(params, X, Y, activation=activation)
        C = w_hh_contributions(params, X, Y, activation=activation)
        delta_norms = np.sqrt(np.sum(D * D, axis=(2, 3)))
        contrib_norms = np.sqrt(np.sum(C * C, axis=(2, 3)))
        step_norms = np.linalg.norm(C.sum(axis=0), axis=(1, 2))
        total_norm = float(np.linalg.norm(C.sum(axis=(0, 1))))
    upper = np.triu(np.ones((T, T), dtype=bool), 1)
    delta_norms[upper] = np.nan
    contrib_norms[upper] = np.nan
    return delta_norms, contrib_norms, step_norms, total_norm


# one colour scale for every setting of the explorable (log10 of a norm), so that two settings
# can be compared by colour; values beyond it take the colour of its end
LOG_LIMITS = (-16.0, 12.0)


def _log_triangle(values, limits=LOG_LIMITS):
    """(log10 of the positive entries, masked elsewhere; mask of exact zeros; colour limits).

    NaN entries (k > t) stay masked; the logs are clipped to ``limits``, the same for every call.
    """
    lower = np.isfinite(values)
    positive = lower & (values > 0)
    logs = np.full(values.shape, np.nan)
    logs[positive] = np.clip(np.log10(values[positive]), *limits)
    return np.ma.masked_invalid(logs), lower & ~positive, limits


def _heatmap_panel(fig, ax, cax, title, cmap):
    """The artists of one heatmap panel: (values image, grey image of exact zeros)."""
    im = ax.imshow(np.ma.masked_all((2, 2)), cmap=cmap, vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    grey = ax.imshow(np.ma.masked_all((2, 2)), cmap="Greys", vmin=0, vmax=2.5, interpolation="nearest",
                     aspect="auto")
    fig.colorbar(im, cax=cax)
    cax.tick_params(labelsize=8)
    ax.set_xlabel(t(r"step $k$ (receives the error)"), fontsize=9)
    ax.set_ylabel(t(r"loss $\ell_t$ (sends it)"), fontsize=9)
    ax.set_title(title, fontsize=9)
    return im, grey


def _layout(fig):
    """Make the axes and artists once; later frames only update them (an explorable redraws this figure often)."""
    fig.clear()
    fig.set_layout_engine("none")
    ax1, cax1 = fig.add_axes((0.09, 0.5, 0.33, 0.42)), fig.add_axes((0.43, 0.5, 0.015, 0.42))
    ax2, cax2 = fig.add_axes((0.59, 0.5, 0.33, 0.42)), fig.add_axes((0.93, 0.5, 0.015, 0.42))
    ax3 = fig.add_axes((0.09, 0.07, 0.855, 0.22))
    state = {
        "axes": (ax1, ax2, ax3),
        "delta": _heatmap_panel(fig, ax1, cax1, t(r"$\log_{10}\Vert\delta_{t,k}\Vert$: error loss $t$ sends to step $k$"),
                                "viridis"),
        "contrib": _heatmap_panel(fig, ax2, cax2,
                                  t(r"$\log_{10}\Vert\delta_{t,k} h_{k-1}^\top\Vert$: its share of $\partial L/\partial W_{hh}$"),
                                  "magma"),
        "steps": ax3.plot([], [], "o-", ms=3)[0],
        "zero_steps": ax3.plot([], [], "x", color="tab:red", ms=7)[0],
        "total": ax3.axhline(0.0, color="0.4", ls="--", lw=1),
        "title": fig.text(0.5, 0.99, "", ha="center", va="top", fontsize=10),
        "note": fig.text(0.5, 0.39, "", ha="center", va="top", fontsize=8, color="0.3"),
        "T": None,
        "lang": current(),
    }
    ax3.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax3.set_xlabel(t(r"step $k$"), fontsize=9, labelpad=1)
    ax3.set_ylabel(r"$\log_{10}\Vert\cdot\Vert$", fontsize=9)
    ax3.tick_params(labelsize=8)
    ax3.set_title(t(r"step $k$'s share $\Vert\delta_k h_{k-1}^\top\Vert$, $\delta_k = \Sigma_t\,\delta_{t,k}$ (dashed: total)"),
                  fontsize=9)
    fig._bptt_heatmaps = state
    return state


def draw_error_heatmaps(fig, rho=0.9, T=20, activation="tanh", seed=0):
    """Three panels: log10 ‖δ_{t,k}‖, log10 ‖δ_{t,k} h_{k-1}ᵀ‖ (the (t, k) share of ∂L/∂W_hh), and each step's total.

    Axes are placed by hand and made on the first call only; every call sets all the data, so the
    figure always shows exactly the given values.
    """
    state = getattr(fig, "_bptt_heatmaps", None)
    if state is None or state["axes"][0] not in fig.axes or state["lang"] != current():     # labels in this language
        state = _layout(fig)
    delta_norms, contrib_norms, step_norms, total_norm = error_heatmap_data(rho, T, activation, seed=seed)
    extent = (-0.5, T - 0.5, T - 0.5, -0.5)
    ticks = np.unique(np.linspace(0, T - 1, min(T, 5)).round().astype(int))
    zero_counts = []
    for key, values, ax in (("delta", delta_norms, state["axes"][0]), ("contrib", contrib_norms, state["axes"][1])):
        im, grey = state[key]
        logs, zeros, limits = _log_triangle(values)
        im.set_data(logs)
        im.set_extent(extent)
        im.set_clim(*limits)
        grey.set_data(np.ma.masked_where(~zeros, np.ones(zeros.shape)))
        grey.set_extent(extent)
        if state["T"] != T:
            ax.set_xticks(ticks, [str(i + 1) for i in ticks], fontsize=8)
            ax.set_yticks(ticks, [str(i + 1) for i in ticks], fontsize=8)
            ax.set_xlim(-0.5, T - 0.5)
            ax.set_ylim(T - 0.5, -0.5)
        zero_counts.append(int(zeros.sum()))
    ax3 = state["axes"][2]
    k = np.arange(1, T + 1)
    positive = step_norms > 0
    with np.errstate(divide="ignore"):
        logs = np.log10(np.where(positive, step_norms, 1.0))
    state["steps"].set_data(k[positive], logs[positive])
    floor = logs[positive].min() if positive.any() else 0.0
    state["zero_steps"].set_data(k[~positive], np.full(int((~positive).sum()), floor))
    shown = list(logs[positive])
    state["total"].set_visible(total_norm > 0)
    if total_norm > 0:
        state["total"].set_ydata([np.log10(total_norm)] * 2)
        shown.append(np.log10(total_norm))
    lo, hi = (min(shown), max(shown)) if shown else (0.0, 1.0)
    pad = 0.08 * max(hi - lo, 0.5)
    ax3.set_ylim(lo - pad, hi + pad)
    ax3.set_xlim(0.5, T + 0.5)
    state["title"].set_text(f"$\\rho(W_{{hh}})$ = {rho}, $T$ = {T}, $f$ = {activation}")
    if zero_counts[0]:
        note = t("white: $k > t$, no path;  grey / red ×: exactly 0 ({n} error terms vanish: saturated or off units);  "
                 "step 1: $h_0 = 0$ gives $W_{{hh}}$ nothing").format(n=zero_counts[0])
    else:
        note = t("white: $k > t$, no path;  grey / red ×: exactly 0;  step 1: $h_0 = 0$ gives $W_{{hh}}$ nothing").format()
    state["note"].set_text(note)
    state["T"] = T
