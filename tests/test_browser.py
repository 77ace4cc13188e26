"""Every built page in headless Chromium, as a reader with no network sees it.

One browser for the session (Debian's /usr/bin/chromium driven by playwright; no browser is ever
downloaded) visits every page of the built book over a localhost server, each page in a fresh
context (empty cache and storage: every visit is a first visit), and records:

* every request and websocket: each must stay on the local server (data: and blob: URLs are
  part of the page); anything else is aborted by a route, so a failure is reported, not hung;
* every console error, page error (uncaught exception) and HTTP error response;
* MathJax: once ``MathJax.startup.promise`` has resolved (initial typesetting done), every
  ``.math`` element holds an ``mjx-container``, no formula is a TeX error, and no raw TeX
  delimiter is left in the text of the article;
* each static explorable (``div.bptt-explorable``): every range input and menu is moved through
  all its values; the frame must follow (the picture of that grid point, decodable), and a
  slider's ``<output>`` label must show the new value;
* no dead widget: nothing rendered from an ipywidgets view, no widget's text repr;
* screenshots for people to look at: BUILD/screenshots/<page>.png (top of the page) and
  <page>-explorable-<i>.png (scrolled to each explorable); viewport-sized, because full-page
  screenshots put the sticky header mid-page.

The page visits happen once (session fixture ``audits``); each test reports one kind of
failure for all pages. The tests at the bottom run the same audit over deliberately broken
pages, to show that every check can fail.
"""
import http.server
import importlib.metadata
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.book

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1200, "height": 900}
TIMEOUT_MS = 20_000
HEADER_PX = 90            # room above an explorable in its screenshot (the theme's sticky header)


# ---------------------------------------------------------------------------------------------
# Serving and visiting


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory):
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield the origin."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(directory)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def book_pages(html_dir):
    """Every page of the build (relative paths), leaving out static assets and redirect stubs."""
    html_dir = Path(html_dir)
    pages = []
    for p in sorted(html_dir.rglob("*.html")):
        if "_static" in p.relative_to(html_dir).parts:
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        if re.search(r'http-equiv="refresh"', text, re.I) and "<body" not in text.lower():
            continue                                     # index.html: a redirect, tested on its own
        pages.append(p.relative_to(html_dir).as_posix())
    return pages


def redirect_target(html_dir):
    """The page html/index.html redirects to (Jupyter Book's landing-page stub)."""
    m = re.search(r'url=([^"\']+)', (Path(html_dir) / "index.html").read_text(), re.I)
    assert m, "html/index.html is not a redirect"
    return m.group(1).strip()


def shot_name(path):
    """Screenshot name of a page: book/intro_rnn.html -> intro_rnn."""
    stem = path[:-len(".html")]
    return (stem[len("book/"):] if stem.startswith("book/") else stem).replace("/", "-")


def is_favicon(url, origin):
    return url.split("?")[0] == f"{origin}/favicon.ico"


@dataclass
class PageReport:
    page: str
    outside: list = field(default_factory=list)          # URLs of requests that left the local server
    http_errors: list = field(default_factory=list)      # "404 http://..."
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    math: dict = field(default_factory=dict)             # see MATH_JS
    explorables: list = field(default_factory=list)      # one dict per explorable, see EXPLORE_JS
    dead_widgets: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    failure: str = ""                                    # the visit itself broke (timeout, crash)
    seconds: float = 0.0

    def math_problems(self):
        m, out = self.math, []
        if m.get("mathElements") and not m.get("mathjax"):
            out.append(f"has {m['mathElements']} maths elements but MathJax never started")
        if m.get("mathjaxError"):
            out.append(f"MathJax failed: {m['mathjaxError']}")
        out += [f'formula not typeset: "{t}"' for t in m.get("untypeset", [])]
        out += [f'TeX error in formula: "{t}"' for t in m.get("texErrors", [])]
        out += [f'raw TeX left in the text: {t}' for t in m.get("rawTex", [])]
        return out

    def explorable_problems(self):
        return [f"explorable {i}: {p}" for i, ex in enumerate(self.explorables, 1) for p in ex["problems"]]


