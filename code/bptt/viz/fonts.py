"""Figures in Chinese: a font with CJK glyphs, set for every :func:`bptt.i18n.language` block.

Registered with :func:`bptt.i18n.on_language` when :mod:`bptt.viz` is imported; a kernel whose
language is Chinese (``BPTT_LANG=zh_CN``) gets the font for every figure.
"""
import contextlib

import matplotlib
from matplotlib import font_manager

from .. import i18n

#: fonts with Chinese glyphs, the first installed one used (Debian: fonts-noto-cjk)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC")


def cjk_font():
    """The first installed font of CJK_FONTS, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


def font_rc(lang):
    """matplotlib settings for ``lang``: for Chinese, a CJK font first, then DejaVu Sans for the
    glyphs it lacks (matplotlib's font fallback). The CJK font must come first: the words around
    inline maths (``"滞后 $k$"``) are set by mathtext in the first family alone."""
    if lang == i18n.ENGLISH:
        return {}
    font = cjk_font()
    if font is None:
        raise RuntimeError(f"no font with Chinese glyphs for figures in {lang}: install one of {', '.join(CJK_FONTS)} "
                           "(Debian: apt install fonts-noto-cjk), then remove matplotlib's font cache "
                           "(.venv/mplconfig) so that matplotlib finds it")
    return {"font.family": [font, "DejaVu Sans"]}


@contextlib.contextmanager
def fonts(lang):
    """The figures drawn inside the block use ``lang``'s font."""
    with matplotlib.rc_context(font_rc(lang)):
        yield


i18n.on_language(fonts)
if i18n.current() != i18n.ENGLISH:
    matplotlib.rcParams.update(font_rc(i18n.current()))
