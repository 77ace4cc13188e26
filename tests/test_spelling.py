"""One spelling in the book's prose: British (-ise, -our), as AUTHORING.md says, except
*randomized* truncation, which keeps its paper's and the library's spelling."""
import re
from pathlib import Path

from markdown_pages import blank_blocks, is_code

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "book").glob("*.md"))
#: American forms whose British form the book uses (stems: initializ- covers initialize, initialization)
AMERICAN = re.compile(r"\b(?:initializ|optimiz|minimiz|maximiz|normaliz|summariz|generaliz|recogniz|"
                      r"regulariz|parametriz|vectoriz|behavior|favor)\w*", re.I)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def american_words(text):
    prose = INLINE_CODE.sub("", blank_blocks(text, is_code))
    return [(n, m.group(0)) for n, line in enumerate(prose.split("\n"), 1) for m in AMERICAN.finditer(line)]


def test_the_check_sees_american_spellings_in_prose_only():
    text = "We initialize the state.\n\n```{code-cell} ipython3\noptimize()\n```\nSee `normalize`.\n"
    assert american_words(text) == [(1, "initialize")]


def test_the_prose_is_spelt_one_way():
    found = {page.name: words for page in PAGES if (words := american_words(page.read_text(encoding="utf-8")))}
    assert not found, f"American spellings in the prose (the book writes British, see AUTHORING.md): {found}"
