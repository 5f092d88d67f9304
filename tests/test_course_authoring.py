"""Bugs an instructor met writing a course's own problems (QA round: a term on derive),
each pinned by a test whose expected values come from numpy or plain arithmetic."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from testkit import ROOT, run_cli

import derive


def _spec(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text("id: t\ntitle: t\n" + body)
    return p


def _refused(spec: Path) -> str:
    """`derive solve` of a spec it must refuse: exit 2 with one line, which it returns."""
    r = run_cli("solve", str(spec))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, (spec.read_text(),
                                                            r.stdout + r.stderr)
    return r.stderr


_ATTENTION = """givens:
  q: {value: [[1, 2]]}
  Kt: {value: [[1, 0, -1], [1, 1, 0]]}
  d: 2
answers: {a.s: {kind: matrix, shape: [1, 3]}, b.a: {kind: matrix, shape: [1, 3]},
          c.n: number}
parts:
  a: {derive: [{use: evaluate, answer: a.s, expr: 'q*Kt/sqrt(d)'}]}
  b: {derive: [{use: softmax, answer: b.a, of: '{a.s}'}]}
  c: {derive: [{use: evaluate, answer: c.n, expr: 3}]}
"""


def test_a_matrix_answer_may_feed_a_block_that_takes_a_vector(tmp_path):
    # attention weights softmax(q K^T / sqrt(d)) of one query: the scores are an answer
    p = _spec(tmp_path, _ATTENTION)
    s = derive.load(str(p)).solve()
    scores = np.array([[1, 2]]) @ np.array([[1, 0, -1], [1, 1, 0]]) / math.sqrt(2)
    want = np.exp(scores) / np.exp(scores).sum()
    got = np.array(s.answers["b.a"].value.evalf(), dtype=float)
    assert np.allclose(got, want, rtol=1e-12)


def test_a_number_answer_where_a_vector_belongs_is_one_line(tmp_path):
    p = _spec(tmp_path, _ATTENTION.replace("of: '{a.s}'", "of: '{a.n}'").replace(
        "c.n: number", "a.n: number").replace(
        "a: {derive: [", "a: {derive: [{use: evaluate, answer: a.n, expr: 3}, ").replace(
        "  c: {derive: [{use: evaluate, answer: c.n, expr: 3}]}\n", ""))
    r = run_cli("solve", str(p))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "parts.b.derive[0].of" in r.stderr and "vector or matrix" in r.stderr, r.stderr


def test_a_matrix_answer_inside_a_matrix_formula_is_one_line_not_a_failed_check(tmp_path):
    # '{b.a}*V' read {b.a} as a number: each entry of V times the whole matrix, a nested
    # matrix that failed its check with "TypeError: Cannot convert expression to float"
    body = _ATTENTION.replace("c.n: number", "c.out: {kind: matrix, shape: [1, 2]}").replace(
        "  d: 2\n", "  d: 2\n  V: {value: [[1, 0], [0, 1], [2, 2]]}\n").replace(
        "answer: c.n, expr: 3", "answer: c.out, expr: '{b.a}*V'")
    r = run_cli("solve", str(_spec(tmp_path, body)))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "parts.c.derive[0].expr" in r.stderr and "{b.a}" in r.stderr, r.stderr
    assert "verification failed" not in r.stderr


_GLOROT = """givens: {n_in: 256, n_out: 128}
answers: {c.v: number, c.limit: number}
parts:
  c: {derive: [{use: evaluate, answer: c.v, expr: '2/(n_in + n_out)', called: v},
               {use: evaluate, answer: c.limit, expr: 'sqrt(3*{c.v})', called: a}]}
