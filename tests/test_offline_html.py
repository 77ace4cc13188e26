"""The built HTML needs nothing from another host: a static scan of every page and stylesheet.

What a page *loads* must be inside the build: scripts, stylesheets, preloads, icons, images,
frames and CSS ``url()``/``@import``. Ordinary ``<a href>`` hyperlinks (to papers, to the
sources) are fine: the reader follows them, the page does not fetch them. Inline JavaScript is
not scanned for URL strings (sphinx-thebe's inert ``THEBE_JS_URL`` constant names a CDN but is
only fetched on a live-code click the book does not offer); what scripts fetch at run time is
the browser test's job (``test_browser.py`` records every request).

The tests at the bottom feed the checks deliberately broken pages, to show that each can fail.
"""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

# A <link> with one of these rel tokens makes the browser fetch (or connect to) its href.
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch", "icon",
                "shortcut", "apple-touch-icon", "manifest", "mask-icon"}
# Attributes through which any other element loads something (img, script, iframe, video, ...).
LOADING_ATTRS = {"src", "srcset", "data", "poster", "background"}
# SVG elements that load their href (inline SVG in an output).
SVG_LOADING_TAGS = {"image", "use", "feimage", "script"}

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)     # http://, https://, //host, ws://
CSS_URL = re.compile(r"""url\(\s*['"]?\s*([^'")\s]+)|@import\s+['"]([^'"]+)['"]""", re.I)
WIDGET_JS = re.compile(r"require(?:\.min)?\.js|@jupyter-widgets|html-manager|embed-amd|jupyter-widgets", re.I)

# Budget for <script src> tags per page. A page of this book with maths (Jupyter Book 1.0.4,
# sphinx-book-theme 1.3) loads 16 scripts: Sphinx's 3 (documentation_options, doctools,
# sphinx_highlight), copybutton's 2, the theme's 4 (bootstrap, pydata, fontawesome,
# sphinx-book-theme), togglebutton, design-tabs, sphinx-thebe, the search's 3 (searchtools,
# language_data, searchindex) and MathJax's tex-chtml.js; a page without maths 15. The trap this
# guards against (Jupyter Book 1 adds a tag for EVERY .js file under a _static path) adds 69 tags
# for MathJax's own files alone, so 25 leaves room for a few more extensions and still fails
# loudly on the trap.
MAX_SCRIPT_SRC = 25
# Budget for all <script> tags, not counting the two each explorable brings (its frames as JSON
# and its few lines of code), which grow with the chapter's content. Real pages have 25-29: the
# 15-16 above plus 10-13 small inline ones (theme mode, toggle-button texts, the thebe and
# MathJax configuration, DOCUMENTATION_OPTIONS, the widget-state JSON of a page whose notebook
# used ipywidgets). 40 leaves room for a few more and still fails loudly on the trap.
MAX_SCRIPTS = 40


def built_pages(html_dir):
    """Every .html file of the build except its static assets."""
    return sorted(p for p in Path(html_dir).rglob("*.html") if "_static" not in p.relative_to(html_dir).parts)


