"""Build both editions of the book, strictly: English, then Chinese from the English execution cache.

    python tools/build_book.py [--out DIR]      (make book; the tests build with --out _build/test)

1. English: ``jupyter-book build . -W -n --keep-going`` into DIR/_build/html (notebooks executed,
   or taken from the execution cache DIR/_build/.jupyter_cache when their code is unchanged).
2. Chinese: the same sources with the configuration of tools/edition_config.py (language zh_CN,
   text from locales/zh_CN/, the English execution cache: nothing is executed again; the search
   splits words with jieba, which is given the glossary's Chinese terms), into
   DIR/_build/zh_CN/_build/html, then copied to DIR/_build/html/zh/.
When no page's code has changed since the last English build that passed (the fingerprint of
every page's code cells and front matter, what the execution cache keys on, is the one stored in
the cache), nothing is executed, and the two editions are built side by side, one per core.
Both builds treat any warning as an error. Exit status: 0 only if both passed.
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from bptt_glossary import search_dictionary  # noqa: E402
from edition_config import write  # noqa: E402

#: the line that opens each edition's part of the build log
HEADER = "== tools/build_book.py: {} edition"
#: a page's code cells (jupytext's MyST format) and its front matter (the kernel)
CODE_CELL = re.compile(r"^(`{3,})\{code-cell\}.*?^\1[ \t]*$", re.M | re.S)
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
#: where the fingerprint of the code the execution cache holds is kept (inside the cache: it goes with it)
STAMP = "bptt-code-cells.sha256"


def code_fingerprint(root=ROOT):
    """sha256 of every page's front matter and code cells (fences, options and source): all that
    the execution cache keys on (jupyter-cache hashes the kernelspec and the code cells with
    their metadata), and more, so that an unchanged fingerprint means nothing to execute."""
    digest = hashlib.sha256()
    book = Path(root) / "book"
    pages = [p for p in book.rglob("*.md")                 # not JupyterLab's .ipynb_checkpoints/ (not built)
             if not any(part.startswith((".", "_")) for part in p.relative_to(book).parts)]
    for page in sorted(pages):
        text = page.read_text(encoding="utf-8")
        found = FRONT_MATTER.match(text)
        digest.update(page.relative_to(root).as_posix().encode() + b"\0")
        digest.update((found[0] if found else "").encode() + b"\0")
        for cell in CODE_CELL.finditer(text):
            digest.update(cell[0].encode() + b"\0")
    return digest.hexdigest()


def nothing_to_execute(cache, fingerprint):
    """True when the cache holds the outputs of this code: the stamp the last English build that
    passed left in it is ``fingerprint``."""
    stamp = Path(cache) / STAMP
    return stamp.is_file() and stamp.read_text().strip() == fingerprint


def jupyter_book():
    jb = Path(sys.executable).with_name("jupyter-book")
    return str(jb) if jb.exists() else "jupyter-book"


def run(title, args):
    """(exit status, output, seconds) of one edition's build."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    t = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode, proc.stdout, time.perf_counter() - t


def report(title, result, log):
    code, output, seconds = result
    text = (HEADER.format(title) + "\n" + output
            + f"\n[{title} edition: exit {code}, {seconds:.0f} s]\n")
    log.write(text)
    sys.stdout.write(text)
    return code


def build(out, log):
    t = time.perf_counter()
    out = Path(out).resolve()
    build = out / "_build"
    cache = build / ".jupyter_cache"
    strict = ["-W", "-n", "--keep-going"]
    english = [jupyter_book(), "build", str(ROOT), *strict, "--path-output", str(out)]
    words = search_dictionary(build / "zh_CN_search_words.txt")      # the glossary's terms stay whole
    config = write("zh_CN", build / "_config_zh_CN.yml", cache=cache, search_dictionary=words)
    zh_out = build / "zh_CN"
    chinese = [jupyter_book(), "build", str(ROOT), *strict, "--config", str(config), "--path-output", str(zh_out)]
    fingerprint = code_fingerprint()
    side_by_side = nothing_to_execute(cache, fingerprint)
    if side_by_side:                  # the Chinese edition reads every output from the cache now
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda job: run(*job), [("English", english), ("Chinese", chinese)]))
        codes = [report(title, r, log) for title, r in zip(["English", "Chinese"], results)]
    else:
        codes = [report("English", run("English", english), log)]
        if not codes[0]:
            (cache / STAMP).write_text(fingerprint + "\n")
            codes.append(report("Chinese", run("Chinese", chinese), log))
    if any(codes):
        return next(code for code in codes if code)
    target = build / "html" / "zh"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(zh_out / "_build" / "html", target)
    how = "side by side (nothing to execute)" if side_by_side else "one after the other"
    line = f"[both editions: {time.perf_counter() - t:.0f} s, built {how}]\n"
    log.write(line)
    sys.stdout.write(line)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT), help="folder whose _build/ receives the book (default: the repository)")
    a = ap.parse_args()
    log_path = Path(a.out) / "_build" / "build.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        sys.exit(build(a.out, log))


if __name__ == "__main__":
    main()
