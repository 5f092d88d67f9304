"""Assignment files and rosters: validation with one-line errors, points, drawing."""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml
from checkkit import run_cli

from derive.assign.assignment import build_assignment
from derive.assign.roster import numbered, read_roster
from derive.assign.variants import AssignmentError, draw, generator
from derive.core.errors import SpecError


def assignment(text: str):
    return build_assignment(yaml.safe_load(text), "hw.yaml")


@pytest.mark.parametrize("text,message", [
    ("tittle: x\nseed: 1\nproblems: [conv-valid]",
     r"^hw\.yaml: tittle: unknown field; did you mean 'title'\?"),
    ("problems: [conv-valid]", r"^hw\.yaml: seed: expected a whole number"),
    ("seed: 1\nproblems: []", r"^hw\.yaml: problems: expected a list of problems"),
    ("seed: 1\nproblems: [{id: gelu-decent}]",
     r"^hw\.yaml: problems\[0\]\.id: unknown problem 'gelu-decent'; did you mean "
     r"'gelu-descent'\?"),
    ("seed: 1\nproblems: [{id: gelu-descent, vary: {etta: [1]}}]",
     r"^hw\.yaml: problems\[0\]\.vary\.etta: gelu-descent has no given 'etta'"),
    ("seed: 1\nproblems: [{id: gelu-descent, vary: {eta: {from: 0, to: 1, step: 0}}}]",
     r"^hw\.yaml: problems\[0\]\.vary\.eta\.step: expected a positive number, found 0"),
    ("seed: 1\nproblems: [{id: gelu-descent, vary: {eta: {from: 0, to: 1, step: 1e-9}}}]",
     r"^hw\.yaml: problems\[0\]\.vary\.eta: 1000000001 values \(at most 10000"),
    ("seed: 1\nproblems: [{id: gelu-descent, vary: {steps: [2, 2.5]}}]",
     r"^hw\.yaml: problems\[0\]\.vary\.steps\[1\]: steps is a whole number; found 5/2"),
    ("seed: 1\nproblems: [{id: perceptron-bce, vary: {w: [1, 2]}}]",
     r"^hw\.yaml: problems\[0\]\.vary\.w\[0\]: expected a list \(matrix or vector\)"),
    ("seed: 1\nproblems: [{id: perceptron-bce, answers: [b.los]}]",
     r"^hw\.yaml: problems\[0\]\.answers\.b\.los: not an answer of perceptron-bce; did you "
     r"mean 'b.loss'\?"),
    ("seed: 1\nproblems: [{id: perceptron-bce, points: 4, answers: {a.z: 1, b.loss: 2}}]",
     r"^hw\.yaml: problems\[0\]\.points: 4 differs from the sum of the answers' points \(3\)"),
    ("seed: 1\nproblems: [conv-valid, conv-valid]",
     r"^hw\.yaml: problems\[1\]\.id: 'conv-valid' is already in the assignment"),
    ("seed: 1\nproblems: [{id: conv-valid, pionts: 3}]",
     r"^hw\.yaml: problems\[0\]\.pionts: unknown field; did you mean 'points'\?"),
])
def test_a_bad_assignment_is_one_line_naming_the_field(text, message):
    with pytest.raises(SpecError, match=message) as e:
        assignment(text)
    assert "\n" not in str(e.value)


def test_points_are_spread_over_the_asked_answers():
    a = assignment("seed: 1\nproblems:\n"
                   "  - {id: gelu-descent, points: 10, answers: [a.x1, a.x2, a.x3, a.f1]}\n"
                   "  - {id: perceptron-bce, answers: {b.loss: 2, b.dE_dw: 3}}\n"
                   "  - {id: conv-valid}\n")
    assert a.problems[0].points == dict.fromkeys(["a.x1", "a.x2", "a.x3", "a.f1"],
                                                 Fraction(5, 2))
    assert list(a.problems[1].points) == ["b.loss", "b.dE_dw"]
    assert a.problems[2].points == dict.fromkeys(["a.shape", "a.output", "b.shape"], 1)
    assert a.out_of == 10 + 5 + 3


def test_ranges_are_exact():
    a = assignment("seed: 1\nproblems: [{id: perceptron-bce, vary: {b: {from: -0.3, to: 0.3, "
                   "step: 0.1}}}]")
    assert [str(v) for v in a.problems[0].vary["b"]] == [
        "-3/10", "-1/5", "-1/10", "0", "1/10", "1/5", "3/10"]


