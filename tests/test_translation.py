"""The Chinese edition's catalogues (locales/zh_CN/LC_MESSAGES/book/<page>.po) against the English text.

* every message a reader reads is translated, none is fuzzy (tools/catalogue.py documents the
  filter: only display equations and messages of nothing but maths and code are exempt);
* a translation keeps the English's maths, code, cross-references and links exactly (the words
  inside ``\\text{...}`` of an equation may be translated);
* (book) the catalogues hold the current English: every message the gettext builder extracts
  from the sources now is in its page's catalogue, so an English edit fails here until
  ``make translations`` has been run and the new text translated.
"""
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from catalogue import CATALOGUES, CODE, MATHS, ROLE, RUNTIME, needs_translation, read, runtime_messages, status  # noqa: E402

CJK = re.compile(r"[\u3400-\u9fff]")


def catalogues():
    """The pages' catalogues and the run-time text's (code.po)."""
    return sorted(CATALOGUES.glob("*.po")) + [RUNTIME]


def test_every_page_has_a_catalogue():
    pages = {p.stem for p in (ROOT / "book").glob("*.md")}
    assert pages == {p.stem for p in CATALOGUES.glob("*.po")}, "one catalogue per page of book/ (make translations)"


def test_the_run_time_catalogue_holds_every_run_time_message():
    """Every t("...") / say("...") / caption= / label= / alt= literal of code/bptt and of the
    chapters' cells (tools/catalogue.py, runtime_messages) is in code.po: an English edit of a
    figure label fails here until `make translations` has been run and the text translated."""
    have = {m.id for m in read(RUNTIME) if m.id}
    missing = [f"{m!r} ({', '.join(where)})" for m, where in runtime_messages().items() if m not in have]
    assert not missing, "run-time text not in code.po (run `make translations`, then translate):\n" + "\n".join(missing)


def test_runtime_messages_are_found_where_the_book_writes_them():
    from catalogue import messages_in

    source = """
ax.set_xlabel(t("lag $k$"))
say("largest error {e:.1e}", e=1)
c = control([1, 2], "gain")
d = control([1, 2], label="loss")
ex = explorable(draw, {}, caption="a caption")
show(draw, (3, 2), alt="a picture")
ax.plot(x, label="not a message: plot labels go through t()")
t(name)
runs = {Msg("regular, τ = {tau}", tau=8): 1}
"""
    assert [m for m, _ in messages_in(source, "x.py")] == [
        "lag $k$", "largest error {e:.1e}", "gain", "loss", "a caption", "a picture", "regular, τ = {tau}"]


def fields(text):
    import string

    return sorted(f for _, f, spec, _ in string.Formatter().parse(text) if f is not None)


def test_run_time_translations_keep_their_format_fields():
    bad = [f"{m.id!r} -> {m.string!r}" for m in read(RUNTIME) if m.id and m.string and fields(m.id) != fields(m.string)]
    assert not bad, "a translation must keep the message's {fields}:\n" + "\n".join(bad)


def test_every_message_a_reader_reads_is_translated_and_none_is_fuzzy():
    left = {page: v for page, v in status().items() if v[0] or v[1]}
    assert not left, "untranslated or fuzzy messages (translate them: see README.md, 'The Chinese edition'):\n" + \
        "\n".join(f"{page}.po: {m[:90]!r}" for page, (u, f) in left.items() for m in u + f)


@pytest.mark.parametrize("msgid, needed", [
    ("\n\\frac{\\partial L}{\\partial h_t} = \\delta_t\n", False),      # a display equation
    ("$W_{hx}$, $W_{hh}$, $b_h$", False),
    ("`params[\"W_hh\"]`, ...", False),
    ("{doc}`rtrl`", False),
    ("$n \\times m$, $n$", False),
    ("{net}, n = {n}", False),                                     # a run-time message of fields
    ("largest error {err:.1e}", True),
    ("softmax", True),
    ("the state $h_t$ after $t$ steps", True),
    ("**You need:** {doc}`notation`", True),
])
def test_only_maths_and_code_are_exempt_from_translation(msgid, needed):
    assert needs_translation(msgid) is needed


_LINK = re.compile(r"\]\(([^)\s]+)\)")
_TEXT = re.compile(r"\\text\{[^{}]*\}")


