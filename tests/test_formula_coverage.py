"""Every display equation in the book carries a label, and some test claims that label.

A test claims an equation with ``@pytest.mark.formula("eq-...")`` and then checks it: a SymPy
identity or a numeric comparison with the library. This file only checks the bookkeeping.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISPLAY = re.compile(r"^\$\$(?P<body>.*?)\$\$[ \t]*(?:\((?P<label>[^)\s]+)\))?[ \t]*$", re.S | re.M)
MATH_DIRECTIVE = re.compile(r"^```\{math\}[^\n]*\n(?P<opts>(?::[^\n]*\n)*)", re.M)


def displays():
    """(file, line, label or None) for every display equation in book/*.md."""
    out = []
    for md in sorted((ROOT / "book").glob("*.md")):
        text = md.read_text()
        for m in DISPLAY.finditer(text):
            out.append((md.name, text.count("\n", 0, m.start()) + 1, m.group("label")))
        for m in MATH_DIRECTIVE.finditer(text):
            label = re.search(r":label:\s*(\S+)", m.group("opts"))
            out.append((md.name, text.count("\n", 0, m.start()) + 1, label.group(1) if label else None))
    return out


def claimed():
    labels = set()
    for py in (ROOT / "tests").glob("test_*.py"):
        labels |= set(re.findall(r"""formula\(\s*["']([^"']+)["']""", py.read_text()))
        for group in re.findall(r"formula\(([^)]*)\)", py.read_text()):
            labels |= set(re.findall(r"""["']([^"']+)["']""", group))
    return labels


def test_every_display_equation_is_labelled():
    unlabelled = [f"{f}:{line}" for f, line, label in displays() if not label]
    assert not unlabelled, "display equations without a label (add `(eq-...)` after the closing $$): " + ", ".join(unlabelled)


def test_every_labelled_equation_is_held_by_a_test():
    have = claimed()
    missing = [f"{f}:{line} ({label})" for f, line, label in displays() if label and label not in have]
    assert not missing, "equations no test claims with @pytest.mark.formula(...): " + ", ".join(missing)


def test_the_scanner_sees_labels_and_their_absence(tmp_path):
    """The bookkeeping must be able to fail: check the pattern on a known snippet."""
    text = "$$\na = b\n$$ (eq-x)\n\n$$ c = d $$\n"
    found = [(m.group("label")) for m in DISPLAY.finditer(text)]
    assert found == ["eq-x", None]
