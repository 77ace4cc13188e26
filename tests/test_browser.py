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
* then, with every dropdown opened (solutions, toggles, <details>): no TeX source visible outside
  rendered maths and code; every table row as many cells as its header; no <pre> (hidden cells
  left out) wider than its box at 1280 px; the smallest text of every figure (static images and
  every frame of every explorable, read from the bptt:min_font_px PNG chunk that bptt.viz writes)
  at least 9 CSS px as displayed; no overlapping legends or text boxes (bptt:overlaps chunk);
  no serious or critical axe-core violation (axe.min.js from the axe-playwright-python package);
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
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.book

VIEWPORT = {"width": 1280, "height": 900}   # the width at which code must fit its box (issue 11, C.3)
TIMEOUT_MS = 20_000
HEADER_PX = 90            # room above an explorable in its screenshot (the theme's sticky header)
MIN_FIGURE_TEXT_PX = 9    # the smallest text a reader sees in a figure, in CSS px as displayed
# axe-core findings that fail a page; "label-content-name-mismatch" is experimental in axe (off by
# default) and is switched on explicitly
AXE_FAILING_IMPACTS = ("serious", "critical")
AXE_OPTIONS = {"rules": {"label-content-name-mismatch": {"enabled": True}}, "resultTypes": ["violations"],
               "preload": False}   # no CSSOM fetches (they requested /basic.css from the server root)


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
    visible_tex: list = field(default_factory=list)      # TeX source a reader sees, dropdowns opened
    table_rows: list = field(default_factory=list)       # rows whose cell count differs from the header's
    wide_pre: list = field(default_factory=list)         # <pre> blocks that scroll sideways
    wide_math: list = field(default_factory=list)        # display equations wider than the column
    figures: list = field(default_factory=list)          # figure images whose text is too small, or unmeasured
    overlaps: list = field(default_factory=list)         # frames in which legends or text boxes overlap
    n_figures: int = 0                                   # PNG images measured (explorable frames included)
    axe: list = field(default_factory=list)              # serious or critical axe-core violations
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
    # no exemption: the book has a favicon (_config.yml), so not even /favicon.ico may be missing
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


# Runs in the page: opens everything a reader can open (sphinx-togglebutton dropdowns such as the
# exercises' solutions, and every <details>, hidden code cells included), then waits for MathJax.
OPEN_ALL_JS = r"""async () => {
  for (const b of document.querySelectorAll("button.toggle-button")) {
    const target = document.getElementById(b.dataset.target || "");
    if (target && target.classList.contains("toggle-hidden")) b.click();
  }
  for (const d of document.querySelectorAll("details")) d.open = true;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; if (MathJax.typesetPromise) await MathJax.typesetPromise(); }
    catch (e) {}
  }
  return document.querySelectorAll(".toggle-hidden").length;
}"""

# Runs in the page, everything opened: TeX source a reader sees outside rendered maths and code
# (a dollar sign, or a backslash command such as \frac or \partial), in visible text only.
VISIBLE_TEX_JS = r"""() => {
  const out = [];
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const skip = "pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight";
  const tex = /\$|\\[A-Za-z]+/g;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    for (const m of node.textContent.matchAll(tex)) {
      const where = node.textContent.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\s+/g, " ").trim();
      out.push(`${m[0]} in "${where}"`);
    }
  }
  return out;
}"""

# Runs in the page: every table row (head and body) has as many cells as the table's header row.
TABLE_ROWS_JS = r"""() => {
  const out = [];
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const width = row => Array.from(row.cells).reduce((n, c) => n + (c.colSpan || 1), 0);
  Array.from(article.querySelectorAll("table")).forEach((table, t) => {
    const rows = Array.from(table.rows);
    if (!rows.length) return;
    const head = table.tHead && table.tHead.rows.length ? table.tHead.rows[0] : rows[0];
    const n = width(head);
    rows.forEach((row, r) => {
      if (width(row) !== n)
        out.push(`table ${t + 1}, row ${r + 1}: ${width(row)} cells, the header has ${n}: "${
          Array.from(row.cells, c => c.textContent.replace(/\s+/g, " ").trim()).join(" | ").slice(0, 80)}"`);
    });
  });
  return out;
}"""

