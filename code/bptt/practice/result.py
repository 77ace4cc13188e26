"""The checker's answer: passed or not, the catalogued mistake, the message, where to read."""
import html
import re
import textwrap
from dataclasses import dataclass

WIDTH = 72
_KEEP = "\x00"       # stands for the spaces of " = " while wrapping ("n = 4" stays whole)


def _code(escaped):
    """`text` in an escaped line as <code>text</code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _fill(paragraph):
    """Wrap each line of a paragraph to WIDTH; indented lines keep their indent."""
    out = []
    for line in paragraph.split("\n"):
        indent = "    " if line.startswith("  ") else ""
        text = textwrap.fill(line.replace(" = ", f"{_KEEP}={_KEEP}"), WIDTH,
                             subsequent_indent=indent, break_on_hyphens=False)
        out.append(text.replace(_KEEP, " "))
    return "\n".join(out)


@dataclass(frozen=True)
class CheckResult:
    """What :func:`bptt.practice.check` found.

    passed: bool; mistake: the catalogued mistake's name or None; message: plain text
    (paragraphs separated by blank lines); read: a :class:`~bptt.practice.mistakes.Read`
    (book/<doc>.md, equation label, section) or None.
    """

    name: str
    passed: bool
    mistake: object
    message: str
    read: object = None

    @property
    def heading(self):
        if self.passed:
            return f"✔ {self.name}: correct"
        if self.message.startswith("Not written yet"):
            return f"✘ {self.name}: not written yet"
        return f"✘ {self.name}: " + (f"mistake {self.mistake}" if self.mistake else "wrong")

    def paragraphs(self):
        return [p for p in self.message.split("\n\n") if p.strip()]

    def __str__(self):
        paragraphs = self.paragraphs()
        if self.read is not None:
            paragraphs.append(f"Read: {self.read}")
        return "\n\n".join([self.heading] + [_fill(p) for p in paragraphs])

    def __repr__(self):                    # a terminal (python, ipython) shows the message
        return str(self)

    def _repr_html_(self):
        colour = "#2e7d32" if self.passed else "#c62828"
        parts = [f'<div class="bptt-check" style="border-left: 4px solid {colour}; '
                 'padding: 0.2em 0.8em; margin: 0.5em 0">',
                 f'<p style="font-weight: bold; color: {colour}">'
                 f"{html.escape(self.heading)}</p>"]
        for p in self.paragraphs():
            body = "<br>".join(_code(html.escape(line)) for line in p.split("\n"))
            parts.append(f'<p style="white-space: pre-wrap">{body}</p>')
        if self.read is not None:
            r = self.read
            where = "at its equation" if r.label else "the section"
            parts.append(f'<p>Read: <a href="{html.escape(r.href, quote=True)}">'
                         f"{html.escape(r.title)}</a> ({where}, in "
                         f"book/{html.escape(r.doc)}.md)</p>")
        parts.append("</div>")
        return "\n".join(parts)
