"""bptt.viz.show and the measurements every book PNG carries (smallest font, size, overlapping boxes)."""
import base64
import io
import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from bptt.viz import min_text_px, overlapping_boxes, show
from bptt.viz.explorable import figure_png


def test_show_displays_one_png_and_returns_nothing(monkeypatch):
    monkeypatch.setenv("BPTT_BOOK_BUILD", "0")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))

    def draw(fig, slope):
        fig.add_subplot().plot(np.arange(3), slope * np.arange(3))

    assert show(draw, (3, 2), 2.0) is None, "a cell ending in show(...) must not display the figure a second time"
    assert len(shown) == 1
    bundle = shown[0]._repr_mimebundle_()
    assert "text/html" not in bundle, "in Jupyter the figure is a plain PNG"
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def draw_labelled(fig):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("lag t - k", fontsize=10)
    ax.set_ylabel("gradient norm", fontsize=10)
    ax.set_title("vanishing", fontsize=12)


def test_in_the_book_build_show_gives_a_scrollable_img_with_alt_text(monkeypatch):
    monkeypatch.setenv("BPTT_BOOK_BUILD", "1")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    show(draw_labelled, (3, 2), dpi=96)
    page = shown[0]._repr_mimebundle_()["text/html"]
    assert re.search(r'<div class="bptt-scroll"[^>]*><img class="bptt-static"', page), page[:300]
    alt = re.search(r'alt="([^"]*)"', page).group(1)
    assert "vanishing" in alt and "lag t - k" in alt and "gradient norm" in alt, alt
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    img = Image.open(io.BytesIO(png))
    assert img.size == (3 * 96, 2 * 96)
    assert f'width="{3 * 96}" height="{2 * 96}"' in page, "the natural size is in the page (phone CSS uses it)"
    assert img.text["bptt:width_px"] == str(3 * 96)
    shown.clear()
    show(draw_labelled, (3, 2), alt="A line.")
    assert 'alt="A line."' in shown[0]._repr_mimebundle_()["text/html"]


def fig_with_small_ticks(tick_pt=5):
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 1, 4])
    ax.tick_params(axis="x", labelsize=tick_pt)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("t", fontsize=9)
    ax.set_title("title", fontsize=11)
    return fig


@pytest.mark.parametrize("dpi", [96, 80, 150])
def test_min_text_px_is_the_smallest_font_in_image_pixels(dpi):
    assert min_text_px(fig_with_small_ticks(5), dpi) == pytest.approx(5 * dpi / 72)
    assert min_text_px(fig_with_small_ticks(10), dpi) == pytest.approx(8 * dpi / 72), "then the y ticks are smallest"


def test_min_text_px_counts_only_what_is_drawn():
    fig = fig_with_small_ticks(10)
    ax = fig.axes[0]
    ax.text(0.5, 0.5, "hidden", fontsize=2, visible=False)
    ax.text(0.5, 0.5, "   ", fontsize=1)
    fig.text(3.0, 0.5, "off the canvas", fontsize=3)          # x = 3 figure widths: outside the picture
    ax.set_xticks([-5, 0, 1, 2])                               # a tick outside the view: its label not drawn
    ax.set_xlim(-0.1, 2.1)
    ax.xaxis.get_major_ticks()[0].label1.set_fontsize(4)
    assert min_text_px(fig, 96) == pytest.approx(8 * 96 / 72)
    ax.text(0.2, 3, "legend-sized note", fontsize=6)
    assert min_text_px(fig, 96) == pytest.approx(6 * 96 / 72)
    lg = ax.legend(["curve"], fontsize=7, loc="lower right")
    assert min_text_px(fig, 96) == pytest.approx(6 * 96 / 72)
    lg.get_texts()[0].set_fontsize(5.5)
    assert min_text_px(fig, 96) == pytest.approx(5.5 * 96 / 72), "legend texts count"


def two_legends(loc1, loc2):
    fig = Figure(figsize=(5, 3), layout="constrained")
    ax = fig.add_subplot()
    (a,) = ax.plot([0, 1], [0, 1], label="tanh")
    (b,) = ax.plot([0, 1], [1, 0], label="bound")
    first = ax.legend(handles=[a], loc=loc1)
    ax.add_artist(first)
    ax.legend(handles=[b], loc=loc2)
    return fig


def test_legends_on_top_of_each_other_overlap():
    found = overlapping_boxes(two_legends("upper left", "upper left"))
    assert len(found) == 1, found
    assert "legend 'tanh'" in found[0] and "legend 'bound'" in found[0], found
    assert overlapping_boxes(two_legends("upper left", "lower right")) == []


def test_text_boxes_and_figure_texts_count_plain_axes_texts_do_not():
    fig = two_legends("upper left", "lower right")
    ax = fig.axes[0]
    plain = ax.text(0.02, 0.97, "plain words", transform=ax.transAxes, va="top", fontsize=9)
    assert overlapping_boxes(fig) == [], "a text without a box is not a box"
    plain.set_bbox({"facecolor": "white"})
    found = overlapping_boxes(fig)
    assert found == ["legend 'tanh' / text 'plain words'"] or found == ["text 'plain words' / legend 'tanh'"], found
    plain.remove()
    fig.suptitle("a title", fontsize=12)
    fig.text(0.5, 0.98, "a note under it", ha="center", va="top", fontsize=12)
    assert overlapping_boxes(fig) == ["text 'a title' / text 'a note under it'"] or \
        overlapping_boxes(fig) == ["text 'a note under it' / text 'a title'"]


@pytest.mark.parametrize("compact", [False, True])
def test_every_png_carries_its_measurements(compact):
    fig = two_legends("upper left", "upper left")
    fig.axes[0].tick_params(labelsize=5)
    png = figure_png(fig, dpi=96, compact=compact)
    img = Image.open(io.BytesIO(png))
    img.load()
    assert img.size == (5 * 96, 3 * 96)
    text = img.text
    assert text["bptt:min_font_px"] == f"{5 * 96 / 72:.3f}", text
    assert text["bptt:width_px"] == str(5 * 96) and text["bptt:height_px"] == str(3 * 96)
    assert text["bptt:dpi"] == "96"
    overlaps = json.loads(text["bptt:overlaps"])
    assert len(overlaps) == 1 and "tanh" in overlaps[0] and "bound" in overlaps[0], overlaps
    assert np.asarray(img.convert("RGB")).std() > 0, "the picture is still there"


def test_measurements_of_a_figure_without_text_or_with_non_latin1_text():
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().axis("off")
    text = Image.open(io.BytesIO(figure_png(fig, dpi=50))).text
    assert text["bptt:min_font_px"] == "inf" and json.loads(text["bptt:overlaps"]) == []
    fig.text(0.5, 0.5, "ρ(W_hh) ≈ 0.9", fontsize=7)
    text = Image.open(io.BytesIO(figure_png(fig, dpi=72))).text
    assert text["bptt:min_font_px"] == "7.000"
    assert text["bptt:min_font_text"] == "\\u03c1(W_hh) \\u2248 0.9"
