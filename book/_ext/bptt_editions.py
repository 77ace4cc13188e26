"""The book's two editions, English and Chinese, from one source (Sphinx gettext).

The English edition is written to _build/html/, the Chinese one to _build/html/zh/ (see the
Makefile's ``book`` target and tools/build_book.py); a page has the same name in both. This
extension

1. puts in the header of every page (book/_templates/bptt-edition-switch.html, listed in the
   theme's ``article_header_end``) a link to the same page in the other edition;
2. lets translated text paste the page's glued numbers. Sphinx parses each translated paragraph
   as a document of its own (``<page>.md:<line>:<translated>``), and MyST-NB's glue roles
   (``{glue:text}`key```) look their key up in the notebook of the document they are in, which
   for that small document has no outputs: every glued number of the Chinese text would be
   missing (MyST-NB 1.4 warns "No key ... found in glue data for this document"). A key not
   found there is looked up in the page being read;
3. makes the titles of exercises translatable: sphinx-exercise builds their subtitle node
   without a source, so Sphinx's gettext skips it; it gets the directive's line and argument
   (then Sphinx translates it while reading), and the catalogue extraction (the gettext
   builder, which reads the doctree after sphinx-exercise has rebuilt each title) gets a copy
   of it to extract;
4. translates the captions of the table of contents' parts ("Chapters", ...): Jupyter Book's
   _toc.yml becomes toctrees (sphinx-external-toc) after Sphinx has translated the page, so
   their captions are looked up in the root page's catalogue here;
5. keeps, in every HTML output of a cell, the edition's own language: text made at run time
   (figure labels, captions, printed lines; see ``code/bptt/i18n.py``) is made once per
   language by the one execution, each version between ``<!--bptt-lang:xx-->`` markers, and
   the other language's versions are dropped here;
6. keeps each page's pickled doctree to the page itself. Sphinx parses every translated
   paragraph as a small document whose settings hold the whole build environment, and the
   translated nodes keep a reference to that document; pickled with the page, it drags in the
   environment and, through sphinx-exercise's registry of exercise nodes, every other page's
   doctree (a Chinese doctree grew to 20-30 MB, ten times the English one, and a one-page
   rebuild spent 15 s loading them). The nodes are pointed back at their own page;
7. translates display maths whose translation differs from the English (words in ``\\text{}``).
   Sphinx 7.4 publishes such a translation as a reST literal block (``::`` and the text
   indented), which MyST reads as a paragraph "::": every such equation of the Chinese edition
   showed "::". They are translated here, before Sphinx's own pass, which then leaves them;
8. titles each solution with its exercise's title as the page shows it: sphinx-exercise takes
   the exercise's subtitle from its registry, where it is still the English.
"""
import html
import re
from pathlib import Path

from docutils import nodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import is_translatable

#: the other edition of each: (its language as HTML writes it, the link's text, its folder under the English one)
OTHER = {"en": ("zh-CN", "中文", "zh/"), "zh_CN": ("en", "English", "")}


def edition(app):
    return "zh_CN" if (app.config.language or "en").startswith("zh") else "en"


def switch_link(app, pagename):
    """Relative URL of ``pagename`` in the other edition, and the link's HTML."""
    lang, text, folder = OTHER[edition(app)]
    up = "../" * pagename.count("/") + ("../" if edition(app) == "zh_CN" else "")
    url = f"{up}{folder}{pagename}.html"
    return url, (f'<a class="bptt-edition-switch btn btn-sm" href="{html.escape(url)}" hreflang="{lang}" lang="{lang}" '
                 f'title="{"this page in Chinese" if lang == "zh-CN" else "本页的英文版"}">{html.escape(text)}</a>')


def add_switch(app, pagename, templatename, context, doctree):
    context["bptt_edition_switch"] = switch_link(app, pagename)[1]


_DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\{exercise\}[ \t]*(.*?)\s*$")


class ExerciseTitlesTranslatable(SphinxTransform):
    """Give each exercise's subtitle the source, line and text of its directive (3. above)."""

    default_priority = 10                         # before Sphinx's Locale transform (20)

    def apply(self):
        from sphinx_exercise.nodes import exercise_subtitle

        lines = {}
        for sub in self.document.findall(exercise_subtitle):
            owner = sub.parent.parent if sub.parent is not None else None
            if sub.source or owner is None or not owner.source or not owner.line:
                continue
            if owner.source not in lines:
                path = Path(owner.source)
                lines[owner.source] = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
            found = _DIRECTIVE.match(lines[owner.source][owner.line - 1]) if owner.line <= len(lines[owner.source]) else None
            if found and found.group(1):
                sub.source, sub.line, sub.rawsource = owner.source, owner.line, found.group(1)


_PAGE = {}          # the renderer of the page MyST-NB read last: the page whose translations are parsed


