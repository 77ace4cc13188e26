"""Every number the prose states comes from the build or is held by a test.

The scanner reads each page's prose (everything outside code cells, code blocks and display
maths; inline maths, tables, admonitions and exercise solutions included), drops what MyST-NB
fills in at build time (``{glue:text}`key:fmt` ``) and what is not a number a reader is told
(roles, links, labels, inline code), and collects the decimals, percentages and numbers in
scientific notation that remain. Each must be accounted for by the chapter's test module, which
defines

    PROSE_NUMBERS = {
        "given": {"0.9", "1.1"},                       # values the text sets: parameters, the
                                                        # sources' input numbers, section numbers
        "held": {"2.7": lambda: f"{0.9 ** 10:.1f}"},   # a stated result -> a function that
    }                                                  # recomputes that exact text from the library

A result is never "given": it is glued from the cell that computes it, or "held". Integers are
not scanned (indices, sizes and step counts are everywhere), nor is display maths (every
display equation is held by a formula test).
"""
import importlib.util
import re
from pathlib import Path

import pytest
from markdown_pages import blank_blocks, is_code

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# which test module accounts for which page; an appendix section (sources_<chapter>,
# measured_<chapter>) is accounted for by its chapter's module
CHAPTER_MODULE = {
    "index": "test_notation", "notation": "test_notation", "intro_rnn": "test_intro",
    "ordered_derivatives": "test_ordered", "bptt_elman": "test_bptt_elman", "bptt_jordan": "test_jordan",
    "rtrl": "test_rtrl", "truncation": "test_truncation", "checkpointing": "test_checkpointing",
    "vanishing": "test_vanishing", "gated": "test_gated",
    "appendix_sources": "test_notation", "appendix_measured": "test_notation",
}


def module_of(page):
    """The test module that accounts for the numbers of ``page`` (a file stem in book/)."""
    if page.startswith(("sources_", "measured_")):
        page = page.split("_", 1)[1]
    if page.startswith("practice"):
        return "test_practice_pages"
    return CHAPTER_MODULE[page]


PAGES = sorted(p for p in (ROOT / "book").glob("*.md") if p.stem != "bibliography")

# a number a reader is told: 64.5, 0.55, 1.9e-6, 2.7 \times 10^{-5}, 88 %, 88\%
NUMBER = re.compile(
    r"(?<![\w.\\])"
    r"(?:\d+(?:\.\d+)?\s*(?:\\times|×|\\cdot)\s*10\^\{?[-−]?\d+\}?"   # 2.7 \times 10^{-5}
    r"|\d+(?:\.\d+)?[eE][-+−]?\d+"                                     # 1.9e-6
    r"|\d+(?:\.\d+)?\s?(?:\\%|%)"                                      # 88 %
    r"|\d+\.\d+)"                                                      # 64.5
    r"(?![\w.]*\.\w)"                                                  # not a file or version name
)
# numbers that name a place in the book, not a quantity: "§7.4", "exercise 7.6", "eq. 4.7"
PLACE = re.compile(r"(?:§|[Ss]ection|[Ee]xercises?|[Ee]q\.|[Ee]quations?|[Cc]hapters?|[Ff]igures?|[Tt]ables?)"
                   r"\s*(?:\d+(?:\.\d+)*)(?:\s*(?:,|and|or|to|–|-)\s*\d+(?:\.\d+)*)*")


def prose(text):
    """The page's prose: code cells, code blocks, display maths and non-numbers blanked out."""
    body = blank_blocks(text, lambda info: is_code(info) or info.startswith("{math}"))
    body = re.sub(r"^\s*:[\w-]+:.*$", "", body, flags=re.M)          # a directive's option lines
    if body.startswith("---"):                   # the jupytext header
        end = body.find("\n---", 3)
        body = "\n" * body.count("\n", 0, end + 4) + body[end + 4:]

    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))

    for pattern in (r"\$\$.*?\$\$(?:\s*\([^)\s]+\))?",            # display maths and its label
                    r"<!--.*?-->",                                 # comments
                    r"\{[\w:-]+\}`[^`]*`",                          # roles: glue, eq, ref, doc, cite
                    r"`[^`\n]*`",                                   # inline code
                    r"\]\([^)]*\)",                                 # link targets
                    r"^\([\w-]+\)=\s*$",                            # labels
                    PLACE.pattern):
        body = re.sub(pattern, blank, body, flags=re.S | re.M)
    return body


def numbers(text):
    """(line, literal) of every number stated in the prose of ``text``."""
    body = prose(text)
    return [(body.count("\n", 0, m.start()) + 1, re.sub(r"\s+", " ", m.group(0)))
            for m in NUMBER.finditer(body)]


def registry(page):
    """The PROSE_NUMBERS of the test module accounting for ``page`` (empty if it has none)."""
    path = TESTS / f"{module_of(page)}.py"
    if not path.exists():
        return {"given": set(), "held": {}}
    spec = importlib.util.spec_from_file_location(f"_prose_numbers_{module_of(page)}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    reg = getattr(mod, "PROSE_NUMBERS", {})
    return {"given": set(reg.get("given", ())), "held": dict(reg.get("held", {}))}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_stated_number_is_glued_or_held(path):
    reg = registry(path.stem)
    loose = [f"{path.name}:{line}: {lit}" for line, lit in numbers(path.read_text())
             if lit not in reg["given"] and lit not in reg["held"]]
    assert not loose, (f"numbers in the prose that are neither glued from a cell ({{glue:text}}) nor listed in "
                       f"PROSE_NUMBERS of tests/{module_of(path.stem)}.py:\n" + "\n".join(loose))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_held_numbers_are_recomputed_and_present(path):
    reg = registry(path.stem)
    sharing = [p for p in PAGES if module_of(p.stem) == module_of(path.stem)]     # index and notation share one
    stated = {lit for p in sharing for _, lit in numbers(p.read_text())}
    stale = sorted((set(reg["given"]) | set(reg["held"])) - stated)
    assert not stale, (f"PROSE_NUMBERS of tests/{module_of(path.stem)}.py lists numbers "
                       f"{', '.join(p.name for p in sharing)} no longer state: {stale}")
    wrong = {lit: fn() for lit, fn in reg["held"].items() if fn() != lit}
    assert not wrong, f"{path.name} states numbers the library no longer gives (text -> recomputed): {wrong}"


def test_the_scanner_finds_numbers_and_skips_glue_code_and_display_maths():
    text = ("---\njupytext: 0.5\n---\n# Title\n\nThe norm jumps to 64.5, a share of 88 % and $2.7 \\times 10^{-5}$"
            " or 1.9e-6; see §7.4 and exercise 7.6.\n\nGlued: {glue:text}`v-x:.2f`, code `0.25`, file `a_1.5.txt`,"
            " [link](https://x.org/v1.2).\n\n$$\nx = 0.5\n$$ (eq-x)\n\n```{code-cell} ipython3\nlr = 0.1\n```\n\n"
            "```{admonition} Box\n:class: warning\nSource says 0.3.\n```\n")
    assert [lit for _, lit in numbers(text)] == ["64.5", "88 %", "2.7 \\times 10^{-5}", "1.9e-6", "0.3"]
