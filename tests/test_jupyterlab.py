"""Every chapter in a real JupyterLab, as `make lab` serves it, driven by headless Chromium (issue 15).

One JupyterLab server for the module, started as its own process on a free port with the
project's configuration (.jupyter/: JUPYTER_CONFIG_DIR, the kernel of .jupyter/share) and a
token, over a copy of book/ (running and saving never touch the working tree); its state
(settings, workspaces, runtime files) in a temporary folder. It is stopped by its process.

For every chapter of the "Chapters" part of _toc.yml (sections included), in a fresh browser
context:

* the chapter opens as a notebook by default (jupytext's viewer, from .jupyter/labconfig);
* once its kernel is idle, the tab is not marked modified, and saving it without an edit
  leaves every byte of the .md as it is in the repository;
* its MyST renders: no raw role or directive syntax ({cite}`, {doc}`, ```{...) and no maths
  error in the rendered Markdown;
* after "Run All Cells", every code cell has run, and no output is an error or stderr;
* every live control (ipywidgets slider or dropdown) moved to both ends of its range changes
  the figure of its explorable, and no traceback appears;
* no request leaves 127.0.0.1 (news, update checks, fonts, CDNs...): any other is aborted
  and reported.

Screenshots of the vanishing chapter before and after moving its first control:
_build/test/screenshots/lab-vanishing-before.png and lab-vanishing-after.png.
"""
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BUILD, ROOT

pytestmark = pytest.mark.book

START_TIMEOUT_S = 120
OPEN_TIMEOUT_MS = 120_000
RUN_TIMEOUT_S = 600          # all cells of one chapter
CONTROL_TIMEOUT_S = 30       # one control moved: the kernel draws, the browser shows it
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = BUILD / "screenshots"
# the chapters under test; BPTT_LAB_BOOK=/path/to/a/book/folder tries edited copies first
BOOK = Path(os.environ.get("BPTT_LAB_BOOK") or ROOT / "book")
RAW_MYST = re.compile(r"\{[a-z][a-z:-]*\}`|```\{|:::\{|\(\s*[a-z0-9-]+\s*\)=$", re.M)


def toc_chapters():
    """Stems of the pages of the toc's "Chapters" part, sections included, in order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next(p for p in toc["parts"] if p.get("caption") == "Chapters")

    def walk(entries):
        for entry in entries:
            yield Path(entry["file"]).name
            yield from walk(entry.get("sections", []))

    return list(walk(part["chapters"]))


CHAPTERS = toc_chapters()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_lab(tmp, **extra_env):
    """A JupyterLab server over a copy of the book in ``tmp``, its kernels started with
    ``extra_env``; yields (origin, token, root)."""
    root = tmp / "root"
    root.mkdir()
    shutil.copytree(BOOK, root / "book", ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "jupytext.toml", root / "jupytext.toml")
    (root / "code").symlink_to(ROOT / "code")          # literalinclude ../code/...
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON", "BPTT_"))}
    env.update(JUPYTER_CONFIG_DIR=str(ROOT / ".jupyter"), JUPYTER_PATH=str(ROOT / ".jupyter" / "share"),
               JUPYTER_DATA_DIR=str(tmp / "data"), IPYTHONDIR=str(tmp / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **extra_env)
    env.setdefault("MPLCONFIGDIR", str(ROOT / ".venv" / "mplconfig"))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, "JupyterLab exited:\n" + (tmp / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{origin}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "JupyterLab did not start:\n" + (tmp / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        yield origin, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of the book; yields (origin, token, root)."""
    with serve_lab(tmp_path_factory.mktemp("lab")) as served:
        yield served


# ---------------------------------------------------------------------------------------------
# Helpers on the page

def current_tab(page):
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")


def is_dirty(page):
    return "jp-mod-dirty" in (current_tab(page).get_attribute("class") or "")


