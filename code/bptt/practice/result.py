"""The checker's answer: passed or not, the catalogued mistake, the message, where to read."""
import html
import re
import textwrap
from dataclasses import dataclass, field

from ..i18n import EachLanguage, columns, t

WIDTH = 72
_KEEP = "\x00"       # stands for the spaces of " = " while wrapping ("n = 4" stays whole)


def _code(escaped):
    """`text` in an escaped line as <code>text</code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


_WIDE = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
#: what a Chinese line breaks between: runs of spaces; one wide character with the closing
#: punctuation after it and the opening bracket before it (no line starts with "，" or ends
#: with "（"); a run of other characters (a word, a symbol, "n\x00=\x004")
_TOKENS = re.compile(rf"\s+|（*[^\s{_WIDE}]+[，。：；、！？）」』]*|（*[{_WIDE}][，。：；、！？）」』]*")


def _fill_wide(line, indent):
    """Wrap a line holding Chinese to WIDTH columns: breaks at spaces and between characters."""
    lines, current = [], ""
    for token in _TOKENS.findall(line):
        if token.isspace():
            if current.strip():
                current += token
            elif not lines:                       # the line's own indent
                current = token
            continue
        if current.strip() and columns(current.rstrip() + token) > WIDTH:
            lines.append(current.rstrip())
            current = indent
        current += token
    lines.append(current.rstrip())
    return "\n".join(lines)


def _fill(paragraph):
    """Wrap each line of a paragraph to WIDTH; indented lines keep their indent."""
    out = []
    for line in paragraph.split("\n"):
        indent = "    " if line.startswith("  ") else ""
        kept = line.replace(" = ", f"{_KEEP}={_KEEP}")
        if columns(line) > len(line):
            text = _fill_wide(kept, indent)
        else:
            text = textwrap.fill(kept, WIDTH, subsequent_indent=indent, break_on_hyphens=False)
        out.append(text.replace(_KEEP, " "))
    return "\n".join(out)


@dataclass(frozen=True)
class CheckResult:
    """What :func:`bptt.practice.check` found.

    passed: bool; mistake: the catalogued mistake's name or None; message: plain text
    (paragraphs separated by blank lines); read: a :class:`~bptt.practice.mistakes.Read`
    (book/<doc>.md, equation label, section) or None; written: False when the function is
    still the page's skeleton (it raises NotImplementedError).

    The text around the message (the heading, the "Read:" line) is made when the result is,
    in the current language, the language of its message.
    """

    name: str
    passed: bool
    mistake: object
    message: str
    read: object = None
    written: bool = True
    heading: str = field(init=False, repr=False, compare=False)
    read_line: str = field(init=False, repr=False, compare=False)
    read_html: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.passed:
            heading = t("✔ {name}: correct").format(name=self.name)
        elif not self.written:
            heading = t("✘ {name}: not written yet").format(name=self.name)
        elif self.mistake:
            heading = t("✘ {name}: mistake {mistake}").format(name=self.name, mistake=self.mistake)
        else:
            heading = t("✘ {name}: wrong").format(name=self.name)
        line = page = ""
        if self.read is not None:
            r = self.read
            line = t("Read: {where}").format(where=r)
            link = (f'<a href="{html.escape(r.href, quote=True)}">'
                    f"{html.escape(r.section)}</a>")
            where = (t("Read: {section} (at its equation, in {source})") if r.label
                     else t("Read: {section} (the section, in {source})"))
            page = "<p>" + html.escape(where).format(section=link,
                                                     source=html.escape(f"book/{r.doc}.md")) + "</p>"
        object.__setattr__(self, "heading", heading)
        object.__setattr__(self, "read_line", line)
        object.__setattr__(self, "read_html", page)

    def paragraphs(self):
        return [p for p in self.message.split("\n\n") if p.strip()]

    def __str__(self):
        paragraphs = self.paragraphs()
        if self.read_line:
            paragraphs.append(self.read_line)
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
        if self.read_html:
            parts.append(self.read_html)
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": str(self), "text/html": self._repr_html_()}


class CheckResults(EachLanguage):
    """A check's result made in each language (the book build): shown in every edition's
    language, and read like the current language's :class:`CheckResult` (``.passed``, ...)."""

    _FIELDS = ("name", "passed", "mistake", "message", "read", "written", "heading",
               "read_line", "read_html", "paragraphs")

    def __getattr__(self, attr):
        if attr in CheckResults._FIELDS:
            return getattr(self.here(), attr)
        raise AttributeError(attr)

    def __str__(self):
        return str(self.here())

    def _repr_html_(self):
        return self._repr_mimebundle_()["text/html"]
