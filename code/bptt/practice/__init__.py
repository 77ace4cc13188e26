"""Practice: the reader writes an algorithm, and :func:`check` says whether it is right and, if
not, which classic mistake it contains and where the book explains the correct step.

    import bptt
    bptt.practice.check("elman_bptt", my_elman_bptt)   # -> CheckResult
    bptt.practice.reference("elman_bptt")               # the reference solution
    bptt.practice.mistake("elman_bptt", "one_path")     # a function making that mistake
"""
import functools

from .checker import check
from .compare import VARIANT
from .mistakes import EXERCISES, MISTAKES, READ, Read, check_name
from .result import CheckResult, CheckResults
from .solutions import clip_global_norm, elman_bptt, ordered_backward, rtrl_step, truncated_bptt
from .solutions_lstm import lstm_bptt

_REFERENCE = {"ordered_backward": ordered_backward, "elman_bptt": elman_bptt,
              "rtrl_step": rtrl_step, "truncated_bptt": truncated_bptt,
              "clip_global_norm": clip_global_norm, "lstm_bptt": lstm_bptt}


def reference(name):
    """The reference solution of exercise ``name`` (a function with its contract)."""
    return _REFERENCE[check_name(name)]


def mistake(name, mistake_name):
    """A function with the contract of exercise ``name`` that makes exactly ``mistake_name``."""
    name = check_name(name)
    if mistake_name not in MISTAKES[name]:
        raise ValueError(f"mistake_name must be one of the catalogued mistakes of {name!r}, "
                         f"{list(MISTAKES[name])}, got {mistake_name!r}")
    wrong = functools.partial(VARIANT[name], mistake=mistake_name)
    functools.update_wrapper(wrong, _REFERENCE[name])
    wrong.__name__ = wrong.__qualname__ = f"{name}_{mistake_name}"
    wrong.__doc__ = f"{name} with the mistake {mistake_name}: {MISTAKES[name][mistake_name]}."
    return wrong


__all__ = ["EXERCISES", "MISTAKES", "READ", "Read", "CheckResult", "CheckResults", "check", "reference",
           "mistake"]
