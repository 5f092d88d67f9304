"""The working behind answers, end to end: answer files (YAML and LaTeX), the JSON
report, --working-credit, and the feedback document with the first wrong line marked.

Expected values are worked by hand: f'(0) = sigma(0) = 1/2, so x_1 = 0 - 0.1 * 0.5 =
-0.05 in gelu-descent part a.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from testkit import run_cli

from derive.check.mark.answers import parse_latex_answers, parse_yaml_answers
from derive.check.report.feedback import feedback_latex, working_latex
from derive.check.working.credit import earns_working_credit

YAML = r"""
student: s1
answers:
  gelu-descent:
    a.x1:
      answer: '-0.5'
      working: |
        x_1 &= x_0 - \eta f'(x_0) \\
            &= 0 - 0.1 \times 0.5 \\
            &= -0.5
    a.x2: -0.0958
"""

TEX = r"""\documentclass{article}
\usepackage{derive-answers}
\begin{document}
\student{s2}
\answer{gelu-descent/a.derivative}{\sigma(1.702x) + 1.702x\,\sigma(1.702x)(1-\sigma(1.702x))}
\begin{working}{gelu-descent/a.derivative}
f'(x) &= \sigma(1.702x) + x\,\sigma'(1.702x) \\   % the inner 1.702 is missing
      &= \sigma(1.702x) + 1.702x\,\sigma(1.702x)(1 - \sigma(1.702x))
\end{working}
\answer{gelu-descent/a.x1}{-0.05}
\end{document}
"""


ROOT = Path(__file__).resolve().parents[1]


def check(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``derive check`` as a user runs it (in this process: ``testkit.run_cli``)."""
    return run_cli("check", *args, cwd=cwd)


def test_yaml_mapping_and_latex_environment_are_read() -> None:
    y = parse_yaml_answers(YAML, "s1.yaml")
    assert y.answers["gelu-descent"]["a.x1"] == "-0.5"
    assert y.working[("gelu-descent", "a.x1")].startswith("x_1 &= x_0")
    t = parse_latex_answers(TEX, "s2.tex")
    assert t.student == "s2"
    body = t.working[("gelu-descent", "a.derivative")]
    assert body.startswith("f'(x) &=") and "missing" not in body  # the comment is gone
    assert t.lines[("gelu-descent", "a.derivative")] == 5


def test_json_report_carries_the_steps(tmp_path: Path) -> None:
    (tmp_path / "s1.yaml").write_text(YAML)
    run = check(["s1.yaml", "--format", "json", "-j", "1"], tmp_path)
    assert run.returncode == 0, run.stderr
    results = {r["answer"]: r for r in json.loads(run.stdout)["submissions"][0]["results"]}
    x1 = results["a.x1"]
    assert x1["verdict"] == "incorrect"  # the final answer's verdict
    w = x1["working"]
    assert [s["verdict"] for s in w["steps"]] == ["valid", "valid", "invalid"]
    assert w["first_error"] == 3
    assert w["steps"][2]["diagnosis"] == "arithmetic"
    assert w["steps"][2]["feedback"].startswith("line 3:")
    assert "working" not in results["a.x2"]


def test_latex_file_marked_with_its_working_and_the_feedback_shows_the_line(
        tmp_path: Path) -> None:
    (tmp_path / "s2.tex").write_text(TEX)
    run = check(["s2.tex", "--format", "json", "-j", "1", "--feedback", "fb", "--no-pdf"],
                tmp_path)
    assert run.returncode == 0, run.stderr
    results = {r["answer"]: r for r in json.loads(run.stdout)["submissions"][0]["results"]}
    d = results["a.derivative"]
    assert d["verdict"] == "correct"
    assert d["working"]["first_error"] == 1
    assert d["working"]["steps"][0]["diagnosis"] == "chain-rule-factor"
    tex = (tmp_path / "fb" / "s2-feedback.tex").read_text()
    assert r"first wrong step: 1 of 2, line 1" in tex
    marked = tex[tex.index(r"\colorbox{red!8}"):]
    assert r"f'(x) = \textbackslash{}sigma(1.702x)" in marked.replace(r"\allowbreak{}", "")


def test_working_credit_for_a_late_slip(tmp_path: Path) -> None:
    (tmp_path / "s1.yaml").write_text(YAML)
    plain = check(["s1.yaml", "--csv", "plain.csv", "-j", "1"], tmp_path)
    credit = check(["s1.yaml", "--csv", "credit.csv", "-j", "1", "--working-credit", "0.5"],
                   tmp_path)
    assert plain.returncode == credit.returncode == 0
    points = [row["points"] for name in ("plain.csv", "credit.csv")
              for row in csv.DictReader((tmp_path / name).open())]
    # a.x2 is correct (1 point); a.x1 is wrong but right up to its last of 3 steps: +0.5
    assert points == ["1", "1.5"]
    bad = check(["s1.yaml", "--working-credit", "2"], tmp_path)
    assert bad.returncode == 2 and "--working-credit" in bad.stderr


