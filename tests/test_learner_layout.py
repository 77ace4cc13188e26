"""Each chapter, as a learner meets it in the browser: short enough, its key result early, the
commentary on the source documents kept in the appendix (issue 12's targets).

Measured in Chromium at 1280 px on the built pages:

* the page is at most MAX_HEIGHT_PX tall;
* a boxed key result (an admonition of class ``key-result``) starts within the first
  KEY_BOX_BY of the page height;
* the chapter's prose (code and maths left out) names a source document (000 … 004, as
  "source 001" or by its file name) at most MAX_SOURCE_MENTIONS times;
* it opens with what the reader needs ("You need") and ends with what they can now do
  ("You should now be able to").
"""

import pytest
from test_browser import serve

pytestmark = pytest.mark.book

CHAPTERS = ["intro_rnn", "ordered_derivatives", "bptt_elman", "rtrl", "truncation", "checkpointing", "vanishing",
            "gated"]
MAX_HEIGHT_PX = 16_000
KEY_BOX_BY = 0.20
MAX_SOURCE_MENTIONS = 5

MEASURE_JS = r"""() => {
  const article = document.querySelector("article") || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll("pre, code, mjx-container, .cell_output, script, style").forEach(e => e.remove());
  const text = prose.textContent;
  const mentions = (text.match(/(?<![\d.\w])00[0-4](?:_[0-9a-f]{16}(?:\.txt)?)?(?![\d.\w])/g) || []).length;
  const box = document.querySelector(".admonition.key-result");
  const height = document.documentElement.scrollHeight;
  return {height, mentions,
          box: box ? (box.getBoundingClientRect().top + window.scrollY) / height : null,
          needs: /You need/.test(text), outcomes: /You should now be able to/.test(text)};
}"""


def measure(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        return page.evaluate(MEASURE_JS)
    finally:
        page.close()


def problems(m):
    out = []
    if m["height"] > MAX_HEIGHT_PX:
        out.append(f"{m['height']} px tall (at most {MAX_HEIGHT_PX})")
    if m["box"] is None:
        out.append("no key-result box (an admonition with :class: key-result)")
    elif m["box"] > KEY_BOX_BY:
        out.append(f"key-result box at {m['box']:.0%} of the page (within the first {KEY_BOX_BY:.0%})")
    if m["mentions"] > MAX_SOURCE_MENTIONS:
        out.append(f"{m['mentions']} mentions of source documents (at most {MAX_SOURCE_MENTIONS}; "
                   "the rest belongs in the appendix Notes on the sources)")
    if not m["needs"]:
        out.append('no "You need" line')
    if not m["outcomes"]:
        out.append('no "You should now be able to" list')
    return out


@pytest.fixture(scope="module")
def measurements(browser, built_html):
    with serve(built_html) as origin:
        return {c: measure(browser, f"{origin}/book/{c}.html") for c in CHAPTERS}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_is_learner_first(measurements, chapter):
    m = measurements[chapter]
    assert not problems(m), f"{chapter}: " + "; ".join(problems(m))


def test_the_measure_flags_a_long_page_a_late_box_and_source_talk(browser, tmp_path):
    filler = "<p>text</p>" * 10
    page = (f"<html><body><article><p>Source 001 says, and source 002 and 003_e507da902bac7dea.txt, "
            f"and 000, and 004, and source 001 again; but 0.004 and 1000 are numbers.</p>"
            f"<div style='height:17000px'>{filler}</div>"
            f"<div class='admonition key-result'>box</div><pre>source 002</pre></article></body></html>")
    (tmp_path / "late.html").write_text(page)
    good = ("<html><body><article><p>You need: calculus.</p><div class='admonition key-result'>box</div>"
            "<div style='height:3000px'></div><p>You should now be able to derive BPTT.</p></article></body></html>")
    (tmp_path / "good.html").write_text(good)
    with serve(tmp_path) as origin:
        late, fine = measure(browser, f"{origin}/late.html"), measure(browser, f"{origin}/good.html")
    assert late["mentions"] == 6 and late["height"] > MAX_HEIGHT_PX and late["box"] > KEY_BOX_BY
    assert len(problems(late)) == 5
    assert problems(fine) == []
