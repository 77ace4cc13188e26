"""The book's recurring picture: how much gradient reaches each step back in time, and its log axis."""
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator


def plot_lag_norms(ax, lags, norms, label=None, floor=1e-250, ceiling=1e250, **style):
    """Plot ‖∂L/∂h_{T-lag}‖ (or any per-lag norm) against the lag on a log axis.

    Values outside [floor, ceiling] are clipped to the axis and drawn as hollow markers with a
    legend entry, never left as a silent gap: red for overflow (inf, NaN, > ceiling), purple for
    values that are exactly zero or underflow (< floor).
    The bounds stay well inside float range (1e±250) so that matplotlib's log-axis margins do not
    overflow. Returns the Line2D of the curve.
    """
    lags = np.asarray(lags, dtype=float)
    norms = np.asarray(norms, dtype=float)
    high = ~np.isfinite(norms) | (norms > ceiling)               # overflow, inf or NaN
    low = np.isfinite(norms) & (norms < floor)                   # exactly zero, or underflow
    shown = np.clip(np.nan_to_num(norms, nan=ceiling, posinf=ceiling, neginf=floor), floor, ceiling)
    (line,) = ax.plot(lags, shown, label=label, **style)
    for mask, text, colour in ((high, "out of float range (clipped to the top)", "tab:red"),
                               (low, f"zero or below {floor:.0e} (drawn at the bottom)", "tab:purple")):
        if mask.any():
            ax.plot(lags[mask], shown[mask], "o", mfc="none", mec=colour, ms=6, label=f"{int(mask.sum())} values {text}")
    ax.set_yscale("log")
    ax.set_xlabel("lag T − k (steps back in time)")
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
