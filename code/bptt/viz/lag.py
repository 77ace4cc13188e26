"""The book's recurring picture: how much gradient reaches each step back in time."""
import numpy as np


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
