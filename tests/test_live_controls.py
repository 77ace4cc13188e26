"""Every explorable of every chapter, driven through its live face (the ipywidgets objects, no browser).

Each numeric control is moved to both ends of its live range (and left at the top, so later
controls meet it there) and the whole figure to a few random settings: every one must draw
(no "cannot draw" note, which is what a traceback becomes live), plot nothing non-finite
without saying so on the figure, change the picture, and keep the book's rules (smallest
font at least 7 pt, no overlapping legends or text boxes).
"""
import re
from pathlib import Path

import numpy as np
import pytest
from test_explorable import png_pixels

from bptt.viz import control, explorable, nonfinite_count
from bptt.viz.inspect import measure

BOOK = Path(__file__).resolve().parents[1] / "book"
MIN_FONT_PX = 7 * 96 / 72


def intro():
    from bptt.viz.intro import PULSE_CONTROLS, PULSE_DEFAULT, draw_pulse_memory

    return explorable(draw_pulse_memory, PULSE_CONTROLS, default=PULSE_DEFAULT, figsize=(7.1, 3.6))


def bptt_elman():
    from bptt.viz.bptt_elman import draw_error_heatmaps

    return explorable(draw_error_heatmaps,
                      {"rho": control([0.5, 0.9, 1.2, 2.0], label="ρ(W_hh)"), "T": control([8, 20, 40], label="T"),
                       "activation": control(["tanh", "sigmoid", "relu", "identity"], label="activation")},
                      default={"rho": 0.9, "T": 20, "activation": "tanh"}, figsize=(7.1, 5.6))


def ordered_derivatives():
    from bptt.viz.ordered import draw_explorer

    return explorable(draw_explorer, {"a32": control([-3.0, 0.0, 1.0, 3.0], label="a₃₂ (z₂→z₃)"),
                                      "a43": control([-4.0, -2.0, 0.0, 4.0], label="a₄₃ (z₃→z₄)"),
                                      "c2": control([-2.0, 0.0, 2.0], label="c₂ (z₂→E)")},
                      default={"a32": 3.0, "a43": 4.0, "c2": 2.0}, figsize=(6.4, 4.9))


def rtrl_error():
    from bptt.viz.rtrl import draw_error_over_time

    return explorable(draw_error_over_time, {"rho": control([0.5, 0.9, 1.2], label="spectral radius ρ(W_hh)"),
                                             "n": control([4, 16], label="hidden units n"),
                                             "K": control([1, 16, 256], label="UORO estimates averaged K")},
                      default={"rho": 0.9, "n": 16, "K": 16}, figsize=(7.1, 3.6))


def rtrl_cost():
    from bptt.viz.rtrl import draw_cost_model

    return explorable(draw_cost_model, {"n": control([4, 16, 64, 256], label="hidden units n"),
                                        "T": control([10, 100, 1000, 10000], label="sequence length T")},
                      default={"n": 16, "T": 1000}, figsize=(7.1, 3.6))


def truncation():
    from bptt.viz import truncation as viz

    taus, pis = (1, 4, 8, 9, 16, 32), (0.5, 0.75, 0.875, 1.0)
    data = viz.explorer_data(viz.figure_problem(T=32, delay=8, trained=20), taus, pis)
    return explorable(lambda fig, tau, pi: viz.draw_explorer(fig, tau, pi, data),
                      {"tau": control(taus, label="truncation length τ"),
                       "pi": control(pis, label="continuation probability π")},
                      default={"tau": 8, "pi": 0.875}, figsize=(7.1, 3.4))


def gated():
    from bptt.viz.gated import lag_explorable

    return lag_explorable()


def checkpointing():
    from bptt.viz import checkpoint as viz

    return explorable(viz.draw_explorer, {"T": control([6, 10, 16, 24, 40, 64, 100], label="time steps T"),
                                          "slots": control([1, 2, 3, 4, 6, 10], label="slots s")},
                      default={"T": 24, "slots": 3}, figsize=(7.1, 3.6))


def vanishing():
    from bptt.viz.vanishing import main_explorable

    return main_explorable()


#: chapter -> the explorables its cells make, built as the chapter builds them
CHAPTERS = {"intro_rnn": [intro], "bptt_elman": [bptt_elman], "ordered_derivatives": [ordered_derivatives],
            "rtrl": [rtrl_error, rtrl_cost], "truncation": [truncation], "gated": [gated],
            "vanishing": [vanishing], "checkpointing": [checkpointing]}
CASES = [pytest.param(make, id=make.__name__) for makes in CHAPTERS.values() for make in makes]


def test_every_explorable_of_the_book_is_driven_here():
    """A chapter that gains, loses or renames an explorable must be mirrored above."""
    found = {}
    for page in sorted(BOOK.glob("*.md")):
        cells = re.findall(r"```\{code-cell\}.*?\n(.*?)```", page.read_text(), re.S)
        # a cell shows an explorable when a line starts with the call (an assignment only times it)
        calls = sum(len(re.findall(r"^(?:\w+\.)?\w*explorable\(", c, re.M)) for c in cells)
        if calls:
            found[page.stem] = calls
    assert found == {k: len(v) for k, v in CHAPTERS.items()}


