"""Run-time text in the edition's language (code/bptt/i18n.py and book/_ext/bptt_editions.py).

One execution serves both editions: whatever a cell shows is made once per language in the
book build, each version marked, and each edition keeps its own; in Jupyter only the kernel's
language is made.
"""
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import bptt.i18n as i18n
from bptt.i18n import EachLanguage, Printed, each_language, language, say, t
from bptt.viz import control, explorable
from bptt.viz.fonts import cjk_font

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from bptt_editions import keep_language  # noqa: E402

FAKE = {"lag {k}": "滞后 {k}", "a caption": "一段图注", "gain": "增益", "Figure: {parts}.": "图：{parts}。",
        "{net}, n = {n}": "{net}，n = {n}", "vanilla RNN": "普通 RNN"}


@pytest.fixture
def chinese(monkeypatch):
    """A small Chinese catalogue in place of locales/zh_CN/LC_MESSAGES/code.po."""
    monkeypatch.setitem(i18n._catalogues, "zh_CN", FAKE)


@pytest.fixture
def book_build(monkeypatch):
    monkeypatch.setenv("BPTT_BOOK_BUILD", "1")


def test_t_is_the_english_unless_the_language_has_a_translation(chinese):
    assert t("lag {k}") == "lag {k}"
    with language("zh_CN"):
        assert t("lag {k}").format(k=3) == "滞后 3"
        assert t("not in the catalogue") == "not in the catalogue"
    assert i18n.current() == "en"


def test_bad_language_and_message_are_named():
    with pytest.raises(ValueError, match="language: expected one of en, zh_CN, got 'fr'"):
        with language("fr"):
            pass
    with pytest.raises(TypeError, match="message: expected a str"):
        t(3)


def test_each_language_makes_only_the_current_one_outside_the_build(monkeypatch):
    monkeypatch.delenv("BPTT_BOOK_BUILD", raising=False)
    assert each_language(i18n.current) == {"en": "en"}
    with language("zh_CN"):
        assert each_language(i18n.current) == {"zh_CN": "zh_CN"}


def test_each_language_makes_every_edition_in_the_build(book_build):
    assert each_language(i18n.current) == {"en": "en", "zh_CN": "zh_CN"}


def test_the_build_languages_can_be_listed(book_build, monkeypatch):
    monkeypatch.setenv("BPTT_BUILD_LANGUAGES", "en")
    assert each_language(i18n.current) == {"en": "en"}
    monkeypatch.setenv("BPTT_BUILD_LANGUAGES", "en,fr")
    with pytest.raises(ValueError, match="got 'fr'"):
        each_language(i18n.current)


def test_each_edition_keeps_its_own_blocks():
    text = "<p>x</p>" + i18n.marked({"en": "<b>lag</b>", "zh_CN": "<b>滞后</b>"}) + "<p>y</p>"
    assert keep_language(text, "en") == "<p>x</p><b>lag</b><p>y</p>"
    assert keep_language(text, "zh_CN") == "<p>x</p><b>滞后</b><p>y</p>"
    assert keep_language("<p>unmarked</p>", "zh_CN") == "<p>unmarked</p>"


def test_printed_text_carries_both_languages_in_the_build(chinese, book_build, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    say("lag {k}", k=7)
    (obj,) = shown
    bundle = obj._repr_mimebundle_()
    assert bundle["text/plain"] == "lag 7"
    assert "lag 7" in keep_language(bundle["text/html"], "en") and "滞后" not in keep_language(bundle["text/html"], "en")
    assert "滞后 7" in keep_language(bundle["text/html"], "zh_CN") and "lag 7" not in keep_language(bundle["text/html"], "zh_CN")


def test_printed_text_is_plain_printed_output_in_jupyter(monkeypatch):
    monkeypatch.delenv("BPTT_BOOK_BUILD", raising=False)
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    i18n.printout(lambda: print("a\nb"))
    assert shown[0]._repr_mimebundle_() == {"text/plain": "a\nb"}


def test_each_language_shows_the_current_languages_object():
    both = EachLanguage({"en": Printed("one"), "zh_CN": Printed("一")})
    assert repr(both) == "one"
    with language("zh_CN"):
        assert repr(both) == "一"
    with pytest.raises(ValueError, match="by_lang"):
        EachLanguage({})


def _labelled(fig, gain):
    ax = fig.subplots()
    ax.plot(np.arange(5), gain * np.arange(5))
    ax.set_xlabel(t("lag {k}").format(k="$k$"))


def test_a_chinese_figure_has_every_glyph(chinese, caplog):
    """The CJK font is used in Chinese: no missing glyph, neither matplotlib's warning (an error
    under pytest) nor mathtext's log record (words around inline maths); with the default font
    the same label has missing glyphs."""
    assert cjk_font(), "install a CJK font (Debian: fonts-noto-cjk)"
    with language("zh_CN"):
        fig = Figure(figsize=(3, 2))
        _labelled(fig, 1.0)
        fig.savefig(io.BytesIO(), format="png")
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]
    fig = Figure(figsize=(3, 2))
    fig.subplots().set_xlabel("滞后 $k$")
    fig.savefig(io.BytesIO(), format="png")
    assert [r for r in caplog.records if "does not have a glyph" in r.getMessage()]


def test_an_explorable_is_made_once_per_language_in_the_build(chinese, book_build):
    ex = explorable(_labelled, {"gain": control([1.0, 2.0], label="gain")}, caption="a caption")
    page = ex.static_html()
    en, zh = keep_language(page, "en"), keep_language(page, "zh_CN")
    assert "a caption" in en and "一段图注" not in en and 'aria-label="gain"' in en
    assert "一段图注" in zh and "a caption" not in zh and 'aria-label="增益"' in zh

    def frames(html):
        return html.split('class="bptt-frames">')[1].split("</script>")[0]
    assert frames(en) != frames(zh), "the Chinese frames are drawn with the Chinese labels"


def test_a_static_figure_is_drawn_once_per_language_in_the_build(chinese, book_build, monkeypatch):
    from bptt.viz import show

    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    show(_labelled, (3, 2), 1.0)
    html = shown[0]._repr_mimebundle_()["text/html"]
    assert 'alt="Figure: (x: lag k)."' in keep_language(html, "en")
    assert 'alt="图：(x: 滞后 k)。"' in keep_language(html, "zh_CN")


def test_a_msg_keys_as_its_english_and_is_said_in_the_current_language(chinese):
    """A Msg names a run (a dict key) by its English, and local() says it, nested fields too."""
    import pickle

    from bptt.i18n import Msg, local

    name = Msg("{net}, n = {n}", net=Msg("vanilla RNN"), n=24)
    runs = {name: 0.5}
    assert name == "vanilla RNN, n = 24" and runs["vanilla RNN, n = 24"] == 0.5
    assert local(name) == "vanilla RNN, n = 24" and local("gain") == "gain"
    with language("zh_CN"):
        assert local(name) == "普通 RNN，n = 24"
        assert local("gain") == "增益"                                    # a plain str: t()
        again = pickle.loads(pickle.dumps(name))
        assert again == name and local(again) == "普通 RNN，n = 24"
    with pytest.raises(TypeError, match="msgid: expected a str"):
        Msg(3)
