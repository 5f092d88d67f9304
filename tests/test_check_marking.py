"""Marking one submission: every answer once, follow-through from the student's own
values, unknown ids. Expected numbers come from plain math in the tests."""

import math

import pytest
from checkkit import gelu_prime, make_marker, mark, sigmoid

from derive.check.mark.answers import Submission

GELU = "gelu-descent"


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def test_every_answer_appears_once_missing_and_unknown_ids(marker):
    marked = marker.mark(Submission("s.yaml", "s", {GELU: {"a.x1": "-0.05", "a.x9": "1",
                                                          "a.g0": ""}}))
    ids = [r.answer for r in marked.results]
    from derive.core.spec import load_problem

    asked = list(load_problem(GELU).answers)
    assert ids == asked + ["a.x9"]
    by = {r.answer: r for r in marked.results}
    assert by["a.x1"].verdict == "correct"
    assert by["a.g0"].verdict == "missing" and by["a.g0"].given is None
    assert by["a.x9"].verdict == "unparsable"
    assert by["a.x9"].feedback.startswith("'a.x9' is not an answer of gelu-descent; did you "
                                          "mean 'a.x")
    assert marked.score() == {"correct": 1, "follow-through": 0, "incorrect": 0,
                              "unparsable": 1, "missing": len(asked) - 1}


def test_wrong_x2_and_x3_computed_from_it_is_follow_through(marker):
    x1 = -0.05
    x2 = -0.09                                  # wrong: the right x2 is about -0.09575
    x3 = x2 - 0.1 * gelu_prime(x2)              # the right method from the wrong x2
    right_x3 = (x1 - 0.1 * gelu_prime(x1)) - 0.1 * gelu_prime(x1 - 0.1 * gelu_prime(x1))
    assert abs(x3 - right_x3) > 0.001           # so x3 is wrong against the right answer
    r = mark(marker, {GELU: {"a.x1": "-0.05", "a.x2": "-0.09", "a.x3": f"{x3:.5f}"}})
    assert r[GELU, "a.x2"].verdict == "incorrect"
    assert r[GELU, "a.x3"].verdict == "follow-through"
    assert r[GELU, "a.x3"].feedback.startswith("correct from your a.x2 = -0.09 ")
    assert r[GELU, "a.x3"].expected == f"{right_x3:.6g}"


def test_follow_through_uses_every_earlier_answer_the_student_gave(marker):
    x2 = -0.09
    g2 = gelu_prime(x2)
    r = mark(marker, {GELU: {"a.x2": "-0.09", "a.g2": f"{g2:.4f}",
                             "a.x3": f"{x2 - 0.1 * g2:.4f}",
                             "a.f2": f"{x2 * sigmoid(1.702 * x2):.5f}"}})
    assert r[GELU, "a.g2"].verdict == "follow-through"
    assert r[GELU, "a.x3"].verdict == "follow-through"
    assert r[GELU, "a.f2"].verdict == "follow-through"
    # x3 from a wrong x2 but with a g2 that is not the student's own: not follow-through
    r = mark(marker, {GELU: {"a.x2": "-0.09", "a.g2": "0.2", "a.x3": f"{x2 - 0.1 * g2:.4f}"}})
    assert r[GELU, "a.x3"].verdict == "incorrect"


def test_a_wrong_answer_not_explained_by_earlier_ones_stays_incorrect(marker):
    r = mark(marker, {GELU: {"a.x2": "-0.09", "a.x3": "-0.5"}})
    assert r[GELU, "a.x3"].verdict == "incorrect"
    assert r[GELU, "a.x3"].feedback == "expected -0.137638"


def test_follow_through_in_a_test_spec_numbers_and_a_choice(marker):
    # check-unit: z = w x + b, ŷ = σ(z), loss = −ln ŷ, mse = (t − ŷ)²/2, faster = argmin
    r = mark(marker, {"check-unit": {"a.yhat": "0.6", "b.loss": f"{-math.log(0.6):.4f}",
                                     "b.mse": "0.9", "c.faster": "loss"}})
    assert r["check-unit", "a.yhat"].verdict == "incorrect"
    assert r["check-unit", "b.loss"].verdict == "follow-through"
    assert r["check-unit", "b.loss"].feedback.startswith("correct from your a.yhat = 0.6")
    # mse = 0.9 is not (1 − 0.6)²/2 = 0.08: wrong; with it, loss 0.5108 < 0.9: 'loss'
    assert r["check-unit", "b.mse"].verdict == "incorrect"
    assert r["check-unit", "c.faster"].verdict == "follow-through"
    right_yhat = sigmoid(0.3 * 2 + 0.1)
    assert -math.log(right_yhat) > (1 - right_yhat) ** 2 / 2   # the right choice is mse


def test_repeated_answers_are_judged_once(marker, monkeypatch):
    import derive.check.mark.marking as marking

    calls = []
    real = marking.judge

    def counting(gold, spec, text, config):
        calls.append(text)
        return real(gold, spec, text, config)

    monkeypatch.setattr(marking, "judge", counting)
    for _ in range(3):
        mark(marker, {"check-unit": {"a.z": " 0.7 ", "a.yhat": "$0.668$"}})
    assert calls == [" 0.7 ", "$0.668$"]  # the second and third time come from the cache