"""


def test_an_earlier_answer_in_evaluate_is_shown_with_the_formula(tmp_path):
    # Glorot's uniform limit a = √(3v) = √(6/(n_in + n_out)) = 1/8 for 256 and 128
    p = _spec(tmp_path, _GLOROT)
    got = derive.load(str(p)).solve().answers["c.limit"].value
    assert float(got) == math.sqrt(6 / 384)
    r = run_cli("solve", str(p))
    line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("a ="))
    # the formula and the value written in, not "a = 0.125" alone
    assert "c.v" in line and "1/192" in line and line.rstrip().endswith("[substitute]"), line


def test_a_square_root_is_shown_as_a_root_not_a_rounded_power(tmp_path):
    # √3 was decimalized to 3**0.5 = 1.73205 (an "=" that is not equal) and √v̂ as v̂^{0.5}
    p = _spec(tmp_path, _GLOROT)
    text = run_cli("solve", str(p)).stdout
    latex = run_cli("solve", str(p), "--format", "latex").stdout
    assert "1.73205" not in text and "^0.5" not in text, text
    assert "1.73205" not in latex and "^{0.5}" not in latex, latex
    assert "\\sqrt{3}" in latex, latex


def test_other_variant_feedback_names_the_givens_that_differ(tmp_path):
    """A wrong answer equal to another variant's right one is flagged other-variant; with
    few varied values a common slip lands there too (attention scores without 1/√d are
    those of d = 1), so the feedback names what differs: the given's value whose answer it
    is and the student's own. Values by hand: z = w·x + b = 0.4 + 0.3 + b."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n"
        "    answers: [a.z]\n    vary: {b: [-0.3, 0.5]}\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\n" + "\n".join(
        f"s{i:03d}" for i in range(1, 9)) + "\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "roster.csv", "--format", "json",
                "-o", "out", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    drawn = {s: float(v["perceptron-bce"]["givens"]["b"])
             for s, v in json.loads(r.stdout)["students"].items()}
    me = "s001"
    other_b = 0.5 if drawn[me] == -0.3 else -0.3
    assert other_b in drawn.values(), drawn  # someone has the other value
    (tmp_path / "s001.yaml").write_text(
        f"student: s001\nanswers:\n  perceptron-bce:\n    a.z: {0.7 + other_b:.4g}\n",
        encoding="utf-8")
    r = run_cli("check", "s001.yaml", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["submissions"][0]["results"][0]
    assert row["diagnosis"] == "other-variant", row
    assert f"b = {other_b:g}" in row["feedback"], row["feedback"]
    assert f"yours: b = {drawn[me]:g}" in row["feedback"], row["feedback"]


def test_a_student_with_two_files_and_files_off_the_roster_are_said(tmp_path):
    """The gradebook and the LMS export take one file per student (the first): a full
    homework and a one-line resubmission became 0.8 points with only a note in one CSV
    column; a file without `student:` was marked under its file name as a stranger."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n"
        "    answers: [a.z]\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\ns001\ns002\n", encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    z = 0.4 + 0.3 + 0.1  # w·x + b with the spec's numbers, by hand
    (subs / "s001.yaml").write_text(f"student: s001\nanswers:\n  perceptron-bce:\n"
                                    f"    a.z: {z:.4g}\n", encoding="utf-8")
    (subs / "s001-late.yaml").write_text("student: s001\nanswers:\n  perceptron-bce:\n"
                                         "    a.z: 0.5\n", encoding="utf-8")
    (subs / "anon.yaml").write_text(f"answers:\n  perceptron-bce:\n    a.z: {z:.4g}\n",
                                    encoding="utf-8")
    r = run_cli("check", "subs", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--csv", "g.csv", "--format", "json", "-o", "r.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    twice = [ln for ln in lines if "s001" in ln and "files" in ln]
    assert len(twice) == 1 and "subs/s001-late.yaml" in twice[0] \
        and "subs/s001.yaml" in twice[0], r.stderr
    stranger = [ln for ln in lines if "anon" in ln]
    assert len(stranger) == 1 and "roster" in stranger[0], r.stderr


def test_working_is_marked_under_an_assignment_as_without_one(tmp_path):
    """Under --assignment the working behind an answer was dropped from the results (the
    per-variant marking did not pass it on), so a student's steps got no feedback."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n"
        "    answers: [a.z]\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\ns001\n", encoding="utf-8")
    # z = w·x + b = 0.2·2 + 0.3·1 + 0.1 = 0.8 by hand (the spec's numbers); line 2 slips
    (tmp_path / "s001.yaml").write_text(
        "student: s001\nanswers:\n  perceptron-bce:\n    a.z:\n      answer: '0.8'\n"
        "      working: |\n        z &= 0.2 \\cdot 2 + 0.3 \\cdot 1 + 0.1 \\\\\n"
        "          &= 0.9 \\\\\n          &= 0.8\n", encoding="utf-8")
    plain = run_cli("check", "s001.yaml", "--format", "json", cwd=tmp_path)
    graded = run_cli("check", "s001.yaml", "--assignment", "hw.yaml", "--roster",
                     "roster.csv", "--format", "json", cwd=tmp_path)
    assert plain.returncode == 0 and graded.returncode == 0, plain.stderr + graded.stderr
    rows = [json.loads(r.stdout)["submissions"][0]["results"][0] for r in (plain, graded)]
    for row in rows:
        assert row["verdict"] == "correct", row
        assert "working" in row, row
        assert row["working"]["first_error"] == 2, row["working"]
    assert rows[0]["working"] == rows[1]["working"]