def record_request(rep, origin, url):
    scheme = urlsplit(url).scheme
    if scheme in ("data", "blob", "about"):
        return True
    local = url == origin or url.startswith(origin + "/")
    if not local and url not in rep.outside:
        rep.outside.append(url)
    return local


def record_console(rep, origin, msg):
    if msg.type != "error":
        return
    where = msg.location.get("url", "")
    # Chromium may ask a host for /favicon.ico by itself (seen in trials with pages sharing a
    # context); the book links no favicon (Sphinx adds one only with html_favicon), so that 404 is
    # the browser's habit, not the book's fault. Only that exact resource is ignored: any other
    # missing file is an error (test_console_filter_ignores_only_the_favicon).
    if is_favicon(where, origin) and msg.text.startswith("Failed to load resource"):
        return
    rep.console_errors.append(f"{msg.text} (at {where}:{msg.location.get('lineNumber', '?')})")


def route_local_only(origin, route):
    if route.request.url.startswith(origin + "/") or urlsplit(route.request.url).scheme in ("data", "blob"):
        route.continue_()
    else:
        route.abort("blockedbyclient")                  # reported by the request listener


# Runs in the page. Waits for MathJax's initial typesetting, then looks for formulas that were
# not typeset or are TeX errors, and for TeX delimiters left in the article's text. All text
# nodes count, hidden ones too (a collapsed solution is still read), except code, scripts and
# MathJax's own output.
MATH_JS = r"""async () => {
  const out = {mathElements: document.querySelectorAll(".math").length, mathjax: false,
               untypeset: [], texErrors: [], rawTex: []};
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try {
      await MathJax.startup.promise;
      out.mathjax = true;
      for (const item of MathJax.startup.document.math) {
        const mml = MathJax.startup.toMML(item.root);
        // \frac{a} gives <merror>; an undefined macro \foo gives <mtext mathcolor="red">\foo</mtext>
        if (/<merror/.test(mml) || /<mtext mathcolor="red">\\/.test(mml)) out.texErrors.push(item.math);
      }
    } catch (e) { out.mathjaxError = String(e); }
  }
  for (const el of document.querySelectorAll(".math"))
    if (!el.querySelector("mjx-container")) out.untypeset.push(el.textContent.trim().slice(0, 120));
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  const raw = /\\\(|\\\[|\$\$|\\begin\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$/g;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && node.parentElement.closest(skip)) continue;
    for (const m of node.textContent.matchAll(raw))
      out.rawTex.push(`${m[0]} in "${
        node.textContent.slice(Math.max(0, m.index - 30), m.index + 50).replace(/\s+/g, " ").trim()}"`);
  }
  return out;
}"""

# Runs in the page: what an ipywidgets view (or its text repr) would leave in place of the
# static face of an explorable. The book uses no other widgets (bptt.viz.explorable only).
DEAD_WIDGET_JS = r"""() => {
  const out = [];
  const visible = el => el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
  for (const el of document.querySelectorAll(
      ".jupyter-widgets, .jupyter-widgets-view, .widget-container, .widget-area, .widget-subarea, .widget-inline-hbox"))
    if (visible(el)) out.push(`visible widget element <${el.tagName.toLowerCase()} class="${el.className}">`);
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  if (views)
    out.push(`${views} ipywidgets view output(s) (application/vnd.jupyter.widget-view+json) instead of a static face`);
  for (const el of document.querySelectorAll(".cell_output pre, .output pre")) {
    const t = el.textContent.trim();
    if (/^(interactive|VBox|HBox|Box|IntSlider|FloatSlider|SelectionSlider|Dropdown|Output|Image|Play)\(/.test(t)
        || t.startsWith("<explorable figure"))
      out.push(`a widget's text repr instead of a static face: ${t.slice(0, 100)}`);
  }
  if (/Loading widget/i.test(document.body.innerText)) out.push("'Loading widget...' is shown");
  return out;
}"""

