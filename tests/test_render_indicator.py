"""The indicator 1[z > 0] (ReLU′ of a matrix) prints as a one in the sheet: amssymb's
\\mathbb has no digit 1 and set it as a crossed turnstile ⊮."""

import shutil
import subprocess

import pytest

from derive.render.tex_document import PREAMBLE


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="needs pdflatex and pdftotext")
def test_the_indicator_prints_as_a_one_and_other_blackboard_letters_stay(tmp_path):
    doc = ("\\documentclass{article}\n" + PREAMBLE + "\\begin{document}\n"
           "$\\mathbb{1}\\left[F_1 > 0\\right]$ and $x \\in \\mathbb{R}^n$\n\\end{document}\n")
    (tmp_path / "t.tex").write_text(doc)
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "t.tex"], cwd=tmp_path,
                   capture_output=True, timeout=120, check=True)
    out = subprocess.run(["pdftotext", "t.pdf", "-"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert "⊮" not in out and "11 [F1 > 0]" in out, out
    assert "∈ R" in out, out


def test_the_ones_vector_is_bold_not_a_number_one():
    # softmax-regression-batch's ∂E/∂b = (1/B) 1^T (P − Y): a plain 1^T reads as a power of 1
    import sympy as sp

    from derive.render.printing import tex

    B = sp.Symbol("B")
    out = tex(sp.MatrixSymbol("1", B, 1).T * sp.MatrixSymbol("P", B, 3) / B)
    assert r"\mathbf{1}^{T}" in out, out


def test_a_batch_s_matrix_gradients_are_partial_derivatives(solved):
    # softmax-regression-batch wrote dE/dW with an upright d where every other batch
    # problem (and its own statement's convention) writes ∂E/∂W
    from derive.core.derivation import Step
    from derive.render.latex import steps_tex

    s = solved("softmax-regression-batch")
    out = steps_tex([i for i in s.items if isinstance(i, Step)])
    assert r"\frac{\partial E}{\partial W}" in out and r"\frac{d E}" not in out, out