def test_generators_depend_on_seed_student_and_problem_only():
    assert generator(1, "s017", "p").random() == generator(1, "s017", "p").random()
    draws = {generator(*k).random() for k in [(1, "s017", "p"), (2, "s017", "p"),
                                                (1, "s018", "p"), (1, "s017", "q")]}
    assert len(draws) == 4


def test_an_ill_posed_draw_is_redrawn():
    # a 40×40 filter does not fit the 32×32 input: every student gets k = 5
    a = assignment("seed: 3\nproblems: [{id: conv-layer-shapes, vary: {k: [40, 5]}}]")
    ap = a.problems[0]
    got = [draw(a, ap, f"s{i}") for i in range(12)]
    assert {str(v.givens["k"]) for v in got} == {"5"}
    assert any(v.draws > 1 for v in got)
    assert all(v.solution.answers["a.shape"].value == (28, 28, 10) for v in got)


def test_no_well_posed_draw_is_an_error_naming_the_problem():
    a = assignment("seed: 3\nproblems: [{id: conv-layer-shapes, vary: {k: [40, 33]}}]")
    with pytest.raises(AssignmentError, match=r"^hw\.yaml: problems\[0\]\.vary: no "
                       r"well-posed variant of conv-layer-shapes for student s1 in 50 draws"):
        draw(a, a.problems[0], "s1")


