"""The Chinese edition's message catalogues: extract the English text, update the catalogues, report.

    python tools/catalogue.py update      extract the English messages and update
                                          locales/zh_CN/LC_MESSAGES/book/<page>.po and code.po
                                          (make translations)
    python tools/catalogue.py status      what is left to translate, page by page

Extraction is Sphinx's gettext builder run by Jupyter Book with the configuration of
tools/edition_config.py ("gettext": nothing executed); ``sphinx-intl update`` then adds new
messages to each page's catalogue, keeps existing translations and marks those whose English
changed as fuzzy. A translator then fills every empty or fuzzy ``msgstr`` (and removes the
``#, fuzzy`` line) and runs ``make test``.

Text made at run time (figure labels, captions, printed lines: ``code/bptt/i18n.py``) is in
``code.po``: :func:`runtime_messages` reads the Python of ``code/bptt`` and of the chapters' code
cells and collects the string literals given to ``t(...)``, ``say(...)`` and ``Msg(...)``, to ``caption=`` and
``label=`` of ``explorable(...)``/``control(...)`` (and a control's second argument), and to
``alt=`` of ``show(...)``.

Which messages need a translation (:func:`needs_translation`): every message a reader reads.
Only maths and code are exempt: a display equation (its message starts with a line break, as
MyST writes math blocks), or a message that is nothing but inline maths ``$...$``, code spans,
MyST roles (``{doc}`...```, ``{eq}`...```, ...), format fields of a run-time message
(``{err:.1e}``), digits and punctuation. An exempt message may
still be translated (words in ``\\text{...}`` inside an equation, say).
"""
import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh_CN"
CATALOGUES = ROOT / "locales" / LANGUAGE / "LC_MESSAGES" / "book"
RUNTIME = CATALOGUES.parent / "code.po"
#: functions whose first argument is a message; keyword arguments that are messages, by function
MESSAGE_FUNCTIONS = ("t", "say", "Msg")
MESSAGE_KEYWORDS = {"explorable": ("caption",), "control": ("label",), "show": ("alt",)}

#: inline maths, code spans and MyST roles (kind, body) in a message: what a translation keeps
MATHS = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
CODE = re.compile(r"``.+?``|`[^`]+`")
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
#: a run-time message's str.format field ("{err:.1e}"), filled in when the message is shown
FIELD = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"[^\W\d_]{2,}")


def needs_translation(msgid):
    """True unless the message is only maths or code (see the module's docstring)."""
    if not msgid or msgid.startswith("\n"):
        return False
    rest = FIELD.sub(" ", CODE.sub(" ", MATHS.sub(" ", ROLE.sub(" ", msgid))))
    return bool(_WORD.search(rest))


def read(path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f)


def status(catalogues=CATALOGUES):
    """{page: (untranslated, fuzzy)}: msgids of messages that need a translation and have none,
    and of messages marked fuzzy (their English changed since they were translated); the
    run-time messages' catalogue (code.po, beside the pages' folder) is the page "code"."""
    out = {}
    runtime = Path(catalogues).parent / "code.po"
    for po in sorted(Path(catalogues).glob("*.po")) + ([runtime] if runtime.exists() else []):
        untranslated, fuzzy = [], []
        for m in read(po):
            if not m.id:
                continue
            if m.fuzzy:
                fuzzy.append(m.id)
            elif not m.string and needs_translation(m.id):
                untranslated.append(m.id)
        out[po.stem] = (untranslated, fuzzy)
    return out


def extract(out):
    """Run the gettext builder over the English sources; returns the folder of <page>.pot files."""
    sys.path.insert(0, str(ROOT / "tools"))
    from edition_config import write

    out = Path(out).resolve()
    shutil.rmtree(out / "_build", ignore_errors=True)       # read every page afresh (a few seconds)
    config = write("gettext", out / "_config_gettext.yml")
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "--config", str(config),
                           "--path-output", str(out), "--builder", "custom", "--custom-builder", "gettext"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"extracting the messages failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return out / "_build" / "gettext" / "book"


def _called(node):
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages_in(source, where):
    """[(message, "where:line")] of the Python ``source`` (see the module's docstring)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name, args = _called(node), []
        if name in MESSAGE_FUNCTIONS and node.args:
            args.append(node.args[0])
        if name == "control" and len(node.args) > 1:
            args.append(node.args[1])
        args += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS.get(name, ())]
        found += [((node.lineno, node.col_offset), text, f"{where}:{node.lineno}") for text in map(_literal, args) if text]
    return [(text, at) for _, text, at in sorted(found, key=lambda f: f[0])]


def chapter_code(path):
    """The code cells of a chapter (book/<page>.md), IPython magics and shell lines blanked."""
    import jupytext

    if "{code-cell}" not in Path(path).read_text(encoding="utf-8"):     # not a notebook
        return
    for cell in jupytext.read(path).cells:
        if cell.cell_type == "code":
            yield "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                            for line in cell.source.split("\n"))


def runtime_messages(root=ROOT):
    """{message: [where, ...]} of the run-time text in code/bptt and in the chapters' cells."""
    found = {}
    sources = [(p, p.read_text(encoding="utf-8")) for p in sorted((Path(root) / "code" / "bptt").rglob("*.py"))]
    sources += [(p, cell) for p in sorted((Path(root) / "book").glob("*.md")) for cell in chapter_code(p)]
    for path, source in sources:
        for text, where in messages_in(source, path.relative_to(root).as_posix()):
            found.setdefault(text, []).append(where)
    return found


def write_runtime_pot(out):
    """Write the run-time messages to ``out``/code.pot."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    cat = Catalog(project="bptt-book", charset="utf-8")
    for text in runtime_messages():
        cat.add(text, flags=("python-format",) if "{" in text else ())
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / "code.pot", "wb") as f:
        write_po(f, cat, width=76, no_location=True)


def update(out=ROOT / "_build" / "gettext"):
    pots = extract(out)
    write_runtime_pot(pots.parent)
    sphinx_intl = Path(sys.executable).with_name("sphinx-intl")
    subprocess.run([str(sphinx_intl), "update", "-p", str(pots.parent), "-l", LANGUAGE, "-d", str(ROOT / "locales")],
                   check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["update", "status"])
    a = ap.parse_args()
    if a.command == "update":
        update()
    left = {p: v for p, v in status().items() if v[0] or v[1]}
    for page, (untranslated, fuzzy) in left.items():
        print(f"{page}.po: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy")
        for m in untranslated + fuzzy:
            print(f"    {m[:100]!r}")
    print("every message is translated" if not left else f"{len(left)} catalogues need work: {CATALOGUES}")


if __name__ == "__main__":
    main()
