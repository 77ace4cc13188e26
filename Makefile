# Two entry points (see README.md):  make book  builds the book (both editions);  make test  runs every test.
# make serve  then shows the built book on http://127.0.0.1:8000/ (PORT=... for another port).
# make lab  runs the chapters as notebooks in JupyterLab (LAB_ARGS="--no-browser --port=8899"
# on a remote machine). All create a virtual environment in .venv and install requirements.txt.
PYTHON ?= python3
PORT   ?= 8000
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# matplotlib's font cache lives with the environment it describes: a cache shared in the home
# folder can name font files of a deleted environment, and the fallback notices it then prints
# (or "building the font cache") would land in a cell's stderr and fail the strict build
export MPLCONFIGDIR := $(CURDIR)/$(VENV)/mplconfig
FONTS  := $(MPLCONFIGDIR)/.fonts-cached

.PHONY: book test test-fast bench serve lab translations clean

$(STAMP): requirements.txt code/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(FONTS): $(STAMP)
	mkdir -p $(MPLCONFIGDIR)
	$(BIN)/python -c "import matplotlib.font_manager as fm; fm.findfont('DejaVu Sans'); fm.findfont('STIXGeneral')"
	touch $(FONTS)

# strict build of both editions (tools/build_book.py): English in _build/html/, every notebook
# executed (cached); Chinese in _build/html/zh/, from locales/ and the English outputs. Any
# warning or failing cell is an error. The execution cache keys on the notebooks' text only, so
# a change to the library clears it.
book: $(FONTS)
	@if [ -d _build/.jupyter_cache ] && [ -n "$$(find code -name '*.py' -newer _build/.jupyter_cache -print -quit)" ]; then \
	  echo "code/ changed since the last execution: re-executing every chapter"; rm -rf _build/.jupyter_cache _build/.doctrees _build/zh_CN; fi
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python tools/build_book.py
	touch _build/.jupyter_cache
	@echo "Run 'make serve' and open http://127.0.0.1:$(PORT)/ (or open _build/html/index.html; its search needs the server)."

# everything: the library, the SymPy checks, a clean strict build, the browser tests
test: $(FONTS)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

# the library and maths only (no book build, no browser)
test-fast: $(FONTS)
	$(BIN)/python -m pytest -m "not book"

# speed measurements: each prints the machine, the BLAS that ran (threadpoolctl) and ratios of
# times measured in the same run (to the float64 floor, to PyTorch when installed); no pass/fail
bench: $(FONTS)
	for f in benchmarks/bench_*.py; do echo "== $$f"; OMP_NUM_THREADS=1 $(BIN)/python $$f || exit 1; done

# the built book over a local web server on 127.0.0.1 only. Opened as file://, the pages work but the
# search page cannot load its index (the browser blocks those requests: 27 console errors)
serve:
	@test -f _build/html/index.html || { echo "no built book in _build/html: run 'make book' first"; exit 1; }
	@echo "Serving _build/html at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# JupyterLab at the repository root: chapters (book/*.md) open as notebooks (jupytext, settings in
# jupytext.toml) and their MyST renders (jupyterlab-myst). Configured by the project's .jupyter/
# (listens on 127.0.0.1 only; no news, update checks or extension manager; the python3 kernel
# under the name the chapters carry, "Python 3", so that opening one changes nothing). Its state
# (settings, workspaces, runtime files, IPython history) stays in .jupyter/ too, never in $HOME.
# Headless, e.g. on a remote machine: make lab LAB_ARGS="--no-browser --port=8899"
LAB_ARGS ?=
lab: export JUPYTER_CONFIG_DIR := $(CURDIR)/.jupyter
lab: export JUPYTER_PATH       := $(CURDIR)/.jupyter/share
lab: export JUPYTER_DATA_DIR   := $(CURDIR)/.jupyter/data
lab: export IPYTHONDIR         := $(CURDIR)/.jupyter/ipython
lab: $(FONTS)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# after an English edit: extract the English text and update the Chinese catalogues
# (locales/zh_CN/LC_MESSAGES/book/<page>.po: new messages empty, changed ones marked fuzzy),
# then list what is left to translate. make test fails until every one is translated.
translations: $(FONTS)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python tools/catalogue.py update

clean:
	rm -rf _build
