"""A 30-student, 5-problem assignment end to end, as an instructor runs it.

`derive assign` hands out every student's documents; answer files carrying each
student's own right answers (computed here with numpy from the student's givens, not by
derive) are all correct; the same right answers swapped between two students are
incorrect and flagged ``other-variant``; every student is scored out of the same total;
the gradebook has a row per roster student.
"""

from __future__ import annotations

import csv
import json
import math
import shutil

import numpy as np
import pytest
from checkkit import run_cli, run_process

ASSIGNMENT = """\
title: Acceptance homework
seed: 11
problems:
  - id: conv-sigmoid-backprop
    points: 6
    answers: [e.o, e.loss, e.dE_dwc, e.wc_new]
    vary: {x: [1, 1.5, 2], w_c: {from: 0.2, to: 0.6, step: 0.2}}
  - id: perceptron-bce
    answers: {a.z: 1, b.loss: 2, b.dE_dw: 3}
    vary: {b: {from: -0.5, to: 0.5, step: 0.1}}
  - id: conv-valid
    answers: [a.output, a.shape]
    vary: {stride: [1, 2]}
  - id: conv-layer-shapes
    answers: {a.shape: 1, b.params: 2}
    vary: {filters: {from: 4, to: 16, step: 4}, k: [3, 5]}
  - id: rnn-vanishing
    points: 4.5
    answers: [a.h1, a.h4, b.dh4_dh1]
    vary: {w: [0.25, 0.5, 0.75], u: [1, 2]}
"""
OUT_OF = 6 + 6 + 2 + 3 + 4.5
STUDENTS = [f"s{i:03d}" for i in range(1, 31)]
ABSENT = "s030"  # on the roster, hands nothing in


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def num(x: float) -> str:
    return f"{x:.6g}"


def bmatrix(rows) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(num(float(c)) for c in r)
                                             for r in rows) + r" \end{bmatrix}"


def shape(*dims: int) -> str:
    return r" \times ".join(str(d) for d in dims)


def right_answers(g: dict) -> dict:
    """Every asked answer of one student, from their givens, by plain maths."""
    out = {}
    # conv-sigmoid-backprop: c = σ(w_c x + b_c), o = σ(w_f c + b_f), E = (y - o)²
    x, wc = g["conv-sigmoid-backprop"]["x"], g["conv-sigmoid-backprop"]["w_c"]
    bc, wf, bf, y, lr = -0.2, 0.7, 0.1, 1.0, 0.5
    c = sigmoid(wc * x + bc)
    o = sigmoid(wf * c + bf)
    dwc = -2 * (y - o) * o * (1 - o) * wf * c * (1 - c) * x
    out["conv-sigmoid-backprop"] = {"e.o": num(o), "e.loss": num((y - o) ** 2),
                                    "e.dE_dwc": num(dwc), "e.wc_new": num(wc - lr * dwc)}
    # perceptron-bce: x = [2, 1], w = [0.2, 0.3], y = 1
    x, w, b = np.array([2.0, 1.0]), np.array([0.2, 0.3]), g["perceptron-bce"]["b"]
    z = float(w @ x + b)
    yhat = sigmoid(z)
    out["perceptron-bce"] = {"a.z": num(z), "b.loss": num(-math.log(yhat)),
                             "b.dE_dw": bmatrix([(yhat - 1) * x])}
    # conv-valid: cross-correlation of M with K, no padding
    M = np.array([[1, 0, 0, 2], [0, 1, 0, 1], [0, 0, 1, 2], [0, 0, 0, 1]])
    K = np.array([[0, 0], [1, 1]])
    s = g["conv-valid"]["stride"]
    n = (4 - 2) // s + 1
    conv = [[int((M[i * s:i * s + 2, j * s:j * s + 2] * K).sum()) for j in range(n)]
            for i in range(n)]
    out["conv-valid"] = {"a.output": bmatrix(conv), "a.shape": shape(n, n, 1)}
    # conv-layer-shapes: 32×32×3 input, k×k filters, stride 1, no padding
    k, f = g["conv-layer-shapes"]["k"], g["conv-layer-shapes"]["filters"]
    out["conv-layer-shapes"] = {"a.shape": shape(32 - k + 1, 32 - k + 1, f),
                                "b.params": str((k * k * 3 + 1) * f)}
    # rnn-vanishing: h_t = tanh(w h_{t-1} + u x_t), h_0 = 0
    w_, u = g["rnn-vanishing"]["w"], g["rnn-vanishing"]["u"]
    h, hs = 0.0, []
    for xt in (1, 0.5, -0.5, 0.2):
        h = math.tanh(w_ * h + u * xt)
        hs.append(h)
    grad = math.prod(w_ * (1 - ht ** 2) for ht in hs[1:])
    out["rnn-vanishing"] = {"a.h1": num(hs[0]), "a.h4": num(hs[3]),
                            "b.dh4_dh1": num(grad)}
    return out


