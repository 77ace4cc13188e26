"""The book's recurring picture: how much gradient reaches each step back in time, and its log axis."""
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from ..i18n import t

#: the default range drawn as a curve; values outside are clipped to it and marked (well inside
#: float64's range, so that matplotlib's log-axis margins do not overflow)
FLOOR, CEILING = 1e-250, 1e250


def marker_labels(n_high, n_low, floor=FLOOR, ceiling=CEILING):
    """The legend texts of the two kinds of clipped values, as :func:`plot_lag_norms` writes them
    (in the current language, see :mod:`bptt.i18n`)."""
    return (t("{n} values > {ceiling:.0e} or not finite (drawn at the top)").format(n=n_high, ceiling=ceiling),
            t("{n} values < {floor:.0e} or zero (drawn at the bottom)").format(n=n_low, floor=floor))


def plot_lag_norms(ax, lags, norms, label=None, floor=FLOOR, ceiling=CEILING, **style):
    """Plot ‖∂⁺L/∂h_{T-lag}‖ (or any per-lag norm) against the lag on a log axis.

    Values outside [floor, ceiling] are clipped to that range and drawn as hollow markers with a
    legend entry (:func:`marker_labels`), never left as a silent gap: red for overflow (inf, NaN,
    > ceiling), purple for values that are exactly zero or underflow (< floor).
    Returns the Line2D of the curve.
    """
    lags = np.asarray(lags, dtype=float)
    norms = np.asarray(norms, dtype=float)
    high = ~np.isfinite(norms) | (norms > ceiling)               # overflow, inf or NaN
    low = np.isfinite(norms) & (norms < floor)                   # exactly zero, or underflow
    shown = np.clip(np.nan_to_num(norms, nan=ceiling, posinf=ceiling, neginf=floor), floor, ceiling)
    (line,) = ax.plot(lags, shown, label=label, **style)
    texts = marker_labels(int(high.sum()), int(low.sum()), floor, ceiling)
    for mask, text, colour in ((high, texts[0], "tab:red"), (low, texts[1], "tab:purple")):
        if mask.any():
            ax.plot(lags[mask], shown[mask], "o", mfc="none", mec=colour, ms=5, label=text)
    ax.set_yscale("log")
    ax.set_xlabel(t("lag T − k (steps back in time)"))
    return line


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(x, _pos=None):
    """Tick label 10ⁿ in plain Unicode (mathtext labels would dominate the redraw time)."""
    return "10" + str(int(round(np.log10(x)))).translate(_SUPERSCRIPT) if x > 0 else ""


class _DecadeLocator(LogLocator):
    """LogLocator that stays quiet when an axis spans nearly all of float64 (overflow frames)."""

    def tick_values(self, vmin, vmax):
        with np.errstate(over="ignore"):
            ticks = super().tick_values(vmin, vmax)
        return ticks[np.isfinite(ticks)]


def log_ticks(axis, numticks=7):
    """A few decade ticks with plain-text labels on a log ``axis`` (ax.yaxis or ax.xaxis)."""
    axis.set_major_locator(_DecadeLocator(base=10.0, subs=(1.0,), numticks=numticks))
    axis.set_major_formatter(FuncFormatter(_power_of_ten))
    axis.set_minor_locator(NullLocator())
