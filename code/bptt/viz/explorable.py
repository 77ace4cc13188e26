"""One mechanism for every explorable figure in the book.

A chapter writes a drawing function ``draw(fig, **values)`` and names each control's grid of
values; :func:`explorable` turns the pair into an object with two faces:

* in a live Jupyter kernel, ipywidgets controls that call ``draw`` again and show the new figure;
* in the built HTML book, the same controls over frames rendered at build time, switched by a
  few lines of inline JavaScript: no kernel, no network, no file outside the page.

In a kernel a numeric control is a slider over its whole range (its grid's span unless the
control says otherwise, see :func:`control`) in about 200 positions, so ``draw`` must accept any
value in that range; :mod:`bptt.viz.live` and :mod:`bptt.viz.live_strip` make that face quick. The static face is rendered only when
the notebook is executed by the book build (the build sets ``BPTT_BOOK_BUILD=1``, see
``book/_ext/bptt_build.py``) or when asked for explicitly, so a reader in Jupyter does not wait
for frames they will never see.

``draw`` receives the same figure on every call. It must leave the figure showing exactly the
given values: usually it starts with ``fig.clear()``; a figure that must redraw fast may instead
update the artists it made on the first call.
"""
import base64
import html
import io
import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure

from ..i18n import each_language, in_book_build, marked, t
from .inspect import add_png_text, png_size, png_text, recording, summarize
from .live import in_kernel, live_range
from .live_canvas import LiveCanvas, clear_moving, encode_png

MAX_FRAMES = 400


@dataclass(frozen=True)
class Control:
    """The grid of values one control steps through, its label, how to print a value, and where
    it moves live (``live``: None for the grid's span, "grid" for the grid alone, or (lo, hi))."""

    values: tuple
    label: str = ""
    fmt: str = "{}"
    live: object = None

    @property
    def numeric(self):
        return all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in self.values)

    def text(self, v):
        return self.fmt.format(v)

    @property
    def live_range(self):
        """The :class:`bptt.viz.live.LiveRange` a kernel's slider moves over, or None (grid only)."""
        if not self.numeric or self.live == "grid" or (self.live is None and len(set(self.values)) < 2):
            return None
        return live_range(self.values, self.live)


def control(values, label="", fmt=None, live=None):
    """A control over ``values`` (numbers give a slider, strings a menu).

    ``values`` are the static page's frames. Live, in a kernel, a numeric control moves over
    ``live``: None (the default) for every value from min(values) to max(values), a pair
    (lo, hi) for another range, or "grid" when ``draw`` accepts only the grid's values.
    """
    values = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
    if not values:
        raise ValueError(f"control {label!r}: values must not be empty")
    if fmt is None:
        fmt = "{:.3g}" if all(isinstance(v, float) for v in values) else "{}"
    c = Control(values, label, fmt, live if live is None or live == "grid" else tuple(live))
    if live is not None and live != "grid":
        if not c.numeric:
            raise ValueError(f"control {label!r}: live = {live!r} needs numeric values, got {list(values)}")
        c.live_range  # noqa: B018  (validates the pair)
    return c


def plain_text(text):
    """``text`` with inline maths made readable as plain text (for alt texts and aria labels).

    Drops the \\( \\) and matplotlib's $ delimiters and the backslash of TeX commands
    (``\\rho`` reads "rho").
    """
    text = re.sub(r"\\[()]|(?<!\\)\$", "", text)
    text = re.sub(r"\\[,;:!]", " ", text).replace(r"\|", "‖").replace(r"\$", "$")
    text = re.sub(r"\\([A-Za-z]+)\s*", r" \1 ", text)
    return re.sub(r"\s+", " ", text).replace("( ", "(").replace(" )", ")").strip()


def figure_png(fig, dpi, compact=False):
    """Render ``fig`` to PNG bytes; ``compact`` reduces it to a 256-colour palette (about 3x smaller).

    The static page embeds every frame, so its frames are compact; the live widget sends one
    frame at a time and keeps the quicker full-colour PNG. Either way the PNG carries, as tEXt
    chunks, what the drawing measured: smallest font in pixels, size, overlapping boxes (see
    :mod:`bptt.viz.inspect`).
    """
    if isinstance(fig.canvas, LiveCanvas):      # the static frames keep matplotlib's own renderer
        FigureCanvasBase(fig)
    buf = io.BytesIO()
    with recording(fig) as drawn:
        fig.savefig(buf, format="png", dpi=dpi)
    png = buf.getvalue()
    text = png_text(summarize(fig, drawn, dpi, png))
    if compact:
        from PIL import Image

        img = Image.open(buf).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                       dither=Image.Dither.NONE)
        out = io.BytesIO()
        img.save(out, format="png", optimize=True)
        png = out.getvalue()
    return add_png_text(png, text)


