"""Build the landing page, the notation page, ONE chapter and the bibliography, strictly, into a private folder.

    python tools/build_page.py book/some_chapter.md [--out /tmp/jb-some_chapter]

For chapter authors working in parallel: each build has its own output folder and execution
cache, so builds never collide. Exits non-zero on any warning or cell error, like the full build,
except a link to another chapter of the book that this partial build leaves out (the full
build, run by the tests, checks those).
"""
import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["index", "notation", "intro_rnn", "ordered_derivatives", "bptt_elman", "bptt_jordan", "rtrl", "truncation",
            "checkpointing", "vanishing", "gated", "bibliography", "appendix_sources", "appendix_measured"]
CHAPTERS += [f"{kind}_{c}" for kind in ("sources", "measured") for c in CHAPTERS[1:11]]
CHAPTERS += ["practice"] + [f"practice_{p}" for p in ("ordered_backward", "elman_bptt", "rtrl_step", "truncated_bptt",
                                                      "clip_global_norm", "lstm_bptt")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page", help="path of the chapter, e.g. book/bptt_elman.md")
    ap.add_argument("--out", help="output folder (default /tmp/jb-<page name>)")
    args = ap.parse_args()
    page = Path(args.page).with_suffix("")
    rel = page.resolve().relative_to(ROOT).as_posix()
    out = Path(args.out or f"/tmp/jb-{page.name}")
    chapters = [c for c in ("book/notation", rel) if c != "book/index"]
    if rel == "book/bptt_elman":
        chapters.append("book/bptt_jordan")          # its optional section, which it cites
    if page.name.startswith("practice_"):
        # a practice page cites the chapter's equations ({eq}), which resolve only if it is built
        named = re.findall(r"\{doc\}`(?:[^`<]*<)?([a-z_]+)>?`", (ROOT / f"{rel}.md").read_text())
        chapters[1:1] = [f"book/{c}" for c in dict.fromkeys(named) if (ROOT / f"book/{c}.md").exists()]
    chapters = list(dict.fromkeys(chapters))
    # the chapter's sections of the two appendices, when it has them (and always the notation page's)
    appendix = {"book/appendix_sources": [f"book/sources_{Path(c).name}" for c in chapters],
                "book/appendix_measured": [f"book/measured_{Path(c).name}" for c in chapters]}
    toc = "format: jb-book\nroot: book/index\nchapters:\n" + "".join(f"  - file: {c}\n" for c in chapters)
    for index, sections in appendix.items():
        sections = [s for s in sections if (ROOT / f"{s}.md").exists()]
        if sections:
            toc += f"  - file: {index}\n    sections:\n" + "".join(f"      - file: {s}\n" for s in sections)
    toc += "  - file: book/bibliography\n"
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as fh:
        fh.write(toc)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--toc", fh.name, "--path-output", str(out), "-n", "--keep-going"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    left_out = "|".join(c for c in CHAPTERS if f"book/{c}" not in chapters + ["book/index"])
    problems = [line for line in log.splitlines() if re.search(r"WARNING|ERROR|Traceback", line)
                and not re.search(rf"unknown document: '?[./]*(book/)?({left_out})'?", line)]
    print(log[-3000:])
    print("\n".join(["", "problems:"] + problems) if problems else "\nno warnings")
    code = proc.returncode or (1 if problems else 0)
    print(f"\nbuilt into {out}/_build/html/{rel}.html (exit {code})")
    sys.exit(code)


if __name__ == "__main__":
    main()
