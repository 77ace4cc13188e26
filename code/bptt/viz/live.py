"""The live face of an explorable: fine sliders, a quick redraw, frames switched in the browser.

In a Jupyter kernel a numeric control moves over its whole range (:class:`LiveRange`), not over
the static page's few frames: about :data:`POSITIONS` positions, every value of the static grid
among them. Two things keep the figure up with the hand:

* :class:`bptt.viz.live_canvas.LiveCanvas` renders text from bitmaps made once per string and
  font, and :func:`bptt.viz.live_canvas.encode_png` writes the PNG at the quickest zlib level;
* :class:`bptt.viz.live_strip.FrameStrips` draws, in a worker thread, the frames of every
  position of the slider under the hand (nearest first) and lets the browser switch between
  them with no message to the kernel.
"""
import math
from dataclasses import dataclass

import numpy as np

#: a range whose ends differ by at least this factor (both positive) gets logarithmic positions
LOG_RATIO = 20
#: about this many slider positions over a range (at most this many on its even step, plus the
#: values of the static grid that fall between them)
POSITIONS = 200


def _nice_step(span):
    """The smallest of 1, 2 or 5 times a power of ten that is at least span / POSITIONS."""
    k = 10.0 ** math.floor(math.log10(span / POSITIONS))
    return next(m * k for m in (1, 2, 5, 10) if m * k >= span / POSITIONS * (1 - 1e-9))


def _decimals(values, most=6):
    """The fewest decimals (at most ``most``) that print every value exactly."""
    return next((d for d in range(most + 1) if all(abs(round(v, d) - v) < 1e-12 for v in values)), most)


@dataclass(frozen=True)
class LiveRange:
    """Where a numeric control moves live: lo..hi, on :attr:`positions`."""

    lo: float
    hi: float
    integer: bool = False
    log: bool = False
    values: tuple = ()            # the static grid's values in the range: each is a position

    @property
    def step(self):
        """The even step of the positions (of log10 v when ``log``)."""
        if self.log:
            return (math.log10(self.hi) - math.log10(self.lo)) / POSITIONS
        step = _nice_step(self.hi - self.lo)
        return max(1, round(step)) if self.integer else step

    @property
    def positions(self):
        """The values a live slider stops at, ascending: lo, hi, an even step between them (evenly
        spaced in log v for a log range, 3 significant digits), and every value of the grid."""
        lo, hi, step = self.lo, self.hi, self.step
        if self.log:
            raw = 10.0 ** np.linspace(math.log10(lo), math.log10(hi), POSITIONS + 1)
            vals = {int(round(v)) if self.integer else float(f"{v:.3g}") for v in raw}
        elif self.integer:
            vals = set(range(lo, hi + 1, step))
        else:
            digits = max(0, -math.floor(math.log10(step) + 1e-9))
            vals = {round(lo + j * step, digits) for j in range(int(math.floor((hi - lo) / step + 1e-9)) + 1)}
        vals = {v for v in vals if lo <= v <= hi} | {lo, hi} | set(self.values)
        return tuple(sorted(vals))

    def labels(self):
        """How the slider prints each position: integers as they are, floats with the decimals the
        positions need (3 significant digits on a log range)."""
        pos = self.positions
        if self.integer:
            return tuple(str(int(v)) for v in pos)
        if self.log:
            return tuple(f"{v:.3g}" for v in pos)
        d = _decimals(pos)
        return tuple(f"{v:.{d}f}" for v in pos)

    def snap(self, v):
        """The position nearest to ``v`` (nearest in log v on a log range)."""
        pos = np.asarray(self.positions, dtype=float)
        v = min(max(float(v), self.lo), self.hi)
        dist = np.abs(np.log(pos) - math.log(v)) if self.log else np.abs(pos - v)
        return self.positions[int(np.argmin(dist))]

    def widget(self, value, description):
        """The ipywidgets slider over these positions, at the one nearest ``value``; its readout is
        the position's label, and the keyboard's arrows step one position."""
        import ipywidgets as w

        return w.SelectionSlider(options=list(zip(self.labels(), self.positions)), value=self.snap(value),
                                 description=description, continuous_update=True,
                                 style={"description_width": "initial"})


def live_range(values, live=None):
    """The live range of a numeric control over grid ``values``.

    live: None for the grid's own span (min..max), or (lo, hi). Integers stay integers; a positive
    range spanning a factor :data:`LOG_RATIO` or more, with more than :data:`POSITIONS` integers
    if integer, has logarithmic positions.
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


def in_kernel():
    """True inside a running IPython kernel (where slider events arrive while a frame is drawn)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
