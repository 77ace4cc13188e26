"""Sphinx extension for this book's build.

1. Tells notebooks executed by the build that they are in the book build: kernels started by
   the build inherit this process's environment, so ``bptt.viz`` renders the static
   (kernel-free) face of every explorable figure only when the book is built.
2. Offers each chapter's executed notebook (.ipynb), with its outputs, from the page's download
   menu. The theme does this only when a launch service (Binder, JupyterHub...) is configured;
   this book has none. Cells tagged ``solution`` (the practice pages' reference solutions) are
   left out of the offered copy, so a reader downloads the exercise, not its answer.
   MyST-NB 1.4 writes jupyter_execute/<page>.ipynb from the notebook it read, which has outputs
   only when the build executed it: after a prose-only edit the outputs come from the execution
   cache and the file it writes has none. The outputs are merged back from
   the cache here, into jupyter_execute/ and into the offered copy.
3. Drops repeated <script> entries: Sphinx 7.4 lists sphinx-thebe's inline script twice (file
   name None and ''), so every page declared `const THEBE_JS_URL` twice: a SyntaxError in the console.
4. Keeps ipykernel's notice "Kernel is running over TCP without encryption" out of the build log:
   the kernel logs it as WARNING once per executed chapter, although the kernel only listens on
   127.0.0.1 for this build; a reader of the log (strict build: no warnings) would misread it.
   Kernels started by the build read a kernel configuration from an IPython folder of the build's
   own (IPYTHONDIR, under _build/) that filters that one message and nothing else.
5. Gives three of the theme's controls accessible names that contain their visible text (axe-core's
   rule label-content-name-mismatch, WCAG 2.5.3), by editing the written pages:
   the search field button (visible "Search Ctrl+K", named "Search", or in the Chinese edition
   "搜索 Ctrl+K" and "搜索": the name now comes from its
   text), the colour-mode button (its icons' titles "Light"/"Dark"/"System Settings" became visible
   text through Font Awesome's SVGs, unlike its name "Color mode": the icons lose their titles;
   the button keeps its name and tooltip) and the hidden cells' "Show code cell source" toggles
   (named "Toggle hidden content": the name now comes from the visible text).
   The bibliography's entries become list items of its list. Colours: book/_static/bptt-a11y.css.
"""
import os
import re
import shutil
from pathlib import Path

import nbformat

KERNEL_CONFIG = """\
# Written by book/_ext/bptt_build.py for the kernels the book build starts (see its docstring).
import logging


class _NoTcpNotice(logging.Filter):
    def filter(self, record):
        return "Kernel is running over TCP without encryption" not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(_NoTcpNotice())
c.HistoryManager.enabled = False   # no history database in the build folder
"""


def has_outputs(nb):
    return any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def with_cached_outputs(app, nb):
    """``nb`` with the outputs of its matching executed notebook from the execution cache, or None."""
    from jupyter_cache import get_cache

    cache_dir = getattr(app.config, "nb_execution_cache_path", "") or Path(app.outdir).parent / ".jupyter_cache"
    if not Path(cache_dir).is_dir():
        return None
    try:
        _, merged = get_cache(str(cache_dir)).merge_match_into_notebook(nb)
    except KeyError:                                   # not in the cache (e.g. execution switched off)
        return None
    return merged


def without_solutions(nb):
    """``nb`` without its cells tagged ``solution`` (a copy), or None if it has none.

    The practice pages mark their reference solution so (a markdown cell opened by
    ``+++ {"tags": ["solution"]}``): the page shows it, the notebook a reader downloads does not.
    """
    keep = [cell for cell in nb.cells if "solution" not in cell.get("metadata", {}).get("tags", [])]
    if len(keep) == len(nb.cells):
        return None
    out = nbformat.from_dict(nb)
    out.cells = keep
    return out


def offer_ipynb(app, pagename, templatename, context, doctree):
    """Offer jupyter_execute/<page>.ipynb, outputs included, next to the page's sources."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.exists() or not str(context.get("sourcename", "")).endswith((".md", ".md.txt")):
        return
    nb = nbformat.read(executed, as_version=4)
    if not has_outputs(nb) and any(cell.cell_type == "code" for cell in nb.cells):
        merged = with_cached_outputs(app, nb)
        if merged is not None and has_outputs(merged):
            nbformat.write(merged, executed)
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    offered = without_solutions(nbformat.read(target, as_version=4))
    if offered is not None:
        nbformat.write(offered, target)
    context["ipynb_source"] = f"{pagename}.ipynb"   # read by the theme's download buttons (priority 501)


# (pattern, replacement) applied to every written page, see 5. above
ACCESSIBLE_NAMES = [
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    # the sidebar's expander of a page with sections is an icon only (axe: summary-name)
    (re.compile(r'<summary>(<span class="toctree-toggle")'), r'<summary aria-label="Show or hide its sections">\1'),
    (re.compile(r'(<i class="theme-switch [^"]*" data-mode="\w+")\s+title="[^"]*"'), r"\1"),
    (re.compile(r'(<button class="btn search-button-field [^"]*" title="[^"]*") aria-label="[^"]*"'), r"\1"),
    # the bibliography: docutils marks it role="list" with entries role="doc-biblioentry" (a role
    # DPUB-ARIA 1.1 deprecated), so the list has no list items (axe: aria-required-children)
    (re.compile(r'(<div class="citation" [^>]*)role="doc-biblioentry"'), r'\1role="listitem"'),
]


def name_controls_by_their_text(app, exception):
    """Edit the written pages so that the theme's controls are named by what they show."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        if "_static" in page.relative_to(outdir).parts:
            continue
        text = page.read_text(encoding="utf-8")
        new = text
        for pattern, replacement in ACCESSIBLE_NAMES:
            new = pattern.sub(replacement, new)
        if new != text:
            page.write_text(new, encoding="utf-8")


def quiet_kernels(outdir):
    """Point the build's kernels at an IPython folder whose kernel configuration drops the TCP notice."""
    ipython_dir = Path(outdir).parent / ".ipython"
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    if not config.exists() or config.read_text() != KERNEL_CONFIG:
        config.write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical script entries (same file, priority and attributes)."""
    files, seen, keep = context.get("script_files", []), set(), []
    for js in files:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            keep.append(js)
    files[:] = keep


def setup(app):
    os.environ["BPTT_BOOK_BUILD"] = "1"
    quiet_kernels(app.outdir)
    app.connect("html-page-context", offer_ipynb, priority=500)
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    app.connect("build-finished", name_controls_by_their_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
