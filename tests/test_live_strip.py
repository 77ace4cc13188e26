"""The live figure drawn ahead (bptt.viz.live_strip, issue 15): the browser switches frames of the
slider under the hand by itself, so every frame it can show must be the right one."""
import numpy as np

from bptt.viz import control, explorable


def draw(fig, a, b, style):
    fig.clear()
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 5)
    ax.plot(x, a * x + b, style)
    ax.set_ylim(-1, 10)


def make(log=None):
    def logged(fig, a, b, style):
        if log is not None:
            log.append((a, b, style))
        draw(fig, a, b, style)

    return explorable(logged, {"a": control([0, 1, 8]), "b": control([0, 3]), "style": ["-", "o"]},
                      default={"a": 1}, figsize=(2, 1.5), dpi=30)     # integer positions: a 0..8, b 0..3


def controls(box):
    return dict(zip(["a", "b", "style"], box.children[0].children))


def pages_show(frames):
    """{page index of the figure area: what it is} — 0 the frame on request, then the strips."""
    return ["now", *frames.pages][frames.view.selected_index]


def check_strip(ex, frames, name):
    """Every frame of ``name``'s strip is the figure at that position, the other controls as set."""
    for i, v in enumerate(frames.positions[name]):
        want = ex.render_live(**{**frames.setting, name: v})
        assert frames.strips[name][i].value == want, f"{name} = {v}: the strip holds another figure"


def test_the_strip_holds_every_positions_own_frame_and_the_browser_switches_it():
    ex = make()
    box = ex.widget(threaded=False, prefetch=True)
    frames, el = box.frames, controls(box)
    assert pages_show(frames) == "now", "the frame on request until the strip is complete"
    frames.fill()
    assert pages_show(frames) == "a" and len(frames.fresh) == len(frames.positions["a"]) == 9
    check_strip(ex, frames, "a")
    link = {(ln.source, ln.target) for ln in frames.links}
    assert ((el["a"], "index"), (frames.pages["a"], "selected_index")) in link, "the slider moves its strip in the browser"
    assert ((el["b"], "index"), (frames.pages["b"], "selected_index")) in link
    assert [p.selected_index for p in frames.pages.values()] == [el["a"].index, el["b"].index]
    el["a"].value = 8
    assert frames.image is frames.strips["a"][-1] and frames.image.value == ex.render_live(a=8, b=0, style="-")


def test_the_first_frames_drawn_are_where_the_slider_is_then_nearest_first_ahead():
    log = []
    ex = make(log)
    box = ex.widget(threaded=False, prefetch=True)
    frames, el = box.frames, controls(box)
    el["a"].value = 4                                 # moving up: the frame there, then 5, 3, 6, 2, 7, (1: the start), 8, 0
    log.clear()
    frames.fill()
    assert [a for a, _, _ in log] == [5, 3, 6, 2, 7, 8, 0]


def test_another_control_never_leaves_a_frame_of_the_old_setting_on_screen():
    ex = make()
    box = ex.widget(threaded=False, prefetch=True)
    frames, el = box.frames, controls(box)
    frames.fill()
    on_screen = frames.image.value
    frames.threaded, frames._thread = True, "held"   # hold the drawing back: what shows before it?
    el["style"].value = "o"
    assert pages_show(frames) == "now" and frames.now.value == on_screen, \
        "until the new frame is drawn, the figure that was on screen stays, never a stale strip"
    frames.threaded, frames._thread = False, None
    frames.draw_one()
    assert frames.image is frames.now and frames.now.value == ex.render_live(a=1, b=0, style="o")
    el["a"].value = 3                                 # a position of the new setting not drawn yet
    assert frames.image.value == ex.render_live(a=3, b=0, style="o"), "drawn on request at once"
    frames.fill()
    assert pages_show(frames) == "a"
    check_strip(ex, frames, "a")


