"""Shared fixtures: small random problems, and one clean strict build of the whole book."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "test"          # the tests' own clean build; screenshots go beside it


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


def make_problem(rng, T, B, m, n, q, **init):
    """Random (params, X, Y) for an Elman network of the given sizes."""
    import bptt

    params = bptt.init_params(m, n, q, seed=int(rng.integers(1 << 31)), **init)
    params["b_h"] = rng.normal(scale=0.1, size=n)
    params["b_q"] = rng.normal(scale=0.1, size=q)
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    return params, X, Y


@pytest.fixture(scope="session")
def book_build():
    """Build the whole book, both editions, from clean, strictly, as ``make book`` does
    (tools/build_book.py: -W -n --keep-going); return (returncode, log, html dir). The Chinese
    edition is html/zh/; the log has one part per edition (tools/build_book.py's HEADER)."""
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    code, log = run_build_book(BUILD)
    (BUILD / "build.log").write_text(log)
    return code, log, BUILD / "_build" / "html"


def run_build_book(out):
    """(exit status, log) of tools/build_book.py --out ``out``, the venv's tools on the PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def built_html(request):
    """The HTML folder of a clean strict build (the build must have passed).

    For quick local iteration on browser tests only, BPTT_TEST_HTML=/path/to/_build/html reuses
    an existing build; CI never sets it, so there the whole book is built from clean.
    """
    reuse = os.environ.get("BPTT_TEST_HTML")
    if reuse:
        return Path(reuse)
    code, log, html = request.getfixturevalue("book_build")
    assert code == 0, "the book build failed; see test_book_build for the log"
    return html


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, driven by playwright) for every browser test of the session.

    One only: playwright's sync API cannot be started twice in one process at the same time.
    """
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: install Debian's package (apt-get install -y chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