def nonfinite_count(fig):
    """How many plotted numbers in ``fig`` are NaN or infinite (lines, images, collections)."""
    count = 0
    for ax in fig.axes:
        for line in ax.get_lines():
            count += int(np.sum(~np.isfinite(np.asarray(line.get_ydata(), dtype=float))))
        for im in ax.get_images():
            count += int(np.sum(~np.isfinite(np.ma.filled(np.ma.asarray(im.get_array(), dtype=float), 0.0))))
        for coll in ax.collections:
            offsets = np.ma.filled(np.ma.asarray(coll.get_offsets(), dtype=float), 0.0)
            count += int(np.sum(~np.isfinite(offsets)))
    return count


def _note(fig, message, color):
    note = fig.text(0.5, 0.01, message, ha="center", va="bottom", color=color, fontsize=9,
                    bbox={"facecolor": "white", "edgecolor": color, "alpha": 0.9})
    fig._bptt_notes = [*getattr(fig, "_bptt_notes", []), note]


@dataclass
class Explorable:
    """A figure with controls; see :func:`explorable`."""

    draw: callable
    controls: dict
    default: dict
    figsize: tuple = (7.0, 3.5)
    dpi: int = 96
    caption: str = ""
    _fig: Figure = field(default=None, repr=False)
    _lock: object = field(default_factory=threading.RLock, repr=False)

    # -- rendering ----------------------------------------------------------------
    def figure(self):
        """The one figure ``draw`` paints on (not attached to pyplot, so never shown twice)."""
        if self._fig is None:
            self._fig = Figure(figsize=self.figsize, layout="constrained")
        return self._fig

    def render(self, strict=True, compact=False, **values):
        """Draw the figure for ``values`` (defaults for the rest) and return PNG bytes (see figure_png).

        Non-finite plotted values are flagged on the figure. With ``strict=False`` an error in
        ``draw`` is shown on the figure instead of raised (the live widget must never die).
        """
        with self._lock:
            self._draw(strict, values)
            return figure_png(self.figure(), self.dpi, compact)

    def render_live(self, **values):
        """What the live widget shows for ``values``: drawn as :meth:`render` does with
        ``strict=False``, rasterised by :class:`bptt.viz.live_canvas.LiveCanvas` (only the
        moving artists, when the drawing names them), PNG at zlib level 1."""
        with self._lock:
            self._draw(False, values)
            fig = self.figure()
            if not isinstance(fig.canvas, LiveCanvas):
                canvas = getattr(self, "_live_canvas", None) or LiveCanvas(fig)
                fig.set_canvas(canvas)
                self._live_canvas = canvas
            dpi, fig.dpi = fig.dpi, self.dpi          # as savefig does: the draw itself sees the figure's dpi
            try:
                fig.canvas.draw_live()
            finally:
                fig.dpi = dpi
            return encode_png(fig.canvas)

    def _draw(self, strict, values):
        vals = {**self.default, **values}
        fig = self.figure()
        for note in getattr(fig, "_bptt_notes", []):     # a draw that only updates its artists keeps texts
            try:
                note.remove()
            except (ValueError, NotImplementedError):     # already gone with fig.clear()
                pass
        fig._bptt_notes = []
        clear_moving(fig)
        try:
            self.draw(fig, **vals)
            bad = nonfinite_count(fig)
            if bad:
                _note(fig, t("{bad} plotted values are not finite (overflow) and are not drawn").format(bad=bad),
                      "tab:red")
        except Exception as exc:
            if strict:
                raise
            clear_moving(fig)
            fig.clear()
            _note(fig, t("cannot draw this setting: {error}").format(error=f"{type(exc).__name__}: {exc}"), "tab:red")

    def grid(self):
        """Every combination of control values, in row-major order (the last control fastest)."""
        return list(itertools.product(*(c.values for c in self.controls.values())))

    # -- the static face ------------------------------------------------------------
    def static_html(self):
        """Self-contained HTML: the controls, every frame as inline PNG, and a little JavaScript.

        In the book build, made once per edition's language (:func:`bptt.i18n.each_language`),
        each on a fresh figure: the build keeps each edition's own.

        Accessible: each control's aria-label is its label (a slider also says its value in
        aria-valuetext), the image's alt text is the caption plus the current setting and follows
        the controls, and a slider's <output> is a polite live region. The caption is typeset by
        MathJax (inline maths written \\( ... \\)). The image sits in a ``bptt-scroll`` box: on a
        narrow screen ``book/_static/bptt.css`` keeps it at its natural width, scrolled sideways.
        """
        return marked(each_language(self._static_html, parallel=True))

    def _static_html(self):
        self._fig = None                             # a fresh figure: a drawing may keep its texts
        names = list(self.controls)
        frames = [self.render(compact=True, **dict(zip(names, combo))) for combo in self.grid()]
        width, height = png_size(frames[0])
        frames = [base64.b64encode(f).decode("ascii") for f in frames]
        uid = "bx-" + uuid.uuid4().hex[:10]
        start = [self.controls[k].values.index(self.default[k]) for k in names]
        flat = int(np.ravel_multi_index(start, [len(c.values) for c in self.controls.values()]))
        rows, setting = [], []
        for k, i0 in zip(names, start):
            c = self.controls[k]
            words = t(c.label) if c.label else k
            label = html.escape(words)
            name = html.escape(plain_text(words))
            now = html.escape(c.text(c.values[i0]))
            setting.append(f"{plain_text(words)} = {c.text(c.values[i0])}")
            if c.numeric:
                texts = json.dumps([c.text(v) for v in c.values])
                rows.append(
                    f'<label>{label} <input type="range" min="0" max="{len(c.values) - 1}" step="1" '
                    f'value="{i0}" aria-label="{name}" aria-valuetext="{now}" '
                    f"data-texts='{html.escape(texts)}'> "
                    f'<output aria-live="polite">{now}</output></label>')
            else:
                opts = "".join(f'<option value="{j}"{" selected" if j == i0 else ""}>{html.escape(c.text(v))}</option>'
                               for j, v in enumerate(c.values))
                rows.append(f'<label>{label} <select aria-label="{name}">{opts}</select></label>')
        sizes = [len(c.values) for c in self.controls.values()]
        caption = (f'<div class="bptt-caption mathjax_process">{html.escape(t(self.caption))}</div>'
                   if self.caption else "")
        alt = plain_text(t(self.caption)) if self.caption else t("Explorable figure.")
        now_is = t("Setting: {setting}.")
        alt_now = f"{alt} {now_is.format(setting=', '.join(setting))}"
        return f"""<div class="bptt-explorable" id="{uid}" style="margin:0.5em 0 1em 0">
<div class="bptt-scroll" tabindex="0"><img class="bptt-frame" width="{width}" height="{height}"
 alt="{html.escape(alt_now)}" data-alt="{html.escape(alt)}" data-now="{html.escape(now_is)}" style="max-width:100%;height:auto"
 src="data:image/png;base64,{frames[flat]}"></div>
<div class="bptt-controls" style="display:flex;flex-wrap:wrap;gap:0.4em 1.5em;font-size:0.9em">{''.join(rows)}</div>
{caption}<script type="application/json" class="bptt-frames">{json.dumps(frames)}</script>
<script>(function(){{
var root=document.getElementById("{uid}"), sizes={json.dumps(sizes)};
var frames=JSON.parse(root.querySelector(".bptt-frames").textContent);
var img=root.querySelector(".bptt-frame");
var inputs=root.querySelectorAll(".bptt-controls input, .bptt-controls select");
function update(){{var k=0, now=[];inputs.forEach(function(el,i){{var v=parseInt(el.value,10);k=k*sizes[i]+v;
 var t=el.dataset.texts?JSON.parse(el.dataset.texts)[v]:el.options[el.selectedIndex].text;
 if(el.dataset.texts){{el.nextElementSibling.textContent=t;el.setAttribute("aria-valuetext",t);}}
 now.push(el.getAttribute("aria-label")+" = "+t);}});
 img.src="data:image/png;base64,"+frames[k];
 img.alt=img.dataset.alt+" "+img.dataset.now.replace("{{setting}}",now.join(", "));}}
inputs.forEach(function(el){{el.addEventListener("input",update);el.addEventListener("change",update);}});
}})();</script></div>"""

    # -- the live face ----------------------------------------------------------------
    def widget(self, threaded=None, prefetch=None):
        """ipywidgets controls (each described by its label) over the figure, which follows them.

        A numeric control with a live range is a slider over its fine positions
        (:attr:`bptt.viz.live.LiveRange.positions`), a numeric control without one a slider over
        its grid, any other control a menu. The figure is a
        :class:`bptt.viz.live_strip.FrameStrips` (the box's ``frames`` attribute): inside a kernel
        (``threaded``, the default there) frames are drawn in a worker thread, and ``prefetch``
        (the default in a kernel, except in the book build, which shows the static face) draws
        a frame for every position of the slider under the hand, which the browser then switches
        by itself.
        """
        import ipywidgets as w

        from .live_strip import FrameStrips

        inputs, sliders = {}, {}
        for name, c in self.controls.items():
            label, rng = t(c.label) if c.label else name, c.live_range
            if rng is not None:
                el = rng.widget(self.default[name], label)
                sliders[name] = (el, rng.positions)
            else:
                common = dict(options=[(c.text(v), v) for v in c.values], value=self.default[name],
                              description=label, style={"description_width": "initial"})
                el = w.SelectionSlider(continuous_update=True, **common) if c.numeric else w.Dropdown(**common)
                if c.numeric:
                    sliders[name] = (el, c.values)
            inputs[name] = el
        threaded = in_kernel() if threaded is None else threaded
        prefetch = threaded and not in_book_build() if prefetch is None else prefetch
        # natural size (a flex box would stretch it, blurred), and a fixed height: the page stays
        # still when the figure area turns from the frame on request to a strip (a narrow screen
        # letterboxes the frame)
        width, height = round(self.figsize[0] * self.dpi), round(self.figsize[1] * self.dpi)
        layout = w.Layout(width=f"{width}px", max_width="100%", height=f"{height}px", object_fit="contain")
        frames = FrameStrips(lambda values: self.render_live(**values), {k: el.value for k, el in inputs.items()},
                             sliders, layout, threaded=threaded, prefetch=prefetch)
        for name, el in inputs.items():
            el.observe(lambda change, name=name: frames.changed(name, change["new"]), names="value")
        children = [w.HBox(list(inputs.values()), layout=w.Layout(flex_flow="row wrap")), frames.view, frames.style]
        if self.caption:
            children.append(w.HTMLMath(f"<em>{html.escape(t(self.caption))}</em>"))
        box = w.VBox(children)
        box.frames = frames
        return box

    def _repr_mimebundle_(self, include=None, exclude=None):
        names = ", ".join(t(c.label) if c.label else k for k, c in self.controls.items())
        bundle = {"text/plain": "<" + t("explorable figure with controls: {names}").format(names=names) + ">"}
        if in_book_build():
            bundle["text/html"] = self.static_html()
        else:
            bundle["image/png"] = base64.b64encode(self.render(strict=False)).decode("ascii")
        try:
            bundle.update(self.widget()._repr_mimebundle_())
        except ImportError:  # no ipywidgets: the picture alone
            pass
        return bundle


