"""A generic rule (σ′(u) = σ(u)(1 − σ(u))) is written in a variable the problem does not
use: a reader would take the rule's u for a given u."""

from __future__ import annotations

import yaml
from testkit import tiny_spec

from derive.core.spec import load_problem
from derive.render.text import render_text


def _rules(tmp_path, names: list[str]) -> list[str]:
    """The rule lines of d/dx tanh(a·x) in a problem that also uses ``names``."""
    spec = tiny_spec()
    spec["symbols"] = ["x", *names]
    spec["define"] = {"f(x)": "tanh(a*x)"}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    text = render_text(load_problem(path).solve())
    return [ln.strip() for ln in text.splitlines() if "[tanh derivative]" in ln]


def test_the_rule_variable_is_u_unless_the_problem_uses_u(tmp_path):
    assert _rules(tmp_path, []) == ["dtanh(u)/du = 1 - tanh(u)^2   [tanh derivative]"]
    assert _rules(tmp_path, ["u"]) == ["dtanh(v)/dv = 1 - tanh(v)^2   [tanh derivative]"]
    assert _rules(tmp_path, ["u", "v"]) == ["dtanh(s)/ds = 1 - tanh(s)^2   [tanh derivative]"]


def test_the_reference_problem_with_a_given_u_writes_its_rule_in_v(solved):
    text = render_text(solved("rnn-vanishing"))
    assert "dtanh(v)/dv = 1 - tanh(v)^2" in text and "/du" not in text
    assert "dσ(u)/du" in render_text(solved("perceptron-bce"))  # no u there: u