# Runs in the page, on one div.bptt-explorable: moves every control through all its values the
# way a reader would (a range input fires "input", a menu "change") and checks after each move
# that the frame is the picture of the new grid point (the frames are in the page as JSON, in
# row-major order: the last control fastest), that it decodes, and that a slider's <output>
# shows the new value. Puts every control back where it was.
EXPLORE_JS = r"""async (root) => {
  const problems = [];
  const img = root.querySelector("img.bptt-frame");
  const inputs = Array.from(root.querySelectorAll(".bptt-controls input[type=range], .bptt-controls select"));
  if (!img) return {controls: inputs.length, moves: 0, problems: ["no img.bptt-frame"]};
  if (!inputs.length) problems.push("no range input or menu in .bptt-controls");
  const framesEl = root.querySelector("script.bptt-frames");
  const frames = framesEl ? JSON.parse(framesEl.textContent) : null;
  const isMenu = el => el.tagName === "SELECT";
  const min = el => isMenu(el) ? 0 : Number(el.min || 0);
  const sizes = inputs.map(el => isMenu(el) ? el.options.length : Number(el.max) - min(el) + 1);
  const pos = el => isMenu(el) ? el.selectedIndex : Number(el.value) - min(el);
  const flat = () => inputs.reduce((k, el, i) => k * sizes[i] + pos(el), 0);
  const name = el => (el.closest("label") ? el.closest("label").firstChild.textContent : el.name || "?").trim();
  const output = el => { const o = el.closest("label") && el.closest("label").querySelector("output");
                         return o ? o.textContent : null; };
  const total = sizes.reduce((a, b) => a * b, 1);
  if (frames && frames.length !== total)
    problems.push(`${frames.length} frames for a ${sizes.join("x")} grid of controls`);
  const check = async (what) => {
    try { await img.decode(); } catch (e) { problems.push(`${what}: the frame does not decode as an image`); }
    if (frames && img.getAttribute("src") !== "data:image/png;base64," + frames[flat()])
      problems.push(`${what}: the figure is not frame ${flat()} of the grid`);
  };
  const move = (el, v) => {
    if (isMenu(el)) { el.selectedIndex = v; el.dispatchEvent(new Event("change", {bubbles: true})); }
    else { el.value = String(min(el) + v); el.dispatchEvent(new Event("input", {bubbles: true})); }
  };
  await check("at the start");
  let moves = 0;
  for (const [i, el] of inputs.entries()) {
    const start = pos(el), n = sizes[i];
    const texts = !isMenu(el) && el.dataset.texts ? JSON.parse(el.dataset.texts) : null;
    const valueText = v => isMenu(el) ? el.options[v].text : texts ? texts[v] : `position ${v}`;
    if (n < 2) continue;
    for (let step = 1; step < n; step++) {
      const v = (start + step) % n, what = `${name(el)} moved to ${valueText(v)} (position ${v} of ${n})`;
      const before = {src: img.getAttribute("src"), label: output(el)};
      const stride = sizes.slice(i + 1).reduce((a, b) => a * b, 1);
      const expectChange = !frames || frames[flat()] !== frames[flat() + (v - pos(el)) * stride];
      move(el, v); moves++;
      await check(what);
      if (expectChange && img.getAttribute("src") === before.src) problems.push(`${what}: the figure did not change`);
      if (!isMenu(el)) {
        if (output(el) === null) problems.push(`${what}: the slider has no <output> label`);
        else if (texts && output(el) !== texts[v])
          problems.push(`${what}: the label shows ${JSON.stringify(output(el))}, not ${JSON.stringify(texts[v])}`);
        else if (!texts && output(el) === before.label) problems.push(`${what}: the label did not change`);
      }
    }
    move(el, start);
  }
  await check("back at the start");
  return {controls: inputs.length, moves, problems};
}"""


def local_context(browser, origin):
    """A fresh browser context in which every request off the local server is aborted."""
    context = browser.new_context(viewport=VIEWPORT)
    # only what is not on the local server is routed (and aborted): local requests never take the
    # detour through this Python process
    context.route(re.compile(rf"^(?!{re.escape(origin)}/|data:|blob:)"), partial(route_local_only, origin))
    return context


