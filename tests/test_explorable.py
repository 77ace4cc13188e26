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
    assert '<input type="range"' in html and re.search(r"<select[ >]", html)


def test_live_face_redraws_when_a_control_moves():
    ex = explorable(draw_line, {"slope": control([0.5, 3.0], label="slope a"), "style": ["-", "o"]})
    box = ex.widget()
    slider, menu = box.children[0].children
    first = box.frames.image.value
    slider.value = 3.0
    assert box.frames.image.value != first
    assert box.frames.image.value == ex.render_live(slope=3.0, style="-")
    menu.value = "o"
    assert box.frames.image.value == ex.render_live(slope=3.0, style="o")


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


# -- accessibility, maths in captions, narrow screens (issue 11, C.6, C.9, C.10) ----------------

class Tags(__import__("html.parser").parser.HTMLParser):
    """Every start tag of a page as (tag, attrs dict, text of the enclosing <label> so far)."""

    def __init__(self, page):
        super().__init__()
        self.tags, self.label = [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "label":
            self.label = ""
        self.tags.append((tag, dict(attrs), (self.label or "").strip()))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label = None

    def handle_data(self, data):
        if self.label is not None:
            self.label += data

    def find(self, tag):
        return [(a, label) for t, a, label in self.tags if t == tag]


CAPTION = r"One step: \( J_t = D_t W_{hh} \) & <b>not bold</b>"


def accessible_explorable():
    return explorable(draw_line, {"slope": control([0.5, 1.0, 2.0], label="slope a"), "style": ["-", "o"]},
                      default={"slope": 1.0}, figsize=(3, 2), dpi=40, caption=CAPTION)


def test_static_controls_and_image_have_accessible_names():
    page = accessible_explorable().static_html()
    tags = Tags(page)
    (rng, rng_label), = tags.find("input")
    (menu, menu_label), = tags.find("select")
    assert rng_label == "slope a" and rng["aria-label"] == "slope a", "the slider is named by its label alone"
    assert rng["aria-valuetext"] == "1", "a screen reader hears the value, not the position 1 of 0..2"
    assert menu_label == "style" and menu["aria-label"] == "style"
    (output, _), = tags.find("output")
    assert output.get("aria-live") == "polite"
    (img, _), = tags.find("img")
    assert img["alt"] == "One step: J_t = D_t W_{hh} & <b>not bold</b> Setting: slope a = 1, style = -.", img["alt"]
    assert img["data-alt"] == "One step: J_t = D_t W_{hh} & <b>not bold</b>"


def test_caption_is_left_to_mathjax_and_escaped():
    from myst_parser.config.main import MdParserConfig

    page = accessible_explorable().static_html()
    div = re.search(r'<div class="([^"]*bptt-caption[^"]*)">(.*?)</div>', page, re.S)
    processed = set(MdParserConfig().mathjax_classes.split("|"))      # what the book's MathJax typesets
    assert processed & set(div.group(1).split()), f"MathJax skips a caption of class {div.group(1)!r}"
    assert div.group(2) == r"One step: \( J_t = D_t W_{hh} \) &amp; &lt;b&gt;not bold&lt;/b&gt;", div.group(2)


def test_live_caption_typesets_maths_and_controls_are_described():
    import ipywidgets as w

    box = accessible_explorable().widget()
    slider, menu = box.children[0].children
    assert (slider.description, menu.description) == ("slope a", "style")
    caption = box.children[-1]
    assert isinstance(caption, w.HTMLMath) and r"\( J_t = D_t W_{hh} \)" in caption.value


def test_the_static_image_keeps_its_natural_size_in_the_page():
    ex = accessible_explorable()
    page = ex.static_html()
    (img, _), = Tags(page).find("img")
    assert (img["width"], img["height"]) == (str(3 * 40), str(2 * 40)), "figsize x dpi"
    assert re.search(r'<div class="bptt-scroll"[^>]*><img class="bptt-frame"', page), "the image sits in a scroll box"


CSS = __import__("pathlib").Path(__file__).resolve().parents[1] / "book" / "_static" / "bptt.css"


def open_page(browser, body, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.set_content(f"<!doctype html><html lang='en'><head><style>{CSS.read_text()}</style></head>"
                     f"<body style='margin:0 20px'><main>{body}</main></body></html>")
    return page


@pytest.mark.book
def test_alt_text_and_value_text_follow_the_controls(browser):
    page = open_page(browser, accessible_explorable().static_html(), 1280)
    try:
        page.locator("input[type=range]").fill("2")         # fires "input"
        page.locator("select").select_option("1")            # fires "change"
        img = page.locator("img.bptt-frame")
        assert img.get_attribute("alt").endswith("Setting: slope a = 2, style = o."), img.get_attribute("alt")
        assert page.locator("input[type=range]").get_attribute("aria-valuetext") == "2"
        assert page.locator("output").text_content() == "2"
    finally:
        page.close()


@pytest.mark.book
@pytest.mark.parametrize("kind", ["explorable", "static"])
def test_a_phone_shows_figures_at_natural_size_scrolled_sideways(browser, kind):
    big = explorable(draw_line, {"slope": [1.0, 2.0], "style": ["-"]}, figsize=(7.0, 3.0), dpi=96)
    if kind == "explorable":
        body = big.static_html()
    else:
        from bptt.viz import StaticFigure
        from bptt.viz.explorable import figure_png

        big.render()
        body = StaticFigure(figure_png(big.figure(), 96), "a line").html()
    natural = 7 * 96
    phone = open_page(browser, body, 390)
    desk = open_page(browser, body, 1280)
    try:
        shown = phone.evaluate("""() => { const img = document.querySelector(".bptt-scroll > img"),
            box = img.parentElement; img.decode && img.decode();
            return {img: img.getBoundingClientRect().width, box: box.clientWidth, scroll: box.scrollWidth,
                    page: document.documentElement.scrollWidth}; }""")
        assert shown["img"] == pytest.approx(natural, abs=1), f"on a phone the figure keeps its {natural} px: {shown}"
        assert shown["box"] < 390 and shown["scroll"] >= natural, f"its box scrolls sideways: {shown}"
        assert shown["page"] <= 390, f"the page itself does not scroll sideways: {shown}"
        width = desk.evaluate("() => document.querySelector('.bptt-scroll > img').getBoundingClientRect().width")
        assert width == pytest.approx(natural, abs=1), "on a wide screen it is shown at natural size too"
        narrow = open_page(browser, f"<div style='width:500px'>{body}</div>", 1280)
        width = narrow.evaluate("() => document.querySelector('.bptt-scroll > img').getBoundingClientRect().width")
        narrow.close()
        assert width == pytest.approx(500, abs=1), "a wide screen's column narrower than the figure shrinks it to fit"
    finally:
        phone.close()
        desk.close()


def test_plain_text_reads_inline_maths_aloud():
    from bptt.viz import plain_text

    assert plain_text(r"bound \( (\gamma\rho)^{t-1} \|h_1\| \) and $W_{hx}$ for \$3") == \
        "bound (gamma rho)^{t-1} ‖h_1‖ and W_{hx} for $3"


# -- the live face: continuous controls, a quick redraw, the newest setting only (issue 15) ------

def png_pixels(png):
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def test_numeric_controls_move_finely_live_and_keep_their_grid_in_the_page():
    import ipywidgets as w

    def draw(fig, slope, style, **others):
        draw_line(fig, slope * sum(others.values()), style)

    ex = explorable(draw, {"slope": control([0.5, 1.0, 3.0], label="slope a"),
                           "n": control([5, 40]), "scale": control([0.05, 3.0]),
                           "fixed": control([1.0, 2.0], live="grid"),
                           "wide": control([1.0, 2.0], live=(0.0, 10.0)), "style": ["-", "o"]},
                    default={"slope": 1.0, "scale": 3.0}, figsize=(2, 1.5), dpi=30)
    box = ex.widget()
    slope, n, scale, fixed, wide, style = box.children[0].children
    assert all(isinstance(el, w.SelectionSlider) and el.continuous_update for el in (slope, n, scale, fixed, wide))
    values = [v for _, v in slope.options]
    assert (values[0], values[-1], slope.value) == (0.5, 3.0, 1.0)
    assert np.allclose(np.diff(values), 0.02), "2.5 / 200 -> the next step of 1, 2 or 5 times a power of ten: 0.02"
    assert [label for label, _ in slope.options[:3]] == ["0.50", "0.52", "0.54"]
    assert [v for _, v in n.options] == list(range(5, 41)) and n.value == 5
    logs = np.log10([v for _, v in scale.options])
    assert scale.value == 3.0 and 150 < len(logs) <= 201, "0.05..3 spans a factor 60: log positions"
    assert np.ptp(np.diff(logs)) < 0.01, "evenly spaced in log v (to 3 significant digits)"
    assert fixed.options == (("1", 1.0), ("2", 2.0)), "live='grid': the grid alone"
    assert [v for _, v in wide.options][::50] == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert isinstance(style, w.Dropdown)
    assert len(ex.grid()) == 3 * 2 * 2 * 2 * 2 * 2, "the static page keeps the grid (its frames: grid())"


def test_live_positions_hold_the_grid_and_snap_to_the_nearest():
    from bptt.viz.live import POSITIONS, live_range

    r = live_range((0.5, 1.5, 4.0))
    assert r.snap(1.2345) == 1.24 and r.snap(0.1) == 0.5 and r.snap(9.0) == 4.0
    assert all(p == round(p, 2) for p in r.positions), "no float noise such as 1.2300000000000002 reaches the figure"
    t = live_range((100, 1000))
    assert t.positions[:3] == (100, 105, 110) and t.snap(123.6) == 125 and isinstance(t.snap(123.6), int)
    big = live_range((10, 100, 10000))
    assert big.log and big.integer and {10, 100, 10000} <= set(big.positions) and big.snap(316.2277) in (313, 316, 320)
    assert live_range((0.05, 3.0)).snap(0.123456) == pytest.approx(0.123456, rel=0.025)
    pis = (0.5, 0.75, 0.875, 1.0)                      # 0.875 is not on a step of 0.005: it is a position all the same
    assert set(pis) <= set(live_range(pis).positions)
    odd = (0.0, 0.1234567, 1.0)
    assert set(odd) <= set(live_range(odd).positions) and len(live_range(odd).positions) <= POSITIONS + 2
    for grid in [(0.5, 0.9, 1.0, 1.1, 1.2, 1.5, 4.0), (-2.0, 0.0, 5.0), (1, 2, 3), (10, 100, 10000)]:
        pos = live_range(grid).positions
        assert list(pos) == sorted(set(pos)) and set(grid) <= set(pos) and len(pos) <= POSITIONS + len(grid)
        labels = live_range(grid).labels()
        assert len(set(labels)) == len(labels), f"{grid}: two positions print alike"


def test_a_single_valued_numeric_control_is_a_slider_of_one_position():
    ex = explorable(draw_line, {"slope": [2.0], "style": ["-", "o"]})
    slider, menu = ex.widget().children[0].children
    assert slider.options == (("2", 2.0),)


@pytest.mark.parametrize("live,word", [((1.0,), "pair"), ((2.0, 1.0), "lo < hi"), ((0, np.inf), "finite"),
                                       ("fine", "pair")])
def test_bad_live_ranges_are_refused(live, word):
    with pytest.raises(ValueError, match=word):
        control([1.0, 2.0], label="a", live=live)


def test_a_live_range_needs_numbers_and_integer_ends_for_integers():
    with pytest.raises(ValueError, match="numeric"):
        control(["tanh", "relu"], live=(0, 1))
    with pytest.raises(ValueError, match="integer ends"):
        control([1, 2], live=(0.5, 3))


def test_the_live_picture_is_the_static_picture_and_leaves_the_static_frames_alone():
    def draw(fig, slope, text):
        draw_line(fig, slope, "-")
        fig.axes[0].tick_params(labelbottom=text, labelleft=text)

    ex = explorable(draw, {"slope": [0.5, 2.0], "text": [True, False]}, figsize=(3, 2), dpi=60)
    static = ex.render(compact=True, slope=2.0)
    a, b = png_pixels(ex.render(slope=2.0, text=False)), png_pixels(ex.render_live(slope=2.0, text=False))
    assert a.shape == (120, 180, 3) and np.array_equal(a, b), "without text: the very same pixels"
    a, b = png_pixels(ex.render(slope=2.0)), png_pixels(ex.render_live(slope=2.0))
    assert np.abs(a - b).mean() < 3.0, "text is placed to the nearest pixel: edges differ, nothing else"
    assert ex.render(compact=True, slope=2.0) == static, "a live draw must not change the book's frames"


def test_a_note_on_the_figure_goes_when_the_setting_that_caused_it_goes():
    def draw(fig, a):                                  # updates its artists, never clears the figure
        if not fig.axes:
            fig.add_subplot().plot([0, 1, 2], [1.0, 1.0, 2.0])
        fig.axes[0].lines[0].set_ydata([1.0, a, 2.0])

    ex = explorable(draw, {"a": [1.0, np.inf]})
    ex.render_live(a=np.inf)
    assert any("not finite" in t.get_text() for t in ex.figure().texts)
    ex.render_live(a=1.0)
    assert not ex.figure().texts


def test_a_burst_of_slider_events_draws_where_the_slider_is_first():
    import threading
    import time

    drawn, gate = [], threading.Event()

    def draw(fig, a):
        gate.wait(5)                                   # the first frame is slow: events pile up behind it
        fig.clear()
        fig.add_subplot().plot([0, a])
        drawn.append(a)

    ex = explorable(draw, {"a": control([0.0, 100.0])})
    gate.set()
    box = ex.widget(threaded=True, prefetch=False)
    slider, frames = box.children[0].children[0], box.frames
    assert frames.wait(10)
    drawn.clear()
    gate.clear()
    for v in range(1, 41):                             # 40 key presses while the first frame is drawn
        slider.value = float(v)
        time.sleep(0.002)
    gate.set()
    assert frames.wait(10)
    assert drawn[-1] == 40.0, "the figure ends where the slider is"
    assert len(drawn) <= 3, f"settings the slider has left are not drawn: {drawn}"
    assert frames.error is None and frames.image.value == ex.render_live(a=40.0)


def test_without_a_kernel_the_live_face_draws_at_once_and_draws_nothing_ahead():
    from bptt.viz.live import in_kernel

    assert not in_kernel()
    box = explorable(draw_line, {"slope": [1.0, 2.0], "style": ["-"]}).widget()
    assert not box.frames.threaded and not box.frames.prefetch and box.frames.drawn == 0
    assert box.frames.strips == {} and box.frames.view.children == (box.frames.now,), "no strips: nothing drawn ahead"


def test_the_live_png_holds_exactly_the_drawn_pixels():
    import io

    from PIL import Image

    ex = explorable(draw_line, {"slope": [0.5, 2.0], "style": ["-", "o"]}, figsize=(3, 2), dpi=60)
    png = ex.render_live(slope=2.0, style="o")
    drawn = np.asarray(ex.figure().canvas.buffer_rgba())
    img = Image.open(io.BytesIO(png))
    img.load()                                          # checks the CRCs and the zlib stream
    assert img.mode == "RGBA" and np.array_equal(np.asarray(img), drawn)


def _moving_line(fig, a, limit=10.0):
    """One line that moves with ``a``, on axes that change only with ``limit``; names its moving line."""
    from bptt.viz.live_canvas import set_moving

    if not fig.axes:
        ax = fig.add_subplot()
        ax.plot([0, 1, 2], [0.0, 0.0, 0.0], lw=2)
        ax.set_title("a title that stays")
    ax = fig.axes[0]
    ax.lines[0].set_ydata([0.0, a, 2.0])
    ax.set_ylim(-limit, limit)
    set_moving(fig, [ax.lines[0]], key=limit)


def test_a_drawing_that_names_its_moving_artists_is_redrawn_over_a_kept_background_to_the_same_pixels():
    ex = explorable(_moving_line, {"a": [1.0, 5.0], "limit": [10.0, 20.0]}, figsize=(3, 2), dpi=60)
    canvas_of = lambda: ex.figure().canvas                  # noqa: E731
    ex.render_live(a=1.0)
    background = canvas_of()._background
    assert background is not None, "a drawing that names its moving artists keeps a background"
    moved = png_pixels(ex.render_live(a=5.0))
    assert canvas_of()._background is background, "the same key: the background is reused, not redrawn"
    canvas_of()._background = None                      # the same frame drawn whole, for comparison
    whole = png_pixels(ex.render_live(a=5.0))
    assert np.array_equal(moved, whole), "the very same pixels as a whole draw"
    assert np.abs(moved - png_pixels(ex.render_live(a=1.0))).mean() > 0.05, "the line did move"
    ex.render_live(a=5.0, limit=20.0)
    assert canvas_of()._background is not background, "a new key draws a new background"
    moved = png_pixels(ex.render_live(a=1.0, limit=20.0))
    canvas_of()._background = None
    assert np.array_equal(moved, png_pixels(ex.render_live(a=1.0, limit=20.0)))


def test_a_failed_drawing_forgets_the_moving_artists_and_shows_its_error():
    def draw(fig, a):
        _moving_line(fig, 1.0)
        if a > 2:
            raise ValueError("a is too large")

    ex = explorable(draw, {"a": [1.0, 3.0]}, figsize=(3, 2), dpi=60)
    ex.render_live(a=1.0)
    png = ex.render_live(a=3.0)                        # the moving line was named, then the draw failed
    assert any("a is too large" in t.get_text() for t in ex.figure().texts)
    assert ex.figure().canvas._background is None, "a whole draw of the error, not the old background"
    assert png_pixels(png).std() > 1.0


def test_the_live_image_is_shown_at_its_natural_size():
    box = explorable(draw_line, {"slope": [1.0, 2.0], "style": ["-"]}, figsize=(3, 2), dpi=60).widget(prefetch=True)
    images = [box.frames.now, *box.frames.strips["slope"]]
    assert len({id(img.layout) for img in images}) == 1, "every frame shares one layout"
    layout = images[0].layout
    assert (layout.width, layout.max_width, layout.height, layout.object_fit) == ("180px", "100%", "120px", "contain"), \
        "natural width, and a height that does not change when the area turns to a strip (narrow: letterboxed)"


def test_the_live_text_cache_keeps_only_the_newest_strings():
    from bptt.viz.live_canvas import TEXT_CACHE_SIZE

    def draw(fig, a):
        fig.clear()
        fig.text(0.1, 0.5, f"status {a:.4f}")          # a new string on every frame, as a status line

    ex = explorable(draw, {"a": control([0.0, 1.0])}, figsize=(2, 1), dpi=40)
    for a in np.linspace(0, 1, TEXT_CACHE_SIZE + 50):
        ex.render_live(a=float(a))
    texts = ex.figure().canvas.renderer._texts            # the renderer the last frame used
    assert 0 < len(texts) <= TEXT_CACHE_SIZE
    assert any("status 1.0000" in key[0] for key in texts), "the newest string is kept"