def test_working_credit_is_refused_with_an_assignment(tmp_path: Path) -> None:
    """An assignment scores points per answer (CSV, LMS, Gradescope alike); a working
    credit that only some of its outputs counted would make them disagree."""
    (tmp_path / "s1.yaml").write_text(YAML)
    (tmp_path / "hw.yaml").write_text("title: HW\nseed: 1\nproblems:\n  - id: gelu-descent\n")
    r = check(["s1.yaml", "--assignment", "hw.yaml", "--working-credit", "0.5"], tmp_path)
    assert r.returncode == 2, r.stdout
    assert "--working-credit" in r.stderr and "--assignment" in r.stderr
    assert "Traceback" not in r.stderr


def test_credit_needs_right_steps_before_the_slip() -> None:
    from derive.check.results import Result
    from derive.check.working import StepResult, WorkingResult

    def result(*verdicts: str) -> Result:
        steps = tuple(StepResult("", i + 1, v) for i, v in enumerate(verdicts))
        return Result("p", "a", "incorrect", "1", "2", working=WorkingResult(steps, ()))

    assert earns_working_credit(result("valid", "valid", "invalid"))
    assert not earns_working_credit(result("invalid", "valid", "valid"))
    assert not earns_working_credit(result("unchecked", "invalid"))
    assert earns_working_credit(result("valid", "valid"))  # the answer was copied wrong


def test_feedback_escapes_the_students_working() -> None:
    from derive.check.working import StepResult, WorkingResult

    w = WorkingResult((StepResult("a = b", 1, "invalid", "line 1: wrong"),),
                      (r"\input{/etc/passwd} = $x$ & 100%",))
    tex = working_latex(w)
    assert r"\input" not in tex.replace(r"\textbackslash{}input", "")
    assert r"\%" in tex and r"\$" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_feedback_pdf_compiles_with_the_working(tmp_path: Path) -> None:
    (tmp_path / "s2.tex").write_text(TEX)
    run = check(["s2.tex", "-j", "1", "--feedback", "fb"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "fb" / "s2-feedback.pdf").stat().st_size > 1000
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run([pdftotext, str(tmp_path / "fb" / "s2-feedback.pdf"), "-"],
                              capture_output=True, text=True).stdout
        assert "wrong step: line 1" in text  # ("first" is a ligature in the PDF)


def test_feedback_document_without_working_is_unchanged() -> None:
    from derive.check.results import Marked, Result

    m = Marked("f.yaml", "s", [Result("p", "a", "correct", "1", "1")])
    assert "Your working" not in feedback_latex(m, {})


def test_a_working_without_its_answer_is_still_checked_and_shown(tmp_path: Path) -> None:
    # -ln(0.68997) = 0.37110; 0.53539 is -log2(0.68997): the second step is wrong
    (tmp_path / "w.tex").write_text(r"""\begin{working}{perceptron-bce/b.loss}
E &= -(1) \log(0.68997) + (1-1) \log(1-0.68997) \\
  &= 0.53539
\end{working}""")
    run = check(["w.tex", "-j", "1"], tmp_path)
    assert run.returncode == 0, run.stderr
    text = " ".join(run.stdout.split())
    assert "b.loss missing" in text and "working: step 2 of 2 is wrong (line 2:" in text


def test_a_doubled_step_is_a_half_factor_only_where_the_derivation_has_a_square(
        tmp_path: Path) -> None:
    # gelu-descent: x_1 = 0 - 0.1 * sigmoid(0) = -0.05; -0.1 doubles it, but plain descent
    # has no squared error whose 1/2 could be missing: an arithmetic slip
    # mlp-forward-backward: E = (y - yhat)^2 / 2, dE/dw9 = yhat - y = 0.5655 - 0.5 = 0.0655;
    # 2(yhat - y) is the half-factor
    (tmp_path / "h.yaml").write_text(
        "student: h\nanswers:\n  gelu-descent:\n    a.x1:\n      answer: '-0.1'\n"
        "      working: 'x_1 = 0 - 0.1 \\cdot 0.5 = -0.1'\n"
        "  mlp-forward-backward:\n    c.dE_dw9:\n      answer: '0.131'\n"
        "      working: '\\frac{\\partial E}{\\partial w_9} = 2(\\hat{y} - y) = "
        "2(0.5655 - 0.5) = 0.131'\n", encoding="utf-8")
    r = run_cli("check", "h.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = {x["answer"]: x for x in json.loads(r.stdout)["submissions"][0]["results"]
           if "working" in x}
    gelu = [s.get("diagnosis") for s in got["a.x1"]["working"]["steps"]]
    assert gelu == [None, "arithmetic"] and got["a.x1"].get("diagnosis") is None
    mlp = got["c.dE_dw9"]["working"]["steps"]
    assert mlp[0].get("diagnosis") == "half-factor"
    assert got["c.dE_dw9"].get("diagnosis") == "half-factor"
