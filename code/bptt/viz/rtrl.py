"""Figures for the RTRL chapter: measured costs with fitted slopes, online learning curves, the
approximations' bias and variance, and two explorables (error over time; the cost model). Text a
caller passes (curve labels, titles, coordinate names) is a message, translated with
:func:`bptt.i18n.t` when drawn."""
import numpy as np
from matplotlib.ticker import NullFormatter, NullLocator

from ..costs import loglog_slope, memory_model, time_model
from ..estimators import per_step_errors
from ..i18n import t
from ..params import init_params
from ..tasks import delayed_recall

COLORS = {"rtrl": "tab:blue", "bptt": "tab:orange", "uoro": "tab:green", "snap1": "tab:red"}
LABELS = {"rtrl": "RTRL", "bptt": "BPTT", "uoro": "UORO", "snap1": "SnAp-1"}
#: the exponents the theory predicts, per panel: time per step and peak memory, against n and against T
THEORY = {"time_n": {"rtrl": 4, "bptt": 2}, "memory_n": {"rtrl": 3, "bptt": 1},
          "time_T": {"rtrl": 0, "bptt": 0}, "memory_T": {"rtrl": 0, "bptt": 1}}


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(ax, lo, hi, step=1, axis="y"):
    """Decade ticks 10^lo .. 10^hi every ``step`` decades with plain-text labels, no minor ticks.

    Cheaper to draw than matplotlib's default log labels (no mathtext), which matters for the
    many frames of an explorable figure.
    """
    exps = range(lo, hi + 1, step)
    labels = ["1" if e == 0 else "10" if e == 1 else "10" + str(e).translate(SUPERSCRIPT) for e in exps]
    getattr(ax, f"set_{axis}ticks")([10.0 ** e for e in exps], labels)
    getattr(ax, f"{axis}axis").set_minor_locator(NullLocator())


def fast_axes(fig, ncols=1, **margins):
    """Axes at fixed margins instead of constrained layout: an explorable frame renders in a fraction of the time."""
    fig.set_layout_engine("none")
    grid = fig.add_gridspec(1, ncols, **margins)
    return [fig.add_subplot(grid[0, i]) for i in range(ncols)]


