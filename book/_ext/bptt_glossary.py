"""The bilingual glossary: ``{bptt-glossary}`` renders book/glossary.yml as a table.

Each entry gives a term in English and in Chinese and where the book defines it
(``doc:<page>``, ``ref:<section label>`` or ``eq:<equation label>``). The table is the same in
both editions (its term cells are not in the translation catalogues: a glossary shows both
languages); the link names the target in the edition's own language (a page or section title,
an equation number). :func:`search_dictionary` gives the Chinese edition's search (jieba) the
Chinese terms as words.
"""
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

GLOSSARY = Path(__file__).resolve().parents[1] / "glossary.yml"
KINDS = {"doc": "doc", "ref": "ref", "eq": "eq"}
HEADER = ("English", "中文", "defined in · 定义处")


def entries(path=GLOSSARY):
    """The glossary's entries, checked: a list of {"en", "zh", "where"}."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not data:
        raise ValueError(f"{path}: expected a list of entries")
    for i, e in enumerate(data):
        if not isinstance(e, dict) or set(e) != {"en", "zh", "where"}:
            raise ValueError(f"{path}: entry {i} must have exactly en, zh and where: {e!r}")
        kind, _, target = str(e["where"]).partition(":")
        if kind not in KINDS or not target:
            raise ValueError(f"{path}: entry {i} ({e['en']}): where must be doc:, ref: or eq:<target>, got {e['where']!r}")
    return data


def search_dictionary(path, glossary=GLOSSARY):
    """Write a jieba user dictionary of the glossary's Chinese terms (the bracketed
    abbreviations left out) to ``path``, so that the Chinese search keeps each term whole."""
    import re

    words = set()
    for e in entries(glossary):
        for part in re.split(r"[，,、/（）()\s]+", e["zh"]):
            if re.search(r"[\u3400-\u9fff]", part) and len(part) >= 2:
                words.add(part)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{w} 50 n\n" for w in sorted(words)), encoding="utf-8")
    return path


class GlossaryDirective(SphinxDirective):
    has_content = False

    def cell(self, *children):
        entry = nodes.entry()
        entry += nodes.paragraph("", "", *children)
        return entry

    def run(self):
        self.env.note_dependency(str(GLOSSARY))
        table = nodes.table(classes=["bptt-glossary"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (4, 3, 4):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        row = nodes.row()
        for text in HEADER:
            row += self.cell(nodes.Text(text))
        head += row
        for e in entries():
            kind, _, target = e["where"].partition(":")
            where, messages = self.state.inline_text(f"{{{KINDS[kind]}}}`{target}`", self.lineno)
            row = nodes.row()
            row += self.cell(nodes.Text(e["en"]))
            row += self.cell(nodes.inline("", e["zh"], classes=["bptt-zh"]))
            row += self.cell(*where, *messages)
            body += row
        group += head
        group += body
        return [table]


def setup(app):
    app.add_directive("bptt-glossary", GlossaryDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