def givens_of(assigned: dict, sid: str) -> dict:
    defaults = {"conv-sigmoid-backprop": {"x": 1.5, "w_c": 0.4}, "perceptron-bce": {"b": 0.1},
                "conv-valid": {"stride": 1}, "conv-layer-shapes": {"k": 5, "filters": 10},
                "rnn-vanishing": {"w": 0.5, "u": 1}}
    return {p: {**d, **assigned[sid][p]["givens"]} for p, d in defaults.items()}


def answer_file(sid: str, answers: dict) -> str:
    lines = [f"student: {sid}", "answers:"]
    for pid, given in answers.items():
        lines.append(f"  {pid}:")
        lines += [f"    {aid}: '{text}'" for aid, text in given.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def handed_out(tmp_path_factory):
    """`derive assign` for the class, then `derive check` of what they hand in."""
    d = tmp_path_factory.mktemp("class")
    (d / "hw.yaml").write_text(ASSIGNMENT, encoding="utf-8")
    (d / "roster.csv").write_text("student,name\n" + "".join(
        f"{s},Student {i}\n" for i, s in enumerate(STUDENTS, 1)), encoding="utf-8")
    r = run_process("assign", "hw.yaml", "--roster", "roster.csv", "-o", "out", "--no-pdf",
                "--format", "json", cwd=d)
    assert r.returncode == 0, r.stderr
    assigned = json.loads(r.stdout)["students"]
    answers = {s: right_answers(givens_of(assigned, s)) for s in STUDENTS}
    # two students whose perceptron numbers differ swap their (right) answers
    a = STUDENTS[0]
    b = next(s for s in STUDENTS[1:] if assigned[s]["perceptron-bce"] !=
             assigned[a]["perceptron-bce"] and s != ABSENT)
    handed = {s: dict(v) for s, v in answers.items() if s != ABSENT}
    handed[a]["perceptron-bce"], handed[b]["perceptron-bce"] = (
        answers[b]["perceptron-bce"], answers[a]["perceptron-bce"])
    (d / "answers").mkdir()
    for s, given in handed.items():
        (d / "answers" / f"{s}.yaml").write_text(answer_file(s, given), encoding="utf-8")
    r = run_process("check", "answers", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--csv", "grades.csv", "--lms", "lms.csv", "--format", "json", cwd=d)
    assert r.returncode == 0, r.stderr
    report = {m["student"]: m for m in json.loads(r.stdout)["submissions"]}
    return d, assigned, report, (a, b)


def test_every_student_gets_their_documents_with_their_numbers(handed_out):
    d, assigned, _, _ = handed_out
    assert sorted(assigned) == STUDENTS
    for s in STUDENTS:
        for name in ("questions.tex", "answers.tex", "solutions.tex"):
            assert (d / "out" / s / name).is_file(), (s, name)
        sheet = (d / "out" / s / "answers.tex").read_text(encoding="utf-8")
        assert f"\\student{{{s}}}" in sheet
        b = assigned[s]["perceptron-bce"]["givens"]["b"]
        assert f"$b = {num(b)}$" in sheet  # beside the boxes
        questions = (d / "out" / s / "questions.tex").read_text(encoding="utf-8")
        stride = assigned[s]["conv-valid"]["givens"]["stride"]
        assert f"stride {stride}," in questions
    # the key: every student's expected answers (30 rows + header)
    with open(d / "out" / "key.csv", encoding="utf-8") as f:
        assert len(list(csv.reader(f))) == 31


def test_variants_differ_and_are_reproducible(handed_out, tmp_path):
    d, assigned, _, _ = handed_out
    bs = {assigned[s]["perceptron-bce"]["givens"]["b"] for s in STUDENTS}
    assert len(bs) >= 5
    # the same seed and student id give the same numbers, whoever else is in the class
    (tmp_path / "hw.yaml").write_text(ASSIGNMENT, encoding="utf-8")
    (tmp_path / "r.csv").write_text("student\ns007\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "r.csv", "-o", "o", "--no-pdf",
                "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["students"]["s007"] == assigned["s007"]


def test_own_right_answers_are_all_correct_out_of_the_same_total(handed_out):
    _, _, report, swapped = handed_out
    assert set(report) == set(STUDENTS) - {ABSENT}
    for s, m in report.items():
        assert m["score"]["out_of"] == OUT_OF
        assert len(m["results"]) == 14  # every asked answer, for every file
        if s in swapped:
            continue
        wrong = [(r["problem"], r["answer"], r["given"], r["expected"]) for r in m["results"]
                 if r["verdict"] != "correct"]
        assert not wrong, (s, wrong)
        assert m["score"]["points"] == OUT_OF


def test_swapped_answers_are_incorrect_and_flagged_other_variant(handed_out):
    _, _, report, (a, b) = handed_out
    for me, other in ((a, b), (b, a)):
        rows = {r["answer"]: r for r in report[me]["results"]
                if r["problem"] == "perceptron-bce"}
        for aid in ("a.z", "b.loss", "b.dE_dw"):
            assert rows[aid]["verdict"] == "incorrect", (me, aid)
            assert rows[aid]["diagnosis"] == "other-variant", (me, aid, rows[aid])
            assert other in rows[aid]["feedback"]
            assert rows[aid]["points"] == 0
        assert report[me]["score"]["points"] == OUT_OF - 6
        others = [r for r in report[me]["results"] if r["problem"] != "perceptron-bce"]
        assert all(r["verdict"] == "correct" for r in others)


def test_gradebook_has_a_row_per_roster_student(handed_out):
    d, _, _, (a, _) = handed_out
    with open(d / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["student"] for r in rows] == STUDENTS
    assert {r["out_of"] for r in rows} == {f"{OUT_OF:g}"}
    by = {r["student"]: r for r in rows}
    assert by[ABSENT]["missing"] == "14" and by[ABSENT]["points"] == "0"
    assert by[ABSENT]["name"] == "Student 30"
    assert by[a]["perceptron-bce/b.dE_dw"] == "0" and by[a]["rnn-vanishing/a.h1"] == "1.5"
    with open(d / "lms.csv", encoding="utf-8") as f:
        lms = list(csv.reader(f))
    assert lms[0] == ["student", "total"] and len(lms) == 31
    assert dict(lms[1:])[STUDENTS[2]] == f"{OUT_OF:g}"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (TeX Live)")
def test_one_students_questions_and_solutions_compile_to_pdf_in_one_pass(handed_out,
                                                                         tmp_path):
    """A class's PDFs are most of `derive assign`'s time: each document compiles in one
    pdflatex pass (latexmk ran two, the solutions' table of contents three)."""
    d, _, _, _ = handed_out
    from derive.render.tex_compile import compile_pdf, compile_reason

    for name in ("questions.tex", "solutions.tex"):
        tex = tmp_path / name
        shutil.copyfile(d / "out" / "s001" / name, tex)
        assert compile_pdf(tex).passes == 1
        assert tex.with_suffix(".pdf").stat().st_size > 1000
    (tmp_path / "broken.tex").write_text("\\documentclass{article}\\begin{document}"
                                         "\\undefinedthing\\end{document}\n")
    reason = compile_reason(tmp_path / "broken.tex")
    assert reason is not None and "line 1" in reason and "Undefined control" in reason


def test_an_answer_for_the_spec_s_own_numbers_is_flagged_as_such(tmp_path):
    """QA: a student who worked the problem with the spec's own numbers (those of the
    course's worked solution) instead of their own got an unrelated diagnosis ("off by
    the factor ½"); it is ``other-variant`` naming the problem's own numbers. Values by
    hand: z = w·x + b with x = (2, 1), w = (0.2, 0.3), the spec's b = 0.1."""
    (tmp_path / "hw.yaml").write_text(
        "title: HW\nseed: 3\nproblems:\n  - id: perceptron-bce\n"
        "    answers: [a.z, a.yhat]\n    vary: {b: [-0.3, 0.5]}\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student\ns001\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "roster.csv", "--format", "json",
                "-o", "out", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    b = float(json.loads(r.stdout)["students"]["s001"]["perceptron-bce"]["givens"]["b"])
    z_spec, z_own = 0.4 + 0.3 + 0.1, 0.4 + 0.3 + b
    (tmp_path / "s001.yaml").write_text(
        "student: s001\nanswers:\n  perceptron-bce:\n"
        f"    a.z: {num(z_spec)}\n    a.yhat: {num(sigmoid(z_own))}\n", encoding="utf-8")
    r = run_cli("check", "s001.yaml", "--assignment", "hw.yaml", "--roster", "roster.csv",
                "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {x["answer"]: x for x in json.loads(r.stdout)["submissions"][0]["results"]}
    assert rows["a.z"]["verdict"] == "incorrect"
    assert rows["a.z"]["diagnosis"] == "other-variant"
    assert "the problem's own numbers" in rows["a.z"]["feedback"]
    assert f"yours give {num(z_own)}" in rows["a.z"]["feedback"]
    assert rows["a.yhat"]["verdict"] == "correct"


def test_the_class_scan_reads_the_student_as_marking_does(tmp_path):
    """QA: without a roster the class is the students the files name; the scan took
    the template's comment ``%   \\student{name or id}`` for a student, whose numbers
    then appeared in feedback ("the answer for the numbers of name or id")."""
    from derive.assign.grading import scan_students

    tex = tmp_path / "hw.tex"
    tex.write_text("%   \\student{name or id}\n\\student{}% your name or id\n"
                   "\\student{s\\_017}\n\\answer{perceptron-bce/a.z}{0.8}\n"
                   "% \\student{commented}\n", encoding="utf-8")
    blank = tmp_path / "s020.tex"
    blank.write_text("%   \\student{name or id}\n\\student{}\n", encoding="utf-8")
    assert scan_students([str(tex), str(blank)]) == ["s_017", "s020"]


def test_checking_the_handout_folder_marks_the_answer_sheets_only(handed_out, tmp_path):
    """QA: a TA who collects the filled answers.tex back into `derive assign`'s folder and
    runs `derive check` on it got every student's questions.tex and solutions.tex as
    "could not be marked" files of students "questions" and "solutions"."""
    d, _, _, _ = handed_out
    out = tmp_path / "out"
    shutil.copytree(d / "out", out)
    shutil.copy(d / "hw.yaml", tmp_path / "hw.yaml")
    r = run_cli("check", "out", "--assignment", "hw.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = [m["file"] for m in json.loads(r.stdout)["submissions"]]
    assert sorted(files) == sorted(f"out/{s}/answers.tex" for s in STUDENTS)
    r = run_cli("check", f"out/{STUDENTS[0]}/questions.tex", cwd=tmp_path)  # named: said why
    assert r.returncode == 1 and "not an answer file" in r.stderr and "answers.tex" in r.stderr
