"""A figure with no controls: drawn once by the same draw(fig, ...) functions the explorables use."""
import base64
import html
from dataclasses import dataclass

from matplotlib.figure import Figure

from ..i18n import EachLanguage, each_language, in_book_build, t
from .explorable import figure_png, plain_text
from .inspect import png_size


def describe(fig):
    """A plain-text description of ``fig`` from its titles and axis labels (the default alt text)."""
    parts = []
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        parts.append(plain_text(sup.get_text()))
    for ax in fig.axes:
        bits = [ax.get_title(loc) for loc in ("left", "center", "right") if ax.get_title(loc).strip()]
        axes = [f"{name}: {label}" for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if label.strip()]
        if axes:
            bits.append(f"({', '.join(axes)})")
        if bits:
            parts.append(plain_text(" ".join(bits)))
    return t("Figure: {parts}.").format(parts="; ".join(parts)) if parts else t("Figure.")


@dataclass(frozen=True)
class StaticFigure:
    """A rendered figure. In the book build: HTML, the PNG inline in a ``bptt-scroll`` box with alt
    text (a narrow screen scrolls it sideways at its natural size, see ``book/_static/bptt.css``);
    in Jupyter: the PNG itself."""

    png: bytes
    alt: str

    def html(self):
        width, height = png_size(self.png)
        src = base64.b64encode(self.png).decode("ascii")
        return (f'<div class="bptt-figure"><div class="bptt-scroll" tabindex="0">'
                f'<img class="bptt-static" width="{width}" height="{height}" alt="{html.escape(self.alt)}" '
                f'style="max-width:100%;height:auto" src="data:image/png;base64,{src}"></div></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"<{self.alt}>"}
        if in_book_build():
            bundle["text/html"] = self.html()
        else:
            bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        return bundle


def show(draw, figsize, *args, dpi=96, alt=None, **kwargs):
    """Draw ``draw(fig, *args, **kwargs)`` on a fresh figure of ``figsize`` and display it once.

    ``alt``: what the figure shows, for readers who cannot see it (English, translated by
    :func:`bptt.i18n.t`; default: built from the figure's titles and axis labels). In the book
    build the figure is drawn once per edition's language. Returns None, so that a cell ending
    with ``show(...)`` shows the figure exactly once.
    """
    from IPython.display import display

    def make():
        fig = Figure(figsize=figsize, layout="constrained")
        draw(fig, *args, **kwargs)
        return StaticFigure(figure_png(fig, dpi=dpi), describe(fig) if alt is None else t(alt))

    display(EachLanguage(each_language(make, parallel=True)))
