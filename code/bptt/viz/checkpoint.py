"""Checkpointing drawn: a schedule as in Griewank's diagrams, and the memory/time trade-off.

The diagram puts the time steps t = 0..T across and the computation's clock down: every
advance (h_{t-1} -> h_t) is a blue segment one row down and one step right, every backward
step at t a red segment one row down and one step left, a stored state a green square with a
thin green line down to the row where its slot is freed (so the green lines crossing a row are
the states held at that moment). Also the measured run of book/measured_checkpointing.md:
time and traced peak memory against bptt_grads (measure_runs, draw_measured).
"""

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ..checkpoint import binomial_forward_steps, count, schedule, uniform_forward_steps, uniform_slots
from ..i18n import t
from ..validate import check_positive_int

COLORS = {"advance": "tab:blue", "backward": "tab:red", "store": "tab:green",
          "uniform": "tab:orange", "binomial": "tab:blue"}
X_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
Y_TICKS = [1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500]


def names():
    """{name: the name in the current language} of a schedule's actions (advance, store,
    restore, backward) and of the schedules (binomial, uniform; bptt for bptt_grads)."""
    return {"advance": t("advance"), "store": t("store"), "restore": t("restore"),
            "backward": t("backward"), "binomial": t("binomial"), "uniform": t("uniform"),
            "bptt": "bptt"}


def diagram_rows(actions):
    """The schedule as drawing instructions.

    ``actions``: a list of ``Action(op, t)`` (see :func:`bptt.checkpoint.schedule`). Returns a
    dict with ``advance`` and ``backward``: lists of (row, t) (the segment from t-1 to t on that
    row, drawn down-right or down-left); ``stored``: a list of (t, first row, last row), one
    for each time a state is stored, up to the backward step at t, which frees its slot; and
    ``rows``, the number of rows.
    """
    rows = {"advance": [], "backward": []}
    held, stored, row = {}, [], 0
    for a in actions:
        if a.op in rows:
            rows[a.op].append((row, a.t))
            if a.op == "backward" and a.t in held:
                stored.append((a.t, held.pop(a.t), row))
            row += 1
        elif a.op == "store":
            held[a.t] = row
    stored += [(t, first, row) for t, first in held.items()]       # never freed
    return {**rows, "stored": sorted(stored), "rows": row}


