"""Figures for the truncation chapter: which terms each estimate keeps, its bias and variance, an
explorable over τ and π, and learning curves. Drawing functions take a matplotlib Figure; the
titles and labels a caller passes (problem titles, run labels) are messages, translated with
:func:`bptt.i18n.t` when drawn."""

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import NullFormatter, NullLocator, ScalarFormatter

from ..gradient_terms import (
    combine_terms,
    flat_terms,
    lag_sums,
    randomized_mse,
    reweighting_mask,
    term_grads,
    term_mask,
)
from ..i18n import Msg, local, t
from ..optim import global_norm
from ..params import init_params
from ..tasks import chance_loss, delayed_recall
from ..train_truncated import train_truncated
from ..truncation import sample_edge_weights

COLORS = {"full": "black", "chunked": "tab:blue", "sliding": "tab:green", "randomized": "tab:orange"}
KEPT = ListedColormap(["white", "tab:blue"])


def _names():
    """The deterministic schemes' names in legends, in the current language."""
    return {"chunked": t("regular"), "sliding": t("sliding")}


def _dot(a, b):
    return sum(float(np.sum(a[k] * b[k])) for k in a)


def rel_error(est, g):
    """‖ĝ − g‖ / ‖g‖ over all parameters together."""
    return global_norm({k: est[k] - g[k] for k in g}) / global_norm(g)


def cosine(est, g):
    """⟨ĝ, g⟩ / (‖ĝ‖ ‖g‖): 1 when the estimate points the way of the true gradient."""
    return _dot(est, g) / (global_norm(est) * global_norm(g))


def figure_problem(T=32, B=16, delay=8, n=16, trained=20, seed=0):
    """A delayed-recall batch and a network after ``trained`` sequences of full BPTT (0: at initialisation).

    Returns dict: params, X, Y, weights (the mask), G (the terms), g (the full gradient), T, delay.
    """
    params = init_params(2, n, 2, seed=seed, init="orthogonal")
    if trained:
        params, _ = train_truncated(params, "full", trained, T=48, B=16, delay=delay, seed=seed)
    X, Y, mask = delayed_recall(T, B, delay, rng=seed + 1)
    _, G = term_grads(params, X, Y, weights=mask.astype(float))
    return {"params": params, "X": X, "Y": Y, "weights": mask.astype(float), "G": G,
            "g": combine_terms(G, term_mask(T)), "T": T, "delay": delay}


def _map(ax, mask, title, cmap=KEPT, vmax=1.0):
    T = mask.shape[0]
    shown = np.ma.masked_where(np.triu(np.ones((T, T), bool), 1), mask)
    ax.set_facecolor("0.92")                                   # k > s: no such term
    im = ax.imshow(shown, cmap=cmap, vmin=0, vmax=vmax, origin="upper", extent=(0.5, T + 0.5, T + 0.5, 0.5))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(t("step k (through z_k)"), fontsize=9)
    ax.tick_params(labelsize=8)
    return im


def draw_term_maps(fig, T=12, tau=4, pi=0.7, seed=3):
    """The (s, k) grid of terms G_{s,k}: which ones full, regular, sliding and randomized truncation keep."""
    fig.clear()
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    _map(axes[0], term_mask(T), t("full BPTT: every term"))
    _map(axes[1], term_mask(T, tau, "chunked"), t("regular, τ = {tau}: TBPTT({tau}, {tau})").format(tau=tau))
    _map(axes[2], term_mask(T, tau, "sliding"), t("sliding, τ = {tau}: TBPTT(1, {tau})").format(tau=tau))
    xi = sample_edge_weights(pi, T, seed)
    m = reweighting_mask(xi)
    im = _map(axes[3], m, t("randomized, π = {pi}: one draw").format(pi=pi), cmap="Oranges", vmax=max(m.max(), 1.0))
    for j in np.flatnonzero(xi[1:] == 0) + 1:                  # a cut on the edge into step j+1 (1-based)
        axes[3].axvline(j + 0.5, color="tab:red", lw=1.0, ls=":")
    fig.colorbar(im, ax=axes[3], shrink=0.8, label=t("weight $m_{s,k}$"))
    for ax in axes[:2]:
        ax.set_xlabel("")
    for ax in axes[::2]:
        ax.set_ylabel(t("loss s"), fontsize=9)


