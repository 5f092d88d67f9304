"""The shared LaTeX renderer: numbers as students write them, every answer kind, line
breaking of long sides, prose escaping, notebook reprs and goldens."""

import math
import os
import re
import subprocess
import sys

import pytest
import sympy as sp
from sheetkit import kinds_solution
from testkit import ROOT

from derive.render.decimals import number_tex
from derive.render.latex import LINE_EM, render_latex
from derive.render.printing import SheetLatex, tex, value_tex
from derive.render.prose import prose_tex
from derive.render.texlayout import break_expr, tex_width


@pytest.mark.parametrize("value,want", [
    # exact where exact: terminating decimals as decimals, other rationals as \frac
    (sp.Rational(-1, 20), "-0.05"),
    (sp.Rational(4, 3), r"\frac{4}{3}"),
    (sp.Rational(-4, 3), r"-\frac{4}{3}"),
    (sp.Integer(456), "456"),
    (sp.Rational(851, 500), "1.702"),
    # rounded to 6 significant digits, powers of ten written as a person writes them
    (sp.sqrt(2), f"{math.sqrt(2):.6g}"),
    (sp.exp(-5), f"{math.exp(-5):.6g}"),
    (sp.Float("1.5e-7"), r"1.5 \times 10^{-7}"),
    (1e-5, "10^{-5}"),
])
def test_numbers_as_a_student_writes_them(value, want):
    assert number_tex(value) == want


@pytest.mark.parametrize("kind,value,want", [
    ("number", sp.Rational(4, 3), r"\frac{4}{3}"),
    ("shape", (9, 9, 6), r"9 \times 9 \times 6"),
    ("shape", (sp.Symbol("N"), sp.Integer(10)), r"N \times 10"),
    ("choice", "momentum", r"\text{momentum}"),
    ("choice", "cross_entropy", r"\text{cross\_entropy}"),
    ("matrix", sp.ImmutableMatrix([[15.5, 21], [sp.Rational(1, 3), -2]]),
     r"\begin{bmatrix} 15.5 & 21 \\ \frac{1}{3} & -2 \end{bmatrix}"),
    ("design", [1, 1, sp.Rational(-3, 2)], r"\begin{bmatrix} 1 & 1 & -1.5 \end{bmatrix}"),
    ("design", [[1, -1, -0.5], [-1, 1, -0.5]],
     r"\begin{bmatrix} 1 & -1 & -0.5 \\ -1 & 1 & -0.5 \end{bmatrix}"),
    ("expression", sp.Symbol("x") * sp.Rational(851, 500), "1.702 x"),
])
def test_answer_values_of_every_kind(kind, value, want):
    assert value_tex(kind, value) == want


def test_sums_put_a_positive_term_first():
    x, eta, g = sp.symbols("x_t eta g_t")
    assert tex(x - eta * g) == r"x_{t} - \eta g_{t}"
    assert tex(-x - eta * g) == r"- \eta g_{t} - x_{t}"


def test_a_long_sum_breaks_into_lines_that_fit_and_keep_every_term():
    t = sp.Symbol("t")
    expr = sum(sp.Rational(k, 7) * t**k * sp.exp(-t / k) for k in range(1, 14))
    whole = SheetLatex().doprint(expr)
    assert tex_width(whole) > LINE_EM  # the case this is about
    lines = break_expr(expr, SheetLatex(), 25)
    assert len(lines) > 1
    assert all(tex_width(line) <= 25 for line in lines)
    assert " ".join(lines) == whole  # nothing lost or reordered


def test_width_estimates_grow_with_content_and_handle_fractions_and_matrices():
    assert tex_width("x") < tex_width("x + y") < tex_width("x + y + z")
    # a fraction is as wide as its wider part, not the sum of both
    assert tex_width(r"\frac{a + b + c}{d}") < tex_width("a + b + c + d")
    wide = r"\begin{bmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \end{bmatrix}"
    assert tex_width(wide) < tex_width("1 & 2 & 3 & 4 & 5 & 6".replace("&", "+"))


@pytest.mark.parametrize("text,want", [
    ("50% & more_ok #1", r"50\% \& more\_ok \#1"),
    ("A, B ∈ {0,1}", r"A, B $\in$ \{0,1\}"),
    ("the `h_1 = w_1 i_1` form", r"the $h_1 = w_1 i_1$ form"),
    ("math $σ(z) → 1$ stays", r"math $\sigma(z) \to 1$ stays"),
    ("$ασ$", r"$\alpha \sigma$"),
    (r"an \emph{author's} command", r"an \emph{author's} command"),
    ("**bold** word", r"\textbf{bold} word"),
])
def test_prose_is_escaped_but_math_kept(text, want):
    assert prose_tex(text) == want