# Runs in the page: <pre> blocks wider than their box (the reader would scroll sideways), hidden
# code cells (details.hide, opened only by this audit) left out. Names the block's first line.
WIDE_PRE_JS = r"""() => {
  const out = [];
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  Array.from(article.querySelectorAll("pre")).forEach((pre, i) => {
    if (pre.closest("details.hide") || !pre.checkVisibility()) return;
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const line = pre.textContent.split("\n").find(l => l.trim()) || "";
      out.push(`<pre> ${i + 1} is ${pre.scrollWidth} px wide in a ${pre.clientWidth} px box; first line: "${
        line.trim().slice(0, 80)}"`);
    }
  });
  return out;
}"""

# Runs in the page: display equations wider than the column (MathJax lets them scroll sideways or
# spill over the margin; the reader loses the end of the formula). Names the equation's start.
WIDE_MATH_JS = r"""() => {
  const out = [];
  document.querySelectorAll('mjx-container[display="true"]').forEach((c, i) => {
    const m = c.querySelector("mjx-math");
    if (!m || !c.checkVisibility()) return;
    const width = Math.ceil(m.getBoundingClientRect().width);
    if (width > c.clientWidth + 1 || c.scrollWidth > c.clientWidth + 1) {
      out.push(`display maths ${i + 1} is ${Math.max(width, c.scrollWidth)} px wide in a ${c.clientWidth} px column: "${
        (c.textContent || "").slice(0, 60)}"`);
    }
  });
  return out;
}"""

# Runs in the page: every PNG figure as displayed (its URL, or its base64 for data: images, with
# displayed and natural width) and every explorable's frames (base64) with the width its frame is
# shown at. The explorable's current frame is one of its frames, so it is not listed twice.
FIGURES_JS = r"""() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const images = [];
  Array.from(article.querySelectorAll("img")).forEach((img, i) => {
    if (img.closest("div.bptt-explorable")) return;
    const src = img.getAttribute("src") || "";
    const data = src.startsWith("data:image/png;base64,");
    if (!data && !/\.png([?#].*)?$/i.test(src)) return;
    images.push({where: `image ${i + 1}`, shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
                 url: data ? null : img.src, png: data ? src.slice(22) : null});
  });
  const explorables = Array.from(document.querySelectorAll("div.bptt-explorable")).map((root, i) => {
    const img = root.querySelector("img.bptt-frame"), frames = root.querySelector("script.bptt-frames");
    return {where: `explorable ${i + 1}`, shown: img ? img.getBoundingClientRect().width : 0,
            frames: frames ? JSON.parse(frames.textContent) : []};
  });
  return {images, explorables};
}"""

# Runs in the page, last (it changes the page): axe-core over the page with every dropdown open.
# MathJax's output is 80 % of a chapter's elements and made axe take a minute a page; it is
# replaced by its text first (the formulas' own accessibility is MathJax's assistive MathML).
AXE_JS = r"""async (options) => {
  // a just-opened hidden cell fades in (MyST-NB's 0.3 s animation): judge its colours at the end
  for (const a of document.getAnimations()) a.finish();
  for (const m of document.querySelectorAll("mjx-container"))
    m.replaceWith(document.createTextNode(m.textContent.slice(0, 20) || "x"));
  const result = await axe.run(document, options);
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                               summary: (n.failureSummary || "").replace(/\s+/g, " ").slice(0, 200)}))}));
}"""


@lru_cache(maxsize=1)
def axe_source():
    """axe-core's axe.min.js, as bundled by the axe-playwright-python package (no network)."""
    return (Path(importlib.metadata.distribution("axe-playwright-python").locate_file(
        "axe_playwright_python")) / "axe.min.js").read_text(encoding="utf-8")


def png_measures(data):
    """(natural width, min_font_px, overlaps) of a PNG made by bptt.viz (None where a chunk is missing).

    bptt.viz writes the smallest text size in image pixels ("bptt:min_font_px") and the list of
    overlapping legends and text boxes ("bptt:overlaps", JSON) into tEXt chunks at render time.
    """
    import io
    import json

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        text = dict(getattr(im, "text", {}) or {})
        width = im.size[0]
    font = text.get("bptt:min_font_px")
    overlaps = text.get("bptt:overlaps")
    return width, (float(font) if font is not None else None), (json.loads(overlaps) if overlaps is not None else None)