def truncation_errors(G, g, taus):
    """{mode: (relative errors, cosines)} of chunked and sliding truncation at each τ."""
    T = next(iter(G.values())).shape[0]
    out = {}
    for mode in ("chunked", "sliding"):
        ests = [combine_terms(G, term_mask(T, tau, mode)) for tau in taus]
        out[mode] = (np.array([rel_error(e, g) for e in ests]), np.array([cosine(e, g) for e in ests]))
    return out


def randomized_samples(G, g, pi, n_samples, seed=0):
    """(relative errors, cosines) of n_samples independent randomized estimates, built from the terms:
    each draw is its weights m_{s,k} times the matrix of flattened terms."""
    T = next(iter(G.values())).shape[0]
    F, s, k = flat_terms(G)
    rng = np.random.default_rng(seed)
    W = np.array([reweighting_mask(sample_edge_weights(pi, T, rng))[s, k] for _ in range(n_samples)])
    ests, g_flat = W @ F, F.sum(axis=0)
    norms = np.linalg.norm(ests, axis=1) * np.linalg.norm(g_flat)
    return np.linalg.norm(ests - g_flat, axis=1) / np.linalg.norm(g_flat), (ests @ g_flat) / np.where(norms > 0, norms, 1.0)


def draw_bias(fig, problems, taus):
    """Relative error and cosine of regular and sliding truncation against τ, one column per problem
    (problems: [(title, P)], each title a message)."""
    fig.clear()
    names = _names()
    axes = fig.subplots(2, len(problems), sharex=True, squeeze=False)
    for j, (title, P) in enumerate(problems):
        errs = truncation_errors(P["G"], P["g"], taus)
        for mode, (rel, cos) in errs.items():
            axes[0, j].plot(taus, rel, "o-", color=COLORS[mode], ms=3, label=names[mode])
            axes[1, j].plot(taus, cos, "o-", color=COLORS[mode], ms=3, label=names[mode])
        for ax in axes[:, j]:
            ax.axvline(P["delay"] + 1, color="0.5", ls="--", lw=0.8)
        axes[0, j].set_title(t(title), fontsize=9)
        axes[0, j].set_ylim(bottom=0)
        axes[1, j].set_xlabel(t("truncation length τ"))
    axes[0, 0].set_ylabel("‖ĝ − g‖ / ‖g‖")
    axes[1, 0].set_ylabel("cos(ĝ, g)")
    axes[0, 0].legend(fontsize=8, title=t("dashed: τ = d + 1"), title_fontsize=7)


def draw_variance(fig, P, pis, n_samples=200, seed=0):
    """Randomized truncation against mean piece length 1/(1−π): exact RMS relative error (line),
    Monte Carlo check (dots), and regular truncation's error at τ equal to that length."""
    fig.clear()
    ax, bx = fig.subplots(1, 2)
    G, g, T = P["G"], P["g"], P["T"]
    pis = np.asarray(pis, dtype=float)
    lengths = 1.0 / (1.0 - pis)
    norm2 = global_norm(g) ** 2
    exact = np.array([np.sqrt(randomized_mse(G, pi) / norm2) for pi in pis])
    mc = [randomized_samples(G, g, pi, n_samples, seed + i) for i, pi in enumerate(pis)]
    ax.plot(lengths, exact, "-", color=COLORS["randomized"], label=t("randomized: exact √E‖ĝ−g‖² / ‖g‖"))
    ax.plot(lengths, [np.sqrt(np.mean(r ** 2)) for r, _ in mc], "o", color=COLORS["randomized"], ms=4,
            label=t("randomized: {n} draws").format(n=n_samples))
    taus = np.unique(np.clip(np.round(lengths).astype(int), 1, T - 1))     # τ >= T would be exact (error 0)
    errs = truncation_errors(G, g, taus)
    ax.plot(taus, errs["chunked"][0], "s--", color=COLORS["chunked"], ms=3, label=t("regular τ (bias only)"))
    for a in (ax, bx):
        a.set_xscale("log")
        a.set_xticks([t for t in (2, 4, 8, 16, 32, 64) if t <= T])
        a.xaxis.set_major_formatter(ScalarFormatter())
        a.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yscale("log")
    ax.set_xlabel(t("mean piece length 1/(1−π), or τ"))
    ax.set_ylabel(t("relative error"))
    ax.legend(fontsize=7)
    cos_mean = np.array([c.mean() for _, c in mc])
    lo, hi = np.array([np.percentile(c, 10) for _, c in mc]), np.array([np.percentile(c, 90) for _, c in mc])
    bx.fill_between(lengths, lo, hi, color=COLORS["randomized"], alpha=0.25, label=t("randomized: 10–90 % of draws"))
    bx.plot(lengths, cos_mean, "o-", color=COLORS["randomized"], ms=3, label=t("randomized: mean"))
    bx.plot(taus, errs["chunked"][1], "s--", color=COLORS["chunked"], ms=3, label=t("regular τ"))
    bx.set_xlabel(t("mean piece length 1/(1−π), or τ"))
    bx.set_ylabel("cos(ĝ, g)")
    bx.set_ylim(min(-0.05, lo.min() - 0.05), 1.02)
    bx.legend(fontsize=7, loc="lower right")


