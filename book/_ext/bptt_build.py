"""Sphinx extension for this book's build.

1. Tells notebooks executed by the build that they are in the book build: kernels started by
   the build inherit this process's environment, so ``bptt.viz`` renders the static
   (kernel-free) face of every explorable figure only when the book is built.
2. Offers each chapter's executed notebook (.ipynb) from the page's download menu. The theme
   does this only when a launch service (Binder, JupyterHub...) is configured; this book has none.
3. Drops repeated <script> entries: Sphinx 7.4 lists sphinx-thebe's inline script twice (file
   name None and ''), so every page declared `const THEBE_JS_URL` twice: a SyntaxError in the console.
"""
import os
import shutil
from pathlib import Path


def offer_ipynb(app, pagename, templatename, context, doctree):
    """Copy jupyter_execute/<page>.ipynb next to the page's sources and point the theme at it."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.exists() or not str(context.get("sourcename", "")).endswith((".md", ".md.txt")):
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"   # read by the theme's download buttons (priority 501)


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
    app.connect("html-page-context", offer_ipynb, priority=500)
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
