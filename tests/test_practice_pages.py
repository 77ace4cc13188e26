"""The practice pages (issue 13): each is an exercise the reader can download and run.

Each page book/practice_<exercise>.md has a skeleton cell (the exercise's exact signature, a
docstring, ``raise NotImplementedError``), a check cell ``bptt.practice.check(name, fn)``, an
executed cell showing the checker's verdict on one catalogued mistake, and the reference
solution in a dropdown, included from the library (never pasted) in a markdown cell tagged
``solution``. The notebook the built book offers for download leaves that cell out
(book/_ext/bptt_build.py), so a reader downloads the skeleton, not the answer.

Fast tests read the pages as notebooks (MyST-NB's own reader) and run their cells in-process;
the tests marked ``book`` read the notebooks the clean strict build offers.
"""
import ast
import html as html_lib
import importlib.util
import inspect
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from myst_nb.core.read import read_myst_markdown_notebook

import bptt

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EXERCISES = ["ordered_backward", "elman_bptt", "rtrl_step", "truncated_bptt", "clip_global_norm",
             "lstm_bptt"]
CHAPTER = {"ordered_backward": "ordered_derivatives", "elman_bptt": "bptt_elman", "rtrl_step": "rtrl",
           "truncated_bptt": "truncation", "clip_global_norm": "vanishing", "lstm_bptt": "gated"}
# the contracts of issue 13 (fixed): the reader's function has exactly this signature
SIGNATURES = {
    "ordered_backward": "(A, e)",
    "elman_bptt": "(params, X, Y, h0=None)",
    "rtrl_step": "(params, h_prev, P_prev, x, y)",
    "truncated_bptt": "(params, X, Y, tau, h0=None)",
    "clip_global_norm": "(grads, max_norm)",
    "lstm_bptt": "(params, X, Y, h0=None, c0=None)",
}

# the practice pages state no decimals: nothing to glue or hold
PROSE_NUMBERS = {"given": set(), "held": {}}


def page(name):
    return BOOK / f"practice_{name}.md"


def notebook(name):
    return read_myst_markdown_notebook(page(name).read_text(encoding="utf-8"))


def load_build_extension():
    spec = importlib.util.spec_from_file_location("_bptt_build", BOOK / "_ext" / "bptt_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def offered(nb):
    """What the build offers for download: ``nb`` without its cells tagged solution."""
    stripped = load_build_extension().without_solutions(nb)
    return nb if stripped is None else stripped


def code_cells(nb):
    return [c.source for c in nb.cells if c.cell_type == "code"]


def skeleton_cell(nb, name):
    cells = [s for s in code_cells(nb) if re.match(rf"def {name}\(", s)]
    assert len(cells) == 1, f"practice_{name}: expected one skeleton cell defining {name}(), found {len(cells)}"
    return cells[0]


def check_cell(nb, name):
    cells = [s for s in code_cells(nb) if s.strip() == f'bptt.practice.check("{name}", {name})']
    assert len(cells) == 1, f"practice_{name}: expected one check cell bptt.practice.check(\"{name}\", {name})"
    return cells[0]


def reference_body_lines(name):
    """The reference solution's code lines (its body without the docstring), and its helpers'."""
    lines = []
    for fn in shown_functions(name):
        tree = ast.parse(inspect.getsource(fn))
        body = tree.body[0].body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]                                    # the docstring
        src = inspect.getsource(fn).splitlines()
        first = body[0].lineno - 1
        lines += [ln.strip() for ln in src[first:] if ln.strip() and not ln.strip().startswith("#")]
    return lines


def shown_functions(name):
    """The reference and every function of bptt.practice it calls (directly or not), except the
    reference of another exercise, which its own page shows (the page links it)."""
    others = {bptt.practice.reference(other): other for other in EXERCISES if other != name}
    todo, seen = [bptt.practice.reference(name)], []
    while todo:
        fn = todo.pop()
        if fn in seen:
            continue
        if fn in others:
            assert f"{{doc}}`practice_{others[fn]}`" in page(name).read_text(encoding="utf-8"), (
                f"the reference of {name} uses that of {others[fn]}: link its page")
            continue
        seen.append(fn)
        module = inspect.getmodule(fn)
        for called in re.findall(r"\b(\w+)\(", inspect.getsource(fn)):
            obj = getattr(module, called, None)
            if inspect.isfunction(obj) and obj.__module__.startswith("bptt.practice"):
                todo.append(obj)
    return seen


