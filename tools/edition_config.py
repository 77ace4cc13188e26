"""The configurations derived from _config.yml: the Chinese edition's, and the catalogue extraction's.

    python tools/edition_config.py zh_CN|gettext OUT.yml [--cache DIR]

One source of truth: everything but these few differences comes from _config.yml.
* ``zh_CN``: the Chinese edition. Its text comes from locales/zh_CN/LC_MESSAGES/book/<page>.po
  (Sphinx's gettext, one catalogue per page) and every notebook's outputs from the English
  edition's execution cache (``--cache``), so it executes nothing of its own: the English
  edition is built first (tools/build_book.py).
* ``gettext``: extracting the English messages into catalogue templates (``make translations``);
  nothing is executed, since cell outputs are not in the catalogues.
"""
import argparse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
#: what differs in each edition besides its language: the title and author a reader sees, and the
#: words on the toggles of hidden code cells (MyST-NB) and of solutions (sphinx-togglebutton):
#: configuration, not in the catalogues
EDITIONS = {"zh_CN": {"title": "随时间反向传播（BPTT）", "author": "BPTT 教材作者",
                      "sphinx": {"nb_code_prompt_show": "显示代码", "nb_code_prompt_hide": "隐藏代码",
                                 "togglebutton_hint": "点击显示", "togglebutton_hint_hide": "点击隐藏"}}}


def edition_config(name, cache=None, search_dictionary=None):
    """The configuration (a dict, as _config.yml reads) for ``name``: an edition's language or
    "gettext"; ``search_dictionary``: a jieba user dictionary for the edition's search."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    # Jupyter Book reads these folders relative to the configuration file, which is written elsewhere
    sphinx["local_extensions"] = {k: str(ROOT / v) for k, v in sphinx.get("local_extensions", {}).items()}
    execute = config.setdefault("execute", {})
    if name == "gettext":
        execute["execute_notebooks"] = "off"
        return config
    if name not in EDITIONS:
        raise ValueError(f"no edition {name!r}: editions are {sorted(EDITIONS)} (and 'gettext')")
    edition = dict(EDITIONS[name])
    sphinx.setdefault("config", {}).update(edition.pop("sphinx", {}))
    config.update(edition)
    execute["cache"] = str(Path(cache if cache is not None else ROOT / "_build" / ".jupyter_cache").resolve())
    sphinx.setdefault("config", {}).update(language=name, locale_dirs=[str(LOCALES)])
    if search_dictionary is not None:
        sphinx["config"]["html_search_options"] = {"dict": str(Path(search_dictionary).resolve())}
    return config


def write(name, path, cache=None, search_dictionary=None):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# written by tools/edition_config.py from _config.yml: edit that, not this\n"
                    + yaml.safe_dump(edition_config(name, cache, search_dictionary), allow_unicode=True,
                                     sort_keys=False),
                    encoding="utf-8")
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("name", choices=[*sorted(EDITIONS), "gettext"])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cache", help="the English edition's execution cache (default _build/.jupyter_cache)")
    a = ap.parse_args()
    write(a.name, a.out, a.cache)


if __name__ == "__main__":
    main()