def audit_page(browser, origin, path, shots=None):
    """Visit ``origin/path`` in a fresh context and return a PageReport (screenshots into ``shots``)."""
    rep = PageReport(path)
    t0 = time.perf_counter()
    context = local_context(browser, origin)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", lambda r: record_request(rep, origin, r.url))
        page.on("websocket", lambda ws: record_request(rep, origin, ws.url))
        page.on("response", lambda r: r.status >= 400 and not is_favicon(r.url, origin)
                and rep.http_errors.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: record_console(rep, origin, m))
        page.on("pageerror", lambda e: rep.page_errors.append(f"{e.name}: {e.message}"))
        page.goto(f"{origin}/{path}", wait_until="networkidle")
        rep.math = page.evaluate(MATH_JS)
        rep.dead_widgets = page.evaluate(DEAD_WIDGET_JS)
        if shots:
            rep.screenshots.append(Path(shots) / f"{shot_name(path)}.png")
            page.screenshot(path=rep.screenshots[-1])
        for i, root in enumerate(page.query_selector_all("div.bptt-explorable"), 1):
            if shots:
                root.evaluate(f"el => scrollTo(0, el.getBoundingClientRect().top + scrollY - {HEADER_PX})")
                rep.screenshots.append(Path(shots) / f"{shot_name(path)}-explorable-{i}.png")
                page.screenshot(path=rep.screenshots[-1])
            rep.explorables.append(root.evaluate(EXPLORE_JS))
    except Exception as exc:                             # noqa: BLE001 -- reported by test_every_page_loads
        rep.failure = f"{type(exc).__name__}: {exc}"
    finally:
        context.close()
    rep.seconds = time.perf_counter() - t0
    return rep


def report(reports, problems_of):
    """One line per (page, problem), for assertion messages."""
    return "\n".join(f"{r.page}: {p}" for r in reports for p in problems_of(r))


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: install Debian's package (apt-get install -y chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def book_site(built_html):
    with serve(built_html) as origin:
        yield origin


@pytest.fixture(scope="session")
def screenshot_dir(built_html):
    """BUILD/screenshots, BUILD being the folder that holds _build/html (_build/test under `make test`)."""
    shots = Path(built_html).resolve().parent.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):                      # no stale picture of a page that is gone
        old.unlink()
    return shots


@pytest.fixture(scope="session")
def audits(browser, book_site, built_html, screenshot_dir):
    pages = book_pages(built_html)
    assert any(p.startswith("book/") for p in pages), f"no chapter pages under {built_html}/book"
    names = [shot_name(p) for p in pages]
    assert len(set(names)) == len(names), f"two pages would share a screenshot name: {sorted(names)}"
    return [audit_page(browser, book_site, p, screenshot_dir) for p in pages]


# ---------------------------------------------------------------------------------------------
# The built book


def test_landing_page_redirect_lands_on_a_built_page(browser, book_site, built_html):
    target = redirect_target(built_html)
    assert target in book_pages(built_html), f"html/index.html redirects to {target}, which is not a built page"
    context = local_context(browser, book_site)
    try:
        page = context.new_page()
        page.goto(f"{book_site}/index.html")
        page.wait_for_url(f"{book_site}/{target}", timeout=TIMEOUT_MS)
    finally:
        context.close()


def test_every_page_loads(audits):
    assert not any(r.failure for r in audits), report(audits, lambda r: [r.failure] if r.failure else [])


def test_the_book_has_maths_and_explorables_to_check(audits):
    # guards the checks below against passing on nothing (the introduction shows an explorable)
    assert any(r.math.get("mathElements") for r in audits), "no page has maths"
    assert any(r.explorables for r in audits), "no page has a static explorable (div.bptt-explorable)"
    assert all(ex["moves"] > 0 for r in audits for ex in r.explorables), "an explorable has no control to move"


def test_no_request_leaves_localhost(audits):
    assert not any(r.outside for r in audits), "requests outside the local server (blocked):\n" + report(
        audits, lambda r: r.outside)


def test_no_console_error_page_error_or_missing_file(audits):
    def problems(r):
        return ([f"console error: {m}" for m in r.console_errors] + [f"page error: {m}" for m in r.page_errors]
                + [f"HTTP {m}" for m in r.http_errors])

    assert not any(problems(r) for r in audits), report(audits, problems)


