"""The book's one rule for ∂ versus ∂⁺, checked in the maths of every chapter.

The notation page states it: ∂⁺y/∂x is the total (ordered) derivative, plain ∂ the direct
partial of y's defining equation; the + is dropped only for gradients of the loss with respect
to the parameters and h_0. So, in the book's own letters:

* a Jacobian of states ∂h_a/∂h_b (or of cell states c) with plain ∂ is allowed only for one
  step, a = b + 1 (there the direct and the total derivative coincide), or a = b (the identity);
  over more steps it is a product of Jacobians, a total: ∂⁺h_T/∂h_k;
* the loss L (no subscript) differentiated with plain ∂ with respect to a state h_t, c_t or a
  pre-activation z_t is a total in disguise (L reaches h_t also through h_{t+1}), except h_0;
* one step's loss L_t or ℓ_t with plain ∂ with respect to h_k, c_k or z_k is allowed only for
  k = t (the direct path through o_t).

Formulas quoted from a source inside a warning admonition (the source corrections) keep the
source's marks and are not checked here.
"""
import re
from pathlib import Path

import pytest
import sympy as sp
from markdown_pages import blank_blocks, is_code

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md") if p.name != "bibliography.md")

# a subscript: _t, _{t-1}, _T
SUB = r"_(?:\{(?P<NAME>[^{}]*)\}|(?P<NAME1>[A-Za-z0-9]))"
PLAIN = r"\\partial(?!\s*\^)\s*"            # ∂ not followed by ^+ / ^{+}


def _sub(name):
    return SUB.replace("NAME", name)


# \frac{\partial X_a}{\partial Y_b}   and   \partial X_a / \partial Y_b
NUM = rf"(?P<num>h|c|z|L|\\ell)(?:{_sub('a')})?"
DEN = rf"(?P<den>h|c|z)\s*{_sub('b')}"
FRAC = re.compile(rf"\\frac\{{\s*{PLAIN}{NUM}\s*\}}\s*\{{\s*{PLAIN}{DEN}\s*\}}")
SLASH = re.compile(rf"{PLAIN}{NUM}\s*/\s*{PLAIN}{DEN}")


def _index(m, name):
    return m.group(name) if m.group(name) is not None else m.group(name + "1")


def _differ_by(a, b, d):
    """True if the index expressions a and b satisfy a - b == d (None if they cannot be parsed)."""
    try:
        diff = sp.simplify(sp.sympify(a.replace("−", "-")) - sp.sympify(b.replace("−", "-")))
    except (sp.SympifyError, SyntaxError, TypeError):
        return None
    return diff == d


def violations_in(math):
    """Plain-∂ total derivatives in one piece of TeX: a list of the offending snippets."""
    out = []
    for m in list(FRAC.finditer(math)) + list(SLASH.finditer(math)):
        num, den, a, b = m.group("num"), m.group("den"), _index(m, "a"), _index(m, "b")
        if b is None:
            continue
        if num in ("h", "c", "z"):
            if a is None or num == "z" or num != den and not (num == "h" and den == "z"):
                continue                        # mixed letters, or z_j as a graph node: direct
            if num == "h" and den == "z":
                ok = _differ_by(a, b, 0)        # ∂h_t/∂z_t = D_t; ∂h_T/∂z_k (k<T) is a total
            else:                               # one step back (or none: the identity)
                ok = _differ_by(a, b, 1) or _differ_by(a, b, 0)
        elif num == "L" and a is None:
            ok = _differ_by(b, "0", 0)          # ∂L/∂h_0 is the gradient with respect to h_0
        else:                                   # L_t, ℓ_t
            ok = a is not None and _differ_by(a, b, 0)
        if ok is False:
            out.append(m.group(0))
    return out



def prose_maths(text):
    """(line, TeX) for every piece of maths outside code and outside warning admonitions."""
    body = blank_blocks(text, is_code, lambda line: line == ":class: warning")
    body = re.sub(r"`[^`\n]*`", lambda mm: " " * len(mm.group(0)), body)   # inline code
    out = []
    for m in re.finditer(r"\$\$(.+?)\$\$|\$([^$\n]+(?:\n[^$\n]+)*?)\$", body, re.S):
        tex = m.group(1) if m.group(1) is not None else m.group(2)
        out.append((body.count("\n", 0, m.start()) + 1, tex))
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_plain_partial_only_for_direct_derivatives(path):
    bad = [f"{path.name}:{line}: {v}" for line, tex in prose_maths(path.read_text()) for v in violations_in(tex)]
    assert not bad, ("plain ∂ used for a total derivative (write \\partial^+; see the notation page's rule):\n"
                     + "\n".join(bad))


@pytest.mark.parametrize("tex, n_bad", [
    (r"\frac{\partial h_T}{\partial h_k} = J_T \cdots J_{k+1}", 1),
    (r"\frac{\partial^+ h_T}{\partial h_k} = J_T \cdots J_{k+1}", 0),
    (r"\frac{\partial h_t}{\partial h_{t-1}} = D_t W_{hh}", 0),
    (r"\frac{\partial h_{t+1}}{\partial h_t}", 0),
    (r"\partial h_2/\partial h_0", 1),
    (r"\partial h_3/\partial h_2", 0),
    (r"\frac{\partial L}{\partial h_t}", 1),
    (r"\frac{\partial^{+} L}{\partial h_t}", 0),
    (r"\partial L/\partial z_k", 1),
    (r"\partial L/\partial h_0", 0),
    (r"\frac{\partial L}{\partial W_{hh}}", 0),
    (r"\frac{\partial L_T}{\partial h_k}", 1),
    (r"\frac{\partial L_t}{\partial h_t}", 0),
    (r"\frac{\partial \ell_t}{\partial z_k}", 1),
    (r"\frac{\partial L}{\partial o_t}", 0),
    (r"\frac{\partial c_T}{\partial c_k}", 1),
    (r"\frac{\partial c_t}{\partial c_{t-1}}", 0),
    (r"\frac{\partial h_t}{\partial z_t}", 0),
    (r"\frac{\partial h_T}{\partial h_T} = I", 0),
    (r"\frac{\partial h_T}{\partial z_k}", 1),
])
def test_the_rule_on_known_snippets(tex, n_bad):
    assert len(violations_in(tex)) == n_bad


def test_warning_boxes_and_code_are_skipped():
    text = ("Text $\\partial h_T/\\partial h_k$.\n\n```{admonition} Correction\n:class: warning\n"
            "Source writes $\\partial h_T/\\partial h_k$.\n```\n\n```{code-cell} ipython3\n"
            "# $\\partial L/\\partial h_t$\n```\n\n```{note}\n$\\partial L/\\partial h_2$\n```\n")
    found = [v for _, tex in prose_maths(text) for v in violations_in(tex)]
    assert found == [r"\partial h_T/\partial h_k", r"\partial L/\partial h_2"]
