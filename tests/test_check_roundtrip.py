"""derive reads back every LaTeX it writes itself: each answer of each problem, as
``derive solve --format json`` (and assign's key.csv) writes it and as a sheet boxes it,
marked as a student's answer, is read and judged correct (QA finding 3).

The reading of the forms that failed is also checked against values worked out by hand
here (ELU′, the step function, a derivative with cases as factors)."""

from __future__ import annotations

import csv
import json
import math

import pytest
import sympy as sp
from checkkit import make_marker, mark, run_cli

from derive.check.read.parse import config_for, parse_answer
from derive.core.solve import solve_once
from derive.core.spec import load_problem, problem_paths
from derive.render.json import answer_latex
from derive.render.printing import value_tex

SHIPPED = sorted(problem_paths())


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def test_the_catalogue_is_all_there():
    assert len(SHIPPED) == 42


@pytest.mark.parametrize("pid", SHIPPED)
def test_every_answer_derive_writes_is_read_back_as_correct(marker, pid):
    solution = solve_once(load_problem(problem_paths()[pid]))
    forms = {"json": {a: answer_latex(v) for a, v in solution.answers.items()},
             "sheet": {a: value_tex(v.kind, v.value) for a, v in solution.answers.items()}}
    for form, answers in forms.items():
        got = mark(marker, {pid: answers})
        wrong = {a: (r.verdict, answers[a], r.feedback) for (p, a), r in got.items()
                 if p == pid and r.verdict != "correct"}
        assert not wrong, f"{form}: {wrong}"


def _read(pid: str, aid: str, text: str):
    problem = load_problem(pid)
    return parse_answer(text, "expression", config_for(problem, problem.answers[aid]))


def _at(expr, **values: float) -> float:
    return float(expr.subs({s: values[s.name] for s in expr.free_symbols}))


def test_a_row_break_before_e_is_a_row_break_and_e_is_eulers():
    # activation-derivatives defines e(z) = ELU(z); e^{z} without brackets is exp(z)
    elu_prime = _read("activation-derivatives", "a.elu",
                      r"\begin{cases} 1 & \text{for}\: z > 0 \\e^{z} & \text{otherwise} "
                      r"\end{cases}")
    assert _at(elu_prime, z=-0.5) == pytest.approx(math.exp(-0.5))
    assert _at(elu_prime, z=2.0) == 1.0
    # the problem's own e(z) with its brackets is still the ELU: e^{-0.5} - 1 below 0
    assert _at(_read("activation-derivatives", "a.elu", "e(z)"), z=-0.5) == \
        pytest.approx(math.exp(-0.5) - 1)


@pytest.mark.parametrize("z,step", [(0.3, 1.0), (-0.3, 0.0), (0.0, 0.0)])
def test_theta_with_its_value_at_zero_is_the_step(z, step):
    assert _at(_read("activation-derivatives", "a.relu", r"\theta\left(z, 0\right)"),
               z=z) == step


def test_cases_inside_a_product_are_read():
    # leaky-unit-descent: L(w) = (leaky(2w, 0.1) - 1)^2 / 2, so dL/dw at w = -0.5 is
    # (-0.1 - 1) * 0.1 * 2 = -0.22 and at w = 0.5 it is (1 - 1) * 1 * 2 = 0
    written = (r"0.5 \left(2 \left(\begin{cases} 2 w & \text{for}\: w > 0 \\0.2 w & "
               r"\text{otherwise} \end{cases}\right) - 2\right) \left(\begin{cases} 2 & "
               r"\text{for}\: w > 0 \\0.2 & \text{otherwise} \end{cases}\right)")
    value = _read("leaky-unit-descent", "a.dL", written)
    assert _at(value, w=-0.5) == pytest.approx((-0.1 - 1) * 0.1 * 2)
    assert _at(value, w=0.5) == pytest.approx(0.0)


