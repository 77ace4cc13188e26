"""The Chinese edition as built (html/zh/, tools/build_book.py), page by page against the English.

The browser tests (test_browser.py) audit every page of both editions alike (no request off the
book, maths rendered, no TeX source visible, axe, layout); here: the edition's language, that its
chapters read in Chinese, no Markdown or MyST source left in its text, the language switch of
every page, its search index, and a screenshot showing Chinese glyphs.
"""
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")
#: what is not prose: rendered or raw maths, code, cell outputs, the language switch itself
NOT_PROSE = ".math, .MathJax, mjx-container, pre, code, .cell_output, .output, script, style"


def toc_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for e in entries:
            pages.append(e["file"])
            walk(e.get("sections", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    return pages


def chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for c in toc["parts"][0]["chapters"] if c["file"] != "book/notation"]


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article_text(page):
    """The visible prose of a page's article: maths, code, outputs and the switch left out."""
    article = page.select_one("article") or page.body
    for el in article.select(NOT_PROSE):
        el.decompose()
    return article.get_text(" ", strip=True)


@pytest.fixture(scope="module")
def zh(built_html):
    return Path(built_html) / "zh"


def test_every_page_has_a_chinese_edition_in_chinese(built_html, zh):
    for name in toc_pages():
        en, cn = Path(built_html) / f"{name}.html", zh / f"{name}.html"
        assert cn.exists(), f"{name}: no Chinese page {cn}"
        assert soup(cn).html.get("lang") == "zh-CN", f"{name}: <html lang> is {soup(cn).html.get('lang')!r}"
        assert soup(en).html.get("lang") == "en"


@pytest.mark.parametrize("name", chapters())
def test_a_chapter_reads_in_chinese(zh, name):
    text = article_text(soup(zh / f"{name}.html"))
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    assert cjk > 2000, f"{name}: only {cjk} Chinese characters"
    assert cjk > 1.5 * latin, f"{name}: {cjk} Chinese characters against {latin} Latin letters outside maths and code"


def test_no_markdown_or_myst_source_left_in_the_text(zh):
    """A translation that broke its markup shows it: role syntax, asterisks, backticks, $...$."""
    bad = []
    for name in toc_pages():
        text = article_text(soup(zh / f"{name}.html"))
        for pattern in (r"\{(doc|ref|eq|cite|numref|glue:text)\}`", r"\*\*|(?<![\w\s])\*(?=\w)", r"`", r"\$[^$\s]"):
            for m in re.finditer(pattern, text):
                bad.append(f"{name}: ...{text[max(0, m.start() - 40):m.end() + 40]}...")
    assert not bad, "Markdown or MyST source visible in the Chinese text:\n" + "\n".join(bad[:30])


#: words an output may show in both editions: names, code, activations
NAMES = {"lstm", "gru", "rnn", "rnns", "brnn", "bptt", "rtrl", "uoro", "snap", "sgd", "adam", "tanh", "relu", "sigmoid",
         "identity", "softmax", "max", "min", "log", "exp", "inf", "nan", "true", "false", "none", "grads", "grad",
         "params", "blas", "numpy", "float", "elman", "jordan", "pascanu", "bengio", "werbos", "diag", "norm", "sqrt"}
_WORDS = re.compile(r"(?<![\w'\[])[A-Za-z][a-z]{2,}(?![\w'(\]])")


def english_words(text):
    return [w for w in _WORDS.findall(text) if w.lower() not in NAMES]


def test_english_words_are_seen_in_an_output():
    assert english_words("largest relative error 1e-12") == ["largest", "relative", "error"]
    assert english_words("grads['W_hh'] tanh LSTM 最大相对误差 1e-12") == []


def test_cell_outputs_read_in_chinese(built_html, zh):
    """Text a cell makes when it runs (printed lines, figure captions, control labels, alt texts)
    is Chinese in the Chinese edition, English in the English one: the build made it once per
    language (code/bptt/i18n.py) and each edition kept its own (book/_ext/bptt_editions.py)."""
    bad = []
    for name in toc_pages():
        for edition, root in (("en", Path(built_html)), ("zh", zh)):
            page = soup(root / f"{name}.html")
            for out in page.select(".cell_output"):
                html = str(out)
                if "bptt-lang:" in html:
                    bad.append(f"{edition}/{name}: an output keeps the language markers")
                alts = [img.get("alt", "") for img in out.select("img")]
                labels = [el.get("aria-label", "") for el in out.select("[aria-label]")]
                for el in out.select(".math, .MathJax, mjx-container, script, style"):
                    el.decompose()
                text = " ".join([out.get_text(" ", strip=True), *alts, *labels])
                words, chinese = english_words(text), CJK.search(text)
                if edition == "zh" and len(set(words)) > 2 and not chinese:
                    bad.append(f"zh/{name}: English in an output: {' '.join(words[:12])}")
                if edition == "en" and chinese:
                    bad.append(f"en/{name}: Chinese in an output: {text[:80]}")
    assert not bad, "\n".join(bad[:40])


def switch_target(path):
    link = soup(path).select_one("a.bptt-edition-switch")
    assert link is not None, f"{path}: no language switch"
    return (path.parent / link["href"]).resolve(), link


def test_every_page_switches_to_the_same_page_in_the_other_edition_and_back(built_html):
    html = Path(built_html).resolve()
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts
             and "<body" in p.read_text(encoding="utf-8", errors="replace").lower()]
    assert len([p for p in pages if "zh" in p.relative_to(html).parts[:1]]) >= len(toc_pages())
    for page in pages:
        target, link = switch_target(page)
        rel = page.relative_to(html)
        chinese = rel.parts[0] == "zh"
        expected = html / Path(*rel.parts[1:]) if chinese else html / "zh" / rel
        assert target == expected, f"{rel}: the switch leads to {target.relative_to(html)}, not {expected.relative_to(html)}"
        assert target.exists(), f"{rel}: the switch leads to a missing page"
        assert link.get("hreflang") == ("en" if chinese else "zh-CN")
        assert switch_target(target)[0] == page, f"{rel}: the other edition's switch does not lead back"