def glue_from_the_page():
    """Patch MyST-NB so that a translated paragraph's glue roles find the keys of its page (2. above)."""
    from myst_nb import sphinx_
    from myst_nb.ext.glue import directives, roles, utils

    if getattr(utils.retrieve_glue_data, "bptt_editions", False):
        return
    load_renderer, retrieve = sphinx_.load_renderer, utils.retrieve_glue_data

    def load_and_remember(name):
        cls = load_renderer(name)

        def make(*args, **kwargs):              # MyST-NB drops it from the page's document after parsing
            _PAGE["nb_renderer"] = cls(*args, **kwargs)
            return _PAGE["nb_renderer"]
        return make

    def retrieve_from_page(document, key):
        try:
            return retrieve(document, key)
        except utils.RetrievalError:
            if "nb_renderer" not in _PAGE or not str(getattr(document, "current_source", "")).endswith(":<translated>"):
                raise
            return retrieve({"nb_renderer": _PAGE["nb_renderer"]}, key)

    retrieve_from_page.bptt_editions = True
    sphinx_.load_renderer = load_and_remember
    for module in (utils, roles, directives):
        if hasattr(module, "retrieve_glue_data"):
            module.retrieve_glue_data = retrieve_from_page


class TocCaptionsTranslated(SphinxTransform):
    """Translate the captions of the toctrees _toc.yml inserts (4. above)."""

    default_priority = 101                        # after sphinx-external-toc's InsertToctrees (100)

    def apply(self):
        from sphinx import addnodes
        from sphinx.locale import init as init_locale
        from sphinx.util.i18n import docname_to_domain

        if not self.config.language or self.config.language == "en" or not self.config.locale_dirs:
            return
        toctrees = [t for t in self.document.findall(addnodes.toctree) if t.get("caption")]
        if not toctrees:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir) / d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if has_catalog:
            for toctree in toctrees:
                toctree["caption"] = catalog.gettext(toctree["caption"])


class ExerciseTitlesInCatalogue(SphinxPostTransform):
    """For the gettext builder: a copy of each exercise subtitle that sphinx-exercise's own post
    transform (priority 20) leaves alone, so that the catalogue gets the title (3. above)."""

    default_priority = 19
    builders = ("gettext",)

    def run(self, **kwargs):
        from sphinx_exercise.nodes import exercise_subtitle

        for sub in list(self.document.findall(exercise_subtitle)):
            if sub.source and sub.rawsource and sub.parent is not None and sub.parent.parent is not None:
                copy = nodes.paragraph(sub.rawsource, sub.astext())
                copy.source, copy.line = sub.source, sub.line
                copy.uid = getattr(sub, "uid", "")      # the catalogue keeps only nodes with a uid
                sub.parent.parent.append(copy)


_LANG_BLOCK = re.compile(r"<!--bptt-lang:([\w-]+)-->(.*?)<!--/bptt-lang:\1-->", re.S)


def keep_language(text, lang):
    """``text`` with only ``lang``'s marked blocks (their markers removed); unmarked text is kept."""
    return _LANG_BLOCK.sub(lambda m: m.group(2) if m.group(1) == lang else "", text)


class OutputsInTheEditionsLanguage(SphinxTransform):
    """Drop the other language's versions from the cells' HTML outputs (5. above)."""

    default_priority = 500

    def apply(self):
        lang = edition(self.app)
        for node in list(self.document.findall(nodes.raw)):
            if "<!--bptt-lang:" in node.astext():
                node[:] = [nodes.Text(keep_language(node.astext(), lang))]


class DisplayMathTranslated(SphinxTransform):
    """Give display maths its translation as text (7. above)."""

    default_priority = 15              # before Sphinx's Locale transform (20)

    def apply(self):
        if not self.config.language or self.app.builder.name == "gettext":
            return
        dirs = [str(Path(self.env.srcdir) / d) for d in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for node in list(self.document.findall(nodes.math_block)):
            msg = node.rawsource or node.astext()
            translated = catalog.gettext(msg)
            if is_translatable(node) and translated and translated != msg:
                node[:] = [nodes.Text(translated)]
                node.rawsource = translated
                node["translatable"] = False      # Sphinx's pass leaves it as it is


class SolutionTitlesAsTheExercise(SphinxPostTransform):
    """The link in a solution's title reads as its exercise's title on the page (8. above)."""

    default_priority = 23             # after sphinx-exercise has titled exercises and solutions

    def run(self, **kwargs):
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

        kinds = (exercise_enumerable_node, exercise_node)
        exercises = {n.get("label"): n for n in self.document.findall(lambda n: isinstance(n, kinds))}
        for solution in self.document.findall(solution_node):
            exercise = exercises.get(solution.get("target_label"))
            link = next(iter(solution.children[0].findall(nodes.reference)), None) if solution.children else None
            if exercise is not None and link is not None and isinstance(exercise.children[0], nodes.title):
                number = link.children[0].deepcopy()          # " Exercise 8.5": the subtitle follows
                link[:] = [number] + [child.deepcopy() for child in exercise.children[0].children]


def own_document(app, doctree):
    """Point every node that still refers to the small document Sphinx parsed its translation
    in at the page's own document (see 6. above)."""
    for node in doctree.findall(include_self=False):
        if getattr(node, "_document", None) not in (None, doctree):
            node.document = doctree


def setup(app):
    glue_from_the_page()
    app.add_transform(ExerciseTitlesTranslatable)
    app.add_transform(TocCaptionsTranslated)
    app.add_transform(OutputsInTheEditionsLanguage)
    app.add_transform(DisplayMathTranslated)
    app.add_post_transform(ExerciseTitlesInCatalogue)
    app.add_post_transform(SolutionTitlesAsTheExercise)
    app.connect("html-page-context", add_switch)
    app.connect("doctree-read", own_document)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