def figure_problems(found, fetch):
    """Check the figures FIGURES_JS found; ``fetch(url)`` returns a file image's bytes.

    Returns (number of PNGs measured, problems with text size, problems with overlaps).
    """
    import base64

    small, overlapping, n = [], [], 0

    def check(where, data, shown):
        nonlocal n
        n += 1
        width, font, overlaps = png_measures(data)
        if font is None:
            small.append(f"{where}: no bptt:min_font_px chunk (every figure must be made by bptt.viz)")
        elif not shown:
            small.append(f"{where}: not displayed (width 0), its text size cannot be checked")
        elif font * shown / width < MIN_FIGURE_TEXT_PX:
            small.append(f"{where}: smallest text {font * shown / width:.1f} CSS px as displayed (< "
                         f"{MIN_FIGURE_TEXT_PX}): {font:g} px in a {width} px image shown {shown:.0f} px wide")
        if overlaps is None:
            overlapping.append(f"{where}: no bptt:overlaps chunk (every figure must be made by bptt.viz)")
        elif overlaps:
            overlapping.append(f"{where}: {'; '.join(map(str, overlaps))}")

    for img in found["images"]:
        data = base64.b64decode(img["png"]) if img["png"] is not None else fetch(img["url"])
        check(img["where"], data, img["shown"])
    for ex in found["explorables"]:
        if not ex["frames"]:
            small.append(f"{ex['where']}: no frames")
        for k, frame in enumerate(ex["frames"]):
            check(f"{ex['where']}, frame {k}", base64.b64decode(frame), ex["shown"])
    return n, small, overlapping


def fetch_bytes(url):
    from urllib.request import urlopen

    with urlopen(url, timeout=TIMEOUT_MS / 1000) as r:
        return r.read()


def axe_problems(violations):
    """One line per (serious or critical rule, element) of axe-core's violations."""
    return [f"axe {v['impact']} {v['id']} ({v['help']}): {n['target']} {n['html']}"
            for v in violations if v["impact"] in AXE_FAILING_IMPACTS for n in v["nodes"]]


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
        page.on("response", lambda r: r.status >= 400 and rep.http_errors.append(f"{r.status} {r.url}"))
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
        # the page as a reader who opens every dropdown and solution sees it
        page.evaluate(OPEN_ALL_JS)
        rep.visible_tex = page.evaluate(VISIBLE_TEX_JS)
        rep.table_rows = page.evaluate(TABLE_ROWS_JS)
        rep.wide_pre = page.evaluate(WIDE_PRE_JS)
        rep.wide_math = page.evaluate(WIDE_MATH_JS)
        rep.n_figures, rep.figures, rep.overlaps = figure_problems(page.evaluate(FIGURES_JS), fetch_bytes)
        page.add_script_tag(content=axe_source())
        rep.axe = axe_problems(page.evaluate(AXE_JS, AXE_OPTIONS))
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


def test_no_tex_source_visible_with_every_dropdown_open(audits):
    # solutions and hidden cells opened; maths that did not render shows its TeX (issue 11, C.1, C.2)
    assert not any(r.visible_tex for r in audits), "TeX source visible outside rendered maths and code:\n" + report(
        audits, lambda r: r.visible_tex)


def test_every_table_row_has_as_many_cells_as_its_header(audits):
    assert not any(r.table_rows for r in audits), report(audits, lambda r: r.table_rows)


def test_no_code_block_scrolls_sideways_at_1280px(audits):
    assert not any(r.wide_pre for r in audits), f"at {VIEWPORT['width']} px (hidden cells left out):\n" + report(
        audits, lambda r: r.wide_pre)


def test_no_display_equation_is_wider_than_the_column_at_1280px(audits):
    assert not any(r.wide_math for r in audits), f"at {VIEWPORT['width']} px (break long displays into lines):\n" + report(
        audits, lambda r: r.wide_math)