class Tags(HTMLParser):
    """The tags of one page with their attributes, and the text of its <style> and <script> elements."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.styles, self.scripts = [], [], []   # scripts: (attrs, inline text)
        self._in = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        self.tags.append((tag, attrs))
        if tag in ("style", "script"):
            self._in = (tag, attrs, [])

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): (v or "") for k, v in attrs}))

    def handle_data(self, data):
        if self._in:
            self._in[2].append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            kind, attrs, text = self._in
            (self.styles.append("".join(text)) if kind == "style" else self.scripts.append((attrs, "".join(text))))
            self._in = None


def css_external_urls(css):
    """The url(...) and @import targets in a piece of CSS that point at another host."""
    return [a or b for a, b in CSS_URL.findall(css) if EXTERNAL.match(a or b)]


def external_loads(text):
    """Everything the page would fetch from another host, as readable strings ('' list: none)."""
    page = Tags(text)
    found = []
    for tag, attrs in page.tags:
        if tag == "link":
            rels = set(attrs.get("rel", "").lower().split())
            if rels & LOADING_RELS and EXTERNAL.match(attrs.get("href", "")):
                found.append(f'<link rel="{attrs["rel"]}" href="{attrs["href"]}">')
        elif tag in ("a", "area"):
            continue                                     # hyperlinks are followed by the reader, not loaded
        else:
            for name in LOADING_ATTRS & attrs.keys():
                urls = [u.strip().split(" ")[0] for u in attrs[name].split(",")] if name == "srcset" else [attrs[name]]
                found += [f'<{tag} {name}="{u}">' for u in urls if EXTERNAL.match(u)]
            if tag in SVG_LOADING_TAGS:
                for name in ("href", "xlink:href"):
                    if EXTERNAL.match(attrs.get(name, "")):
                        found.append(f'<{tag} {name}="{attrs[name]}">')
            if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
                target = attrs.get("content", "").partition("url=")[2]
                if EXTERNAL.match(target):
                    found.append(f'<meta http-equiv="refresh" content="{attrs["content"]}">')
        if "style" in attrs:
            found += [f'style="...url({u})..." on <{tag}>' for u in css_external_urls(attrs["style"])]
    for css in page.styles:
        found += [f"<style> ... url({u})" for u in css_external_urls(css)]
    return found


def local_target(page, url, html_dir):
    """The file a relative URL of ``page`` points at (query and fragment dropped)."""
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    base = Path(html_dir) if path.startswith("/") else page.parent
    return (base / path.lstrip("/")).resolve()


def has_maths(text):
    return bool(re.search(r"""class=["'][^"']*\bmath\b""", text))


def mathjax_problems(page, text, html_dir):
    """A page with maths must load MathJax from its edition's _static/mathjax (the build's, or
    zh/_static/mathjax for the Chinese edition's pages), and only from there."""
    tags = Tags(text)
    edition = Path(html_dir) / "zh" if page.resolve().is_relative_to((Path(html_dir) / "zh").resolve()) else Path(html_dir)
    mathjax_dir = (edition / "_static" / "mathjax").resolve()
    srcs = [a["src"] for a, _ in tags.scripts if "mathjax" in a.get("src", "").lower()]
    problems = []
    if has_maths(text) and not srcs:
        problems.append("has maths but loads no MathJax script")
    for src in srcs:
        target = local_target(page, src, html_dir)
        if EXTERNAL.match(src) or mathjax_dir not in target.parents:
            problems.append(f"loads MathJax from {src!r}, not from _static/mathjax")
        elif not target.is_file():
            problems.append(f"loads MathJax from {src!r}, which is not in the build")
    for attrs, body in tags.scripts:                    # a MathJax configuration may redirect its loader
        if "src" not in attrs and "MathJax" in body and re.search(r"(https?:)?//[\w.-]+\.\w", body):
            problems.append(f"the inline MathJax configuration names a URL: {body[:200]!r}")
    return problems


def widget_manager_scripts(text):
    """<script src> of require.js or the Jupyter widget manager (both come from CDNs, both useless offline)."""
    return [a["src"] for a, _ in Tags(text).scripts if WIDGET_JS.search(a.get("src", ""))]


def script_counts(text):
    """(number of <script src> tags, number of all <script> tags not belonging to explorables)."""
    scripts = Tags(text).scripts
    n_src = sum("src" in a for a, _ in scripts)
    n_explorables = len(re.findall(r'<div class="bptt-explorable"', text))
    return n_src, len(scripts) - 2 * n_explorables


def missing_local_assets(page, text, html_dir):
    """Local scripts and stylesheets the page names that are not in the build."""
    tags = Tags(text)
    urls = [a["src"] for a, _ in tags.scripts if a.get("src")]
    urls += [a.get("href", "") for t, a in tags.tags if t == "link" and "stylesheet" in a.get("rel", "").split()]
    return [u for u in urls if u and not EXTERNAL.match(u) and not u.startswith(("data:", "blob:"))
            and not local_target(page, u, html_dir).is_file()]


def report(problems):
    """Readable assertion message: one line per (page, problem)."""
    return "\n".join(f"{page}: {p}" for page, ps in problems.items() for p in ps)


# ---------------------------------------------------------------------------------------------
# The built book


@pytest.fixture(scope="module")
def pages(built_html):
    found = built_pages(built_html)
    assert any(p.relative_to(built_html).parts[0] == "book" for p in found), f"no chapter pages under {built_html}/book"
    return {p.relative_to(built_html).as_posix(): (p, p.read_text(encoding="utf-8")) for p in found}


def test_no_page_loads_anything_from_another_host(pages):
    problems = {name: external_loads(text) for name, (_, text) in pages.items()}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, "pages that would fetch from another host:\n" + report(problems)


def test_no_stylesheet_loads_from_another_host(built_html):
    sheets = sorted(Path(built_html).rglob("*.css"))
    assert sheets, "the build has no stylesheets at all?"
    problems = {css.relative_to(built_html).as_posix(): css_external_urls(css.read_text("utf-8", errors="replace"))
                for css in sheets}
    problems = {k: [f"url({u})" for u in v] for k, v in problems.items() if v}
    assert not problems, "stylesheets that fetch from another host:\n" + report(problems)


def test_mathjax_is_served_from_static_mathjax(pages, built_html):
    assert (Path(built_html) / "_static" / "mathjax").is_dir(), "the build has no _static/mathjax"
    assert any(has_maths(text) for _, text in pages.values()), "no page has maths: is the maths check looking right?"
    problems = {name: mathjax_problems(page, text, built_html) for name, (page, text) in pages.items()}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, report(problems)


def test_no_requirejs_or_widget_manager(pages):
    problems = {name: widget_manager_scripts(text) for name, (_, text) in pages.items()}
    problems = {k: [f"<script src={s!r}>" for s in v] for k, v in problems.items() if v}
    assert not problems, "pages that load require.js or the Jupyter widget manager:\n" + report(problems)


def test_script_tags_stay_few(pages):
    problems = {}
    for name, (_, text) in pages.items():
        n_src, n_all = script_counts(text)
        if n_src > MAX_SCRIPT_SRC or n_all >= MAX_SCRIPTS:
            problems[name] = [f"{n_src} <script src> tags (budget {MAX_SCRIPT_SRC}), {n_all} <script> tags besides "
                              f"the explorables' (budget < {MAX_SCRIPTS}): is a .js folder under a _static path?"]
    assert not problems, report(problems)


def test_every_local_script_and_stylesheet_exists(pages, built_html):
    problems = {name: missing_local_assets(page, text, built_html) for name, (page, text) in pages.items()}
    problems = {k: [f"names {u!r}, which is not in the build" for u in v] for k, v in problems.items() if v}
    assert not problems, report(problems)


# ---------------------------------------------------------------------------------------------
# The checks can fail: deliberately broken pages (no build needed)

BROKEN = """<!DOCTYPE html><html><head>
<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
<script src="//unpkg.com/@jupyter-widgets/html-manager@^1.0.1/dist/embed-amd.js"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js"></script>
<link rel="stylesheet" href="https://cdnjs.cloudflare.com/ajax/libs/font-awesome/4.4.0/css/font-awesome.min.css">
<link rel="preload" as="font" href="//fonts.example.org/f.woff2">
<link rel="icon" href="http://example.org/favicon.ico">
<style>@import "https://fonts.example.org/css"; body { background: url('//example.org/bg.png') }</style>
<script>window.MathJax = {loader: {paths: {mathjax: "https://cdn.example.org/mathjax"}}}</script>
<script src="_static/not-there.js"></script>
</head><body>
<p><span class="math">\\(x\\)</span> and <a href="https://doi.org/10.1109/5.58337">Werbos 1990</a>
<img src="http://example.org/fig.png"> <img srcset="a.png 1x, https://example.org/b.png 2x">
<div style="background-image: url(https://example.org/x.png)"></div>
<svg><image href="https://example.org/s.png"/></svg></p></body></html>"""

GOOD = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="_static/site.css"><link rel="canonical" href="https://example.org/book/">
<script>window.MathJax = {"tex": {"macros": {"R": "\\\\mathbb{R}"}}}</script>
<script defer src="_static/mathjax/tex-chtml.js"></script>
</head><body><p><span class="math">\\(x\\)</span> <a href="https://doi.org/10.1109/5.58337">Werbos</a>
<img src="data:image/png;base64,iVBORw0KGgo="> <img src="_images/fig.png"></p>
<div class="bptt-explorable"><script type="application/json" class="bptt-frames">[]</script><script>1</script></div>
</body></html>"""


@pytest.fixture
def fake_build(tmp_path):
    html = tmp_path / "html"
    (html / "_static" / "mathjax").mkdir(parents=True)
    (html / "_static" / "mathjax" / "tex-chtml.js").write_text("// stand-in")
    (html / "_static" / "site.css").write_text("body { background: url(../_images/bg.png) }")
    (html / "broken.html").write_text(BROKEN)
    (html / "good.html").write_text(GOOD)
    return html


def test_scan_flags_every_kind_of_external_load():
    found = "\n".join(external_loads(BROKEN))
    for needle in ["cdn.jsdelivr.net/npm/mathjax", "unpkg.com/@jupyter-widgets", "require.min.js",
                   "font-awesome.min.css", "fonts.example.org/f.woff2", "example.org/favicon.ico",
                   "fonts.example.org/css", "//example.org/bg.png", "example.org/fig.png", "example.org/b.png",
                   "example.org/x.png", "example.org/s.png"]:
        assert needle in found, f"the scan missed {needle!r}; it found:\n{found}"
    assert "doi.org" not in found, "a hyperlink is not a load"
    assert external_loads(GOOD) == []


def test_scan_flags_stylesheets_that_fetch_from_another_host():
    assert css_external_urls("@import url(https://fonts.googleapis.com/css?family=Lato); a { b: url(x.png) }") == [
        "https://fonts.googleapis.com/css?family=Lato"]
    assert css_external_urls("a { background: url('../_images/bg.png') }") == []


def test_mathjax_check_flags_a_cdn_mathjax_and_a_redirected_loader(fake_build):
    problems = "\n".join(mathjax_problems(fake_build / "broken.html", BROKEN, fake_build))
    assert "not from _static/mathjax" in problems and "inline MathJax configuration names a URL" in problems
    no_mathjax = re.sub(r"<script[^>]*mathjax[^>]*></script>", "", GOOD)
    assert mathjax_problems(fake_build / "good.html", no_mathjax, fake_build) == [
        "has maths but loads no MathJax script"]
    assert mathjax_problems(fake_build / "good.html", GOOD, fake_build) == []


def test_a_chinese_page_loads_mathjax_from_its_own_edition(fake_build):
    (fake_build / "zh" / "_static" / "mathjax").mkdir(parents=True)
    (fake_build / "zh" / "_static" / "mathjax" / "tex-chtml.js").write_text("// stand-in")
    (fake_build / "zh" / "book").mkdir()
    page = fake_build / "zh" / "book" / "good.html"
    own = GOOD.replace('src="_static/mathjax', 'src="../_static/mathjax')
    other = GOOD.replace('src="_static/mathjax', 'src="../../_static/mathjax')
    assert mathjax_problems(page, own, fake_build) == []
    assert "not from _static/mathjax" in "\n".join(mathjax_problems(page, other, fake_build))


def test_widget_manager_check_flags_requirejs_and_the_html_manager():
    assert len(widget_manager_scripts(BROKEN)) == 2
    assert widget_manager_scripts(GOOD) == []


def test_script_budget_flags_the_static_folder_trap():
    # what Jupyter Book 1 does to a page when MathJax's files sit under _static: a tag per .js file
    trap = GOOD.replace("</head>", "".join(f'<script src="_static/mathjax/part{i}.js"></script>' for i in range(69))
                        + "</head>")
    n_src, n_all = script_counts(trap)
    assert n_src > MAX_SCRIPT_SRC and n_all >= MAX_SCRIPTS
    assert script_counts(GOOD) == (1, 2), "the MathJax config and script count, the explorable's two tags do not"


def test_missing_asset_check_flags_a_file_not_in_the_build(fake_build):
    assert missing_local_assets(fake_build / "broken.html", BROKEN, fake_build) == ["_static/not-there.js"]
    assert missing_local_assets(fake_build / "good.html", GOOD, fake_build) == []