def plot_fitted(ax, x, y, theory, method, fit_last=3):
    """Measured points on log-log axes, the fitted slope over the last ``fit_last`` points, and a
    dashed line of the theory's slope through the last point. Returns the fitted slope."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    slope = loglog_slope(x[-fit_last:], y[-fit_last:])
    color = COLORS[method]
    label = t("{method}: fitted {slope:.2f}, theory {theory}").format(method=LABELS[method], slope=slope, theory=theory)
    ax.loglog(x, y, "o-", color=color, ms=4, label=label)
    ax.loglog(x, y[-1] * (x / x[-1]) ** theory, "--", color=color, alpha=0.6, lw=1)
    return slope


def cost_slopes(measured, fit_last=3):
    """{panel: {method: fitted log-log slope over the last ``fit_last`` sizes}}, as draw_costs fits."""
    return {key: {meth: loglog_slope(np.asarray(x, float)[-fit_last:], np.asarray(y, float)[-fit_last:])
                  for meth, (x, y) in panel.items()} for key, panel in measured.items()}


def draw_costs(fig, measured, n_fixed, T_fixed):
    """Four log-log panels from measurements ``measured[panel] = {method: (sizes, values)}``, panels
    "time_n" and "memory_n" (against n, at T = T_fixed) and "time_T" and "memory_T" (against T, at
    n = n_fixed); time in seconds per step, memory in peak bytes. Returns {panel: {method: slope}}."""
    fig.clear()
    axes = fig.subplots(2, 2)
    labels = {"time_n": (t("hidden units n"), t("seconds per step"), t("time per step against n")),
              "memory_n": (t("hidden units n"), t("peak memory (bytes)"), t("memory against n (T = {T})").format(T=T_fixed)),
              "time_T": (t("sequence length T"), t("seconds per step"), t("time per step against T (n = {n})").format(n=n_fixed)),
              "memory_T": (t("sequence length T"), t("peak memory (bytes)"), t("memory against T (n = {n})").format(n=n_fixed))}
    fig.set_layout_engine("constrained")
    slopes = {}
    for ax, key in zip(axes.ravel(), ("time_n", "memory_n", "time_T", "memory_T")):
        slopes[key] = {meth: plot_fitted(ax, *measured[key][meth], THEORY[key][meth], meth)
                       for meth in measured[key]}
        xlabel, ylabel, title = labels[key]
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        ys = np.concatenate([np.asarray(y, dtype=float) for _, y in measured[key].values()])
        if ys.max() / ys.min() < 100:                   # show at least two decades around flat data
            mid = np.sqrt(ys.max() * ys.min())
            ax.set_ylim(mid / 10, mid * 10)
        ax.legend(fontsize=7, loc="best")
        ax.grid(True, which="major", alpha=0.3)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
    return slopes


def running_mean(x, window):
    """Mean of each run of ``window`` consecutive values (shorter at the start), same length as x."""
    c = np.cumsum(np.insert(np.asarray(x, dtype=float), 0, 0.0))
    idx = np.arange(1, len(x) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def draw_online(fig, curves, window=200, chance=None, title=None):
    """Learning curves: running mean of the per-step loss for each {label: (losses (T,), style dict)}."""
    fig.clear()
    ax = fig.subplots()
    for label, (losses, style) in curves.items():
        ax.plot(running_mean(losses, window), label=t(label), **style)
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1, label=t("chance (log 2)"))
    ax.set(yscale="log", xlabel=t("step t of the stream"), ylabel=t("loss, mean of the last {window} steps").format(window=window))
    if title:
        ax.set_title(t(title), fontsize=10)
    ax.legend(fontsize=8)


def draw_estimators(fig, samples, exact, snap, Ks, err_uoro, coords=(0, 1), names=None, shown=400):
    """Bias and variance of the estimators of ∂L/∂θ on one network.

    Left: two coordinates of ``shown`` UORO samples (samples (N, d)), their mean, the exact gradient
    and SnAp-1's (names: labels of the two coordinates). Right: relative error of the mean of K UORO
    samples (err_uoro, like Ks) with the 1/√K law and SnAp-1's fixed error.
    """
    fig.clear()
    left, right = fig.subplots(1, 2)
    i, j = coords
    names = names or tuple(t("coordinate {i} of ∂L/∂θ").format(i=c) for c in (i, j))
    left.scatter(samples[:shown, i], samples[:shown, j], s=6, alpha=0.35, color=COLORS["uoro"],
                 label=t("{n} UORO estimates").format(n=shown))
    left.plot(*samples[:, [i, j]].mean(axis=0), "o", mfc="none", mec=COLORS["uoro"], ms=14, mew=2,
              label=t("mean of {n} UORO estimates").format(n=len(samples)))
    left.plot(exact[i], exact[j], "k*", ms=10, label=t("exact (RTRL = BPTT)"))
    left.plot(snap[i], snap[j], "D", color=COLORS["snap1"], ms=8, label="SnAp-1")
    lo, hi = np.percentile(samples[:, [i, j]], [2, 98], axis=0)
    pad = 0.1 * (hi - lo)
    left.set(xlim=(lo[0] - pad[0], hi[0] + pad[0]), ylim=(lo[1] - pad[1], hi[1] + pad[1]))
    left.set_xlabel(t(names[0]), fontsize=9)
    left.set_ylabel(t(names[1]), fontsize=9)
    left.set_title(t("one estimate each\n(2nd–98th percentile window)"), fontsize=9)
    left.legend(fontsize=7)
    Ks = np.asarray(Ks, dtype=float)
    snap_err = np.linalg.norm(snap - exact) / np.linalg.norm(exact)
    right.loglog(Ks, err_uoro, "o-", color=COLORS["uoro"], label=t("UORO, mean of K (measured)"))
    right.loglog(Ks, err_uoro[0] / np.sqrt(Ks / Ks[0]), "--", color=COLORS["uoro"], alpha=0.6,
                 label=t("∝ 1/√K (variance only, no bias)"))
    right.axhline(snap_err, color=COLORS["snap1"], label=t("SnAp-1 (bias) {err:.2f}").format(err=snap_err))
    right.set_xlabel(t("UORO estimates averaged, K"), fontsize=9)
    right.set_ylabel(t("relative error ‖ĝ − g‖/‖g‖"), fontsize=9)
    right.set_title(t("error of the gradient estimate"), fontsize=9)
    for a in (left, right):
        a.tick_params(labelsize=8)
    right.legend(fontsize=7)
    right.grid(True, which="major", alpha=0.3)
    right.yaxis.set_minor_formatter(NullFormatter())


def draw_error_over_time(fig, rho, n, K, T=60, seed=0):
    """Explorable: relative error of UORO (mean of K) and SnAp-1 against exact RTRL at each step, with
    W_hh of spectral radius rho and n hidden units, on one delayed-recall sequence (fixed weights)."""
    fig.clear()
    (ax,) = fast_axes(fig, left=0.09, right=0.98, bottom=0.14, top=0.9)
    params = init_params(2, n, 2, seed=seed, spectral_radius=rho)
    X, Y, _ = delayed_recall(T, 1, 3, rng=seed)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        err = per_step_errors(params, X, Y, K=K, seed=seed)
    steps = np.arange(1, T + 1)
    floor = 1e-3
    for key, label in (("uoro", t("UORO, mean of K = {K}").format(K=K)), ("snap1", "SnAp-1")):
        e = np.nan_to_num(err[key], nan=np.inf)
        ax.plot(steps, np.clip(e, floor, 1e3), color=COLORS[key], label=label)
        low = e < floor
        if low.any():
            ax.plot(steps[low], np.full(low.sum(), floor), "v", color=COLORS[key], ms=5,
                    label=t("{method} below {floor:g} (exact to rounding)").format(method=LABELS[key], floor=floor))
    ax.set_yscale("log")
    ax.axhline(1.0, color="gray", ls=":", lw=1, label=t("error as large as the gradient"))
    ax.set(xlabel=t("step t"), ylabel=t("relative error of ∂⁺L_t/∂θ"), ylim=(floor / 2, 1e3),
           title=t("n = {n}, ρ(W_hh) = {rho}: each step's gradient against exact RTRL").format(n=n, rho=rho))
    log_ticks(ax, -3, 3)
    ax.legend(fontsize=7, loc="upper right", ncol=2)


def draw_cost_model(fig, n, T, m=2, q=2):
    """Explorable: the modelled memory and multiply-adds of the four methods for n hidden units and T steps."""
    fig.clear()
    mem_ax, time_ax = fast_axes(fig, 2, left=0.08, right=0.99, bottom=0.1, top=0.78, wspace=0.25)
    methods = ["bptt", "rtrl", "uoro", "snap1"]
    mem = [memory_model(k, n, m, q, T) for k in methods]
    ops = [time_model(k, n, m, q, T) for k in methods]
    panels = ((mem_ax, mem, t("numbers held while running")), (time_ax, ops, t("multiply-adds per sequence")))
    for ax, values, title in panels:
        ax.bar([LABELS[k] for k in methods], values, color=[COLORS[k] for k in methods])
        ax.set(yscale="log", ylim=(1, 1e17))
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        log_ticks(ax, 0, 16, 4)
        for x, v in enumerate(values):
            ax.text(x, v * 1.5, f"{v:.1e}", ha="center", fontsize=7)
    crossover = n * n + n * m + n - 1               # T above which RTRL holds fewer numbers than BPTT
    verdict = t("RTRL holds less than BPTT") if mem[1] < mem[0] else t("BPTT holds less than RTRL")
    fig.suptitle(t("n = {n}, T = {T}: {verdict}\n(RTRL's memory wins once T > n² + nm + n − 1 = {crossover}; "
                   "its time never does)").format(n=n, T=T, verdict=verdict, crossover=crossover), fontsize=9)
