"""The feedback documents' text: every character derive's own text uses (the terminal
printer's ⊙, ‖, ∇, Greek letters, the diagnoses' ½ and ⌊⌋) reaches the PDF as itself;
QA found "diag(1 - h ? h)" in a feedback PDF where the expected answer had ⊙."""

from __future__ import annotations

import shutil

import pytest

import derive
from derive.check.judge.diagnoses import CATALOGUE
from derive.check.report.feedback import tex_escape
from derive.render.tex_compile import compile_reason
from derive.render.tex_document import PREAMBLE

PROBLEMS = ["softmax-backprop", "mlp-batch-mse", "softmax-shift", "adam-vs-rmsprop",
            "conv-layer-shapes", "ridge-logistic-batch", "batch-norm"]


def derive_text() -> str:
    """What derive itself writes in text (worked solutions and feedback sentences)."""
    return "".join(derive.render_text(derive.load(p).solve()) for p in PROBLEMS) + \
        "".join(CATALOGUE.values())


def test_every_character_of_derive_s_text_has_a_latex_form():
    text = derive_text()
    lost = sorted({c for c in text if ord(c) > 127 and tex_escape(c) == "?"})
    assert lost == []
    assert "⊙" in text and tex_escape("h ⊙ h") == r"h $\odot$ h"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (TeX Live)")
def test_the_escaped_characters_compile(tmp_path):
    chars = "".join(sorted({c for c in derive_text() if ord(c) > 127}))
    tex = tmp_path / "chars.tex"
    tex.write_text("\\documentclass{article}\n" + PREAMBLE + "\n\\begin{document}\n" +
                   tex_escape(chars) + "\n\\end{document}\n", encoding="utf-8")
    assert compile_reason(tex) is None


def test_the_expected_answer_is_said_once(tmp_path):
    """QA: an incorrect answer without a diagnosis showed "Expected: -0.05" and then its
    feedback "expected -0.05" again (gelu-descent's x1 = 0 - 0.1·σ(0)·... = -0.05)."""
    from testkit import run_cli

    (tmp_path / "s.yaml").write_text("answers: {gelu-descent: {a.x1: '0.3'}}\n")
    r = run_cli("check", "s.yaml", "--feedback", "fb", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    tex = next((tmp_path / "fb").glob("*.tex")).read_text(encoding="utf-8")
    item = next(line for line in tex.splitlines() if line.startswith(r"\item[\texttt{a.x1}"))
    assert item.count("Expected: ") == 1 and "expected -0.05" not in item
