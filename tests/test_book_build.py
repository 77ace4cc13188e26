"""The book is a test: a clean strict build executes every notebook with no error and no warning."""
import re

import pytest

pytestmark = pytest.mark.book


def test_clean_strict_build_passes(book_build):
    code, log, html = book_build
    warnings = [line for line in log.splitlines() if re.search(r"WARNING|ERROR|Traceback", line)
                and "Kernel is running over TCP" not in line]  # ipykernel's notice about loopback, not the book
    assert code == 0, f"jupyter-book build failed (exit {code}):\n" + "\n".join(log.splitlines()[-40:])
    assert not warnings, "the build printed warnings or errors:\n" + "\n".join(warnings)
    assert (html / "index.html").exists()


def test_every_toc_page_is_built(book_build):
    import yaml

    from conftest import ROOT

    _, _, html = book_build
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]
    for f in files:
        page = html / f"{f}.html"
        assert page.exists(), f"{f} is listed in _toc.yml but {page} was not built"
        assert len(page.read_text()) > 2000, f"{page} is nearly empty"


def test_notebook_chapters_offer_their_ipynb(book_build):
    """Readers can download each executed chapter as a notebook from the page's download menu."""
    from conftest import ROOT

    _, _, html = book_build
    chapters = [md for md in sorted((ROOT / "book").glob("*.md")) if "```{code-cell}" in md.read_text()]
    assert chapters
    for md in chapters:
        page = html / "book" / f"{md.stem}.html"
        if not page.exists():
            continue  # not in the table of contents (test_every_toc_page_is_built covers the listed ones)
        assert (html / "_sources" / "book" / f"{md.stem}.ipynb").exists(), f"no .ipynb for {md.name}"
        assert f"_sources/book/{md.stem}.ipynb" in page.read_text(), f"{page.name} does not link its .ipynb"