def wait_kernel_idle(page, timeout_s):
    """The notebook's kernel connected and idle, as the toolbar's execution indicator says."""
    deadline = time.monotonic() + timeout_s
    seen_connected = False
    while time.monotonic() < deadline:
        status = page.evaluate("""() => {
            const i = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
            const k = document.querySelector('.jp-NotebookPanel .jp-Toolbar-kernelStatus, .jp-KernelStatus');
            return [i ? i.getAttribute('data-status') : null, k ? k.textContent : ''];
        }""")
        if status[0] in ("busy", "initializing", "starting"):
            seen_connected = True
        if status[0] == "idle" and ("Connecting" not in status[1]):
            # the indicator says idle before the kernel is connected too: ask the server
            if seen_connected or kernel_state(page) == "idle":
                return
        time.sleep(0.25)
    raise AssertionError(f"the kernel was not idle within {timeout_s} s")


def kernel_state(page):
    """The execution state of the kernel of the open notebook, from the server's sessions API."""
    return page.evaluate("""async () => {
        const token = new URLSearchParams(location.search).get('token');
        const r = await fetch('/api/sessions?token=' + token);
        const sessions = await r.json();
        return sessions.length ? sessions[0].kernel.execution_state : null;
    }""")


def run_all(page):
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item:visible", has_text=re.compile(r"^Run All Cells")).first.click()


def run_all_and_wait(page):
    """Run all cells and wait until every code cell has run and the kernel is idle; the number of code cells."""
    run_all(page)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        total, done, running = cells_done(page)
        if total and done == total and not running and kernel_state(page) == "idle":
            return total
        assert time.monotonic() < deadline, f"{done} of {total} code cells ran within {RUN_TIMEOUT_S} s"
        time.sleep(0.5)


def cells_done(page):
    """(code cells, code cells with a number in their prompt, any still running)."""
    return page.evaluate("""() => {
        const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
        const texts = prompts.map(p => p.textContent);
        return [texts.length, texts.filter(t => /\\[\\d+\\]/.test(t)).length, texts.some(t => t.includes('*'))];
    }""")


def error_outputs(page):
    return page.evaluate("""() => [...document.querySelectorAll(
            '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],' +
            '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type*="error"],' +
            '.jp-NotebookPanel .jp-RenderedText[data-mime-type*="error"]')]
        .map(e => e.textContent.slice(0, 600))""")


def markdown_problems(page):
    """Raw MyST left in rendered Markdown, and maths that failed to render."""
    found = page.evaluate("""() => {
        const rendered = [...document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell .myst, ' +
                                                      '.jp-NotebookPanel .jp-MarkdownCell .jp-RenderedMarkdown')];
        // jupyterlab-myst marks what it could not render in red (display) or yellow (inline), the
        // reason in a title. It reads no bibliography and sees one notebook only: citations and
        // references to other pages show their key or label, counted apart; anything else (maths
        // errors, unknown directives) is an error.
        const limits = ['Citation Not Found', 'Cross Reference Not Found'];
        const marked = [...document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell .myst :is(.text-red-500, .text-yellow-600)')]
            .map(e => (e.closest('[title]') || e).getAttribute('title') || e.textContent);
        const errors = marked.filter(t => !limits.includes(t));
        const unresolved = marked.length - errors.length;
        return {texts: rendered.map(e => e.innerText), errors, unresolved, count: rendered.length};
    }""")
    raw = sorted({m.group(0) + " in: " + t[max(0, m.start() - 60):m.end() + 40].replace("\n", " ")
                  for t in found["texts"] for m in RAW_MYST.finditer(t)})
    return found, raw


#: runs in the page: what an <img> shows, as a data URL of its pixels (its blob URL changes even
#: when the picture does not), or "loading ..." before it is decoded
IMG_PIXELS_JS = """e => {
    if (!e.complete || !e.naturalWidth) return 'loading ' + e.src;
    const c = document.createElement('canvas');
    [c.width, c.height] = [e.naturalWidth, e.naturalHeight];
    c.getContext('2d').drawImage(e, 0, 0);
    return c.toDataURL(); }"""


