"""The live face of an explorable: continuous controls, a quick redraw, only the newest setting drawn.

In a Jupyter kernel a numeric control moves over its whole range (:class:`LiveRange`), not over
the static page's few frames. Two things keep the figure up with the hand:

* :class:`bptt.viz.live_canvas.LiveCanvas` renders text from bitmaps made once per string and
  font, and :func:`bptt.viz.live_canvas.encode_png` writes the PNG at the quickest zlib level;
* :class:`Latest` draws in a worker thread and, when slider events arrive faster than frames,
  draws only the newest setting and drops the ones it has overtaken.
"""
import math
import threading
from dataclasses import dataclass

import numpy as np

#: a range whose ends differ by at least this factor (both positive) gets a logarithmic slider
LOG_RATIO = 20
#: at least this many slider positions over a float range (a "nice" step: 1, 2 or 5 times 10^k,
#: finer when a value of the static grid would otherwise fall between two positions)
POSITIONS = 200


def _nice_steps(span):
    """1, 2 or 5 times a power of ten, at most span / POSITIONS, then ever finer."""
    k = 10.0 ** math.floor(math.log10(span / POSITIONS))
    m = next(m for m in (5, 2, 1) if m * k <= span / POSITIONS)
    while True:
        yield m * k
        m, k = (2, k) if m == 5 else (1, k) if m == 2 else (5, k / 10)


def _step(lo, hi, values):
    """The coarsest nice step of about :data:`POSITIONS` positions on which every grid value lies."""
    for step in _nice_steps(hi - lo):
        if all(abs((v - lo) / step - round((v - lo) / step)) < 1e-6 for v in values) or step < (hi - lo) * 1e-6:
            return step


@dataclass(frozen=True)
class LiveRange:
    """Where a numeric control moves live: lo..hi in steps of ``step`` (of log10 v if ``log``)."""

    lo: float
    hi: float
    integer: bool = False
    log: bool = False
    values: tuple = ()            # the static grid: a linear float step puts every one of them on the slider

    @property
    def step(self):
        if self.log:
            return (math.log10(self.hi) - math.log10(self.lo)) / POSITIONS
        return 1 if self.integer else _step(self.lo, self.hi, self.values)

    def snap(self, v):
        """The value the drawing receives for a slider at ``v``: in range, rounded to the step."""
        v = min(max(float(v), self.lo), self.hi)
        if self.integer:
            return int(round(v))
        if self.log:
            return float(f"{v:.3g}")
        digits = max(0, -math.floor(math.log10(self.step)))
        return round(self.lo + round((v - self.lo) / self.step) * self.step, digits)

    def widget(self, value, description):
        """The ipywidgets slider over this range, starting at ``value``."""
        import ipywidgets as w

        common = dict(value=value, description=description, continuous_update=True,
                      style={"description_width": "initial"})
        if self.log:
            fmt = ".0f" if self.integer else ".3g"
            return w.FloatLogSlider(base=10, min=math.log10(self.lo), max=math.log10(self.hi),
                                    step=self.step, readout_format=fmt, **common)
        if self.integer:
            return w.IntSlider(min=int(self.lo), max=int(self.hi), step=1, **common)
        digits = max(0, -math.floor(math.log10(self.step)))
        return w.FloatSlider(min=self.lo, max=self.hi, step=self.step,
                             readout_format=f".{digits}f", **common)


def live_range(values, live=None):
    """The live range of a numeric control over grid ``values``.

    live: None for the grid's own span (min..max), or (lo, hi). Integers stay integers (a slider
    step of 1 while the range has at most :data:`POSITIONS` of them); a positive range spanning
    a factor :data:`LOG_RATIO` or more otherwise moves logarithmically.
    """
    if live is None:
        lo, hi = min(values), max(values)
    else:
        try:
            lo, hi = live
            lo, hi = float(lo), float(hi)
        except (TypeError, ValueError):
            raise ValueError(f"live must be None, 'grid' or a pair (lo, hi) of numbers, got {live!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"live = (lo, hi) must be finite with lo < hi, got {live!r}")
    integer = all(isinstance(v, (int, np.integer)) for v in values)
    if integer and live is not None and not (float(lo).is_integer() and float(hi).is_integer()):
        raise ValueError(f"live range {live!r} of an integer control must have integer ends")
    log = lo > 0 and hi / lo >= LOG_RATIO and not (integer and hi - lo <= POSITIONS)
    return LiveRange(int(lo) if integer else float(lo), int(hi) if integer else float(hi), integer, log,
                     tuple(v for v in values if lo <= v <= hi))


class Latest:
    """Runs ``work(request)`` for the newest request only: requests made while it is busy replace
    each other, so a burst of slider events costs one drawing, of where the slider is now.

    threaded: work runs in a daemon thread (in a kernel, so that the kernel keeps reading slider
    events while a frame is drawn); otherwise :meth:`submit` runs it at once.
    """

    def __init__(self, work, threaded):
        self.work, self.threaded = work, threaded
        self._cond = threading.Condition()
        self._pending, self._busy, self._thread = None, False, None
        self.done = self.dropped = 0
        self.error = None

    def submit(self, request):
        if not self.threaded:
            self.work(request)
            self.done += 1
            return
        with self._cond:
            if self._pending is not None:
                self.dropped += 1
            self._pending = (request,)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="bptt-live-figure")
                self._thread.start()
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while self._pending is None:
                    self._cond.wait()
                (request,), self._pending, self._busy = self._pending, None, True
            try:
                self.work(request)
            except Exception as exc:  # the worker must outlive a failed frame; the figure shows errors
                self.error = exc
            finally:
                with self._cond:
                    self._busy = False
                    self.done += 1
                    self._cond.notify_all()

    def wait(self, timeout=10.0):
        """Block until every request made so far is drawn (or dropped); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)


def in_kernel():
    """True inside a running IPython kernel (where slider events arrive while a frame is drawn)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