def test_an_answer_a_block_computes_from_an_earlier_one_follows_through(tmp_path):
    """softmax of '{a.s}' is computed from a.s: a student whose scores are wrong (no 1/√d)
    and whose weights are the softmax of their own scores gets follow-through, without the
    author having to repeat `depends: [a.s]` (which a new author does not know to write)."""
    spec = _spec(tmp_path, _ATTENTION)
    scores = np.array([[1, 2]]) @ np.array([[1, 0, -1], [1, 1, 0]])  # no 1/√2: wrong
    weights = np.exp(scores) / np.exp(scores).sum()

    def row(v: np.ndarray) -> str:
        return "'\\begin{bmatrix} " + " & ".join(f"{x:.5g}" for x in v.ravel()) + \
            " \\end{bmatrix}'"

    (tmp_path / "ans.yaml").write_text(
        f"answers:\n  t:\n    a.s: {row(scores)}\n    b.a: {row(weights)}\n",
        encoding="utf-8")
    r = run_cli("check", "ans.yaml", "--format", "json", cwd=tmp_path,
                env={"DERIVE_PROBLEMS": str(spec.parent)})
    assert r.returncode == 0, r.stderr
    rows = {x["answer"]: x for x in json.loads(r.stdout)["submissions"][0]["results"]}
    assert rows["a.s"]["verdict"] == "incorrect", rows["a.s"]
    assert rows["b.a"]["verdict"] == "follow-through", rows["b.a"]


def test_a_matrix_answer_missing_a_given_factor_is_diagnosed(tmp_path):
    """Inverted dropout without the 1/q: y = m ⊙ a = [2, 0, 0.5, 3] for the library's
    a = [2, -1, 0.5, 3], m = [1, 0, 1, 1], q = 0.8 (right: [2.5, 0, 0.625, 3.75]). A number
    missing a given factor was named; a matrix got only "entry (1,1): expected 2.5…"."""
    (tmp_path / "ans.yaml").write_text(
        "answers:\n  inverted-dropout:\n    a.y: '\\begin{bmatrix} 2 & 0 & 0.5 & 3 "
        "\\end{bmatrix}'\n", encoding="utf-8")
    r = run_cli("check", "ans.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["submissions"][0]["results"][0]
    assert row["answer"] == "a.y" and row["verdict"] == "incorrect", row
    assert row.get("diagnosis") == "missing-factor", row
    assert "1/q = 1.25" in row["feedback"], row["feedback"]  # 1/0.8


def test_feedback_documents_under_an_assignment_compile(tmp_path):
    """The score line listed every key of the score, `out_of` among them: an unescaped
    `_` in text mode, so no feedback document of an assignment compiled ("Missing $")."""
    import shutil

    import pytest

    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n"
        "    answers: [a.z]\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\ns001\n", encoding="utf-8")
    (tmp_path / "s001.yaml").write_text("student: s001\nanswers:\n  perceptron-bce:\n"
                                        "    a.z: 0.8\n", encoding="utf-8")
    r = run_cli("check", "s001.yaml", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--feedback", "fb", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    tex = (tmp_path / "fb" / "s001-feedback.tex").read_text(encoding="utf-8")
    score = next(ln for ln in tex.splitlines() if ln.startswith("Score:"))
    assert "out_of" not in score and "30.0" not in score, score
    assert "1/1" in score and "1 correct" in score, score  # a.z = 0.8 by hand: 1 point of 1
    if shutil.which("pdflatex") is None:
        pytest.skip("needs pdflatex to compile")
    import subprocess

    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "-no-shell-escape", "s001-feedback.tex"], cwd=tmp_path / "fb",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