def explorable_state(page, cell_index):
    """What the figures of a cell show: the pixels of its visible images (a live explorable keeps
    hidden frames drawn ahead) and canvases."""
    return page.evaluate("""(i) => {
        const pixels = IMG_PIXELS;
        const cell = document.querySelectorAll('.jp-NotebookPanel .jp-Cell')[i];
        const imgs = [...cell.querySelectorAll('.jp-OutputArea img')].filter(e => e.checkVisibility()).map(pixels);
        const canvases = [...cell.querySelectorAll('.jp-OutputArea canvas')].map(c => {
            try { return c.toDataURL(); } catch (e) { return 'tainted'; } });
        return imgs.concat(canvases).join('|');
    }""".replace("IMG_PIXELS", IMG_PIXELS_JS), cell_index)


def controls(page):
    """(cell index, kind, index within the cell) of every live control, in document order."""
    return page.evaluate("""() => {
        const out = [];
        document.querySelectorAll('.jp-NotebookPanel .jp-Cell').forEach((cell, i) => {
            cell.querySelectorAll('.jp-OutputArea .widget-slider .noUi-handle, .jp-OutputArea .widget-hslider .noUi-handle, ' +
                                  '.jp-OutputArea .widget-vslider .noUi-handle')
                .forEach((h, j) => out.push([i, 'slider', j]));
            cell.querySelectorAll('.jp-OutputArea .widget-dropdown select')
                .forEach((s, j) => out.push([i, 'dropdown', j]));
        });
        return out;
    }""")


def control_locator(page, cell_index, kind, j):
    cell = page.locator(".jp-NotebookPanel .jp-Cell").nth(cell_index)
    if kind == "slider":
        return cell.locator(".jp-OutputArea .noUi-handle").nth(j)
    return cell.locator(".jp-OutputArea .widget-dropdown select").nth(j)


def control_value(control, kind):
    return control.get_attribute("aria-valuenow") if kind == "slider" else control.input_value()


def move_to_end(page, control, kind, end):
    """Move a control to one end of its range; its value before and after."""
    before = control_value(control, kind)
    if kind == "slider":
        control.focus()
        page.keyboard.press("Home" if end == "low" else "End")
    else:
        n = control.locator("option").count()
        control.select_option(index=0 if end == "low" else n - 1)
    return before, control_value(control, kind)


def wait_changed(page, cell_index, before):
    """The cell's figure once it differs from ``before`` and the kernel is idle again (or the last seen)."""
    deadline = time.monotonic() + CONTROL_TIMEOUT_S
    state = explorable_state(page, cell_index)
    while time.monotonic() < deadline:
        state = explorable_state(page, cell_index)
        if state != before and kernel_state(page) == "idle":
            time.sleep(0.3)
            return explorable_state(page, cell_index)
        time.sleep(0.1)
    return state


def both_ends(page, cell_index, kind, j):
    """Move one control to its high end, then its low end; the problems seen."""
    control = control_locator(page, cell_index, kind, j)
    control.scroll_into_view_if_needed()
    where = f"cell {cell_index}, {kind} {j}"
    initial = explorable_state(page, cell_index)
    v0, v1 = move_to_end(page, control, kind, "high")
    high = wait_changed(page, cell_index, initial) if v1 != v0 else initial
    _, v2 = move_to_end(page, control, kind, "low")
    if v2 == v1:
        return [f"{where}: the control did not move ({v1} at both ends)"]
    low = wait_changed(page, cell_index, high)
    problems = []
    if not low or low == high:
        problems.append(f"{where}: the figure is the same at both ends of the control ({v2}, {v1})")
    errors = error_outputs(page)
    if errors:
        problems.append(f"{where}: an error appeared at an end of the control:\n{errors[0]}")
    return problems


#: the figure areas of the live explorables in a page (bptt.viz.live_strip): which show a strip of
#: frames drawn ahead (not the frame drawn on request), any tab bar visible, the visible image's pixels
STRIPS_JS = """() => [...document.querySelectorAll('.jp-OutputArea .widget-vbox')].filter(b =>
    b.querySelector(':scope > .bptt-strip')).map(box => {
    const area = box.querySelector(':scope > .bptt-strip > .widget-tab-contents');
    const page = [...area.children].find(e => !e.classList.contains('lm-mod-hidden'));
    const img = [...box.querySelectorAll('img')].find(e => e.checkVisibility());
    return {strip: !!(page && page.classList.contains('bptt-strip')), pixels: img ? (IMG_PIXELS)(img) : null,
            tabs: [...box.querySelectorAll('.lm-TabBar')].some(e => e.checkVisibility())}; })""".replace(
    "IMG_PIXELS", IMG_PIXELS_JS)