def test_mathjax_rendered_and_no_raw_tex(audits):
    assert not any(r.math_problems() for r in audits), report(audits, PageReport.math_problems)


def test_every_static_explorable_responds_to_its_controls(audits):
    assert not any(r.explorable_problems() for r in audits), report(audits, PageReport.explorable_problems)


def test_no_dead_widget(audits):
    assert not any(r.dead_widgets for r in audits), report(audits, lambda r: r.dead_widgets)


def test_screenshots_saved(audits):
    for r in (r for r in audits if not r.failure):      # a failed visit is reported by test_every_page_loads
        assert len(r.screenshots) == 1 + len(r.explorables), f"{r.page}: {r.screenshots}"
        for shot in r.screenshots:
            assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{r.page}: no PNG at {shot}"


# ---------------------------------------------------------------------------------------------
# The checks can fail: the same audit over deliberately broken pages (no book build needed)

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><main><article class="bd-article">{body}</article></main></body></html>"""
MATHJAX_HEAD = """<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>
<script defer src="_static/mathjax/tex-chtml.js"></script>"""


def draw_line(fig, slope, style):
    fig.clear()
    fig.add_subplot().plot([0, 1, 2], [0, slope, 2 * slope], style)


def explorable_html():
    from bptt.viz import control, explorable

    ex = explorable(draw_line, {"slope": control([0.5, 1.0, 2.0], label="slope"), "style": ["-", "o--"]},
                    default={"slope": 1.0}, figsize=(3, 2), dpi=40)
    return ex.static_html()


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory):
    """A folder of small pages: one good, two broken in every way the audit knows."""
    root = tmp_path_factory.mktemp("pages")
    mathjax = Path(importlib.metadata.distribution("sphinx-mathjax-offline").locate_file(
        "sphinx-mathjax-offline/static/mathjax"))
    assert (mathjax / "tex-chtml.js").is_file(), f"no MathJax in the sphinx-mathjax-offline package at {mathjax}"
    (root / "_static").mkdir()
    (root / "_static" / "mathjax").symlink_to(mathjax, target_is_directory=True)
    good = explorable_html()
    uid = re.search(r'id="(bx-\w+)"', good).group(1)
    dead_js = re.sub(r"<script>\(function\(\).*?</script>", "", good.replace(uid, uid + "d"), flags=re.S)  # no code
    wrong_frame = good.replace(uid, uid + "w").replace("k=k*sizes[i]+v", "k=v")                    # wrong frame
    assert "<script>(function" not in dead_js and "k=v" in wrong_frame, "explorable's script changed: update this test"
    (root / "good.html").write_text(PAGE.format(title="good", head=MATHJAX_HEAD, body=f"""
<p>Inline <span class="math notranslate nohighlight">\\(h_t = f(z_t)\\)</span> and a display:</p>
<div class="math notranslate nohighlight">\\[z_t = W_{{hx}} x_t + W_{{hh}} h_{{t-1}} + b_h\\]</div>
<div class="cell_output"><pre>label = r"$\\alpha$ costs $$ and \\(" # code may hold TeX</pre></div>
{good}"""))
    cdn_script = '<script src="https://cdn.example.org/lib.js"></script>'
    (root / "broken.html").write_text(PAGE.format(title="broken", head=cdn_script, body=f"""
<p>Inline <span class="math notranslate nohighlight">\\(h_t = f(z_t)\\)</span> never typeset,
and $$a = b$$ left raw in the prose, and $\\alpha$ too.</p>
{dead_js}
{wrong_frame}
<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">{{"model_id": "0"}}</script>
<div class="jupyter-widgets widget-container widget-box">a dead slider</div>
<pre>interactive(children=(FloatSlider(value=0.9, description='rho'), Output()))</pre></div>
<img src="missing.png" alt="">
<script>console.error("deliberate console error"); throw new Error("deliberate page error");</script>"""))
    (root / "texerror.html").write_text(PAGE.format(title="tex errors", head=MATHJAX_HEAD, body="""
