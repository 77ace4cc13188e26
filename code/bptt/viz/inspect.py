"""What a reader will see of a figure, measured while it is drawn.

Every PNG the book shows (``show`` and every explorable frame) is rendered by
:func:`bptt.viz.explorable.figure_png`, which records these measurements and writes them into
the PNG as tEXt chunks (:data:`PNG_KEYS`), so a browser test can read them from the page's
images and compare them with the width the image is displayed at:

* ``bptt:min_font_px``: the smallest font of any text drawn, in image pixels
  (points x dpi / 72), as a decimal ("9.333"); "inf" when nothing is written;
* ``bptt:min_font_text``: that text (at most 60 characters);
* ``bptt:width_px`` / ``bptt:height_px``: the PNG's size in pixels; ``bptt:dpi``;
* ``bptt:overlaps``: a JSON list, one string per overlapping pair of boxes, e.g.
  ``"legend 'tanh, relu' / legend 'bound'"``. Boxes are legends, texts drawn with a bbox patch,
  and figure-level texts (``fig.text``, ``fig.suptitle``); tick labels are not boxes.

Only what is actually drawn counts: the measurement hooks ``Text.draw`` and ``Legend.draw``
for the duration of one ``savefig``, so tick labels outside the view, invisible and empty
texts are left out, and extents are those of the rendered picture.
"""
import contextlib
import io
import json
import struct
import zlib

from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

PNG_KEYS = ("bptt:min_font_px", "bptt:min_font_text", "bptt:width_px", "bptt:height_px", "bptt:dpi",
            "bptt:overlaps")
MIN_OVERLAP_PX = 0.5      # boxes that merely touch (rounding) do not overlap


def _root(artist):
    try:
        return artist.get_figure(root=True)
    except TypeError:                      # matplotlib < 3.10
        fig = artist.figure
        return getattr(fig, "figure", fig) if fig is not None else None


@contextlib.contextmanager
def recording(fig):
    """Within this block, every text and legend ``fig`` draws is appended to the yielded list.

    Entries: ``("text", artist, fontsize_pt, extent, inside_legend)`` and
    ``("legend", artist, None, extent, False)``; extents in the pixels of that drawing.
    """
    drawn = []
    depth = [0]
    text_draw, legend_draw = Text.draw, Legend.draw

    def draw_text(self, renderer, *args, **kwargs):
        result = text_draw(self, renderer, *args, **kwargs)
        if _root(self) is fig and self.get_visible() and self.get_text().strip():
            extent = self.get_window_extent(renderer)
            patch = self.get_bbox_patch()
            if patch is not None:
                extent = Bbox.union([extent, patch.get_window_extent(renderer)])
            drawn.append(("text", self, self.get_fontsize(), extent, depth[0] > 0))
        return result

    def draw_legend(self, renderer, *args, **kwargs):
        depth[0] += 1
        try:
            result = legend_draw(self, renderer, *args, **kwargs)
        finally:
            depth[0] -= 1
        if _root(self) is fig and self.get_visible():
            drawn.append(("legend", self, None, self.get_window_extent(renderer), False))
        return result

    Text.draw, Legend.draw = draw_text, draw_legend
    try:
        yield drawn
    finally:
        Text.draw, Legend.draw = text_draw, legend_draw


def _inside(extent, width, height):
    return extent.x1 > 0 and extent.y1 > 0 and extent.x0 < width and extent.y0 < height


def _describe(kind, artist):
    if kind == "legend":
        title = artist.get_title().get_text()
        labels = ", ".join(t.get_text() for t in artist.get_texts())
        what = f"{title}: {labels}" if title and labels else title or labels
        return f"legend {what[:40]!r}"
    return f"text {artist.get_text()[:40]!r}"


def png_size(png):
    """(width, height) in pixels from a PNG's header."""
    return struct.unpack(">II", png[16:24])


def summarize(fig, drawn, dpi, png):
    """The measurements (a dict) from what :func:`recording` saw while ``fig`` was drawn at ``dpi`` into ``png``.

    ``savefig`` may draw an artist more than once (layout passes first): its last drawing counts.
    """
    width, height = png_size(png)
    drawn = list({id(entry[1]): entry for entry in drawn}.values())
    texts = [(size, a) for kind, a, size, ext, _ in drawn if kind == "text" and _inside(ext, width, height)]
    smallest = min(texts, key=lambda st: st[0], default=None)
    boxes = []
    for kind, a, _, ext, in_legend in drawn:
        if kind == "legend":
            boxes.append((kind, a, ext))
        elif not in_legend and (a.get_bbox_patch() is not None or a in fig.texts
                                or a is getattr(fig, "_suptitle", None)):
            boxes.append((kind, a, ext))
    overlaps = []
    for i, (k1, a1, e1) in enumerate(boxes):
        for k2, a2, e2 in boxes[i + 1:]:
            w = min(e1.x1, e2.x1) - max(e1.x0, e2.x0)
            h = min(e1.y1, e2.y1) - max(e1.y0, e2.y0)
            if w > MIN_OVERLAP_PX and h > MIN_OVERLAP_PX:
                overlaps.append(f"{_describe(k1, a1)} / {_describe(k2, a2)}")
    return {
        "min_font_px": None if smallest is None else smallest[0] * dpi / 72,
        "min_font_text": "" if smallest is None else smallest[1].get_text()[:60],
        "width_px": width,
        "height_px": height,
        "dpi": dpi,
        "overlaps": overlaps,
    }


def measure(fig, dpi=None):
    """Draw ``fig`` once at ``dpi`` (the figure's own by default) and return :func:`summarize`'s dict."""
    dpi = fig.dpi if dpi is None else dpi
    buf = io.BytesIO()
    with recording(fig) as drawn:
        fig.savefig(buf, format="png", dpi=dpi)
    return summarize(fig, drawn, dpi, buf.getvalue())


def min_text_px(fig, dpi):
    """The smallest font, in image pixels at ``dpi``, of any text ``fig`` draws (None if it draws none)."""
    return measure(fig, dpi)["min_font_px"]


def overlapping_boxes(fig):
    """One description per pair of legends / text boxes / figure texts that overlap when ``fig`` is drawn."""
    return measure(fig)["overlaps"]


def png_text(info):
    """The tEXt values (str) for a measurement dict: see the module docstring for keys and formats."""
    px = info["min_font_px"]
    return {
        "bptt:min_font_px": "inf" if px is None else f"{px:.3f}",
        "bptt:min_font_text": info["min_font_text"],
        "bptt:width_px": str(info["width_px"]),
        "bptt:height_px": str(info["height_px"]),
        "bptt:dpi": str(info["dpi"]),
        "bptt:overlaps": json.dumps(info["overlaps"]),
    }


def _latin1(s):
    return s.encode("latin-1", errors="backslashreplace")


def add_png_text(png, values):
    """``png`` (bytes) with one tEXt chunk per ``{key: value}`` inserted before IEND.

    tEXt is Latin-1: other characters are written as Python escapes (\\u03c1 for ρ).
    """
    iend = png.rindex(b"IEND") - 4
    chunks = []
    for key, value in values.items():
        data = _latin1(key) + b"\0" + _latin1(value)
        chunks.append(struct.pack(">I", len(data)) + b"tEXt" + data
                      + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF))
    return png[:iend] + b"".join(chunks) + png[iend:]