def explorable(draw, controls, default=None, figsize=(7.0, 3.5), dpi=96, caption=""):
    """Make an explorable figure from ``draw(fig, **values)`` and the controls' value grids.

    controls: {name: values or :func:`control`}; a plain sequence of numbers gives a slider, of
    strings a menu. default: {name: value} for the starting position (each control's first
    value otherwise; a default must be one of the grid's values). The static page holds one
    frame per combination of values, at most ``MAX_FRAMES``.
    """
    if not callable(draw):
        raise TypeError(f"draw must be a function draw(fig, **values), got {type(draw).__name__}")
    if not isinstance(controls, dict) or not controls:
        raise ValueError("controls must be a non-empty dict {name: values}")
    ctrls = {k: c if isinstance(c, Control) else control(c, label=k) for k, c in controls.items()}
    n_frames = int(np.prod([len(c.values) for c in ctrls.values()]))
    if n_frames > MAX_FRAMES:
        raise ValueError(f"controls give {n_frames} combinations; the static page holds at most {MAX_FRAMES} frames: "
                         "use coarser grids")
    default = dict(default or {})
    unknown = sorted(set(default) - set(ctrls))
    if unknown:
        raise ValueError(f"default names controls that do not exist: {unknown}; controls are {sorted(ctrls)}")
    for k, c in ctrls.items():
        default.setdefault(k, c.values[0])
        if default[k] not in c.values:
            raise ValueError(f"default[{k!r}] = {default[k]!r} is not one of the control's values {list(c.values)}")
    return Explorable(draw, ctrls, default, tuple(figsize), dpi, caption)

