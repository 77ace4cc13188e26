"""Text made at run time (figure labels, captions, control labels, printed lines) in the edition's language.

The book is executed once for both editions. So whatever a cell shows a reader is made once per
language by the book build, and each edition keeps its own (``book/_ext/bptt_editions.py``
drops the other language's block from every output); in Jupyter it is made in the kernel's
language only: ``BPTT_LANG`` (``en``, the default, or ``zh_CN``).

* :func:`t` is the one way to write such text: ``t("lag $k$")`` is the English, translated in
  ``locales/<language>/LC_MESSAGES/code.po`` (``make translations`` extracts every ``t("...")``,
  ``say("...")`` and every ``caption=``/``label=``/``alt=`` string literal of ``code/`` and of the
  chapters' cells into that catalogue). A message may hold ``str.format`` fields:
  ``t("largest error {err:.1e}").format(err=e)``; its translation keeps the same fields.
* :func:`language` sets the language for a block (and, through :mod:`bptt.viz.fonts`, a
  matplotlib font with the language's glyphs).
* :func:`each_language` makes something once per language: in the book build, every edition's
  language, marked; elsewhere the current language alone.
* :func:`say` and :func:`printout` show printed text a reader reads, in every language made;
  :func:`ljust` pads a printed table's column by its width on screen.
"""
import contextlib
import html
import io
import os
import unicodedata
from pathlib import Path

from . import forked

LANGUAGES = ("en", "zh_CN")
ENGLISH = "en"
LOCALES = Path(__file__).resolve().parents[2] / "locales"


def _check(lang):
    if lang not in LANGUAGES:
        raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


_state = {"lang": _check(os.environ.get("BPTT_LANG") or ENGLISH)}
_catalogues = {}


def current():
    """The language text is made in now."""
    return _state["lang"]


def catalogue(lang):
    """{English: translation} of ``lang``'s ``code.po`` (translated, not fuzzy, messages only)."""
    if lang not in _catalogues:
        path = LOCALES / lang / "LC_MESSAGES" / "code.po"
        found = {}
        if lang != ENGLISH and path.exists():
            from babel.messages.pofile import read_po

            with open(path, "rb") as f:
                found = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
        _catalogues[lang] = found
    return _catalogues[lang]


def t(message):
    """``message`` (English) in the current language; itself where it has no translation."""
    if not isinstance(message, str):
        raise TypeError(f"message: expected a str, got {type(message).__name__}")
    lang = current()
    return message if lang == ENGLISH else catalogue(lang).get(message, message)


class Msg(str):
    """An English message with its fields filled in, that can be said in another language.

    A str (the English), so it keys dicts, compares and prints as before; :func:`local` gives
    it in the current language, its fields too when they are messages: for names a cell uses as
    keys, such as ``Msg("regular, τ = {tau}", tau=8)`` or
    ``Msg("{net}, n = {n}", net=Msg("vanilla RNN"), n=24)``. ``make translations`` collects its
    first argument as it does :func:`t`'s.
    """

    def __new__(cls, msgid, **fields):
        if not isinstance(msgid, str):
            raise TypeError(f"msgid: expected a str, got {type(msgid).__name__}")
        self = super().__new__(cls, msgid.format(**fields))
        self.msgid, self.fields = msgid, fields
        return self

    def __getnewargs_ex__(self):
        return (self.msgid,), self.fields

    def here(self):
        """The message in the current language."""
        return t(self.msgid).format(**{k: local(v) if isinstance(v, Msg) else v for k, v in self.fields.items()})


def local(text):
    """``text`` in the current language: a :class:`Msg` says itself, any other str is :func:`t`'s."""
    return text.here() if isinstance(text, Msg) else t(text)


_hooks = []


def on_language(hook):
    """Call ``hook(lang)`` (a context manager) around every :func:`language` block: how the
    figures' module (:mod:`bptt.viz.fonts`) sets a font with the language's glyphs, without
    this module knowing about plotting."""
    if hook not in _hooks:
        _hooks.append(hook)


