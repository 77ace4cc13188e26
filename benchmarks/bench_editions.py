"""What the Chinese edition costs the build: both editions against the English alone, cold and after a prose edit.

    python benchmarks/bench_editions.py [--keep DIR]

Works on a copy of the repository's sources (book/, code/, locales/, tools/, the configuration) in
a temporary folder, so nothing here touches the working tree or its _build/:

  English     the English book as it would be without a Chinese edition: a cold English build
              whose cells make their run-time text (figures, captions, printed lines) in English
              only (BPTT_BUILD_LANGUAGES=en, see code/bptt/i18n.py).
  both        tools/build_book.py from nothing (no execution cache): the English edition (which
              executes every chapter, making run-time text once per language) and then the
              Chinese one (from the English execution cache, nothing executed). Target of issue
              16: both at most 1.3x the English edition alone. The ratio to this run's own
              English part is printed too.
  prose edit  one sentence of the introduction's English changed, then both editions rebuilt
              (the cache holds every notebook's outputs: nothing executed, so the build script
              builds the two side by side). Target: at most 15 s for both: the wall clock of the
              whole build script.
Cold times are the build script's own per-edition wall clock (its log), in this run, on this
machine; the kernels import the copy's code/ (PYTHONPATH).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import header

ROOT = Path(__file__).resolve().parents[1]
COPY = ["_config.yml", "_toc.yml", "book", "code", "locales", "tools", "jupytext.toml"]   # the book includes code/ files
EDIT = ("book/intro_rnn.md", "This chapter")          # a file and a phrase of its prose to change
TIMES = re.compile(r"\[(English|Chinese) edition: exit (\d+), (\d+) s\]")


def copy_sources(dest):
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("_build", "__pycache__", "*.egg-info", "*.mo"))
        else:
            shutil.copy2(src, dest / name)


def build(src, **env):
    """{edition: seconds} of one run of the copy's tools/build_book.py (the copy builds into itself)."""
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(src / "code"), **env}         # the kernels import the copy's bptt
    proc = subprocess.run([sys.executable, str(src / "tools" / "build_book.py")], cwd=src,
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    found = {e: (int(code), int(s)) for e, code, s in TIMES.findall((src / "_build" / "build.log").read_text())}
    if proc.returncode or any(code for code, _ in found.values()) or len(found) != 2:
        sys.exit(f"the build failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return {e: s for e, (_, s) in found.items()}, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", help="build in this folder and keep it (default: a temporary folder)")
    a = ap.parse_args()
    header("the two editions: build time, cold and after a prose edit")
    tmp = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench-editions-"))
    try:
        alone = tmp / "english-only"
        src = tmp / "book-copy"
        for folder in (alone, src):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            copy_sources(folder)
        english, wall = build(alone, BPTT_BUILD_LANGUAGES="en")
        print(f"English alone (cold, run-time text in English only): {english['English']:4d} s (wall {wall:.0f} s)")
        shutil.rmtree(alone)
        cold, wall = build(src)
        both = cold["English"] + cold["Chinese"]
        print(f"both editions (cold): English {cold['English']:4d} s + Chinese {cold['Chinese']:4d} s = {both} s "
              f"(wall {wall:.0f} s)")
        print(f"  both / English alone = {both / english['English']:.2f}  (target <= 1.30); "
              f"both / this run's English part = {both / cold['English']:.2f}")
        path, phrase = EDIT
        page = src / path
        text = page.read_text(encoding="utf-8")
        assert phrase in text, f"{path} no longer has {phrase!r}: pick another phrase for the benchmark"
        page.write_text(text.replace(phrase, phrase + " (edited)", 1), encoding="utf-8")
        again, wall = build(src)
        print(f"prose edit   English {again['English']:4d} s, Chinese {again['Chinese']:4d} s, built side by side: "
              f"both = {wall:.1f} s wall, the whole build script  (target <= 15 s)")
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