<p><span class="math">\\(\\frac{a}\\)</span> and <span class="math">\\(\\undefinedmacro x\\)</span>
and <span class="math">\\(a+b\\)</span></p>"""))
    return root


@pytest.fixture(scope="module")
def sample_site(sample_pages):
    with serve(sample_pages) as origin:
        yield origin


def test_audit_passes_a_good_page(browser, sample_site, tmp_path):
    r = audit_page(browser, sample_site, "good.html", tmp_path)
    assert not r.outside and not r.console_errors and not r.page_errors and not r.http_errors, r
    assert r.math["mathjax"] and r.math["mathElements"] == 2 and not r.math_problems(), r.math
    assert len(r.explorables) == 1 and r.explorables[0]["controls"] == 2, r.explorables
    assert r.explorables[0]["moves"] == 3, "slope through 2 other values, style through 1"
    assert not r.explorable_problems() and not r.dead_widgets, r
    assert [p.name for p in r.screenshots] == ["good.png", "good-explorable-1.png"]
    assert all(p.stat().st_size > 1000 for p in r.screenshots)


def test_audit_flags_a_broken_page(browser, sample_site):
    r = audit_page(browser, sample_site, "broken.html")
    assert r.outside == ["https://cdn.example.org/lib.js"], r.outside
    assert any("deliberate console error" in m for m in r.console_errors), r.console_errors
    assert any("deliberate page error" in m for m in r.page_errors), r.page_errors
    assert any(m.startswith("404 ") and m.endswith("/missing.png") for m in r.http_errors), r.http_errors
    math = "\n".join(r.math_problems())
    assert "MathJax never started" in math and 'formula not typeset: "\\(h_t = f(z_t)\\)"' in math, math
    assert 'raw TeX left in the text: $$ in "never typeset, and $$a = b$$ left raw' in math, math
    assert "raw TeX left in the text: $\\alpha$ in" in math, math
    dead_js, wrong_frame = ("\n".join(ex["problems"]) for ex in r.explorables)
    assert "slope moved to 2 (position 2 of 3): the figure did not change" in dead_js, dead_js
    assert 'slope moved to 2 (position 2 of 3): the label shows "1", not "2"' in dead_js, dead_js
    assert "style moved to o-- (position 1 of 2): the figure did not change" in dead_js, dead_js
    assert "style moved to o-- (position 1 of 2): the figure is not frame 3 of the grid" in wrong_frame, wrong_frame
    dead = "\n".join(r.dead_widgets)
    assert "visible widget element" in dead and "widget-view+json" in dead and "text repr" in dead, dead


def test_audit_flags_tex_errors(browser, sample_site):
    r = audit_page(browser, sample_site, "texerror.html")
    assert r.math["mathjax"] and not r.math["untypeset"], r.math
    assert sorted(r.math["texErrors"]) == ["\\frac{a}", "\\undefinedmacro x"], r.math


def test_audit_blocks_and_reports_a_request_made_at_run_time(browser, sample_pages, sample_site):
    (sample_pages / "fetch.html").write_text(PAGE.format(title="fetch", head="", body="""
<script>fetch("https://example.org/data.json").catch(() => {});
new Image().src = "//example.org/pixel.gif";</script>"""))
    r = audit_page(browser, sample_site, "fetch.html")
    assert sorted(r.outside) == ["http://example.org/pixel.gif", "https://example.org/data.json"], r.outside


def test_console_filter_ignores_only_the_favicon():
    from types import SimpleNamespace as Msg

    origin, rep = "http://127.0.0.1:8000", PageReport("p.html")
    missing = "Failed to load resource: the server responded with a status of 404 (File not found)"
    record_console(rep, origin, Msg(type="error", text=missing, location={"url": f"{origin}/favicon.ico"}))
    assert rep.console_errors == []
    record_console(rep, origin, Msg(type="error", text=missing, location={"url": f"{origin}/book/favicon.ico"}))
    record_console(rep, origin, Msg(type="error", text="TypeError: x", location={"url": f"{origin}/favicon.ico"}))
    record_console(rep, origin, Msg(type="warning", text="just a warning", location={"url": f"{origin}/a.js"}))
    assert len(rep.console_errors) == 2 and "book/favicon.ico" in rep.console_errors[0], rep.console_errors