def test_figure_text_is_legible_as_displayed(audits):
    # every static figure and every frame of every explorable, from the bptt:min_font_px chunk
    assert sum(r.n_figures for r in audits) > 0, "no figure measured: is the figure check looking right?"
    assert not any(r.figures for r in audits), report(audits, lambda r: r.figures)


def test_no_legends_or_text_boxes_overlap_in_any_frame(audits):
    assert not any(r.overlaps for r in audits), report(audits, lambda r: r.overlaps)


def test_axe_finds_no_serious_or_critical_violation(audits):
    assert not any(r.axe for r in audits), report(audits, lambda r: r.axe)


def test_screenshots_saved(audits):
    for r in (r for r in audits if not r.failure):      # a failed visit is reported by test_every_page_loads
        assert len(r.screenshots) == 1 + len(r.explorables), f"{r.page}: {r.screenshots}"
        for shot in r.screenshots:
            assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{r.page}: no PNG at {shot}"


# ---------------------------------------------------------------------------------------------
# The checks can fail: the same audit over deliberately broken pages (no book build needed)

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><main><article class="bd-article">{body}</article></main></body></html>"""
MATHJAX_HEAD = """<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>
<script defer src="_static/mathjax/tex-chtml.js"></script>"""


def draw_line(fig, slope, style):
    fig.clear()
    fig.add_subplot().plot([0, 1, 2], [0, slope, 2 * slope], style)


def explorable_html():
    from bptt.viz import control, explorable

    ex = explorable(draw_line, {"slope": control([0.5, 1.0, 2.0], label="slope"), "style": ["-", "o--"]},
                    default={"slope": 1.0}, figsize=(3, 2), dpi=96)
    return ex.static_html()


def png_with_chunks(width, height, **chunks):
    """A PNG of the given size carrying tEXt chunks (what bptt.viz writes), as base64."""
    import base64
    import io

    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key.replace("_", ":", 1) if key.startswith("bptt_") else key, value)
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG", pnginfo=info)
    return base64.b64encode(buf.getvalue()).decode()


# What a reader must not meet: TeX left in a solution and a hidden <details>, a table row short of
# a cell, a code line wider than its box, figure text too small or unmeasured, overlapping legends
# in an explorable frame, controls named unlike their text, faint text.
LAYOUT_BROKEN_BODY = """<style>.toggle-hidden {{ display: none }}</style>
<div class="solution dropdown admonition" id="sol-1"><p class="admonition-title">Solution
<button type="button" class="toggle-button" data-target="sol-1-body">open</button></p>
<div id="sol-1-body" class="toggle-hidden"><p>so $\\partial^+ L/\\partial h_1 = \\frac{{a}}{{b}}$ holds</p></div></div>
<script>document.querySelector(".toggle-button").addEventListener("click", () =>
  document.getElementById("sol-1-body").classList.remove("toggle-hidden"));</script>
<details><summary>More</summary><p>a closed \\alpha here</p></details>
<table><thead><tr><th>symbol</th><th>meaning</th><th>code</th></tr></thead>
<tbody><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>gamma</td><td>sup</td></tr></tbody></table>
<div style="width: 300px"><pre style="overflow-x: auto">short = 1
a_very_long_line_of_code = some_function(with_many, arguments, that_do_not_fit_in, three_hundred_px)</pre></div>
<details class="hide"><summary>hidden cell</summary><div style="width: 300px">
<pre style="overflow-x: auto">hidden_cells_are_left_out = some_function(with_many, arguments, that_do_not_fit)</pre></div></details>
<img src="data:image/png;base64,{plain}" alt="a plot not made by bptt.viz">
<img src="data:image/png;base64,{small}" alt="small text" style="width: 300px">
<div class="bptt-explorable"><img class="bptt-frame" src="data:image/png;base64,{frame0}" alt="frames"
 style="width: 400px"><script type="application/json" class="bptt-frames">["{frame0}", "{frame1}"]</script></div>
