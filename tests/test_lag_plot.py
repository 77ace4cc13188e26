"""The shared lag plot never hides a value: overflow and zeros are clipped to the axis and named."""
import numpy as np
from matplotlib.figure import Figure

from bptt.viz import nonfinite_count, plot_lag_norms


def test_overflow_and_zeros_are_drawn_and_named():
    ax = Figure().add_subplot()
    norms = np.array([1.0, 1e-3, 0.0, np.inf, np.nan, 1e-270])
    line = plot_lag_norms(ax, np.arange(6), norms, label="g")
    assert nonfinite_count(ax.figure) == 0, "every point is drawn at a finite height"
    labels = [ln.get_label() for ln in ax.lines]
    assert "2 values > 1e+250 or not finite (drawn at the top)" in labels      # inf and NaN
    assert "2 values < 1e-250 or zero (drawn at the bottom)" in labels        # 0 and an underflow
    # each marker sits exactly at the threshold its legend entry names
    marks = {ln.get_label(): ln.get_ydata() for ln in ax.lines}
    np.testing.assert_array_equal(marks["2 values > 1e+250 or not finite (drawn at the top)"], [1e250, 1e250])
    np.testing.assert_array_equal(marks["2 values < 1e-250 or zero (drawn at the bottom)"], [1e-250, 1e-250])
    np.testing.assert_array_equal(line.get_ydata()[:2], [1.0, 1e-3]), "ordinary values are untouched"
    assert ax.get_yscale() == "log"


def test_ordinary_values_add_no_markers():
    ax = Figure().add_subplot()
    plot_lag_norms(ax, [0, 1, 2], [1.0, 0.5, 0.25], label="g")
    assert [ln.get_label() for ln in ax.lines] == ["g"]


def test_log_ticks_are_plain_text_decades_even_across_all_of_float_range():
    from bptt.viz import log_ticks

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_yscale("log")
    ax.set_ylim(1e-250, 1e250)                   # an overflow frame: the locator must not warn
    log_ticks(ax.yaxis, numticks=5)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(lab.startswith("10") and "$" not in lab for lab in labels)
    assert "10⁰" in [ax.yaxis.get_major_formatter()(1.0, 0)]