def live_controls(ex):
    box = ex.widget(threaded=False)
    inputs = dict(zip(ex.controls, box.children[0].children))
    return box, inputs, box.frames


def check_drawn(ex, where):
    fig = ex.figure()
    texts = [t.get_text() for t in fig.texts]
    assert not any("cannot draw" in t for t in texts), f"{where}: {texts}"
    if nonfinite_count(fig):
        assert any("not finite" in t for t in texts), f"{where}: NaN or inf plotted without a word"


def check_layout(ex, where):
    info = measure(ex.figure(), ex.dpi)
    assert info["overlaps"] == [], f"{where}: {info['overlaps']}"
    assert info["min_font_px"] is None or info["min_font_px"] >= MIN_FONT_PX - 1e-6, f"{where}: {info}"


@pytest.mark.parametrize("make", CASES)
def test_each_control_draws_at_both_ends_of_its_live_range(make):
    ex = make()
    box, inputs, frames = live_controls(ex)
    moved = 0
    for name, el in inputs.items():
        rng = ex.controls[name].live_range
        if rng is None:
            continue
        assert rng.lo == min(ex.controls[name].values) and rng.hi == max(ex.controls[name].values)
        pictures = []
        for end in (rng.lo, rng.hi):
            el.value = end
            where = f"{make.__name__}: {name} = {end}"
            check_drawn(ex, where)
            check_layout(ex, where)
            pictures.append(bytes(frames.image.value))
        assert pictures[0] != pictures[1], f"{make.__name__}: moving {name} end to end changes nothing"
        moved += 1                    # left at its top end: the next control's ends are drawn beside it
    assert moved, "every explorable has at least one slider over a live range"


@pytest.mark.parametrize("make", CASES)
def test_random_live_settings_draw_and_change_the_figure(make):
    ex = make()
    box, inputs, frames = live_controls(ex)
    rng = np.random.default_rng(15)
    before = bytes(frames.image.value)
    for _ in range(3):
        setting = {}
        for name, el in inputs.items():
            r = ex.controls[name].live_range
            if r is not None:
                el.value = r.snap(r.lo * (r.hi / r.lo) ** rng.uniform() if r.log else rng.uniform(r.lo, r.hi))
            else:
                el.value = el.options[rng.integers(len(el.options))][1]
            setting[name] = el.value
        check_drawn(ex, f"{make.__name__}: {setting}")
        assert bytes(frames.image.value) != before, f"{make.__name__}: {setting} draws the same picture as before"
        before = bytes(frames.image.value)


def test_off_grid_values_reach_the_drawing():
    """The live face passes the slider's own value, not the nearest frame of the static page."""
    seen = []

    def draw(fig, a, n):
        seen.append((a, n))
        fig.clear()
        fig.add_subplot().plot([0, a * n])

    ex = explorable(draw, {"a": [0.5, 1.5], "n": [10, 20]})
    _, inputs, _ = live_controls(ex)
    inputs["a"].value = 0.73
    inputs["n"].value = 13
    assert seen[-2:] == [(0.73, 10), (0.73, 13)] and isinstance(seen[-1][1], int)


def test_the_vanishing_figure_drawn_over_its_kept_background_is_the_figure_drawn_whole():
    """The main explorable names its moving artists (bptt.viz.live_canvas.set_moving): along
    sweeps of σ_max that keep the axes, change them, overflow and come back, each live frame has
    exactly the pixels of the same setting drawn whole, and small steps reuse the background."""
    from bptt.viz.live_canvas import LiveCanvas
    from bptt.viz.vanishing import main_explorable

    ex, whole = main_explorable(), main_explorable()
    kept = frames = 0
    for other in ({}, {"activation": "identity", "T": 1000, "scale": 4.0}):
        for sigma in [1.5, 1.51, 1.52, 1.53, 1.6, 1.9, 2.5, 4.0, 1.52, 0.9, 0.91, 0.92]:
            values = {"sigma": sigma, **other}
            canvas = ex.figure().canvas
            before = canvas._background if isinstance(canvas, LiveCanvas) else None
            live = png_pixels(ex.render_live(**values))
            kept += before is not None and ex.figure().canvas._background is before
            frames += 1
            assert np.array_equal(live, png_pixels(_whole(whole, values))), \
                f"{values}: the frame drawn over the kept background differs from the frame drawn whole"
    assert kept >= 3, f"only {kept} of {frames} frames reused the background (σ_max 1.5 -> 1.53 in steps of 0.01 should)"


def _whole(ex, values):
    """``values`` drawn whole by the live canvas (its kept background dropped first)."""
    from bptt.viz.live_canvas import LiveCanvas

    if not isinstance(ex.figure().canvas, LiveCanvas):
        ex.render_live(**values)
    ex.figure().canvas._background = None
    return ex.render_live(**values)