def test_a_given_factor_equal_to_two_is_still_named(tmp_path):
    """With q = 0.5, 1/q = 2 was skipped as already tried (the ½ of a squared error, which
    dropout has none of): y = m ⊙ a without 1/q = [2, 0, 0.5, 3] (right: [4, 0, 1, 6])."""
    (tmp_path / "ans.yaml").write_text(
        "answers:\n  inverted-dropout:\n    a.y: '\\begin{bmatrix} 2 & 0 & 0.5 & 3 "
        "\\end{bmatrix}'\n", encoding="utf-8")
    spec = (ROOT / "problems" / "library" / "inverted-dropout.yaml").read_text()
    (tmp_path / "inverted-dropout.yaml").write_text(spec.replace("value: 0.8", "value: 0.5"))
    r = run_cli("check", "ans.yaml", "--format", "json", cwd=tmp_path,
                env={"DERIVE_PROBLEMS": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["submissions"][0]["results"][0]
    assert row["expected"] == "[[4, 0, 1, 6]]", row
    assert row.get("diagnosis") == "missing-factor", row
    assert "1/q = 2" in row["feedback"], row["feedback"]


def test_a_decimal_comma_is_told_how_to_write_it(tmp_path):
    """`0,4949` (a decimal comma, as many students write) was "cannot read '0,4949' as a
    number", which does not say what to change."""
    (tmp_path / "ans.yaml").write_text("answers:\n  gelu-descent:\n    a.x1: '-0,05'\n",
                                       encoding="utf-8")
    r = run_cli("check", "ans.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = next(x for x in json.loads(r.stdout)["submissions"][0]["results"]
               if x["answer"] == "a.x1")
    assert row["verdict"] == "unparsable", row
    assert "decimal point" in row["feedback"] and "-0.05" in row["feedback"], row["feedback"]


def test_the_text_report_writes_the_total_as_a_person_does(tmp_path):
    """`score 1/1.0` and `1/1.0` in the heading: the assignment's total is a float."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n"
        "    answers: [a.z]\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\ns001\n", encoding="utf-8")
    (tmp_path / "s001.yaml").write_text("student: s001\nanswers:\n  perceptron-bce:\n"
                                        "    a.z: 0.8\n", encoding="utf-8")
    r = run_cli("check", "s001.yaml", "--assignment", "hw.yaml", "--roster", "roster.csv",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "score 1/1:" in r.stdout and "1.0" not in r.stdout, r.stdout


def test_an_unclosed_answer_costs_only_itself_not_the_working_after_it(tmp_path):
    """`\\answer{…}{-0.05 % unsure}`: the % hides the } (as LaTeX reads it), so the answer
    never closes; the recovery skipped to the next \\answer, and a working written after
    it was lost with it. The feedback now also says what the % did."""
    (tmp_path / "hw.tex").write_text(
        "\\answer{gelu-descent/a.x2}{-0.0958}\n"
        "\\answer{gelu-descent/a.x1}{-0.05 % not sure\n"
        "\\begin{working}{gelu-descent/a.x2}\n"
        "x_2 &= -0.05 - 0.1 \\cdot 0.4575 \\\\\n &= -0.0958\n"
        "\\end{working}\n", encoding="utf-8")
    r = run_cli("check", "hw.tex", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {x["answer"]: x for x in json.loads(r.stdout)["submissions"][0]["results"]}
    assert rows["a.x1"]["verdict"] == "unparsable", rows["a.x1"]
    assert "%" in rows["a.x1"]["feedback"], rows["a.x1"]["feedback"]
    assert rows["a.x2"]["verdict"] == "correct", rows["a.x2"]
    assert "working" in rows["a.x2"], rows["a.x2"]
    # -0.05 - 0.1·0.4575 = -0.09575 by hand: both steps hold
    assert rows["a.x2"]["working"]["first_error"] is None, rows["a.x2"]["working"]


def test_a_direct_path_is_written_as_a_partial_derivative(tmp_path):
    """A skip connection y = x + f, f = tanh(w x): the chain rule read
    dy/dx = dy/df·df/dx + dy/dx, the same name on both sides for two different things.
    The direct term is ∂y/∂x; the value is 1 + w(1 − tanh²(wx)) (by hand, w = 0.5, x = 1)."""
    p = _spec(tmp_path, """givens: {x: 1, w: 0.5}
define:
  f: {expr: 'tanh(w*x)', latex: f}
  y: {expr: 'x + f', latex: y}
answers: {a.dy_dx: number}
parts:
  a: {derive: [{use: backprop, of: y, wrt: {a.dy_dx: x}}]}
""")
    s = derive.load(str(p)).solve()
    assert float(s.answers["a.dy_dx"].value) == pytest.approx(1 + 0.5 * (1 - math.tanh(0.5) ** 2))
    text = run_cli("solve", str(p)).stdout
    chain = next(ln for ln in text.splitlines() if "[chain rule]" in ln)
    lhs, rhs = chain.split("=", 1)
    assert lhs.strip() == "dy/dx" and "∂y/∂x" in rhs and "dy/dx" not in rhs, chain
    latex = run_cli("solve", str(p), "--format", "latex").stdout
    assert "\\frac{\\partial y}{\\partial x}" in latex, latex


def test_statement_text_writes_roots_accents_and_greek_as_a_reader_does():
    """`\\sqrt{d}` was "sqrtd", `\\tilde h` "tilde h", `\\rho` "rho", `\\ell` "ell"."""
    from derive.render.text import plain_statement

    got = plain_statement(r"$a = \operatorname{softmax}(q K^T / \sqrt{d})$, "
                          r"$\tilde h$, $\bar x$, $\hat v$, $\sqrt{s_{t+1}}$, $\rho$, $\ell$")
    assert got == "a = softmax(q K^T / √d), h\u0303, x\u0304, v\u0302, √(s_{t+1}), ρ, ℓ", got


def test_a_roster_id_with_an_accent_is_told_what_is_accepted(tmp_path):
    """'émile' was refused as "expected letters, digits…": é is a letter."""
    (tmp_path / "hw.yaml").write_text("title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n",
                                      encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student,name\némile,Émile Zola\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "roster.csv", "--format", "json",
                "-o", "out", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "line 2" in r.stderr and "ASCII" in r.stderr, r.stderr


def test_a_declared_mistake_for_the_students_own_numbers_is_not_called_copying(tmp_path):
    """Attention scores without 1/√d are attention-scores' declared mistake `unscaled`;
    with d drawn from [1, 4] they are also the d = 1 students' right answer, and the
    other-variant check replaced the named mistake with "the answer for the numbers of …".
    A mistake the spec's author declared explains the answer from the student's own
    numbers: it stays (a coincidental generic one still gives way)."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 5\nproblems:\n  - id: attention-scores\n"
        "    answers: [a.s]\n    vary: {d: [1, 4]}\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\n" + "\n".join(
        f"s{i:03d}" for i in range(1, 11)) + "\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "roster.csv", "--format", "json",
                "-o", "out", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = {s: float(v["attention-scores"]["givens"]["d"])
         for s, v in json.loads(r.stdout)["students"].items()}
    me = next(s for s, v in d.items() if v == 4)
    assert 1.0 in d.values()
    # q K^T = [1·1 + 2·1, 0·1 + 2·1, -1·1 + 0·2] = [3, 2, -1], not divided by √4 = 2
    (tmp_path / "a.yaml").write_text(
        f"student: {me}\nanswers:\n  attention-scores:\n"
        "    a.s: '\\begin{bmatrix} 3 & 2 & -1 \\end{bmatrix}'\n", encoding="utf-8")
    r = run_cli("check", "a.yaml", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["submissions"][0]["results"][0]
    assert row["verdict"] == "incorrect" and row["diagnosis"] == "unscaled", row


def test_follow_through_from_the_students_own_slip_is_not_called_copying(tmp_path):
    """After unscaled scores (the declared `unscaled`, kept), their softmax is
    follow-through; it is also the d = 1 students' right answer, and was flagged
    other-variant "copied along with the earlier answer" that was not copied."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 5\nproblems:\n  - id: attention-scores\n"
        "    vary: {d: [1, 4]}\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\n" + "\n".join(
        f"s{i:03d}" for i in range(1, 11)) + "\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "roster.csv", "--format", "json",
                "-o", "out", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = {s: float(v["attention-scores"]["givens"]["d"])
         for s, v in json.loads(r.stdout)["students"].items()}
    me = next(s for s, v in d.items() if v == 4)
    scores = np.array([3.0, 2, -1])  # q K^T, not divided by √4
    weights = np.exp(scores) / np.exp(scores).sum()
    (tmp_path / "a.yaml").write_text(
        f"student: {me}\nanswers:\n  attention-scores:\n"
        "    a.s: '\\begin{bmatrix} 3 & 2 & -1 \\end{bmatrix}'\n"
        "    b.a: '\\begin{bmatrix} " + " & ".join(f"{w:.4g}" for w in weights)
        + " \\end{bmatrix}'\n", encoding="utf-8")
    r = run_cli("check", "a.yaml", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {x["answer"]: x for x in json.loads(r.stdout)["submissions"][0]["results"]}
    assert rows["a.s"]["diagnosis"] == "unscaled", rows["a.s"]
    assert rows["b.a"]["verdict"] == "follow-through", rows["b.a"]


def test_softmax_of_a_matrix_is_taken_along_each_row(tmp_path):
    """Attention for several queries: A = softmax(Q K^T/√d) row by row. The block took a
    vector only ("expected a vector (a row or a column)"), so a course's usual attention
    problem could not be written."""
    p = _spec(tmp_path, """givens:
  Q: {value: [[1, 0], [0, 2]]}
  Kt: {value: [[1, 0, -1], [1, 1, 0]]}
  d: 2
answers: {a.S: {kind: matrix, shape: [2, 3]}, b.A: {kind: matrix, shape: [2, 3]}}
parts:
  a: {derive: [{use: evaluate, answer: a.S, expr: 'Q*Kt/sqrt(d)'}]}
  b: {derive: [{use: softmax, answer: b.A, of: '{a.S}'}]}
""")
    s = derive.load(str(p)).solve()
    scores = np.array([[1, 0], [0, 2]]) @ np.array([[1, 0, -1], [1, 1, 0]]) / math.sqrt(2)
    want = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    got = np.array(s.answers["b.A"].value.evalf(), dtype=float)
    assert got.shape == (2, 3) and np.allclose(got, want, rtol=1e-12)
    r = run_cli("solve", str(p))
    assert r.returncode == 0, r.stderr


def test_a_spec_may_transpose_a_matrix_given(tmp_path):
    """`Q*K.T` was "attribute access is not part of the spec language", with no way to
    write Kᵀ but a second given; `transpose(K)` is in the function table, and the
    message for `.T` names it. Scores by numpy: Q Kᵀ/√2."""
    body = """givens:
  Q: {value: [[1, 0], [0, 2]]}
  K: {value: [[1, 1], [0, 1], [-1, 0]]}
  d: 2
answers: {a.S: {kind: matrix, shape: [2, 3]}}
parts:
  a: {derive: [{use: evaluate, answer: a.S, expr: 'Q*transpose(K)/sqrt(d)'}]}
"""
    s = derive.load(str(_spec(tmp_path, body))).solve()
    want = np.array([[1, 0], [0, 2]]) @ np.array([[1, 1], [0, 1], [-1, 0]]).T / math.sqrt(2)
    assert np.allclose(np.array(s.answers["a.S"].value.evalf(), dtype=float), want)
    r = run_cli("solve", str(_spec(tmp_path, body.replace("transpose(K)", "K.T"))))
    assert r.returncode == 2 and "transpose(K)" in r.stderr, r.stderr


def test_the_transpose_of_an_earlier_answer_is_refused_not_ignored(tmp_path):
    """A reference is a number while the spec is read: transpose({a.S}) would be {a.S}
    itself, an untransposed matrix shown as the answer (and its check, made from the same
    formula, would pass)."""
    body = """givens:
  Q: {value: [[1, 0], [0, 2]]}
answers: {a.S: {kind: matrix, shape: [2, 2]}, b.T: {kind: matrix, shape: [2, 2]}}
parts:
  a: {derive: [{use: evaluate, answer: a.S, expr: 'Q*[[1, 2], [3, 4]]'}]}
  b: {derive: [{use: evaluate, answer: b.T, expr: 'transpose({a.S})'}]}
"""
    err = _refused(_spec(tmp_path, body))
    assert "parts.b.derive[0].expr" in err and "transpose" in err, err


def test_a_matrix_answer_inside_a_function_is_refused_not_a_matrix_function(tmp_path):
    """exp({a.S}) of a matrix answer was SymPy's matrix exponential, shown as the answer
    (its check used the same formula, so it passed): a course means e^{S_ij}. A reference
    is a number while the spec is read, so a matrix answer stands alone or times numbers."""
    body = """givens:
  Q: {value: [[1, 0], [0, 2]]}
answers: {a.S: {kind: matrix, shape: [2, 2]}, b.T: {kind: matrix, shape: [2, 2]}}
parts:
  a: {derive: [{use: evaluate, answer: a.S, expr: 'Q*[[1, 2], [3, 4]]'}]}
  b: {derive: [{use: evaluate, answer: b.T, expr: 'EXPR'}]}
"""
    for bad in ("exp({a.S})", "sigmoid({a.S})", "{a.S} + 1", "{a.S}**2"):
        err = _refused(_spec(tmp_path, body.replace("EXPR", bad)))
        assert "parts.b.derive[0].expr" in err and "{a.S}" in err, err
    s = derive.load(str(_spec(tmp_path, body.replace("EXPR", "2*{a.S}")))).solve()
    # Q·[[1, 2], [3, 4]] = [[1, 2], [6, 8]] by hand, doubled
    assert s.answers["b.T"].value.tolist() == [[2, 4], [12, 16]]


def test_a_function_of_a_matrix_given_is_refused_not_a_matrix_function(tmp_path):
    """exp(W) of a square matrix given was the matrix exponential, shown and verified
    ([[51.97, 74.74], [112.1, 164.1]] for W = [[1, 2], [3, 4]]); σ(W), tanh(W) failed
    their checks with a TypeError. dot and transpose take matrices."""
    body = """givens:
  W: {value: [[1, 2], [3, 4]]}
answers: {a.T: {kind: matrix, shape: [2, 2]}}
parts:
  a: {derive: [{use: evaluate, answer: a.T, expr: 'EXPR'}]}
"""
    for bad in ("exp(W)", "sigmoid(W)", "tanh(W)", "Abs(W)"):
        err = _refused(_spec(tmp_path, body.replace("EXPR", bad)))
        assert "takes numbers" in err and "2×2 matrix" in err, err
    s = derive.load(str(_spec(tmp_path, body.replace("EXPR", "transpose(W)")))).solve()
    assert s.answers["a.T"].value.tolist() == [[1, 3], [2, 4]]


def test_a_matrix_answer_that_derives_a_number_is_one_line(tmp_path):
    """`a.T: {kind: matrix}` from `dot(x, x)` was shown as `a.T 5` and marked as a matrix."""
    p = _spec(tmp_path, """givens: {x: {value: [1, 2]}}
answers: {a.T: {kind: matrix, shape: [2, 2]}}
parts:
  a: {derive: [{use: evaluate, answer: a.T, expr: 'dot(x, x)'}]}
""")
    err = _refused(p)
    assert "answers.a.T" in err and "declared a matrix" in err, err


def test_a_power_of_a_row_says_why_it_cannot_be_read(tmp_path):
    """`x**2` of a row given: "cannot read expression 'x**2': " with nothing after it."""
    p = _spec(tmp_path, """givens: {x: {value: [1, 2]}}
answers: {a.T: {kind: matrix, shape: [1, 2]}}
parts:
  a: {derive: [{use: evaluate, answer: a.T, expr: 'x**2'}]}
""")
    err = _refused(p)
    assert "1×2 matrix" in err and not err.rstrip().endswith(":"), err
