"""A quick raster for the live face of an explorable: cached text, a cached background, a quick PNG.

Text is most of a redraw's time (matplotlib lays out and rasterises every glyph on every draw),
and the same strings come back frame after frame (tick labels, legends, labels), so
:class:`LiveCanvas` rasterises each string once per font and reuses the bitmap, placed to the
nearest pixel. A drawing that names the few artists that change from frame to frame
(:func:`set_moving`) gets more: the rest of the figure (axes, ticks, labels, legends) is drawn
once into a background that later frames only copy, as long as the drawing's ``key`` for that
rest stays the same. :func:`encode_png` writes the PNG unfiltered at zlib level 1: the static
frames are compressed hard instead, since a page holds a hundred of them.
"""
import math
import struct
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font

#: strings kept rasterised per canvas (the oldest go first: a status line that changes with
#: every frame would otherwise grow the cache for as long as the slider moves)
TEXT_CACHE_SIZE = 512


class _TextCacheRenderer(RendererAgg):
    """Agg, but each string is laid out and rasterised once per font, then reused (placed to the
    nearest pixel; the newest :data:`TEXT_CACHE_SIZE` strings are kept); a font's line heights are
    read from its tables once."""

    def __init__(self, *args):
        super().__init__(*args)
        self._texts, self._heights = {}, {}

    def _text(self, s, prop, antialiased=True):
        """(bitmap, x offset, y offset, descent, width, height) of ``s``, offsets in pixels."""
        key = (s, hash(prop), antialiased)
        if key not in self._texts:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=get_hinting_flag())
            w, h = font.get_width_height()
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            xo, yo = font.get_bitmap_offset()
            d = font.get_descent() / 64
            if len(self._texts) >= TEXT_CACHE_SIZE:
                del self._texts[next(iter(self._texts))]
            self._texts[key] = (np.array(font.get_image()), xo / 64, yo / 64, d, w / 64, h / 64)
        return self._texts[key]

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        _, _, _, d, w, h = self._text(s, prop)
        return w, h, d

    def _get_font_height_metrics(self, prop):
        """(ascent, descent, line gap) in pixels, as matplotlib's Text reads them from the font."""
        key = hash(prop)
        if key not in self._heights:
            font = get_font(fontManager._find_fonts_by_props(prop))
            self._heights[key] = (None, None, None)
            for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                     ("hhea", "lineGap", "ascent", "descent")):
                table = font.get_sfnt_table(table_name)
                if table is not None:
                    scale = prop.get_size_in_points() * self.dpi / 72 / font.get_sfnt_table("head")["unitsPerEm"]
                    self._heights[key] = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                    break
        return self._heights[key]

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        image, xo, yo, d, _, _ = self._text(s, prop, gc.get_antialiased())
        x = round(x + xo + d * math.sin(math.radians(angle)))
        y = round(y + yo + d * math.cos(math.radians(angle)))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)


def set_moving(fig, artists, key):
    """Tell the live face that only ``artists`` change while ``key`` (hashable) stays the same.

    A drawing calls this after updating its figure, with ``key`` covering everything else it
    drew (axis limits, tick settings, legend entries, ...): the live canvas then copies the rest
    from a background drawn once per key and draws only ``artists`` over it. The static page's
    frames ignore it (they are drawn whole). The artists are drawn over the background in the
    order given, so they should not be meant to sit under other parts of the figure.
    """
    fig._bptt_moving = (key, tuple(artists))


def clear_moving(fig):
    """Forget :func:`set_moving` (before each new drawing: only the drawing itself may set it)."""
    fig._bptt_moving = None


class LiveCanvas(FigureCanvasAgg):
    """An Agg canvas drawing through :class:`_TextCacheRenderer` (used by the live face only)."""

    _background = None

    def draw_live(self):
        """Draw the figure: whole, or its moving artists over the cached background (see :func:`set_moving`)."""
        fig = self.figure
        moving = getattr(fig, "_bptt_moving", None)
        if moving is None:
            self._background = None
            return self.draw()
        key, artists = moving
        key = (key, self.get_width_height(physical=True), fig.dpi,
               tuple(t.get_text() for t in getattr(fig, "_bptt_notes", [])))
        if self._background is None or self._background[0] != key:
            for a in artists:
                a.set_animated(True)              # skipped by the whole-figure draw
            try:
                self.draw()
            finally:
                for a in artists:
                    a.set_animated(False)
            self._background = (key, self.copy_from_bbox(fig.bbox))
        else:
            self.restore_region(self._background[1])
        renderer = self.get_renderer()
        for a in artists:
            if a.get_visible():
                a.draw(renderer)

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _TextCacheRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(canvas):
    """The canvas's last drawing as PNG bytes (RGBA, as drawn): rows unfiltered, zlib level 1.

    About twice as quick as PIL at its quickest level (which still tries a filter per row), and
    no larger for a figure's flat colours; RGBA rather than RGB saves a strided copy of every
    pixel (the constant alpha costs the compressor next to nothing).
    """
    rgba = np.asarray(canvas.buffer_rgba())
    h, w, _ = rgba.shape
    rows = np.empty((h, 4 * w + 1), np.uint8)               # each row: filter type 0, then its pixels
    rows[:, 0] = 0
    rows[:, 1:] = rgba.reshape(h, 4 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)   # 8-bit RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 1))
            + _chunk(b"IEND", b""))
