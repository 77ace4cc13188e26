"""The figure of an explorable's live face: frames drawn ahead along the slider under the hand.

Asking the kernel for every frame costs a round trip through Jupyter's widget messages before
anything is drawn (about 50 ms in JupyterLab on the machine of issue 15), more than the 40 ms a
slider may take to show its new figure. So each slider has a strip: one ``Image`` per position,
the pages of an ipywidgets ``Tab`` (tab bar hidden), whose shown page follows the slider's
position in the browser (``jslink``). The browser keeps every page's view, so stepping onto a
frame of the strip costs no message and no new element: the browser only shows another image.

The figure area is itself such a ``Tab``: page 0 is the frame drawn on request ("now"), then one
page per slider's strip. The kernel fills the strip of the slider last moved (the hand) in a
worker thread, the slider's position first and then outwards; the area shows the strip once every
frame of it is drawn for the present setting of the other controls, and the frame on request
until then (and whenever another control moves: a new setting starts the strip again).

Without a kernel, or when ``prefetch`` is off (as in the book build), only the frame on request is
drawn, at once.

Measured in JupyterLab 4 in headless Chromium (benchmarks/bench_live_controls.py), key press to
frame painted: ~100 ms asking the kernel; ~50 ms with an ipywidgets ``Stack`` (it makes a new
view, so a new <img> and blob URL, at every switch); ~30 ms with a ``Tab``, which keeps its
pages' views. Changing a ``Tab``'s children makes the browser rebuild every page from the first
changed one on, so a strip's children never change: each page's ``Image`` gets a new value. The
frames have a fixed height so that turning pages never moves the notebook below.
"""
import threading
import time

#: hides a strip's tab bar and frame: the pages are frames, not tabs (a <style> in an HTML widget)
STRIP_CSS = """<style>
.bptt-strip > .widget-tab-bar, .bptt-strip > .lm-TabBar { display: none !important; }
.bptt-strip > .widget-tab-contents { border: none !important; padding: 0 !important; }
</style>"""