def literalincludes(nb):
    """(path relative to the repository, pyobject) of every literalinclude in the solution cells."""
    found = []
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            for path, obj in re.findall(r"```\{literalinclude\}\s+(\S+)\s*\n:pyobject:\s*(\w+)", cell.source):
                found.append(((BOOK / path).resolve().relative_to(ROOT).as_posix(), obj))
    return found


# ---------------------------------------------------------------------------------------------
# the pages, read as notebooks


@pytest.mark.parametrize("name", EXERCISES)
def test_the_page_has_the_skeleton_with_the_contracts_signature(name):
    nb = notebook(name)
    skeleton = skeleton_cell(nb, name)
    tree = ast.parse(skeleton)
    (fn,) = tree.body
    assert f"({ast.unparse(fn.args)})" == SIGNATURES[name]
    assert ast.get_docstring(fn), f"the skeleton of {name} has no docstring"
    assert "(" in ast.get_docstring(fn) and "," in ast.get_docstring(fn), "the docstring gives no shapes"
    assert isinstance(fn.body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(fn.body[-1])
    assert len(fn.body) == 2, "the skeleton holds only its docstring and raise NotImplementedError"
    # the reference the page shows has the same signature
    assert str(inspect.signature(bptt.practice.reference(name))) == SIGNATURES[name]


@pytest.mark.parametrize("name", EXERCISES)
def test_the_page_checks_the_skeleton_then_shows_a_catalogued_mistake(name):
    nb = notebook(name)
    cells = code_cells(nb)
    check = cells.index(check_cell(nb, name))
    assert check > cells.index(skeleton_cell(nb, name))
    wrong = [s for s in cells if "bptt.practice.mistake(" in s]
    assert len(wrong) == 1
    (mistake,) = re.findall(rf'bptt\.practice\.mistake\("{name}", "(\w+)"\)', wrong[0])
    assert mistake in bptt.practice.MISTAKES[name]
    assert wrong[0].rstrip().endswith(f'bptt.practice.check("{name}", wrong)')
    assert cells.index(wrong[0]) > check


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_is_included_from_the_library_not_pasted(name):
    nb = notebook(name)
    tagged = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "markdown", "one markdown cell tagged solution"
    assert "{dropdown}" in tagged[0].source
    shown = literalincludes(nb)
    wanted = [(Path(inspect.getsourcefile(fn)).resolve().relative_to(ROOT).as_posix(), fn.__name__)
              for fn in shown_functions(name)]
    assert sorted(shown) == sorted(wanted), f"the dropdown shows {shown}; the reference needs {wanted}"
    text = page(name).read_text(encoding="utf-8")
    pasted = [ln for ln in reference_body_lines(name) if len(ln) > 12 and ln in text]
    assert not pasted, f"reference code pasted into practice_{name}.md: {pasted}"


@pytest.mark.parametrize("name", EXERCISES)
def test_the_page_links_the_chapter_it_practises(name):
    text = page(name).read_text(encoding="utf-8")
    assert f"{{doc}}`{CHAPTER[name]}`" in text
    assert "{doc}`practice`" in text
    labels = re.findall(r"\{eq\}`([\w-]+)`", text)
    assert labels, f"practice_{name} links no equation"
    for label in labels:
        chapter = BOOK / f"{CHAPTER[name]}.md"
        assert f"$$ ({label})" in chapter.read_text(encoding="utf-8"), f"{label} is not in {chapter.name}"


@pytest.mark.parametrize("name", EXERCISES)
def test_no_code_line_is_longer_than_76_characters(name):
    long = [ln for s in code_cells(notebook(name)) for ln in s.splitlines() if len(ln) > 76]
    assert not long, f"practice_{name}: code lines over 76 characters: {long}"


def test_the_opening_page_lists_every_exercise_in_order():
    text = (BOOK / "practice.md").read_text(encoding="utf-8")
    positions = [text.find(f"{{doc}}`practice_{name}`") for name in EXERCISES]
    assert all(p >= 0 for p in positions), "an exercise is missing from practice.md"
    assert positions == sorted(positions)
    assert list(bptt.practice.EXERCISES) == EXERCISES


# ---------------------------------------------------------------------------------------------
# the notebook a reader downloads: the skeleton, no solution, and a check cell that works


def correct_solution(name):
    """A correct function for exercise ``name``: the mutation test's own student version."""
    from test_practice_mistakes import student

    return student(name)


def run_offered(nb, name, replace=None):
    """Run the code cells of an offered notebook in a fresh namespace; return the check cell's value.

    ``replace``: a function put in place of the reader's after the skeleton cell ran (as if the
    reader had filled it in).
    """
    namespace = {"__name__": "__main__"}
    skeleton, check = skeleton_cell(nb, name), check_cell(nb, name)
    result = None
    for source in code_cells(nb):
        if source == check:
            result = eval(compile(source, f"<practice_{name} check>", "eval"), namespace)
            break
        exec(compile(source, f"<practice_{name}>", "exec"), namespace)
        if source == skeleton and replace is not None:
            namespace[name] = replace
    return result


def assert_offered_notebook_is_the_exercise(nb, name):
    text = "\n".join(c.source for c in nb.cells)
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    assert "literalinclude" not in text
    assert "raise NotImplementedError" in skeleton_cell(nb, name)
    leaked = [ln for ln in reference_body_lines(name) if len(ln) > 12 and ln in text]
    assert not leaked, f"the offered notebook of {name} contains solution code: {leaked}"
    result = run_offered(nb, name)
    assert result is not None and not result.passed and result.mistake is None
    assert "NotImplementedError" in result.message or "fill in" in result.message.lower(), result.message
    assert run_offered(nb, name, replace=correct_solution(name)).passed


@pytest.mark.parametrize("name", EXERCISES)
def test_the_notebook_offered_for_download_is_the_exercise(name):
    assert_offered_notebook_is_the_exercise(offered(notebook(name)), name)


def test_without_solutions_drops_only_the_tagged_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("task"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_markdown_cell("answer", metadata={"tags": ["solution"]}),
                nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["hide-input", "solution"]})]
    out = load_build_extension().without_solutions(nb)
    assert [c.source for c in out.cells] == ["task", "x = 1"]
    assert len(nb.cells) == 4, "the page's own notebook is left as it was"
    assert load_build_extension().without_solutions(out) is None


