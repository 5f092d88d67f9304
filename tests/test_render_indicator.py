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
