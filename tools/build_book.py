"""Build both editions of the book, strictly: English, then Chinese from the English execution cache.

    python tools/build_book.py [--out DIR]      (make book; the tests build with --out _build/test)

1. English: ``jupyter-book build . -W -n --keep-going`` into DIR/_build/html (notebooks executed,
   or taken from the execution cache DIR/_build/.jupyter_cache when their code is unchanged).
2. Chinese: the same sources with the configuration of tools/edition_config.py (language zh_CN,
   text from locales/zh_CN/, the English execution cache: nothing is executed again; the search
   splits words with jieba, which is given the glossary's Chinese terms), into
   DIR/_build/zh_CN/_build/html, then copied to DIR/_build/html/zh/.
Both builds treat any warning as an error. Exit status: 0 only if both passed.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from bptt_glossary import search_dictionary  # noqa: E402
from edition_config import write  # noqa: E402


def jupyter_book():
    jb = Path(sys.executable).with_name("jupyter-book")
    return str(jb) if jb.exists() else "jupyter-book"


#: the line that opens each edition's part of the build log
HEADER = "== tools/build_book.py: {} edition"


def run(title, args, log):
    head = HEADER.format(title) + "\n"
    log.write(head)
    sys.stdout.write(head)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    t = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(proc.stdout)
    log.write(f"\n[{title} edition: exit {proc.returncode}, {time.perf_counter() - t:.0f} s]\n")
    sys.stdout.write(proc.stdout)
    return proc.returncode


def build(out, log):
    out = Path(out).resolve()
    build = out / "_build"
    strict = ["-W", "-n", "--keep-going"]
    code = run("English", [jupyter_book(), "build", str(ROOT), *strict, "--path-output", str(out)], log)
    if code:
        return code
    words = search_dictionary(build / "zh_CN_search_words.txt")      # the glossary's terms stay whole
    config = write("zh_CN", build / "_config_zh_CN.yml", cache=build / ".jupyter_cache", search_dictionary=words)
    zh_out = build / "zh_CN"
    code = run("Chinese", [jupyter_book(), "build", str(ROOT), *strict, "--config", str(config),
                           "--path-output", str(zh_out)], log)
    if code:
        return code
    target = build / "html" / "zh"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(zh_out / "_build" / "html", target)
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