def test_moving_another_slider_makes_its_strip_the_one_drawn_and_shown():
    ex = make()
    box = ex.widget(threaded=False, prefetch=True)
    frames, el = box.frames, controls(box)
    frames.fill()
    el["a"].value = 5
    el["b"].value = 2
    assert frames.hand == "b" and pages_show(frames) == "now"
    assert frames.image.value == ex.render_live(a=5, b=2, style="-")
    frames.fill()
    assert pages_show(frames) == "b" and frames.positions["b"] == (0, 1, 2, 3)
    check_strip(ex, frames, "b")
    el["a"].value = 6                                  # back to a: its old strip was drawn for b = 0
    assert frames.hand == "a" and pages_show(frames) == "now"
    assert frames.image.value == ex.render_live(a=6, b=2, style="-")
    frames.fill()
    check_strip(ex, frames, "a")


def test_a_worker_thread_fills_the_strip_and_the_book_build_draws_nothing_ahead(monkeypatch):
    ex = make()
    box = ex.widget(threaded=True)
    assert box.frames.prefetch, "in a kernel, outside the book build: frames drawn ahead"
    assert box.frames.wait(60, all_frames=True) and pages_show(box.frames) == "a"
    check_strip(ex, box.frames, "a")
    monkeypatch.setenv("BPTT_BOOK_BUILD", "1")
    built = ex.widget(threaded=True)
    assert not built.frames.prefetch and built.frames.wait(10) and built.frames.drawn == 0
    assert built.frames.view.children == (built.frames.now,), "no strips in the notebook's saved widget state"


def test_a_menu_only_explorable_has_the_frame_on_request_alone():
    ex = explorable(lambda fig, style: draw(fig, 1.0, 0.0, style), {"style": ["-", "o"]}, figsize=(2, 1.5), dpi=30)
    box = ex.widget(threaded=False, prefetch=True)
    assert box.frames.view.children == (box.frames.now,)
    box.children[0].children[0].value = "o"
    assert box.frames.image.value == ex.render_live(style="o")


def test_a_frame_that_cannot_be_drawn_shows_why_and_the_strip_goes_on():
    def fragile(fig, a):
        if a > 2:
            raise ValueError("a is too large")
        draw(fig, a, 0.0, "-")

    ex = explorable(fragile, {"a": control([0, 4])}, figsize=(2, 1.5), dpi=30)
    box = ex.widget(threaded=False, prefetch=True)
    box.frames.fill()
    assert box.frames.error is None and pages_show(box.frames) == "a"
    ex.render_live(a=3)
    assert any("a is too large" in t.get_text() for t in ex.figure().texts)
    assert box.frames.strips["a"][-1].value == ex.render_live(a=4)


def test_whatever_the_reader_does_a_shown_strip_holds_only_frames_of_the_present_setting():
    """Random moves of every control, with the drawing interrupted at random: whenever the figure
    area shows a strip, each of its frames is its position's figure for the present setting."""
    ex = make()
    box = ex.widget(threaded=False, prefetch=True)
    frames, el = box.frames, controls(box)
    rng = np.random.default_rng(15)
    truth = {}

    def figure(values):
        key = tuple(sorted(values.items()))
        if key not in truth:
            truth[key] = ex.render_live(**values)
        return truth[key]

    shown = 0
    for _ in range(40):
        name = rng.choice(["a", "a", "b", "style"])
        options = el[name].options
        el[name].value = options[rng.integers(len(options))][1]
        for _ in range(rng.integers(0, 12)):
            frames.draw_one()
        setting = {k: e.value for k, e in el.items()}
        assert frames.setting == setting
        assert frames.image.value == figure(setting), f"{setting}: the reader sees another figure"
        if frames.showing_strip:
            shown += 1
            hand = frames.hand
            for i, v in enumerate(frames.positions[hand]):
                assert frames.strips[hand][i].value == figure({**setting, hand: v}), f"{setting}, {hand} = {v}"
    assert shown >= 5, f"the strip was complete only {shown} times in 40 moves: the check saw too little"
