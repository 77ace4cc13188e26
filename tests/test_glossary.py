"""The bilingual glossary (book/glossary.yml, shown on the notation page by ``{bptt-glossary}``):
its terms are the book's, its Chinese is the Chinese text's, and each points at a real place."""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))
from bptt_glossary import entries, search_dictionary  # noqa: E402
from catalogue import CATALOGUES, read  # noqa: E402

BOOK = ROOT / "book"


def words(term):
    """The term without its bracketed abbreviation or gloss: 'hidden state', '隐状态'."""
    return re.sub(r"\s*[（(][^）)]*[）)]", "", term).strip()


def alternatives(term):
    """The forms an entry lists: 'forward pass / backward pass' -> both; '检查点法，检查点' -> both."""
    return [w for w in re.split(r"\s*[,，、]\s*|\s+/\s+", words(term)) if w]


def test_every_entry_points_at_a_place_that_exists():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in BOOK.glob("*.md"))
    for e in entries():
        kind, _, target = e["where"].partition(":")
        if kind == "doc":
            assert (BOOK / f"{target}.md").exists(), f"{e['en']}: no page {target}"
        elif kind == "ref":
            assert re.search(rf"^\({re.escape(target)}\)=$", sources, re.M), f"{e['en']}: no section label {target}"
        else:
            assert re.search(rf"\$\$\s*\({re.escape(target)}\)|:label: {re.escape(target)}\b", sources), \
                f"{e['en']}: no equation label {target}"


def test_the_terms_are_the_books_and_their_chinese_is_the_chinese_texts():
    english = " ".join(p.read_text(encoding="utf-8") for p in BOOK.glob("*.md")).lower()
    chinese = " ".join(m.string for po in CATALOGUES.glob("*.po") for m in read(po) if m.id and m.string)
    data = entries()
    assert len(data) >= 80, "every technical term of the book"
    assert len({e["en"] for e in data}) == len(data), "one entry per term"
    missing_en = [e["en"] for e in data if any(w.lower() not in english for w in alternatives(e["en"]))]
    missing_zh = [e["zh"] for e in data if any(w not in chinese for w in alternatives(e["zh"]))]
    assert not missing_en, f"terms the English text never uses: {missing_en}"
    assert not missing_zh, f"Chinese terms the Chinese text never uses: {missing_zh}"


def test_bad_entries_are_refused(tmp_path):
    bad = tmp_path / "g.yml"
    bad.write_text("- {en: a, zh: 甲, where: page:intro_rnn}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="doc:, ref: or eq:"):
        entries(bad)
    bad.write_text("- {en: a, zh: 甲}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="exactly en, zh and where"):
        entries(bad)


def test_the_search_dictionary_holds_the_chinese_terms_whole(tmp_path):
    path = search_dictionary(tmp_path / "words.txt")
    terms = {line.split()[0] for line in path.read_text(encoding="utf-8").splitlines()}
    assert {"隐状态", "梯度消失", "随时间反向传播"} <= terms
    assert not any(re.search(r"[（）()]", t) for t in terms)
