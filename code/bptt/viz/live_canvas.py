"""A quick raster for the live face of an explorable: cached text and a quick PNG.

Text is most of a redraw's time (matplotlib lays out and rasterises every glyph on every draw),
and the same strings come back frame after frame (tick labels, legends, labels), so
:class:`LiveCanvas` rasterises each string once per font and reuses the bitmap, placed to the
nearest pixel. :func:`encode_png` writes the PNG unfiltered at zlib level 1: the static frames
are compressed hard instead, since a page holds a hundred of them.
"""
import math
import struct
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font


class _TextCacheRenderer(RendererAgg):
    """Agg, but each string is laid out and rasterised once per font, then reused (placed to the
    nearest pixel); a font's line heights are read from its tables once."""

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


class LiveCanvas(FigureCanvasAgg):
    """An Agg canvas drawing through :class:`_TextCacheRenderer` (used by the live face only)."""

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
    """The canvas's last drawing as PNG bytes (RGB): rows unfiltered, zlib level 1.

    About twice as quick as PIL at its quickest level (which still tries a filter per row), and
    no larger for a figure's flat colours.
    """
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    h, w, _ = rgb.shape
    rows = np.zeros((h, 3 * w + 1), np.uint8)               # each row: filter type 0, then its pixels
    rows[:, 1:] = rgb.reshape(h, 3 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)   # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + _chunk(b"IEND", b""))