class FrameStrips:
    """The figure area of a live explorable; :attr:`view` is the widget to show.

    render(values) -> PNG bytes of the figure for ``values`` (every control named).
    setting: {name: value} the figure starts at. sliders: {name: (slider, positions)}, each slider
    an ipywidgets ``SelectionSlider`` over ``positions``; every control's change is passed to
    :meth:`changed`. layout: the ``Layout`` every frame shares.
    """

    def __init__(self, render, setting, sliders, layout, threaded=False, prefetch=False):
        import ipywidgets as w

        self._w, self.render = w, render
        self.setting = dict(setting)
        self.sliders = {k: s for k, (s, _) in sliders.items()}
        self.positions = {k: tuple(p) for k, (_, p) in sliders.items()}
        self.threaded, self.prefetch = threaded, prefetch and bool(sliders)
        self._cond = threading.Condition(threading.RLock())
        self.hand = next(iter(sliders), None)
        self.generation, self.drawn, self.error = 0, 0, None
        self._busy, self._thread = False, None
        self._here, self._last = self._index(), None   # the hand's position now, and before
        self.fresh = {self._here}    # positions drawn for this setting (prefetching: in the strip; else: in "now")
        first = render(self.setting)
        self.now = w.Image(value=first, format="png", layout=layout)
        # a strip per slider only when drawing ahead (the book build's saved widget state stays small)
        self.strips = {k: [w.Image(value=first if k == self.hand and i == self._here else b"",
                                   format="png", layout=layout) for i in range(len(p))]
                       for k, p in self.positions.items()} if self.prefetch else {}
        self.pages = {k: self._tab(imgs, self.sliders[k].index) for k, imgs in self.strips.items()}
        self.links = [w.jslink((self.sliders[k], "index"), (self.pages[k], "selected_index")) for k in self.pages]
        self.view = self._tab([self.now, *self.pages.values()], 0)
        self.style = w.HTML(STRIP_CSS, layout=w.Layout(display="none"))
        self._wake()

    def _tab(self, children, index):
        tab = self._w.Tab(children, selected_index=index)
        tab.add_class("bptt-strip")
        return tab

    # -- the reader's side ------------------------------------------------------------
    @property
    def showing_strip(self):
        """True when the browser switches the frames itself (the hand's strip is complete)."""
        return self.view.selected_index != 0

    @property
    def image(self):
        """The ``Image`` the reader sees now."""
        with self._cond:
            if not self.showing_strip:
                return self.now
            return self.strips[self.hand][self._index()]

    def changed(self, name, value):
        """Control ``name`` now reads ``value`` (called by the controls' observers)."""
        with self._cond:
            if name != self.hand and self.setting.get(name) == value:
                return
            self.setting[name] = value
            if name == self.hand:
                self._last, self._here = self._here, self._index()
                if self.prefetch and not self.showing_strip and self._here in self.fresh:
                    self.now.value = self.strips[name][self._here].value
            else:                                      # a new setting of the others: a new strip
                if self.showing_strip:                  # the frame on screen, until the new one is drawn
                    self.now.value = self.strips[self.hand][self._here].value
                    self.view.selected_index = 0
                if name in self.sliders:
                    self.hand = name
                    self._here, self._last = self._index(), None
                self.generation += 1
                self.fresh = set()
            self._cond.notify_all()
        self._wake()

    # -- drawing ------------------------------------------------------------------------
    def _index(self):
        return 0 if self.hand is None else self.sliders[self.hand].index

    def _next(self, ahead=True):
        """The position to draw next: the slider's own when the frame on request shows another,
        then (``ahead`` and prefetching) the nearest not drawn, the side the slider last moved to
        first; or None."""
        here = self._index()
        if here not in self.fresh and (not self.showing_strip or self.prefetch):
            return here
        if not (ahead and self.prefetch):
            return None
        n = len(self.positions[self.hand])
        side = 1 if self._last is None or here >= self._last else -1
        for d in range(1, n):
            for i in (here + side * d, here - side * d):
                if 0 <= i < n and i not in self.fresh:
                    return i
        return None

    def draw_one(self, ahead=True):
        """Draw the next frame (see :meth:`_next`); False when there is none to draw."""
        with self._cond:
            i = self._next(ahead)
            if i is None:
                return False
            generation, self._busy = self.generation, True
            values = self.setting if self.hand is None else {**self.setting, self.hand: self.positions[self.hand][i]}
        png = None
        try:
            png = self.render(dict(values))
        except Exception as exc:   # noqa: BLE001  (render shows errors on the figure; this is a last guard)
            self.error = exc
        with self._cond:
            self._busy = False
            if generation == self.generation:
                if png is not None and self.prefetch:
                    self.strips[self.hand][i].value = png
                if png is not None and i == self._index() and not self.showing_strip:
                    self.now.value = png
                self.fresh = self.fresh | {i} if self.prefetch else {i}
                self.drawn += png is not None
                if self.prefetch and len(self.fresh) == len(self.positions[self.hand]):
                    self.view.selected_index = 1 + list(self.pages).index(self.hand)
            self._cond.notify_all()
        return True

    def fill(self):
        """Draw every frame still to draw, here and now (for tests and scripts)."""
        while self.draw_one():
            pass

    # -- the worker ---------------------------------------------------------------------------
    def _wake(self):
        if not self.threaded:
            self.draw_one(ahead=False)               # the frame asked for, at once
            return
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="bptt-live-frames")
                self._thread.start()
            self._cond.notify_all()

    def _run(self):
        while True:
            with self._cond:
                while self._next() is None:
                    self._cond.wait()
            self.draw_one()

    def wait(self, timeout=10.0, all_frames=False):
        """Block until the frame where the slider is (every frame of the strip if ``all_frames``)
        is drawn; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            def done():
                return not self._busy and self._next() is None if all_frames else \
                    not self._busy and (self._index() in self.fresh)
            return self._cond.wait_for(done, max(0.0, deadline - time.monotonic()))