@pytest.mark.parametrize("pid,aid,text,verdict", [
    ("loss-gradients", "c.dL_dz", r"{p}_{i} - {t}_{i}", "correct"),
    ("loss-gradients", "c.dL_dz", r"{p}_{i} + {t}_{i}", "incorrect"),
    # braces right after a group (a sum's limits) are a base's too
    ("loss-gradients", "d.dL_dz",
     r"{p}_{i}({p}_{i} - {t}_{i}) - {p}_{i}\sum_{k=1}^{K}{p}_{k}({p}_{k} - {t}_{k})", "correct"),
    ("loss-gradients", "d.dL_dz",
     r"{p}_{i}({p}_{i} - {t}_{i}) - \sum_{k=1}^{K}{p}_{k}({p}_{k} - {t}_{k})", "incorrect"),
    # p, i, j are made by the softmax-jacobian block, not listed by the spec
    ("softmax-jacobian", "a.entry", r"\left(\delta_{i j} - {p}_{j}\right) {p}_{i}", "correct"),
    ("softmax-jacobian", "a.entry", r"(\delta_{ij} - p_j) p_i", "correct"),
    ("softmax-jacobian", "a.entry", r"p_i (1 - p_j)", "incorrect"),
    ("log-sum-exp", "a.grad", r"\frac{e^{{p}_{i}}}{\sum_{l=1}^{K} e^{{p}_{l}}}", "correct"),
    ("log-sum-exp", "a.grad", r"\frac{e^{p_i}}{\sum_{k=1}^{K} e^{p_k}}", "correct"),
    ("activation-derivatives", "a.relu", r"\theta\left(z + 1, 0\right)", "incorrect"),
    ("activation-derivatives", "a.elu",
     r"\begin{cases} 1 & z > 0 \\e^{2z} & \text{otherwise} \end{cases}", "incorrect"),
    ("leaky-unit-descent", "a.dL",
     r"\left(\begin{cases} 2 w & w > 0 \\ 0.2 w & \text{otherwise} \end{cases}\right) - 1",
     "incorrect"),
])
def test_braced_bases_and_block_made_indices(marker, pid, aid, text, verdict):
    r = mark(marker, {pid: {aid: text}})[pid, aid]
    assert r.verdict == verdict, r.feedback


def test_the_key_of_an_assignment_reads_back_as_correct(tmp_path):
    """key.csv's LaTeX for varied givens (other slopes, another learning rate)."""
    (tmp_path / "hw.yaml").write_text(
        "seed: 5\nproblems:\n"
        "  - {id: activation-derivatives, vary: {a: [0.05, 0.2], z0: [-0.5, 1.5]}}\n"
        "  - {id: leaky-unit-descent, vary: {a: [0.2, 0.3]}}\n"
        "  - {id: softmax-jacobian}\n", encoding="utf-8")
    r = run_cli("assign", "hw.yaml", "--students", "2", "-o", "out", "--no-pdf",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "out" / "key.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    for row in rows:
        answers: dict[str, dict[str, str]] = {}
        for col, latex in row.items():
            if "/" in col:
                pid, aid = col.split("/", 1)
                answers.setdefault(pid, {})[aid] = latex
        # JSON is YAML: the LaTeX goes into the answer file exactly as the key has it
        (tmp_path / f"{row['student']}.yaml").write_text(
            json.dumps({"student": row["student"], "answers": answers}), encoding="utf-8")
        r = run_cli("check", f"{row['student']}.yaml", "--assignment", "hw.yaml",
                    "--format", "json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        (sub,) = json.loads(r.stdout)["submissions"]
        wrong = [(x["problem"], x["answer"], x["verdict"], x["feedback"])
                 for x in sub["results"] if x["verdict"] != "correct"]
        assert not wrong
        assert sub["score"]["points"] == sub["score"]["out_of"]


def test_sympy_writes_the_step_function_as_theta():
    # the reason \theta(z, 0) is read: SymPy's own LaTeX of ReLU's derivative
    assert sp.latex(sp.Heaviside(sp.Symbol("z"), 0)).startswith(r"\theta")
