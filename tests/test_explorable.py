"""The explorable-figure mechanism: both faces, frame order, and robustness."""
import base64
import json
import re

import numpy as np
import pytest

from bptt.viz import control, explorable, nonfinite_count


def draw_line(fig, slope, style):
    fig.clear()
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 5)
    ax.plot(x, slope * x, style)


def frames_of(html):
    return json.loads(re.search(r'class="bptt-frames">(.*?)</script>', html, re.S).group(1))


def test_static_face_holds_one_frame_per_combination_in_row_major_order():
    ex = explorable(draw_line, {"slope": [0.0, 1.0, 2.0], "style": ["-", "o"]}, default={"slope": 1.0})
    html = ex.static_html()
    frames = frames_of(html)
    assert len(frames) == 6
    # the JavaScript indexes frames as k = i_slope * 2 + i_style: check that against render()
    for i, s in enumerate([0.0, 1.0, 2.0]):
        for j, st in enumerate(["-", "o"]):
            assert base64.b64decode(frames[i * 2 + j]) == ex.render(compact=True, slope=s, style=st)
    assert len(set(frames)) == 6, "different settings must give different pictures"
    start = re.search(r'<img class="bptt-frame"[^>]*src="data:image/png;base64,([^"]+)"', html, re.S).group(1)
    assert start == frames[2], "the page opens on the default setting (slope 1.0, style '-')"


def test_compact_frames_are_smaller_and_the_same_picture():
    import io

    from PIL import Image

    ex = explorable(draw_line, {"slope": [1.0], "style": ["-"]})
    full, small = ex.render(), ex.render(compact=True)
    assert len(small) < len(full)
    a = np.asarray(Image.open(io.BytesIO(full)).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(small)).convert("RGB"), dtype=float)
    assert a.shape == b.shape and np.abs(a - b).mean() < 2.0, "the palette keeps the picture"


def test_static_face_needs_nothing_outside_the_page():
    html = explorable(draw_line, {"slope": [1.0, 2.0], "style": ["-"]}).static_html()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<input type="range"' in html and "<select>" in html


def test_live_face_redraws_when_a_control_moves():
    ex = explorable(draw_line, {"slope": control([0.5, 3.0], label="slope a"), "style": ["-", "o"]})
    box = ex.widget()
    slider, menu = box.children[0].children
    image = box.children[1]
    first = image.value
    slider.value = 3.0
    assert image.value != first
    assert image.value == ex.render(slope=3.0, style="-")
    menu.value = "o"
    assert image.value == ex.render(slope=3.0, style="o")


def test_mime_bundle_has_both_faces(monkeypatch):
    ex = explorable(draw_line, {"slope": [1.0, 2.0], "style": ["-"]})
    monkeypatch.setenv("BPTT_BOOK_BUILD", "1")
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "bptt-explorable" in bundle["text/html"]
    monkeypatch.setenv("BPTT_BOOK_BUILD", "0")
    bundle = ex._repr_mimebundle_()
    assert "text/html" not in bundle and "image/png" in bundle, "outside the build: no frames, one picture"


def test_nonfinite_values_are_flagged_not_hidden():
    def draw(fig, a):
        fig.clear()
        fig.add_subplot().plot([1.0, a, 2.0])

    ex = explorable(draw, {"a": [1.0, np.inf]})
    ex.render(a=np.inf)
    assert nonfinite_count(ex.figure()) == 1
    assert any("not finite" in t.get_text() for t in ex.figure().texts)
    ex.render(a=1.0)
    assert not ex.figure().texts


def test_an_error_in_draw_is_raised_in_the_build_and_shown_live():
    def draw(fig, a):
        fig.clear()
        if a < 0:
            raise ValueError("a must be >= 0")
        fig.add_subplot().plot([0, a])

    ex = explorable(draw, {"a": [1.0, -1.0]})
    with pytest.raises(ValueError, match="a must be"):
        ex.static_html()
    ex.render(strict=False, a=-1.0)
    assert any("a must be >= 0" in t.get_text() for t in ex.figure().texts)


@pytest.mark.parametrize("kwargs,error,word", [
    (dict(draw=None, controls={"a": [1]}), TypeError, "draw"),
    (dict(draw=draw_line, controls={}), ValueError, "controls"),
    (dict(draw=draw_line, controls={"slope": []}), ValueError, "empty"),
    (dict(draw=draw_line, controls={"slope": [1.0]}, default={"slope": 2.0}), ValueError, "default"),
    (dict(draw=draw_line, controls={"slope": [1.0]}, default={"nope": 2.0}), ValueError, "nope"),
    (dict(draw=draw_line, controls={"a": list(range(30)), "b": list(range(30))}), ValueError, "at most"),
])
def test_bad_explorable_arguments(kwargs, error, word):
    with pytest.raises(error, match=word):
        explorable(**kwargs)