def test_the_chinese_search_index_holds_chinese_words(zh):
    import json

    index = (zh / "searchindex.js").read_text(encoding="utf-8")
    words = set(json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"])
    for word in ("梯度", "截断", "反向", "传播", "状态"):
        assert word in words, f"{word!r} is not a search term of the Chinese edition"
    # jieba splits words: the index holds many two-character words, not only single characters
    assert sum(len(w) >= 2 and CJK.fullmatch(w[0]) is not None for w in words) > 500


def test_a_screenshot_of_a_chinese_chapter_shows_chinese_glyphs(browser, built_html):
    """The browser draws CJK glyphs in the page's font, not boxes: two different characters
    drawn on a canvas differ (missing glyphs all draw as the same box) and are not blank; the
    screenshot is saved for the eye (_build/test/screenshots/zh-vanishing.png)."""
    from test_browser import serve

    shots = Path(built_html).resolve().parent.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with serve(built_html) as origin:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{origin}/zh/book/vanishing.html", wait_until="networkidle")
        page.screenshot(path=str(shots / "zh-vanishing.png"))
        glyphs = page.evaluate("""() => {
            const family = getComputedStyle(document.querySelector('article p')).fontFamily;
            const c = document.createElement('canvas'); c.width = c.height = 64;
            const x = c.getContext('2d');
            const draw = ch => { x.clearRect(0, 0, 64, 64); x.font = '40px ' + family; x.fillText(ch, 4, 48);
                                 return Array.from(x.getImageData(0, 0, 64, 64).data).join(); };
            return {same: draw('梯') === draw('度'), blank: draw('梯') === draw(' ')};
        }""")
        page.close()
    assert not glyphs["same"] and not glyphs["blank"], f"Chinese characters draw as boxes ({glyphs}): install fonts-noto-cjk"


@pytest.mark.parametrize("name", ["book/vanishing", "book/truncation"])
def test_a_chinese_chapters_figures_are_drawn_in_chinese(built_html, zh, name):
    """Its figures are other drawings than the English page's (their labels are Chinese: the
    build fails on a missing glyph, a matplotlib warning in a cell's stderr), described in Chinese."""
    def figures(path):
        return [(img["src"], img.get("alt", "")) for img in soup(path).select("img.bptt-frame, img.bptt-static")]

    en, cn = figures(Path(built_html) / f"{name}.html"), figures(zh / f"{name}.html")
    assert len(en) == len(cn) > 1, f"{name}: {len(en)} English and {len(cn)} Chinese figures"
    for (src_en, _), (src_zh, alt) in zip(en, cn):
        assert src_en != src_zh, f"{name}: a figure of the Chinese page is the English drawing ({alt[:60]})"
        assert CJK.search(alt), f"{name}: a Chinese figure's alt text is not Chinese: {alt[:80]}"


def test_the_glossary_is_on_the_notation_page_of_both_editions_with_working_links(built_html):
    import sys

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from bptt_glossary import entries

    n = len(entries())
    for page in (Path(built_html) / "book" / "notation.html", Path(built_html) / "zh" / "book" / "notation.html"):
        table = soup(page).select_one("table.bptt-glossary")
        assert table is not None, f"{page}: no glossary table"
        rows = table.select("tbody tr")
        assert len(rows) == n, f"{page}: {len(rows)} rows for {n} entries"
        for row in rows:
            en, zh, where = row.select("td")
            link = where.select_one("a[href]")
            assert link is not None and link.get_text(strip=True), f"{page}: {en.get_text()} has no link"
            target = (page.parent / link["href"].split("#")[0]).resolve() if not link["href"].startswith("#") else page
            assert target.exists(), f"{page}: {en.get_text()} links to a missing {link['href']}"
            assert re.search(r"[\u3400-\u9fff]", zh.get_text()) or zh.get_text() == en.get_text(), \
                f"{page}: {en.get_text()} has no Chinese (only a name may stay as it is)"


def test_a_chinese_doctree_holds_only_its_own_page(built_html):
    """Sphinx parses each translated paragraph as a small document of its own whose settings hold
    the build environment; a translated node that kept it dragged every other page's doctree into
    the page's pickle (20-30 MB a page, and 15 s of loading for a one-page rebuild).
    book/_ext/bptt_editions.py points the nodes back at their page."""
    import pickle

    from docutils import nodes

    build = Path(built_html).parent
    name = "book/sources_notation.doctree"                # much translated prose, no figures
    zh_tree, en_tree = build / "zh_CN" / "_build" / ".doctrees" / name, build / ".doctrees" / name
    doctree = pickle.loads(zh_tree.read_bytes())
    foreign = {id(n._document) for n in doctree.findall(include_self=False)
               if getattr(n, "_document", None) not in (None, doctree)}
    assert not foreign, f"{len(foreign)} translated nodes refer to a document other than their page"
    assert isinstance(doctree, nodes.document)
    assert zh_tree.stat().st_size < 2 * en_tree.stat().st_size


def test_translated_display_maths_shows_its_translation(built_html, zh):
    """Display maths whose translation differs from the English (words in \\text{}) is shown
    translated: Sphinx's own pass turned each such equation into "::" (bptt_editions, 7.)."""
    broken = [p.name for p in sorted((zh / "book").glob("*.html")) if "\\[::\\]" in p.read_text(encoding="utf-8")]
    assert not broken, f"display maths shown as '::' on {broken}"
    page = soup(zh / "book" / "truncation.html")
    recursion = page.select_one("#equation-eq-truncation-recursion").get_text()
    assert "\\text{其中}" in recursion and "\\hat" not in recursion, recursion
    english = soup(Path(built_html) / "book" / "truncation.html")
    assert "\\text{where}" in english.select_one("#equation-eq-truncation-recursion").get_text()


def test_solutions_and_toggles_read_in_chinese(zh):
    """A solution's title names its exercise as the exercise's own title reads (sphinx-exercise
    took the English subtitle), its toggle says 点击显示, and the footer's author is Chinese."""
    page = soup(zh / "book" / "vanishing.html")
    exercise = page.select_one("#ex-vanishing-5").find_parent(class_="exercise") or page.select_one("#ex-vanishing-5")
    shown = exercise.select_one(".admonition-title").get_text(" ", strip=True)
    solutions = [s.select_one(".admonition-title").get_text(" ", strip=True) for s in page.select(".solution")]
    assert "裁剪后的步仍是下降方向" in shown
    assert "解答 练习 8.5 (裁剪后的步仍是下降方向)" in solutions, solutions
    assert "解答 练习 8.3 (ReLU 的上界)" in solutions, solutions
    raw = (zh / "book" / "vanishing.html").read_text(encoding="utf-8")
    assert "toggleHintShow = '点击显示'" in raw and "Click to show" not in raw   # the toggle's words (a script)
    assert "BPTT 教材作者" in page.get_text() and "textbook authors" not in raw