def kept(message):
    """What a translation must keep of ``message``: role targets (a {ref}/{doc} title may be
    translated), inline maths, code spans, link targets; a display equation whole, but for its
    words in \\text{...} (Chinese word order may move them, with the punctuation and brackets
    around them, so those are left out of the comparison of an equation that has words)."""
    if message.startswith("\n"):
        if "\\text{" not in message:
            return Counter([message.strip()])
        return Counter([re.sub(r"[\s.,;:()]", "", _TEXT.sub("", message))])
    roles = []
    for kind, body in ROLE.findall(message):
        titled = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", body)
        roles.append((kind, titled.group(2) if titled and kind in ("ref", "doc", "numref", "term") else body))
    rest = ROLE.sub(" ", message)
    maths = MATHS.findall(rest)
    rest = MATHS.sub(" ", rest)
    return Counter(roles) + Counter(maths) + Counter(CODE.findall(rest)) + Counter(_LINK.findall(rest))


def test_translations_keep_the_maths_code_and_cross_references():
    bad = []
    for po in catalogues():
        for m in read(po):
            if m.id and m.string and kept(m.id) != kept(m.string):
                lost, added = kept(m.id) - kept(m.string), kept(m.string) - kept(m.id)
                bad.append(f"{po.stem}: {m.id[:70]!r}\n    lost {dict(lost)}, added {dict(added)}")
    assert not bad, "translations that change maths, code or a cross-reference:\n" + "\n".join(bad)


def test_translations_are_chinese():
    """A translated prose message holds Chinese (a copy of the English is no translation), and
    its bold and italic markers can close (CommonMark: `**词：**字` does not, `**词：** 字` does)."""
    bad = []
    for po in catalogues():
        for m in read(po):
            if not (m.id and m.string and needs_translation(m.id)):
                continue
            prose = CODE.sub(" ", MATHS.sub(" ", ROLE.sub(" ", m.string)))
            if not CJK.search(prose) and punctuated(m.string) != punctuated(m.id):
                bad.append(f"{po.stem}: no Chinese in {m.string[:70]!r}")
            if stray_asterisks(m.string) and not stray_asterisks(m.id):
                bad.append(f"{po.stem}: bold or italic that does not close (shows its asterisks): {m.string[:70]!r}")
    assert not bad, "\n".join(bad)


def punctuated(text):
    """``text`` with Chinese punctuation as ASCII and no spaces: a message of names and symbols
    ("{activation}, ρ(W_hh) = {rho:.2f}") stays itself in Chinese but for its punctuation."""
    return re.sub(r"\s", "", text.translate(str.maketrans("，：；（）。", ",:;().")))


def stray_asterisks(text):
    """True if Markdown leaves an asterisk of ``text`` unrendered (maths, code and roles aside)."""
    from markdown_it import MarkdownIt

    plain = CODE.sub("C", MATHS.sub("M", ROLE.sub("R", text)))
    return "*" in re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").renderInline(plain))


def test_stray_asterisks_are_seen():
    assert stray_asterisks("**预备知识：**多元函数") and not stray_asterisks("**预备知识：** 多元函数")
    assert not stray_asterisks("（**正好相反**）") and not stray_asterisks("按*由哪个损失*发出")


def test_kept_sees_a_changed_equation_or_reference():
    assert kept("see {ref}`the box <sec-x>` and $h_t$") == kept("见{ref}`那个框 <sec-x>`与 $h_t$")
    assert kept("see {ref}`the box <sec-x>`") != kept("见{ref}`框 <sec-y>`")
    assert kept("a $h_t$ b") != kept("甲 $h_{t}$ 乙")
    assert kept("\n\\text{so} x = 1\n") == kept("\n\\text{因此} x = 1\n")
    assert kept("\n\\text{so} x = 1\n") != kept("\n\\text{因此} x = 2\n")


@pytest.mark.book
def test_the_catalogues_hold_the_current_english_text(tmp_path):
    from catalogue import extract

    pots = extract(tmp_path)
    missing = []
    for pot in sorted(pots.glob("*.pot")):
        po = CATALOGUES / f"{pot.stem}.po"
        assert po.exists(), f"{pot.stem} has no catalogue: run make translations"
        have = {m.id for m in read(po) if m.id}
        missing += [f"{pot.stem}: {m.id[:90]!r}" for m in read(pot) if m.id and m.id not in have]
    assert not missing, ("English text not in the Chinese catalogues (run `make translations`, then translate):\n"
                         + "\n".join(missing))