def draw_schedule(ax, actions, T):
    """Draw ``actions`` for T steps on ``ax`` (time across, clock down)."""
    d = diagram_rows(actions)
    handles = []
    for op, sign in (("advance", 1), ("backward", -1)):
        segs = [[((t - 1, t)[::sign][0], r), ((t - 1, t)[::sign][1], r + 1)]
                for r, t in d[op]]
        ax.add_collection(LineCollection(segs, colors=COLORS[op], linewidths=1.4))
        handles.append(Line2D([], [], color=COLORS[op], lw=1.4, label=names()[op]))
    held = [[(t, first), (t, last)] for t, first, last in d["stored"]]
    ax.add_collection(LineCollection(held, colors=COLORS["store"], linewidths=0.8,
                                     alpha=0.6))
    if d["stored"]:
        ax.plot([s[0] for s in d["stored"]], [s[1] for s in d["stored"]], "s",
                color=COLORS["store"], ms=4)
        handles.append(Line2D([], [], color=COLORS["store"], marker="s", ms=4,
                              lw=0.8, label=t("stored until last used")))
    ax.set_xlim(-0.5, T + 0.5)
    ax.set_ylim(d["rows"] + 0.5, -0.5)
    ax.set_xlabel(t("time step t"), fontsize=9)
    ax.set_ylabel(t("clock: forward and backward steps"), fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(handles=handles, fontsize=7, loc="lower right", framealpha=0.9)


def tradeoff(T):
    """The memory/time curves for T steps: stored states against forward steps per step.

    Returns {"binomial": (slots, F/T) for slots = 1..T-1, "uniform": (peak slots, F/T) for an
    interval k = 1..T}, each a pair of arrays (exact counts from :mod:`bptt.checkpoint`).
    """
    T = check_positive_int(T, "T")
    slots = np.arange(1, max(T, 2))
    bino = np.array([binomial_forward_steps(T, int(s)) for s in slots]) / T
    ks = np.arange(1, T + 1)
    uni_s = np.array([uniform_slots(T, int(k)) for k in ks])
    uni_f = np.array([uniform_forward_steps(T, int(k)) for k in ks]) / T
    return {"binomial": (slots, bino), "uniform": (uni_s, uni_f)}


def draw_tradeoff(ax, T, slots, forward):
    """The trade-off curves for T steps with the point (slots, forward / T) marked."""
    curves = tradeoff(T)
    s, f = curves["binomial"]
    ax.plot(s, f, "-", color=COLORS["binomial"], lw=1.5, label=t("optimal (binomial)"))
    s, f = curves["uniform"]
    ax.plot(s, f, ".", color=COLORS["uniform"], ms=4, label=t("uniform, every k steps"))
    ax.plot([slots], [forward / T], "o", mfc="none", mec="black", ms=10, mew=1.5,
            label=t("this schedule"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(t("stored states (slots)"), fontsize=9)
    ax.set_ylabel(t("forward steps / T"), fontsize=9)
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    for axis, ticks in ((ax.xaxis, X_TICKS), (ax.yaxis, Y_TICKS)):
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(NullFormatter())
    ax.tick_params(labelsize=8, which="both")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=7, loc="upper right", framealpha=0.9)


def draw_explorer(fig, T, slots):
    """The explorable: the optimal schedule for T steps and ``slots`` slots, and the trade-off."""
    T = check_positive_int(T, "T")
    slots = check_positive_int(slots, "slots", minimum=0)
    fig.clear()
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    actions = schedule(T, slots)
    c = count(actions)
    draw_schedule(left, actions, T)
    first = (t("T = {T}, {slots} slot: {forward} forward steps") if slots == 1
             else t("T = {T}, {slots} slots: {forward} forward steps"))
    second = t("({per:.2f} per step), at most {peak} stored")
    left.set_title(first.format(T=T, slots=slots, forward=c["forward"]) + "\n"
                   + second.format(per=c["forward"] / T, peak=c["peak_slots"]), fontsize=9)
    draw_tradeoff(right, T, c["peak_slots"], c["forward"])
    right.set_title(t("memory against recomputation"), fontsize=9)


# --- the measured run (book/measured_checkpointing.md) -------------------------------------------

def measure_runs(settings, T, n, B, m=16, q=16, repeats=3, seed=0):
    """Time and peak traced memory of checkpointed_grads for each (schedule, slots) in
    ``settings``, and of bptt_grads, on one random problem of the given sizes (float64).

    Returns a list of dicts with schedule, slots, forward (the schedule's forward steps),
    peak_slots, seconds and peak_bytes; the first row is bptt_grads (schedule "bptt").
    """
    from ..backprop import bptt_grads
    from ..checkpoint import checkpointed_grads
    from ..costs import peak_bytes, seconds_per_step
    from ..params import init_params

    rng = np.random.default_rng(seed)
    params = init_params(m, n, q, seed=seed, spectral_radius=0.9)
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    runs = [("bptt", None, lambda: bptt_grads(params, X, Y))]
    runs += [(kind, s, lambda kind=kind, s=s: checkpointed_grads(params, X, Y, slots=s,
                                                                  schedule=kind))
             for kind, s in settings]
    rows = []
    for kind, s, fn in runs:
        c = (count(schedule(T, s, kind)) if kind != "bptt"
             else {"forward": T, "peak_slots": T})
        rows.append({"schedule": kind, "slots": s, "forward": c["forward"],
                     "peak_slots": c["peak_slots"],
                     "seconds": seconds_per_step(fn, T, repeats) * T,
                     "peak_bytes": peak_bytes(fn)})
    return rows


def draw_measured(fig, rows):
    """Measured time and peak memory of each run relative to bptt_grads's (the first row),
    against the schedule's forward steps per step and its stored states (0 drawn at 0.5).
    Returns (slope, intercept) of the straight line fitted to time ratio against F/T."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    base = rows[0]
    T = base["forward"]
    f = np.array([r["forward"] / T for r in rows[1:]])
    ratio = np.array([r["seconds"] / base["seconds"] for r in rows[1:]])
    slope, icept = np.polyfit(f, ratio, 1)
    xs = np.geomspace(1, f.max(), 50)
    left.plot(xs, icept + slope * xs, "--", color="grey", lw=1,
              label=t("fit: {icept:.2f} + {slope:.2f} F/T").format(icept=icept, slope=slope))
    for r, fr, tr in zip(rows[1:], f, ratio):
        color = COLORS[r["schedule"]]
        left.plot(fr, tr, "o", color=color)
        right.plot(max(r["peak_slots"], 0.5), 100 * r["peak_bytes"] / base["peak_bytes"],
                   "o", color=color)
    left.set_xlabel(t("forward steps per step, F/T (counted)"), fontsize=9)
    left.set_ylabel(t("time / time of bptt_grads (measured)"), fontsize=9)
    right.set_xlabel(t("stored states (slots)"), fontsize=9)
    right.set_ylabel(t("peak memory, % of bptt_grads's"), fontsize=9)
    handles = [Line2D([], [], color=COLORS[k], marker="o", ls="", label=names()[k])
               for k in ("binomial", "uniform")]
    right.legend(handles=handles, fontsize=7, loc="upper center")
    left.legend(fontsize=7, loc="upper left")
    plain = FuncFormatter(lambda v, _: "0" if v == 0.5 else f"{v:g}")
    for ax, xt, yt in ((left, Y_TICKS, Y_TICKS), (right, [0.5] + X_TICKS, [1, 2, 5, 10, 20, 50, 100])):
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis, ticks in ((ax.xaxis, xt), (ax.yaxis, yt)):
            axis.set_major_locator(FixedLocator(ticks))
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(NullFormatter())
        ax.tick_params(labelsize=8, which="both")
        ax.grid(alpha=0.3)
    return slope, icept
