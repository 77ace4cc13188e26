"""The public names the issues promise, their signatures, and the layering of the package."""
import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import bptt

CODE = Path(bptt.__file__).parent

# name -> the leading parameters its contract fixes
CONTRACT = {
    "init_params": ["n_in", "n_hidden", "n_out", "seed"],
    "forward": ["params", "X", "h0", "activation"],
    "bptt_grads": ["params", "X", "Y", "h0", "activation", "weights"],
    "rtrl_grads": ["params", "X", "Y", "h0", "activation", "weights"],
    "truncated_grads": ["params", "X", "Y", "tau", "mode"],
    "randomized_truncation_grads": ["params", "X", "Y"],
    "double_sum_grads": ["params", "X", "Y", "h0", "activation", "weights"],
    "jordan_grads": ["params", "X", "Y"],
    "lstm_init_params": ["n_in", "n_hidden", "n_out", "seed"],
    "lstm_grads": ["params", "X", "Y", "h0", "c0"],
    "gru_init_params": ["n_in", "n_hidden", "n_out", "seed"],
    "gru_grads": ["params", "X", "Y", "h0"],
    "checkpointed_grads": ["params", "X", "Y", "h0", "activation", "weights",
                           "slots", "schedule"],
}


def test_gated_parameter_names():
    lstm = bptt.lstm_init_params(2, 3, 4)
    gates = [f"{w}{g}" for g in "ifoc" for w in ("W_x", "W_h", "b_")]
    assert set(lstm) == set(gates) | {"W_qh", "b_q"}
    gru = bptt.gru_init_params(2, 3, 4)
    assert {"W_xr", "W_hr", "b_r", "W_xz", "W_hz", "b_z", "W_xh", "W_hh", "b_h", "W_qh", "b_q"} <= set(gru)


@pytest.mark.parametrize("name,leading", CONTRACT.items())
def test_contract_names_and_signatures(name, leading):
    fn = getattr(bptt, name)
    params = list(inspect.signature(fn).parameters)
    assert params[: len(leading)] == leading, f"bptt.{name}{inspect.signature(fn)}"


def test_randomized_truncation_takes_an_rng():
    assert "rng" in inspect.signature(bptt.randomized_truncation_grads).parameters


def test_everything_in_all_exists():
    missing = [n for n in bptt.__all__ if not hasattr(bptt, n)]
    assert not missing


def test_numerical_modules_import_neither_plotting_nor_sympy():
    """Layers point down: bptt/*.py import numpy and each other, never matplotlib, ipywidgets or sympy."""
    offenders = []
    for py in CODE.glob("*.py"):
        tree = ast.parse(py.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name.split(".")[0] in {"matplotlib", "ipywidgets", "sympy"} or name.startswith(("viz", "sym")):
                    offenders.append(f"{py.name}: {name}")
    assert not offenders


def test_importing_bptt_loads_no_plotting_or_sympy():
    code = "import sys, bptt; print(any(m in sys.modules for m in ('matplotlib', 'sympy', 'ipywidgets')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
