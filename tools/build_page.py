"""Build the landing page, the notation page, ONE chapter and the bibliography, strictly, into a private folder.

    python tools/build_page.py book/some_chapter.md [--out /tmp/jb-some_chapter]

For chapter authors working in parallel: each build has its own output folder and execution
cache, so builds never collide. Exits non-zero on any warning or cell error, like the full build.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page", help="path of the chapter, e.g. book/bptt_elman.md")
    ap.add_argument("--out", help="output folder (default /tmp/jb-<page name>)")
    args = ap.parse_args()
    page = Path(args.page).with_suffix("")
    rel = page.resolve().relative_to(ROOT).as_posix()
    out = Path(args.out or f"/tmp/jb-{page.name}")
    chapters = [c for c in ("book/notation", rel, "book/bibliography") if c != "book/index"]
    chapters = list(dict.fromkeys(chapters))
    toc = "format: jb-book\nroot: book/index\nchapters:\n" + "".join(f"  - file: {c}\n" for c in chapters)
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as fh:
        fh.write(toc)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--toc", fh.name, "--path-output", str(out), "-W", "-n", "--keep-going"]
    code = subprocess.call(cmd, cwd=ROOT)
    print(f"\nbuilt into {out}/_build/html/{rel}.html (exit {code})")
    sys.exit(code)


if __name__ == "__main__":
    main()
