"""When tools/build_book.py may build the two editions side by side: only when nothing is to be
executed, which it knows from a fingerprint of every page's code cells and front matter. The
fingerprint must change whenever the execution cache's key (jupyter-cache's hash of the kernel
and the code cells with their metadata) changes, and stay put for a prose edit."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_book import STAMP, code_fingerprint, nothing_to_execute  # noqa: E402

CHAPTER = "book/bptt_elman.md"


def cache_key(text):
    """jupyter-cache's hash of a MyST page, read as MyST-NB reads it for the book."""
    from jupyter_cache.cache.main import JupyterCacheBase
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    nb = read_myst_markdown_notebook(text, MdParserConfig())
    return JupyterCacheBase.create_hashed_notebook(None, nb)[1]


def edits(text):
    """{what: the page with that edit}: a prose edit, and edits the cache keys on."""
    first = text.index("```{code-cell} ipython3\n")
    body = first + len("```{code-cell} ipython3\n")
    return {
        "prose": text.replace("\n\n", "\n\nA new sentence of prose.\n\n", 1) + "\nMore prose at the end.\n",
        "code": text[:body] + "x_new = 1\n" + text[body:],
        "cell option": text.replace(":tags: [hide-input]", ":tags: [remove-input]", 1),
        "kernel": text.replace("name: python3", "name: python2", 1),
        "new cell": text + "\n```{code-cell} ipython3\n1 + 1\n```\n",
    }


@pytest.fixture
def book(tmp_path):
    (tmp_path / "book").mkdir()
    page = tmp_path / CHAPTER
    page.write_text((ROOT / CHAPTER).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path, page


@pytest.mark.parametrize("what", ["prose", "code", "cell option", "kernel", "new cell"])
def test_the_fingerprint_changes_whenever_the_execution_cache_key_does(book, what):
    root, page = book
    text = page.read_text(encoding="utf-8")
    before = code_fingerprint(root), cache_key(text)
    edited = edits(text)[what]
    assert edited != text
    page.write_text(edited, encoding="utf-8")
    after = code_fingerprint(root), cache_key(edited)
    key_changed, fingerprint_changed = after[1] != before[1], after[0] != before[0]
    assert key_changed == (what != "prose"), "the edit is not the kind this test means"
    assert fingerprint_changed == key_changed


def test_a_new_page_changes_the_fingerprint(book):
    root, _ = book
    before = code_fingerprint(root)
    (root / "book" / "new.md").write_text("---\nkernelspec:\n  name: python3\n---\n# New\n", encoding="utf-8")
    assert code_fingerprint(root) != before


def test_files_the_book_does_not_build_leave_the_fingerprint(book):
    root, page = book
    before = code_fingerprint(root)
    (root / "book" / ".ipynb_checkpoints").mkdir()
    (root / "book" / ".ipynb_checkpoints" / "bptt_elman-checkpoint.md").write_text(page.read_text() + "\nx = 1\n")
    assert code_fingerprint(root) == before


def test_side_by_side_only_with_the_stamp_of_this_code(tmp_path):
    cache = tmp_path / ".jupyter_cache"
    assert not nothing_to_execute(cache, "abc")                   # no cache yet: a cold build
    cache.mkdir()
    assert not nothing_to_execute(cache, "abc")                   # a cache without a stamp
    (cache / STAMP).write_text("abc\n")
    assert nothing_to_execute(cache, "abc")
    assert not nothing_to_execute(cache, "abd")                   # the code changed since
