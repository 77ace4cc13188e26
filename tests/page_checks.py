"""Checks of a chapter's source text shared by the chapters' test modules: code that fits the
column, figures that fit it legibly, numbers in the prose glued or held, totals written with ∂⁺.

Each chapter's test module calls these on its own pages (the chapter and its appendix sections).
"""
import ast as _ast
import re as _re
from pathlib import Path as _Path

_ROOT = _Path(__file__).resolve().parents[1]
MAX_CODE = 76          # monospace characters the code column shows at 1280 px
MAX_FIG_WIDTH = 7.1    # inches at dpi 96: the 688 px text column
MIN_FONT = 7.0         # points, at dpi 96: 9.3 CSS px


def chapter(name):
    return (_ROOT / "book" / f"{name}.md").read_text()


def fences(text):
    """[(kind, body)] for every top-level fence of three or more backticks (closed by a line of
    as many): kind is the directive ({code-cell}, {admonition}, ...) or the language (possibly
    empty). Fences nested in a longer one are part of its body."""
    out, kind, body, ticks = [], None, [], ""
    for line in text.splitlines():
        if kind is None:
            m = _re.match(r"^(`{3,})([^`\s]*)", line)
            if m:
                ticks, kind, body = m.group(1), m.group(2), []
        elif line.rstrip() == ticks:
            out.append((kind, "\n".join(body)))
            kind = None
        else:
            body.append(line)
    return out


def code_cells(text):
    """Source of every {code-cell}, option lines (:tags: ...) removed."""
    return ["\n".join(ln for ln in b.splitlines() if not _re.match(r"^:\w+:", ln))
            for k, b in fences(text) if k == "{code-cell}"]


def code_blocks(text):
    """Every block the page shows as code: code cells, other code fences, indented blocks inside
    directives (e.g. a solution), and the functions a {literalinclude} :pyobject: pulls in."""
    blocks = code_cells(text)
    blocks += [b for k, b in fences(text) if not k.startswith("{")]
    blocks += _nested_code(text)
    for path, options in _re.findall(r"```\{literalinclude\} ([^\n]+)\n((?::[\w-]+:[^\n]*\n)*)", text):
        src = (_ROOT / "book" / path.strip()).resolve().read_text()
        opts = dict(_re.findall(r":([\w-]+):\s*(.*)", options))
        if "pyobject" in opts:
            node = next(n for n in _ast.walk(_ast.parse(src)) if getattr(n, "name", None) == opts["pyobject"])
            blocks.append(_ast.get_source_segment(src, node))
        elif "start-at" in opts:
            lines = src.split("\n")
            first = next(i for i, ln in enumerate(lines) if opts["start-at"] in ln)
            last = next(i for i, ln in enumerate(lines) if i >= first and opts["end-at"] in ln)
            blocks.append("\n".join(ln[int(opts.get("dedent", 0)):] for ln in lines[first:last + 1]))
        else:
            blocks.append(src)
    return blocks


def _nested_code(text):
    """Code shown inside directives (a solution, a dropdown): indented blocks and code fences."""
    out = []
    for k, b in fences(text):
        if k.startswith("{") and k not in ("{code-cell}", "{literalinclude}"):
            out += [m.group(1) for m in _re.finditer(r"(?:^\n)((?:^    [^\n]*\n?)+)", b, _re.M)]
            out += [inner for kind, inner in fences(b) if not kind.startswith("{")]
            out += _nested_code(b)
    return out


def long_code_lines(text):
    return [ln for b in code_blocks(text) for ln in b.splitlines() if len(ln.rstrip()) > MAX_CODE]


def check_prose_numbers(text, table, partial=False):
    """Every number the prose states (as tests/test_prose_numbers.py reads it) is glued, given or
    held; held ones are recomputed; every glued name is glued by a cell."""
    from test_prose_numbers import numbers

    assert not set(table["given"]) & set(table["held"]), "a literal is either given or held"
    found = {literal for _, literal in numbers(text)}
    assert found - set(table["given"]) - set(table["held"]) == set()
    if not partial:         # one page of a chapter's set need not hold every listed literal
        assert set(table["given"]) | set(table["held"]) <= found, "PROSE_NUMBERS lists a literal the text no longer has"
    for literal, recompute in table["held"].items():
        assert recompute() == literal, literal
    glued = set(_re.findall(r"\{glue:text\}`([\w-]+)", text))
    defined = set(_re.findall(r"glue(?:_number)?\(\s*\"([\w-]+)\"", "\n".join(code_cells(text))))
    assert glued <= defined, f"glued in the text but never glued by a cell: {sorted(glued - defined)}"


def figure_sizes(text):
    """(draw name or 'explorable', width, height) for every figure the chapter's cells make, and the
    dpi overrides and direct pyplot figures (which would bypass bptt.viz.show's dpi 96)."""
    cells = "\n".join(code_cells(text))
    sizes = [(m.group(1), float(m.group(2)), float(m.group(3)))
             for m in _re.finditer(r"show\(\s*([\w.]+),\s*\(([\d.]+),\s*([\d.]+)\)", cells)]
    sizes += [("figsize", float(w), float(h)) for w, h in _re.findall(r"figsize=\(([\d.]+),\s*([\d.]+)\)", cells)]
    bypass = _re.findall(r"\bdpi\s*=|plt\.(?:figure|subplots)\(", cells)
    return sizes, bypass


def check_figure_sizes(text):
    sizes, bypass = figure_sizes(text)
    assert sizes, "no figure found: the pattern no longer matches the chapter"
    assert bypass == [], f"figures made outside bptt.viz.show / explorable or at another dpi: {bypass}"
    too_wide = [s for s in sizes if s[1] > MAX_FIG_WIDTH]
    assert too_wide == [], f"wider than {MAX_FIG_WIDTH} in at dpi 96 (shown scaled down): {too_wide}"
    return {name.split(".")[-1]: (w, h) for name, w, h in sizes}


def check_legible(fig):
    """Every visible text at least MIN_FONT points; no two legends, and no legend and text box, overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    FigureCanvasAgg(fig)
    fig.canvas.draw()
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_fontsize() < MIN_FONT]
    assert small == [], f"text below {MIN_FONT} pt: {small}"
    r = fig.canvas.get_renderer()
    legends = [a.get_legend() for a in fig.axes if a.get_legend()] + list(fig.legends)
    boxes = [lg.get_window_extent(r) for lg in legends]
    texts = [t.get_window_extent(r) for a in fig.axes for t in a.texts if t.get_visible() and t.get_text().strip()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:] + texts:
            assert not a.overlaps(b), "a legend overlaps another legend or a text box"



def pages(*names):
    """The given pages of book/ joined, front matter dropped (it is not prose)."""
    return "\n".join(_re.sub(r"\A---\n.*?\n---\n", "", chapter(n), flags=_re.S) for n in names)


def plain_total_derivatives(text):
    """∂L/∂h_k, ∂L/∂z_k and ∂L_t/∂h_k (k ≠ t) written with a plain ∂: totals that need the +."""
    bad = []
    pats = (r"\\frac\{\\partial (L(?:_\{?\w+\}?)?)\}\{\\partial ([hz])_\{?([\w+\-]+)",
            r"\\partial (L(?:_\{?\w+\}?)?)\s*/\s*\\partial ([hz])_\{?([\w+\-]+)")
    for pat in pats:
        for m in _re.finditer(pat, text):
            loss, var, idx = m.groups()
            if loss != "L" and loss.strip("L_{}") == idx.split(",")[0] and var == "h":
                continue                                   # ∂L_t/∂h_t: one path, direct
            bad.append(m.group(0))
    return bad
