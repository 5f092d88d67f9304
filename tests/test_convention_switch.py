"""A momentum convention switched is named without any ``mistakes:`` in the spec (issue 12):
whole (the other convention throughout) or midway (from the student's own earlier values).

Expected values are iterated here in plain Python; the spec declares no mistakes.
"""

from __future__ import annotations

import pytest

from derive.check.mark.answers import Submission
from derive.check.mark.marking import Marker

SPEC = """\
id: bowl-momentum
title: Momentum on a bowl
givens:
  x0: {value: 1}
  eta: {value: 0.1}
  beta: {value: 0.5}
  steps: {value: 2, integer: true, min: 2, max: 2}
symbols: [x]
define:
  f(x): x**2
answers:
  a.v1: {kind: number}
  a.v2: {kind: number, depends: [a.v1, a.x1]}
  a.x1: {kind: number, depends: [a.v1]}
  a.x2: {kind: number, depends: [a.x1, a.v2]}
parts:
  a:
    text: Two steps of momentum.
    derive:
      - {use: descent, f: f, wrt: x, x0: x0, eta: eta, steps: steps, beta: beta,
         convention: CONVENTION, v: a.v, x: a.x}
"""


def momentum(convention: str, x: float = 1.0, v: float = 0.0, steps: int = 2,
             eta: float = 0.1, beta: float = 0.5) -> list[tuple[float, float]]:
    """(v, x) after each step of momentum on f = x², gradient 2x."""
    out = []
    for _ in range(steps):
        g = 2 * x
        v = beta * v + (g if convention == "sum" else (1 - beta) * g)
        x = x - eta * v
        out.append((v, x))
    return out


@pytest.fixture
def marker_for(tmp_path, monkeypatch):
    def make(convention: str) -> Marker:
        (tmp_path / "bowl-momentum.yaml").write_text(SPEC.replace("CONVENTION", convention),
                                                     encoding="utf-8")
        monkeypatch.setenv("DERIVE_PROBLEMS", str(tmp_path))
        return Marker()
    return make


def mark(marker: Marker, answers: dict[str, str]) -> dict[str, object]:
    marked = marker.mark(Submission("s.yaml", "s", {"bowl-momentum": answers}))
    assert marked.error is None, marked.error
    return {r.answer: r for r in marked.results}


def fmt(v: float) -> str:
    return f"{v:.6g}"


@pytest.mark.parametrize("used,other", [("sum", "average"), ("average", "sum")])
def test_the_other_convention_throughout_is_named(marker_for, used, other):
    (v1, x1), (v2, x2) = momentum(other)
    got = mark(marker_for(used), {"a.v1": fmt(v1), "a.x1": fmt(x1),
                                  "a.v2": fmt(v2), "a.x2": fmt(x2)})
    r = got["a.v1"]
    assert r.verdict == "incorrect" and r.diagnosis == "momentum-convention"
    assert ("averaged" if other == "average" else "plain momentum") in r.feedback


def test_a_switch_midway_is_named_at_the_step_it_happens(marker_for):
    (v1, x1), _ = momentum("sum")
    # step 2 averaged, from the student's own (right) v1 and x1
    v2 = 0.5 * v1 + 0.5 * (2 * x1)
    got = mark(marker_for("sum"), {"a.v1": fmt(v1), "a.x1": fmt(x1), "a.v2": fmt(v2)})
    assert got["a.v1"].verdict == "correct"
    assert got["a.v2"].verdict == "incorrect"
    assert got["a.v2"].diagnosis == "momentum-convention"


def test_a_wrong_value_that_is_no_convention_is_not_called_one(marker_for):
    (v1, x1), (v2, _) = momentum("sum")
    (_, _), (v2_avg, _) = momentum("average")
    wrong = v2 + 0.37  # neither convention
    assert abs(wrong - v2_avg) > 0.05
    got = mark(marker_for("sum"), {"a.v1": fmt(v1), "a.x1": fmt(x1), "a.v2": fmt(wrong)})
    assert got["a.v2"].verdict == "incorrect"
    assert got["a.v2"].diagnosis != "momentum-convention"


def test_a_variant_is_built_without_changing_the_specs_data(marker_for):
    import copy

    from derive.check.judge.conventions import convention_mistakes
    from derive.check.judge.diagnoses import build_variant

    prep = marker_for("sum").prepared("bowl-momentum")
    before = copy.deepcopy(prep.raw)
    m = convention_mistakes(prep.problem)["a.x2"][0]
    variant = build_variant(prep.problem, prep.raw, m, floats=True)
    assert prep.raw == before  # the variant's argument is set in copies on its path only
    assert variant.parts[0].calls[0].args["convention"] == "average"
    v2, x2 = momentum("average")[1]
    solved = variant.solve(verify=False).answers
    assert abs(float(solved["a.x2"].value) - x2) < 1e-12
    assert abs(float(solved["a.v2"].value) - v2) < 1e-12
    again = build_variant(prep.problem, prep.raw, m, floats=True)  # the same, built twice
    assert again.parts[0].calls[0].args["convention"] == "average" and prep.raw == before