@contextlib.contextmanager
def language(lang):
    """Make text (and, with :mod:`bptt.viz` imported, figures) in ``lang`` inside the block."""
    before = _state["lang"]
    _state["lang"] = _check(lang)
    try:
        with contextlib.ExitStack() as stack:
            for hook in _hooks:
                stack.enter_context(hook(lang))
            yield
    finally:
        _state["lang"] = before


def in_book_build():
    """True when the notebook is being executed by the book build."""
    return os.environ.get("BPTT_BOOK_BUILD") == "1"


def build_languages():
    """The languages the book build makes run-time text in: every edition's, or those listed in
    ``BPTT_BUILD_LANGUAGES`` (comma-separated; ``en`` alone measures the English book without
    its Chinese edition, see benchmarks/bench_editions.py)."""
    listed = os.environ.get("BPTT_BUILD_LANGUAGES")
    return tuple(_check(x.strip()) for x in listed.split(",")) if listed else LANGUAGES


def each_language(make, parallel=False):
    """{language: make()} for every language of the book build, else for the current one.

    ``parallel``: in the book build, make the languages after the first in forked child
    processes (:class:`bptt.forked.Forked`) while this one makes the first: a figure's second
    language is drawn on the second core. ``make`` must then return something picklable and
    have no effect besides its value and what it prints.
    """
    langs = build_languages() if in_book_build() else (current(),)

    def make_in(lang):
        def run():
            with language(lang):
                return make()
        return run

    if parallel and len(langs) > 1 and forked.available():
        children = {lang: forked.Forked(make_in(lang)) for lang in langs[1:]}
        first = make_in(langs[0])()
        return {langs[0]: first, **{lang: child.result() for lang, child in children.items()}}
    return {lang: make_in(lang)() for lang in langs}


def marked(by_lang):
    """HTML holding each language's HTML between markers that the build keeps or drops per edition."""
    if len(by_lang) == 1:
        return next(iter(by_lang.values()))
    return "".join(f"<!--bptt-lang:{lang}-->{text}<!--/bptt-lang:{lang}-->" for lang, text in by_lang.items())


def columns(text):
    """Columns ``text`` takes in a monospace font: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text, width):
    """``text`` padded with spaces to ``width`` monospace columns (``str.ljust`` counts a CJK
    character as one column, so a printed table in Chinese would not line up)."""
    return text + " " * max(width - columns(text), 0)


class EachLanguage:
    """One displayable object per language (``{language: object}``, as :func:`each_language`
    makes them): shows the current language's object, and in the book build the HTML of all of
    them, marked (each edition keeps its own)."""

    def __init__(self, by_lang):
        if not by_lang:
            raise ValueError("by_lang: expected at least one language")
        self.by_lang = dict(by_lang)

    def here(self):
        """The current language's object (the first one made if the current language was not)."""
        return self.by_lang.get(current(), next(iter(self.by_lang.values())))

    def __repr__(self):
        return repr(self.here())

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundles = {lang: obj._repr_mimebundle_() for lang, obj in self.by_lang.items()}
        bundle = dict(bundles.get(current()) or next(iter(bundles.values())))
        if len(bundles) > 1 and all("text/html" in b for b in bundles.values()):
            bundle["text/html"] = marked({lang: b["text/html"] for lang, b in bundles.items()})
        return bundle


class Printed:
    """Printed text: shown as printed output (text/plain) in Jupyter, and in the book build as
    the same preformatted block in HTML (so that it can be kept per edition)."""

    def __init__(self, text):
        self.text = text.rstrip("\n")

    def __repr__(self):
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.text}
        if in_book_build():
            bundle["text/html"] = ('<div class="bptt-printed highlight-myst-ansi notranslate"><div class="highlight"><pre>'
                                   f"{html.escape(self.text)}</pre></div></div>")
        return bundle


def printout(write):
    """Show what ``write()`` prints, made once per language (see :func:`each_language`).

    ``write`` should only print (do the computing before): in the book build it runs once per
    language. Returns None, so a cell ending with ``printout(...)`` shows the text once.
    """
    from IPython.display import display

    def run():
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            write()
        return buf.getvalue()

    display(EachLanguage({lang: Printed(text) for lang, text in each_language(run).items()}))


def say(message, **values):
    """Print ``t(message).format(**values)`` (see :func:`printout`)."""
    printout(lambda: print(t(message).format(**values)))
