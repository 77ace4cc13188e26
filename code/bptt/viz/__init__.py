"""Presentation: explorable figures and the plots the chapters share. Imports the numerical modules, never the reverse."""
from .explorable import Control, Explorable, control, explorable, in_book_build, nonfinite_count
from .figure import show
from .lag import log_ticks, plot_lag_norms

__all__ = ["Control", "Explorable", "control", "explorable", "in_book_build", "log_ticks", "nonfinite_count", "plot_lag_norms", "show"]
