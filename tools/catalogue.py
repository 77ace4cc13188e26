"""The Chinese edition's message catalogues: extract the English text, update the catalogues, report.

    python tools/catalogue.py update      extract the English messages and update
                                          locales/zh_CN/LC_MESSAGES/book/<page>.po (make translations)
    python tools/catalogue.py status      what is left to translate, page by page

Extraction is Sphinx's gettext builder run by Jupyter Book with the configuration of
tools/edition_config.py ("gettext": nothing executed); ``sphinx-intl update`` then adds new
messages to each page's catalogue, keeps existing translations and marks those whose English
changed as fuzzy. A translator then fills every empty or fuzzy ``msgstr`` (and removes the
``#, fuzzy`` line) and runs ``make test``.

Which messages need a translation (:func:`needs_translation`): every message a reader reads.
Only maths and code are exempt: a display equation (its message starts with a line break, as
MyST writes math blocks), or a message that is nothing but inline maths ``$...$``, code spans,
MyST roles (``{doc}`...```, ``{eq}`...```, ...), digits and punctuation. An exempt message may
still be translated (words in ``\\text{...}`` inside an equation, say).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh_CN"
CATALOGUES = ROOT / "locales" / LANGUAGE / "LC_MESSAGES" / "book"

#: inline maths, code spans and MyST roles (kind, body) in a message: what a translation keeps
MATHS = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
CODE = re.compile(r"``.+?``|`[^`]+`")
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_WORD = re.compile(r"[^\W\d_]{2,}")


def needs_translation(msgid):
    """True unless the message is only maths or code (see the module's docstring)."""
    if not msgid or msgid.startswith("\n"):
        return False
    rest = CODE.sub(" ", MATHS.sub(" ", ROLE.sub(" ", msgid)))
    return bool(_WORD.search(rest))


def read(path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f)


def status(catalogues=CATALOGUES):
    """{page: (untranslated, fuzzy)}: msgids of messages that need a translation and have none,
    and of messages marked fuzzy (their English changed since they were translated)."""
    out = {}
    for po in sorted(Path(catalogues).glob("*.po")):
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


def update(out=ROOT / "_build" / "gettext"):
    pots = extract(out)
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