def explorer_data(P, taus, pis, seed=0):
    """Everything the explorable shows, computed once: lag profiles and relative errors of regular and
    sliding truncation at each τ, of one randomized draw at each π, and the exact RMS error at each π.

    The dict keeps the terms, so :func:`draw_explorer` adds any other τ or π when first asked for it
    (the live sliders move over every value between the grid's ends)."""
    G, g, T = P["G"], P["g"], P["T"]
    data = {"T": T, "delay": P["delay"], "full_lags": _lag_norms(lag_sums(G)), "curves": {}, "rms": {},
            "G": G, "g": g, "seed": seed}
    for tau in taus:
        _add_tau(data, tau)
    for pi in pis:
        _add_pi(data, pi)
    return data


def _add_tau(data, tau):
    G, g, T = data["G"], data["g"], data["T"]
    for mode in ("chunked", "sliding"):
        m = term_mask(T, tau, mode)
        data["curves"][mode, tau] = (_lag_norms(lag_sums(G, m)), rel_error(combine_terms(G, m), g), 1.0)


def _add_pi(data, pi):
    G, g, T = data["G"], data["g"], data["T"]
    m = reweighting_mask(sample_edge_weights(pi, T, data["seed"]))
    data["curves"]["randomized", pi] = (_lag_norms(lag_sums(G, m)), rel_error(combine_terms(G, m), g), m.max())
    data["rms"][pi] = np.sqrt(randomized_mse(G, pi) / global_norm(g) ** 2)


def _lag_norms(sums):
    T = next(iter(sums.values())).shape[0]
    return np.array([global_norm({k: v[l] for k, v in sums.items()}) for l in range(T)])


def draw_explorer(fig, tau, pi, data):
    """Left: the gradient reaching each lag, full and as each estimate keeps it (one randomized draw at π).
    Right: each estimate's relative error, and the randomized estimate's RMS error over all draws."""
    fig.clear()
    fig.set_layout_engine("none")                              # fixed axes: many frames render fast
    ax, bx = fig.add_axes((0.09, 0.14, 0.5, 0.76)), fig.add_axes((0.8, 0.14, 0.17, 0.66))
    if ("chunked", tau) not in data["curves"]:
        _add_tau(data, tau)
    if ("randomized", pi) not in data["curves"]:
        _add_pi(data, pi)
    T, full = data["T"], data["full_lags"]
    chosen = {"chunked": data["curves"]["chunked", tau], "sliding": data["curves"]["sliding", tau],
              "randomized": data["curves"]["randomized", pi]}
    lags = np.arange(T)
    floor = 1e-4 * full.max()
    ax.plot(lags, full, "k-", lw=2.5, label=t("full BPTT"))
    labels = {"chunked": t("regular, τ = {tau}").format(tau=tau), "sliding": t("sliding, τ = {tau}").format(tau=tau),
              "randomized": t("randomized, π = {pi}").format(pi=pi)}
    for mode, (vals, _, _) in chosen.items():
        ax.plot(lags, np.maximum(vals, floor), "-", color=COLORS[mode], lw=1.5, label=labels[mode])
    ax.axvline(data["delay"], color="0.5", ls="--", lw=0.8)
    ax.text(data["delay"] + 0.3, floor * 2, t("lag d"), color="0.4", fontsize=8)
    ax.text(T - 1, floor * 1.3, t("cut: on the floor"), color="0.4", fontsize=7, ha="right")
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylim(floor * 0.8, 5 * full.max())
    ax.set_xlabel(t("lag r = s − k"))
    ax.set_title(t("gradient reaching lag r"), fontsize=10)
    ax.legend(fontsize=7, loc="upper right")
    errs = [chosen["chunked"][1], chosen["sliding"][1], chosen["randomized"][1], data["rms"][pi]]
    names = [t("regular"), t("sliding"), t("random\n(draw)"), t("random\n(RMS)")]
    colors = [COLORS["chunked"], COLORS["sliding"], COLORS["randomized"], "#a63603"]
    bx.barh(names[::-1], errs[::-1], color=colors[::-1])
    for y, e in enumerate(errs[::-1]):
        bx.text(min(e, 2.0), y, f" {e:.2f}", va="center", fontsize=8)
    bx.set_xlim(0, 3.0)
    bx.set_xlabel(t("rel. error (axis to 3)"), fontsize=8)
    bx.tick_params(labelsize=8)
    bx.set_title(t("mean piece {length:.3g},\nlargest weight {weight:.3g}").format(
                 length=1 / (1 - pi), weight=chosen["randomized"][2]) if pi < 1
                 else t("π = 1: no cut,\nexact gradient"), fontsize=8)


