"""A function run in a forked child (code/bptt/forked.py): its value comes back, what it prints,
warns or logs reaches this process's streams, and its failure is raised here. The book build
draws a figure's second language that way (each_language(..., parallel=True))."""
import os
import subprocess
import sys

import pytest
from matplotlib.figure import Figure

import bptt.i18n as i18n
from bptt.forked import Forked
from bptt.i18n import each_language, language, t
from bptt.viz.explorable import figure_png

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only: the book build runs on Linux")


def test_the_value_is_made_in_another_process():
    child = Forked(lambda: (os.getpid(), [1.5, "二"]))
    pid, value = child.result()
    assert pid != os.getpid() and value == [1.5, "二"]


CHILD_SPEAKS = """
import logging, warnings
from bptt.forked import Forked

def noisy():
    print("printed by the child")
    warnings.warn("warned by the child")
    logging.getLogger("matplotlib.mathtext").warning("logged by the child")   # as a missing glyph is
    return 3

print("value", Forked(noisy).result())
"""


def test_what_the_child_prints_warns_and_logs_is_written_here():
    """In a plain process, as in a kernel (pytest would record the warning and the log itself)."""
    proc = subprocess.run([sys.executable, "-c", CHILD_SPEAKS], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["printed by the child", "value 3"]
    assert "UserWarning: warned by the child" in proc.stderr and "logged by the child" in proc.stderr


def test_a_failure_in_the_child_is_raised_here_with_its_own_message():
    def fails():
        raise ValueError("gain: expected a positive number, got -1")

    with pytest.raises(ValueError, match="gain: expected a positive number"):
        Forked(fails).result()


def test_a_value_that_cannot_travel_is_made_here():
    def local():
        return lambda: os.getpid()              # a lambda cannot be pickled

    assert Forked(local).result()() == os.getpid()


def test_bad_argument_is_named():
    with pytest.raises(TypeError, match="fn: expected a callable"):
        Forked(3)


def _figure():
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1, 2], [2, 0, 1])
    ax.set_xlabel(t("lag {k}").format(k="$k$"))
    return figure_png(fig, dpi=72)


def test_a_figure_drawn_in_parallel_is_the_one_drawn_in_turn(monkeypatch):
    """The second language's figure from the child is pixel for pixel the one drawn in this
    process, in the second language (its font included)."""
    monkeypatch.setitem(i18n._catalogues, "zh_CN", {"lag {k}": "滞后 {k}"})
    monkeypatch.setenv("BPTT_BOOK_BUILD", "1")
    monkeypatch.delenv("BPTT_BUILD_LANGUAGES", raising=False)
    made = each_language(_figure, parallel=True)
    with language("en"):
        english = _figure()
    with language("zh_CN"):
        chinese = _figure()
    assert made == {"en": english, "zh_CN": chinese} and english != chinese