def test_roster(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("Name,Student,email\nAnn,s1,a@x\n\nBo, s2 ,b@x\n", encoding="utf-8")
    r = read_roster(f)
    assert r.students == ("s1", "s2") and r.rows["s2"]["Name"] == "Bo"
    assert numbered(12).students[0] == "s001" and numbered(1200).students[-1] == "s1200"


@pytest.mark.parametrize("text,message", [
    ("name\nAnn\n", r"r\.csv: line 1: no 'student' column \(found: name\)"),
    ("student\ns1\ns1\n", r"r\.csv: line 3: student s1 is listed twice"),
    ("student,name\n,Ann\n", r"r\.csv: line 2: no student id"),
    ("student\n../etc\n", r"r\.csv: line 2: .*not usable"),
])
def test_bad_roster_is_one_line(tmp_path, text, message):
    f = tmp_path / "r.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        read_roster(f)


def test_cli_errors_exit_2_with_one_line(tmp_path):
    (tmp_path / "hw.yaml").write_text("seed: 1\nproblems: [{id: conv-layer-shapes, vary: "
                                      "{k: [40]}}]\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--students", "2", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("derive: hw.yaml: problems[0].vary: no well-posed variant")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "output").exists()  # nothing written
    r = run_cli("assign", "hw.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "--roster FILE" in r.stderr
    r = run_cli("check", "hw.yaml", "--roster", "r.csv", cwd=tmp_path)
    assert r.returncode == 2 and "--roster and --lms go with --assignment" in r.stderr


def test_a_filled_answer_sheet_is_not_replaced_without_force(tmp_path):
    (tmp_path / "hw.yaml").write_text("seed: 5\nproblems: [{id: conv-valid, vary: {stride: "
                                      "[1, 2]}}]\n", encoding="utf-8")
    args = ("assign", "hw.yaml", "--students", "2", "-o", "out", "--no-pdf")
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    sheet = tmp_path / "out" / "s001" / "answers.tex"
    assert r"\answer{conv-valid/a.shape}{}" in sheet.read_text(encoding="utf-8")
    assert run_cli(*args, cwd=tmp_path).returncode == 0  # an empty handout is replaced
    filled = sheet.read_text(encoding="utf-8").replace(
        r"\answer{conv-valid/a.shape}{}", r"\answer{conv-valid/a.shape}{3 \times 3}")
    sheet.write_text(filled, encoding="utf-8")
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and "holds answers written in it" in r.stderr
    assert sheet.read_text(encoding="utf-8") == filled
    assert run_cli(*args, "--force", cwd=tmp_path).returncode == 0
    assert sheet.read_text(encoding="utf-8") != filled


def test_outputs_never_replace_the_assignment_or_roster(tmp_path):
    (tmp_path / "hw.yaml").write_text("seed: 5\nproblems: [conv-valid]\n", encoding="utf-8")
    (tmp_path / "summary.txt").write_text("student\ns1\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "summary.txt", "-o", ".", "--no-pdf",
                cwd=tmp_path)
    assert r.returncode == 2 and "would replace an input" in r.stderr
    assert (tmp_path / "summary.txt").read_text(encoding="utf-8") == "student\ns1\n"
    (tmp_path / "a.yaml").write_text("student: s1\nanswers: {}\n", encoding="utf-8")
    r = run_cli("check", "a.yaml", "--assignment", "hw.yaml", "--roster", "summary.txt",
                "--csv", "summary.txt", cwd=tmp_path)
    assert r.returncode == 2 and "is the assignment or the roster" in r.stderr
    assert (tmp_path / "summary.txt").read_text(encoding="utf-8") == "student\ns1\n"


def test_points_of_follow_through_gradescope_and_students_off_the_roster(tmp_path):
    import json
    import math

    (tmp_path / "hw.yaml").write_text(
        "seed: 9\nproblems:\n  - {id: perceptron-bce, answers: {a.z: 1, a.yhat: 2, "
        "b.loss: 4}, vary: {b: [0.1, 0.3]}}\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("student\ns1\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--roster", "r.csv", "--format", "json", "-o", "o",
                "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    b = json.loads(r.stdout)["students"]["s1"]["perceptron-bce"]["givens"]["b"]
    z_wrong = 2 * 0.2 + 1 * 0.3 + b + 1  # a slip in z; ŷ and the loss follow from it
    yhat = 1 / (1 + math.exp(-z_wrong))
    (tmp_path / "s1.yaml").write_text(
        f"student: s1\nanswers:\n  perceptron-bce:\n    a.z: '{z_wrong:.6g}'\n"
        f"    a.yhat: '{yhat:.6g}'\n    b.loss: '{-math.log(yhat):.6g}'\n", encoding="utf-8")
    r = run_cli("check", "s1.yaml", "--assignment", "hw.yaml", "--roster", "r.csv",
                "--follow-through-credit", "0.5", "--gradescope", "gs.json", "--format",
                "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (m,) = json.loads(r.stdout)["submissions"]
    got = {x["answer"]: (x["verdict"], x["points"], x["max_points"]) for x in m["results"]}
    assert got == {"a.z": ("incorrect", 0, 1), "a.yhat": ("follow-through", 1, 2),
                   "b.loss": ("follow-through", 2, 4)}
    assert m["score"]["points"] == 3 and m["score"]["out_of"] == 7
    gs = json.loads((tmp_path / "gs.json").read_text(encoding="utf-8"))
    assert gs["score"] == 3 and [t["max_score"] for t in gs["tests"]] == [1, 2, 4]
    # a file naming nobody on the roster is marked against its own name's variant
    (tmp_path / "x9.yaml").write_text("answers: {perceptron-bce: {a.z: '1'}}\n",
                                      encoding="utf-8")
    r = run_cli("check", "x9.yaml", "--assignment", "hw.yaml", "--roster", "r.csv",
                "--csv", "g.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[0] for row in rows] == ["student", "s1", "x9"]
    assert "no answer file" in rows[1] and "not on the roster" in rows[2]


def test_a_stride_that_does_not_fit_is_redrawn():
    # (4 - 2)/3 is not whole: a 2×2 window with stride 3 leaves a column of the 4×4 input
    a = assignment("seed: 8\nproblems: [{id: conv-valid, vary: {stride: [3, 1, 2]}}]")
    got = [draw(a, a.problems[0], f"s{i}") for i in range(15)]
    assert {int(v.givens["stride"]) for v in got} == {1, 2}
    assert any(v.draws > 1 for v in got)


CHOICE_SPEC = """\
id: which-smaller
title: Which is smaller
givens:
  p: {value: 1}
  q: {value: 2}
answers:
  a.pick: {kind: choice, choices: [first, second]}
parts:
  a:
    text: Which of the two values is smaller?
    derive:
      - {use: choose, answer: a.pick, options: {first: p, second: q}, pick: min}
"""


def test_a_choice_that_rounding_could_reverse_is_redrawn(tmp_path, monkeypatch):
    # 1 and 1.02 differ by 2 %: a student rounding within the number rule's 5 % may
    # compare them either way, so the draw q = 1.02 is redrawn; q = 2 and q = 0.5 are clear
    (tmp_path / "which-smaller.yaml").write_text(CHOICE_SPEC, encoding="utf-8")
    monkeypatch.setenv("DERIVE_PROBLEMS", str(tmp_path))
    a = assignment("seed: 4\nproblems: [{id: which-smaller, vary: {q: [1.02, 2, 0.5]}}]")
    got = [draw(a, a.problems[0], f"s{i}") for i in range(15)]
    assert {str(v.givens["q"]) for v in got} <= {"2", "1/2"}
    assert any(v.draws > 1 for v in got)
    for v in got:  # the expected choice, by hand: the smaller of 1 and q
        want = "first" if 1 < float(v.givens["q"]) else "second"
        assert v.solution.answers["a.pick"].value == want
