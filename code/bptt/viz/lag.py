"""The book's recurring picture: how much gradient reaches each step back in time."""
import numpy as np


def plot_lag_norms(ax, lags, norms, label=None, floor=1e-300, ceiling=1e300, **style):
    """Plot ‖∂L/∂h_{T-lag}‖ (or any per-lag norm) against the lag on a log axis.

    Values that under- or overflow (zero, inf, NaN, or outside [floor, ceiling]) are clipped to
    the axis and drawn as hollow red markers with a note, never left as a silent gap.
    Returns the Line2D of the curve.
    """
    lags = np.asarray(lags, dtype=float)
    norms = np.asarray(norms, dtype=float)
    bad = ~np.isfinite(norms) | (norms > ceiling) | (norms < floor)
    shown = np.clip(np.nan_to_num(norms, nan=ceiling, posinf=ceiling, neginf=floor), floor, ceiling)
    (line,) = ax.plot(lags, shown, label=label, **style)
    if bad.any():
        ax.plot(lags[bad], shown[bad], "o", mfc="none", mec="tab:red", ms=6,
                label=f"{int(bad.sum())} values out of float range (clipped)")
    ax.set_yscale("log")
    ax.set_xlabel("lag T − k (steps back in time)")
    return line