def strip_steps(page, timeout_s=120):
    """The first live explorable of the page: within ``timeout_s`` its figure area shows the strip
    of its first slider, drawn ahead by the kernel; an arrow key on that slider then shows another
    frame of the strip (the browser's own switch). The problems seen."""
    deadline = time.monotonic() + timeout_s
    while not (areas := page.evaluate(STRIPS_JS)) or not areas[0]["strip"]:
        if time.monotonic() > deadline:
            return [f"no strip of frames drawn ahead shown {timeout_s} s after running all cells "
                    f"(strips shown: {[a['strip'] for a in areas]})"]
        time.sleep(0.5)
    problems = ["a tab bar is visible in a live explorable"] if any(a["tabs"] for a in areas) else []
    handle = page.locator(".jp-OutputArea .widget-vbox:has(> .bptt-strip) .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 5
    while (now := page.evaluate(STRIPS_JS)[0])["pixels"] == areas[0]["pixels"] and time.monotonic() < deadline:
        time.sleep(0.1)
    if now["pixels"] == areas[0]["pixels"] or not now["strip"]:
        problems.append(f"an arrow key on the slider did not show another frame of its strip: {now['strip']=}")
    return problems


# ---------------------------------------------------------------------------------------------
# The test: one chapter at a time


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_in_jupyterlab(name, lab, browser):
    origin, token, root = lab
    source = BOOK / f"{name}.md"
    if not source.exists():
        pytest.skip(f"book/{name}.md is listed in _toc.yml but not written yet")
    shutil.copy(source, root / "book" / f"{name}.md")     # the chapter as it is now
    context = browser.new_context(viewport=VIEWPORT)
    outside = []

    def guard(route):
        outside.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!(http|ws)://127\.0\.0\.1:\d+/|data:|blob:).*"), guard)
    page = context.new_page()
    page.on("websocket", lambda ws: None if ws.url.startswith("ws://127.0.0.1:") else outside.append(ws.url))
    problems = []
    try:
        # a workspace of its own, reset: the chapter opens with the default viewer of .md
        t0 = time.monotonic()
        page.goto(f"{origin}/lab/workspaces/t-{name}/tree/book/{name}.md?token={token}&reset")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=OPEN_TIMEOUT_MS)
        assert page.locator(".jp-FileEditor").count() == 0, f"{name}.md opened in the text editor, not as a notebook"
        wait_kernel_idle(page, 180)
        time.sleep(1.0)
        print(f"{name}: opened, kernel idle in {time.monotonic() - t0:.1f} s")
        assert not is_dirty(page), f"{name}.md is marked modified as soon as it opens"

        # saving without an edit: every byte as in the repository
        page.locator(".jp-NotebookPanel .jp-Notebook").click(position={"x": 5, "y": 5})
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        time.sleep(2.0)
        saved = (root / "book" / f"{name}.md").read_bytes()
        if saved != source.read_bytes():
            problems.append(f"saving {name}.md without an edit changed it "
                            f"(run `.venv/bin/jupytext --to myst book/{name}.md` to see how)")

        started = time.monotonic()
        total = run_all_and_wait(page)
        print(f"{name}: {total} code cells ran in {time.monotonic() - started:.1f} s")
        errors = error_outputs(page)
        assert not errors, (f"{len(errors)} error or stderr outputs after running all cells:\n"
                            + "\n---\n".join(errors[:3]) + "\n" + "\n".join(problems))

        # the Markdown, all rendered by now (jupyterlab-myst renders asynchronously)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not page.evaluate("""() =>
                document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell').length ===
                document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell .myst').length"""):
            time.sleep(0.5)
        found, raw = markdown_problems(page)
        assert found["count"] > 0, "no rendered Markdown cell found"
        if raw:
            problems.append("raw MyST syntax visible: " + "; ".join(raw[:8]))
        if found["errors"]:
            problems.append(f"{len(found['errors'])} rendering errors in the Markdown, e.g. {found['errors'][0][:160]}")
        if found["unresolved"]:
            print(f"{name}: {found['unresolved']} citations or references to other pages shown by key")

        found_controls = controls(page)
        if name == "vanishing":
            assert found_controls, "the vanishing chapter shows no live control"
            problems += strip_steps(page)
        for k, (cell_index, kind, j) in enumerate(found_controls):
            shot = name == "vanishing" and k == 0
            if shot:
                control_locator(page, cell_index, kind, j).scroll_into_view_if_needed()
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "lab-vanishing-before.png"))
            moved = time.monotonic()
            problems += both_ends(page, cell_index, kind, j)
            print(f"{name}: cell {cell_index} {kind} {j} at both ends in {time.monotonic() - moved:.1f} s")
            if shot:
                page.screenshot(path=str(SCREENSHOTS / "lab-vanishing-after.png"))
        if outside:
            problems.append(f"requests outside 127.0.0.1: {sorted(set(outside))[:10]}")
        assert not problems, f"{name}:\n" + "\n".join(problems)
    finally:
        # the chapter's kernel goes with its page: ten idle kernels would slow the next chapters
        try:
            page.evaluate("""async () => {
                const token = new URLSearchParams(location.search).get('token');
                const sessions = await (await fetch('/api/sessions?token=' + token)).json();
                for (const s of sessions) await fetch('/api/sessions/' + s.id + '?token=' + token, {method: 'DELETE'});
            }""")
        finally:
            context.close()


CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")    # a printed line with words (not numbers or symbols alone)


def test_a_chapter_runs_in_chinese_in_a_chinese_kernel(tmp_path_factory, browser):
    """`BPTT_LANG=zh_CN make lab`: the kernel makes its text in Chinese. The vanishing chapter,
    run in full: its explorable's control labels and its printed lines are in Chinese, and no
    output is an error or stderr (a glyph missing from a figure would be logged there)."""
    with serve_lab(tmp_path_factory.mktemp("lab-zh"), BPTT_LANG="zh_CN") as (origin, token, _):
        context = browser.new_context(viewport=VIEWPORT)
        context.route(re.compile(r"^(?!(http|ws)://127\.0\.0\.1:\d+/|data:|blob:).*"), lambda route: route.abort())
        page = context.new_page()
        try:
            page.goto(f"{origin}/lab/workspaces/t-zh/tree/book/vanishing.md?token={token}&reset")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=OPEN_TIMEOUT_MS)
            wait_kernel_idle(page, 180)
            time.sleep(1.0)
            run_all_and_wait(page)
            errors = error_outputs(page)
            assert not errors, "\n---\n".join(errors[:3])
            seen = page.evaluate("""() => ({
                labels: [...document.querySelectorAll('.jp-OutputArea .widget-label')].map(e => e.textContent),
                printed: [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="text/plain"]')]
                    .map(e => e.textContent)})""")
            assert [x for x in seen["labels"] if CJK.search(x)], f"no control label in Chinese: {seen['labels']}"
            printed = [x for x in seen["printed"] if LATIN_WORD.search(x)]
            assert printed and all(CJK.search(x) for x in printed), printed[:5]
            first = page.locator(".jp-OutputArea .widget-label").first
            first.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "lab-vanishing-zh.png"))
        finally:
            context.close()


def test_every_chapter_of_the_toc_is_checked():
    assert {"notation", "intro_rnn", "vanishing", "gated"} <= set(CHAPTERS), CHAPTERS


def test_lab_fetches_no_news_and_checks_no_update(lab):
    """The server side of "nothing leaves the machine": news and update checks answer empty, at once."""
    import json

    origin, token, _ = lab
    answers = {}
    for api in ("news", "update"):
        started = time.monotonic()
        with urllib.request.urlopen(f"{origin}/lab/api/{api}?token={token}", timeout=30) as r:
            answers[api] = json.load(r)
        assert time.monotonic() - started < 5, f"/lab/api/{api} took as long as a request to the internet"
    assert answers == {"news": {"news": []}, "update": {"notification": None}}, answers
    with urllib.request.urlopen(f"{origin}/lab?token={token}", timeout=30) as r:
        page = r.read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"], config["disabledExtensions"]
