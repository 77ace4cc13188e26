"""A figure with no controls: drawn once by the same draw(fig, ...) functions the explorables use."""
from matplotlib.figure import Figure

from .explorable import figure_png


def show(draw, figsize, *args, dpi=96, **kwargs):
    """Draw ``draw(fig, *args, **kwargs)`` on a fresh figure of ``figsize`` and display it as a PNG.

    Returns None, so that a cell ending with ``show(...)`` shows the figure exactly once.
    """
    from IPython.display import Image, display

    fig = Figure(figsize=figsize, layout="constrained")
    draw(fig, *args, **kwargs)
    display(Image(figure_png(fig, dpi=dpi)))