def test_gelu_section_shows_steps_table_figure_and_boxed_answers(solved):
    s = solved("gelu-descent")
    out = render_latex(s)
    assert out.count(r"\subsection*{") == 3
    assert r"\tag*{\rulenote{product rule}}" in out
    assert r"x_{t+1} &= x_{t} - \eta g_{t}" in out
    assert out.count(r"\begin{tikzpicture}") == 3  # a, b, and one plot for both runs of c
    assert r"\boxed{-0.05}" in out and r"\boxed{\text{momentum}}" in out
    assert "\\toprule" in out and "Verified: " in out


def test_golden_latex(golden, solved):
    golden("gelu-descent.tex", render_latex(solved("gelu-descent")))
    golden("sheet-kinds.tex", render_latex(kinds_solution()))


def test_notebook_shows_the_worked_solution_with_boxed_answers(solved):
    s = solved("gelu-descent")
    md = s._repr_markdown_()
    assert md.startswith("### Gradient descent on GELU")
    assert r"`a.x1` $\boxed{-0.05}$" in md
    assert r"\boxed{\text{momentum}}" in md
    # the derivative answer as LaTeX, and the derivation steps as aligned math
    deriv = value_tex("expression", s.answers["a.derivative"].value)
    assert deriv in md and r"\sigma\left(1.702 x\right)" in deriv
    assert re.search(r"\$\$\\begin\{aligned\}.*product rule", md, re.S)
    assert "| $t$ | $x_{t}$ |" in md  # the iterations as a table
    latex = s._repr_latex_()
    assert latex.startswith("$$") and r"\texttt{a.x3} &= \boxed{-0.137638}" in latex


def test_notebook_markdown_of_every_kind():
    md = kinds_solution()._repr_markdown_()
    assert r"\boxed{9 \times 9 \times 6}" in md
    assert r"\boxed{\frac{4}{3}}" in md
    assert r"\boxed{\begin{bmatrix} 1 & 1 & -1.5 \end{bmatrix}}" in md


def test_a_long_quotient_breaks_inside_delimiters_that_span_lines():
    z = sp.Symbol("z")
    num = sum(sp.exp(k * z) * sp.tanh(z / k) for k in range(1, 12))
    lines = break_expr(sp.Symbol("c") * num / (1 + z**4) ** 2, SheetLatex(), 30)
    assert len(lines) > 2
    assert lines[0].startswith(r"\frac{c}{\left(z^{4} + 1\right)^{2}} \Bigl(")
    assert lines[-1].endswith(r"\Bigr)")
    # every term of the numerator is there, once
    assert sum(line.count(r"\tanh") for line in lines) == 11


def test_a_fresh_notebook_shows_a_solution_without_importing_the_renderers():
    # as a notebook's first cell: nothing but `import derive`, the solve as the last line
    code = ("import sys, derive\n"
            "s = derive.load('tanh-derivative').solve()\n"
            "print('derive.render' in sys.modules)\n"
            "print(s._repr_markdown_()[:60])\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    before, shown = r.stdout.split("\n", 1)
    assert before == "False"  # the solve itself did not import the renderers
    assert shown.startswith("### ")


def test_a_given_s_own_latex_is_used_in_the_steps():
    """QA: l1-descent's given ``lam`` (``latex: '\\lambda'``) was λ in the statement and the
    givens but ``\\mathrm{lam}`` in every step of the sheet; the steps write it as λ now,
    and a name whose LaTeX is SymPy's own (``w0`` as ``w_0``) is left alone."""
    import derive
    from derive.render.latex import render_latex
    from derive.render.markdown import render_markdown

    s = derive.load("l1-descent").solve()
    for text in (render_latex(s), render_markdown(s)):
        assert r"\mathrm{lam}" not in text
        assert r"f(w) &= \lambda \left|{w}\right|" in text
    # outside a problem's sheet the symbol is SymPy's again (the printers are per mapping)
    import sympy as sp

    from derive.render.printing import tex

    assert tex(sp.Symbol("lam")) == r"\mathrm{lam}"