# ---------------------------------------------------------------------------------------------
# the clean strict build (slow)


@pytest.mark.book
@pytest.mark.parametrize("name", EXERCISES)
def test_the_built_book_offers_the_exercise_not_the_solution(book_build, name):
    _, _, html = book_build
    ipynb = html / "_sources" / "book" / f"practice_{name}.ipynb"
    assert ipynb.exists(), f"no notebook offered for practice_{name}"
    nb = nbformat.read(ipynb, as_version=4)
    assert_offered_notebook_is_the_exercise(nb, name)
    # executed in the build: the check cell shows the friendly message, the mistake cell a verdict
    outputs = {c.source: c.get("outputs", []) for c in nb.cells if c.cell_type == "code"}
    shown = " ".join(str(o.get("data", {}).get(kind, "")) for o in outputs[check_cell(nb, name)]
                     for kind in ("text/html", "text/plain"))
    assert "NotImplementedError" in shown or "fill in" in shown.lower(), shown
    wrong = next(s for s in outputs if "bptt.practice.mistake(" in s)
    (mistake,) = re.findall(r'mistake\("\w+", "(\w+)"\)', wrong)
    verdict = " ".join(str(o.get("data", {}).get("text/html", "")) for o in outputs[wrong])
    assert mistake in verdict, f"the verdict on the typical wrong attempt does not name {mistake}"
    page_html = (html / "book" / f"practice_{name}.html").read_text(encoding="utf-8")
    assert f"_sources/book/practice_{name}.ipynb" in page_html, "the page does not offer its notebook"
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", page_html))
    assert skeleton_cell(nb, name).splitlines()[0] in text, "the page does not show the skeleton"
    assert "Reference solution" in text
    assert all(ln in text for ln in reference_body_lines(name)), "the page does not show the reference"


def test_correct_solution_sanity():
    """The stand-in for a reader's filled-in function is itself correct (against the library)."""
    rng = np.random.default_rng(5)
    A = np.tril(rng.normal(size=(5, 5)), -1)
    e = rng.normal(size=5)
    np.testing.assert_allclose(correct_solution("ordered_backward")(A, e), bptt.backward_sweep(A, e).grad)
