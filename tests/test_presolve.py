"""derive check's parent solves the problems its files name once, before forking."""

from __future__ import annotations

from derive.check.mark.presolve import presolve
from derive.core.solve import solve_once
from derive.core.spec import load_problem


def test_presolve_finds_problem_ids_in_yaml_and_latex_files(tmp_path):
    y = tmp_path / "a.yaml"
    y.write_text("student: s1\nanswers:\n  perceptron-bce:\n    a.z: 0.3\n")
    t = tmp_path / "b.tex"
    t.write_text(r"\answer{tanh-derivative/a.derivative}{1 - \tanh^2 x}")
    other = tmp_path / "c.yaml"
    other.write_text("answers:\n  not-a-problem:\n    a.x: 1\n  tanh-derivative-2: {}\n")
    assert presolve([str(y), str(t), str(other), str(tmp_path / "missing.yaml")]) == \
        ["perceptron-bce", "tanh-derivative"]


def test_solve_once_keys_on_the_whole_problem():
    first = solve_once(load_problem("perceptron-bce"))
    assert solve_once(load_problem("perceptron-bce")) is first
    variant = solve_once(load_problem("perceptron-bce", {"b": "0.25"}))
    assert variant is not first and variant.givens["b"] != first.givens["b"]