<button aria-label="Close">Open the menu</button>
<p style="color: #bbbbbb; background: #ffffff">faint text</p>"""


def layout_broken_body():
    return LAYOUT_BROKEN_BODY.format(
        plain=png_with_chunks(600, 300),
        small=png_with_chunks(600, 300, bptt_min_font_px="12", bptt_overlaps="[]"),          # 6 CSS px at 300 px
        frame0=png_with_chunks(400, 200, bptt_min_font_px="10", bptt_overlaps="[]"),
        frame1=png_with_chunks(400, 200, bptt_min_font_px="10",
                               bptt_overlaps='["legend of the left axes overlaps legend of the right axes"]'))


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
    (root / "layout.html").write_text(PAGE.format(title="layout", head="", body=layout_broken_body()))
    (root / "texerror.html").write_text(PAGE.format(title="tex errors", head=MATHJAX_HEAD, body="""
<p><span class="math">\\(\\frac{a}\\)</span> and <span class="math">\\(\\undefinedmacro x\\)</span>
and <span class="math">\\(a+b\\)</span></p>
<div style="width: 300px"><div class="math">\\[a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11}
+ a_{12} + a_{13} + a_{14} + a_{15} + a_{16} + a_{17} + a_{18}\\]</div></div>"""))
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
    assert not (r.visible_tex or r.table_rows or r.wide_pre or r.wide_math or r.overlaps or r.axe), r
    assert r.n_figures == 6 and not r.figures, ("the explorable's six frames, each legible", r.figures)
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


def test_audit_flags_what_a_reader_sees_wrong(browser, sample_site):
    r = audit_page(browser, sample_site, "layout.html")
    assert not r.failure, r.failure
    tex = "\n".join(r.visible_tex)
    for needle in ["$ in", "\\partial in", "\\frac in", "\\alpha in"]:
        assert needle in tex, f"{needle!r} not flagged:\n{tex}"
    assert r.table_rows == ['table 1, row 3: 2 cells, the header has 3: "gamma | sup"'], r.table_rows
    assert len(r.wide_pre) == 1 and 'first line: "short = 1"' in r.wide_pre[0], r.wide_pre
    figures = "\n".join(r.figures)
    assert r.n_figures == 4, "two images and the explorable's two frames"
    assert "image 1: no bptt:min_font_px chunk" in figures, figures
    assert "image 2: smallest text 6.0 CSS px as displayed" in figures, figures
    assert "explorable" not in figures, "10 px in a 400 px frame shown 400 px wide is legible"
    assert r.overlaps == ["image 1: no bptt:overlaps chunk (every figure must be made by bptt.viz)",
                          "explorable 1, frame 1: legend of the left axes overlaps legend of the right axes"], r.overlaps
    axe = "\n".join(r.axe)
    assert "label-content-name-mismatch" in axe and "color-contrast" in axe, axe


def test_audit_flags_tex_errors(browser, sample_site):
    r = audit_page(browser, sample_site, "texerror.html")
    assert r.math["mathjax"] and not r.math["untypeset"], r.math
    assert sorted(r.math["texErrors"]) == ["\\frac{a}", "\\undefinedmacro x"], r.math
    assert len(r.wide_math) == 1 and "px column" in r.wide_math[0], r.wide_math   # the long sum in 300 px


def test_audit_blocks_and_reports_a_request_made_at_run_time(browser, sample_pages, sample_site):
    (sample_pages / "fetch.html").write_text(PAGE.format(title="fetch", head="", body="""
<script>fetch("https://example.org/data.json").catch(() => {});
new Image().src = "//example.org/pixel.gif";</script>"""))
    r = audit_page(browser, sample_site, "fetch.html")
    assert sorted(r.outside) == ["http://example.org/pixel.gif", "https://example.org/data.json"], r.outside


def test_console_records_every_error_the_favicon_included():
    from types import SimpleNamespace as Msg

    origin, rep = "http://127.0.0.1:8000", PageReport("p.html")
    missing = "Failed to load resource: the server responded with a status of 404 (File not found)"
    record_console(rep, origin, Msg(type="error", text=missing, location={"url": f"{origin}/favicon.ico"}))
    record_console(rep, origin, Msg(type="error", text="TypeError: x", location={"url": f"{origin}/a.js"}))
    record_console(rep, origin, Msg(type="warning", text="just a warning", location={"url": f"{origin}/a.js"}))
    assert len(rep.console_errors) == 2 and "favicon.ico" in rep.console_errors[0], rep.console_errors
