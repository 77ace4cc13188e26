"""Pictures of ordered systems: the graph with its edge weights, and the explorable of the source's system."""
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

from ..i18n import t
from ..ordered import (
    backward_sweep,
    chain_system,
    check_system,
    dense_system,
    forward_sweep,
    path_contributions,
    source_system,
)

NODE_R = 0.24


def _label(v):
    return f"{v:g}" if float(v).is_integer() else f"{v:.2f}"


def _edge(ax, x0, x1, height, weight, color):
    """An arc from the node at (x0, 0) to the node at (x1, 0) bulging by ``height`` (up if > 0),
    with the weight ∂z_j/∂z_i written at its apex. A zero weight is drawn faint and dotted."""
    theta = np.arctan2(2 * height, (x1 - x0) / 2)              # the arc leaves towards its control point
    lift = NODE_R * np.sin(theta)
    a, b = (x0 + NODE_R * np.cos(theta), lift), (x1 - NODE_R * np.cos(theta), lift)
    rad = -2.0 * (height - lift) / (b[0] - a[0])               # arc3 puts the apex at rad·dx/2 off the chord
    zero = weight == 0
    ax.add_patch(FancyArrowPatch(a, b, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=12,
                                 lw=1.0 if zero else 1.6, color="0.75" if zero else color, ls=":" if zero else "-",
                                 shrinkA=0, shrinkB=0, zorder=1))
    ax.text((x0 + x1) / 2, height, _label(weight), ha="center", va="center", fontsize=9,
            color="0.6" if zero else "black", zorder=3, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})


def draw_graph(ax, A, e, names=None, ordered=None, structure=None):
    """Draw an ordered system: nodes z_1..z_N and E on a line, each edge an arc labelled ∂z_j/∂z_i.

    Edges between variables arch above the line, edges into E below it. A: (N, N); e: (N,);
    names: N node labels (default $z_i$); ordered: optional (N,) values ∂⁺E/∂z_i, printed under
    the nodes; structure: optional (A, e) of the same shape whose nonzero entries are drawn even
    where A or e is zero (as faint dotted arcs), so an edge switched off stays visible.
    """
    A, e = check_system(A, e)
    N = len(e)
    names = names or [f"$z_{{{i + 1}}}$" for i in range(N)]
    SA, Se = (A, e) if structure is None else check_system(*structure)
    top, bottom = 0.3, -0.3
    for j in range(N):
        for i in range(j):
            if SA[j, i] != 0 or A[j, i] != 0:
                _edge(ax, i, j, 0.42 * (j - i - 1) + 0.2 * (j - i > 1), A[j, i], "tab:blue")
                top = max(top, 0.42 * (j - i - 1) + 0.45)
    for i in range(N):
        if Se[i] != 0 or e[i] != 0:
            height = -(0.42 * (N - i - 1) + 0.2 * (N - i > 1))
            _edge(ax, i, N, height, e[i], "tab:orange")
            bottom = min(bottom, height - 0.25)
    for x, name, color in [(i, names[i], "tab:blue") for i in range(N)] + [(N, "$E$", "tab:orange")]:
        ax.add_patch(Circle((x, 0), NODE_R, fc="white", ec=color, lw=2, zorder=2))
        ax.text(x, 0, name, ha="center", va="center", fontsize=12, zorder=4)
    if ordered is not None:                                    # lower left of each node: no edge leaves there
        for i, g in enumerate(np.asarray(ordered, float)):
            ax.text(i - 0.2, -0.2, _label(g), ha="right", va="top", fontsize=10, color="tab:green",
                    fontweight="bold", zorder=4)
        ax.text(-0.6, bottom, t(r"green: $\partial^+E/\partial z_i$"), fontsize=10.5, color="tab:green", va="bottom")
        bottom = min(bottom, -0.6)
    ax.set_xlim(-0.7, N + 0.4)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")


def system_with(a32=3.0, a43=4.0, c2=2.0):
    """The source's system with three coefficients changed: z3 = a32 z2 + z1, z4 = a43 z3 + 2 z2 + z1, E = 4 z4 + c2 z2."""
    A, e = source_system()
    A[2, 1], A[3, 2], e[1] = a32, a43, c2
    return A, e


def draw_source_graph(fig):
    """The static figure: the source's system with its edge weights and ordered derivatives."""
    fig.clear()
    A, e = source_system()
    draw_graph(fig.add_subplot(), A, e, ordered=backward_sweep(A, e).grad)


def draw_explorer(fig, a32=3.0, a43=4.0, c2=2.0):
    """The explorable: the graph for the chosen coefficients, ∂E/∂z_i beside ∂⁺E/∂z_i, and the paths z_1 -> E."""
    fig.clear()
    A, e = system_with(a32, a43, c2)
    S_A, S_e = source_system()
    g = backward_sweep(A, e).grad
    grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1.0], width_ratios=[1.0, 1.25])
    draw_graph(fig.add_subplot(grid[0, :]), A, e, structure=(S_A, S_e))

    ax = fig.add_subplot(grid[1, 0])
    x = np.arange(len(e))
    for shift, vals, color, label in ((-0.2, e, "tab:orange", t(r"direct $\partial E/\partial z_i$")),
                                      (0.2, g, "tab:green", t(r"ordered $\partial^+E/\partial z_i$"))):
        ax.bar(x + shift, vals, 0.4, color=color, label=label)
        for xi, v in zip(x + shift, vals):
            ax.text(xi, v, _label(v), ha="center", va="bottom" if v >= 0 else "top", fontsize=8.5)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x, [f"$z_{i + 1}$" for i in x])
    ax.set_ylim(-115, 180)
    ax.legend(fontsize=8.5, loc="upper right", frameon=False)
    ax.set_title(t("direct vs ordered derivatives"), fontsize=10)

    ax = fig.add_subplot(grid[1, 1])
    weights = dict(path_contributions(A, e, 0))
    paths = [p for p, _ in path_contributions(S_A, S_e, 0)]    # the source's five paths, in a fixed order
    vals = [weights.get(p, 0.0) for p in paths]
    y = np.arange(len(paths))[::-1]
    ax.barh(y, vals, color=["tab:purple" if v >= 0 else "tab:red" for v in vals])
    ax.set_yticks(y, ["$" + r"\to ".join(f"z_{k + 1}" for k in p) + r"\to E$" for p in paths], fontsize=9)
    for yi, v in zip(y, vals):
        ax.text(v, yi, " " + _label(v) + " ", ha="left" if v >= 0 else "right", va="center", fontsize=8.5)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlim(-125, 125)
    ax.set_title(t(r"paths $z_1\to E$: sum = $\partial^+E/\partial z_1$ = {value}").format(value=_label(g[0])), fontsize=10)


def draw_sweep_costs(fig, sizes=(2, 4, 8, 16, 32)):
    """Multiply-adds of one backward sweep and of forward sweeps for all N variables, dense and chain systems."""
    fig.clear()
    ax = fig.add_subplot()
    for make, name, mark in ((dense_system, t("dense"), "o"), (chain_system, t("chain"), "s")):
        back = [backward_sweep(*make(N)).ops for N in sizes]
        fwd = [forward_sweep(*make(N)).ops for N in sizes]
        ax.plot(sizes, fwd, "-" + mark, color="tab:red", label=t("forward, all inputs ({system})").format(system=name))
        ax.plot(sizes, back, "--" + mark, color="tab:blue", label=t("backward, one sweep ({system})").format(system=name))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(t("number of variables N"))
    ax.set_ylabel(t("multiply-adds"))
    ax.legend(fontsize=8, frameon=False)
