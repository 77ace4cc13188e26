"""Presentation: explorable figures and the plots the chapters share. Imports the numerical modules, never the reverse."""
from . import fonts  # noqa: F401  (figures in Chinese get a CJK font)
from .explorable import Control, Explorable, control, explorable, in_book_build, nonfinite_count, plain_text
from .figure import StaticFigure, describe, show
from .inspect import min_text_px, overlapping_boxes
from .lag import log_ticks, plot_lag_norms

__all__ = ["Control", "Explorable", "StaticFigure", "control", "describe", "explorable", "in_book_build", "log_ticks",
           "min_text_px", "nonfinite_count", "overlapping_boxes", "plain_text", "plot_lag_norms", "show"]