def comparison_methods(T, delay):
    """{label: (method, colour)}: full BPTT, regular truncation at τ = d and 2d, randomized at mean lengths d/2, d, 2d.

    The labels are :class:`bptt.i18n.Msg`: they key the runs as their English, and
    :func:`bptt.i18n.local` says them in the current language."""
    d = delay
    return {Msg("full BPTT (one piece of {T})", T=T): ("full", "black"),
            Msg("regular, τ = {tau}", tau=d): (("chunked", d), "#6baed6"),
            Msg("regular, τ = {tau}", tau=2 * d): (("chunked", 2 * d), "#08519c"),
            Msg("randomized, mean {mean}", mean=d // 2): (("randomized", 1 - 2 / d), "#fdae6b"),
            Msg("randomized, mean {mean}", mean=d): (("randomized", 1 - 1 / d), "#e6550d"),
            Msg("randomized, mean {mean}", mean=2 * d): (("randomized", 1 - 1 / (2 * d)), "#7f2704")}


def run_comparison(methods, seeds, n_sequences, n=16, **kw):
    """{label: [curve for each seed]} from :func:`bptt.train_truncated.train_truncated`; methods: {label: method}."""
    return {label: [train_truncated(init_params(2, n, 2, seed=s, init="orthogonal"), meth, n_sequences, seed=s, **kw)[1]
                    for s in seeds] for label, meth in methods.items()}


def final_losses(runs, last=4):
    """{label: for each seed, the median held-out loss over its ``last`` evaluations} (robust to one spike)."""
    return {label: np.array([np.median(c["loss"][-last:]) for c in curves]) for label, curves in runs.items()}


def draw_learning_curves(fig, runs, colors=None, n_symbols=2):
    """Held-out loss against updates (top) and against backpropagated time steps (bottom);
    median over seeds thick, each seed thin."""
    fig.clear()
    axes = fig.subplots(2, 1, sharey=True)
    for i, (label, curves) in enumerate(runs.items()):
        color = (colors or {}).get(label, f"C{i}")
        lw = 2.5 if label.startswith("full") else 1.8
        for ax, key in zip(axes, ("updates", "steps")):
            for c in curves:
                ax.plot(np.maximum(c[key], 1), c["loss"], color=color, lw=0.6, alpha=0.35)
            x = np.median([c[key] for c in curves], axis=0)
            ax.plot(np.maximum(x, 1), np.median([c["loss"] for c in curves], axis=0), color=color, lw=lw,
                    label=local(label))
    for ax, name in zip(axes, (t("parameter updates"), t("time steps backpropagated (compute; here also data seen)"))):
        ax.axhline(chance_loss(n_symbols), color="0.5", ls=":", lw=1)
        ax.set_xlabel(name)
        ax.set_yscale("log")
        ax.set_ylabel(t("held-out loss (nats)"))
    axes[0].set_xscale("log")
    axes[0].text(1.1, chance_loss(n_symbols) * 1.15, t("chance: log 2"), fontsize=8, color="0.4")
    axes[1].legend(fontsize=8, loc="lower left", ncol=2)
