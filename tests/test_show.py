"""bptt.viz.show: one static figure, displayed once as a PNG, from the same draw functions as the explorables."""
import numpy as np

from bptt.viz import show


def test_show_displays_one_png_and_returns_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))

    def draw(fig, slope):
        fig.add_subplot().plot(np.arange(3), slope * np.arange(3))

    assert show(draw, (3, 2), 2.0) is None, "a cell ending in show(...) must not display the figure a second time"
    assert len(shown) == 1
    png = shown[0].data
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
