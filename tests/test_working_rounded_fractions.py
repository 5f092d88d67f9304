"""A rounded decimal in a ``\\frac`` of a working line carries its rounding as it does in
``a/b`` (QA2 finding 3a: ``-\\frac{1}{\\hat y} = -\\frac{1}{0.68997}`` was an "arithmetic
slip"). The verdicts expected are the README's rule worked by hand here: a substituted
number may move the side by twice what its half-unit moves it (at most 5%)."""

from __future__ import annotations

import math

import pytest
from checkkit import make_marker

from derive.check.mark.answers import Submission

YHAT = 1 / (1 + math.exp(-0.8))           # perceptron-bce: z = 0.8
BEFORE = -1 / YHAT                         # the line before: -1/ŷ, exact


def step_ok(written: str) -> bool:
    """-1/w against -1/ŷ: within twice what half a unit of w moves it, and 5%."""
    w = float(written)
    half = 0.5 * 10.0 ** -len(written.split(".")[1])
    carried = abs(1 / (w + half) - 1 / w)
    diff = abs(-1 / w - BEFORE)
    return diff <= min(0.05 * abs(BEFORE), 2 * carried) + 1e-9 * abs(BEFORE)


def substituted() -> list[str]:
    """ŷ rounded to 1…6 places, and moved by 2 and 5 units of the place."""
    out = []
    for places in range(1, 7):
        for shift in (0, 2, 5):
            out.append(f"{round(YHAT, places) + shift * 10 ** -places:.{places}f}")
    return out


FORMS = [r"-\frac{{1}}{{{w}}}", r"-\dfrac{{1}}{{{w}}}", r"\frac{{-1}}{{{w}}}",
         r"-\tfrac{{1}}{{{w}}}", r"-\frac{{1.0}}{{{w}}}", "-1/{w}"]


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def first_error(marker, line: str) -> int | None:
    working = rf"\frac{{\partial E}}{{\partial \hat y}} = -\frac{{1}}{{\hat y}} = {line}"
    sub = Submission("w.yaml", "w", {"perceptron-bce": {"b.dE_dyhat": f"{BEFORE:.4f}"}},
                     working={("perceptron-bce", "b.dE_dyhat"): working})
    r = next(r for r in marker.mark(sub).results if r.answer == "b.dE_dyhat")
    return r.working.first_error


def test_the_oracle_holds_both_verdicts():
    assert {step_ok(w) for w in substituted()} == {True, False}


@pytest.mark.parametrize("form", FORMS)
def test_a_rounded_denominator_carries_its_rounding(marker, form):
    for w in substituted():
        got = first_error(marker, form.format(w=w))
        assert (got is None) == step_ok(w), (form.format(w=w), got)


def test_a_rounded_numerator_too(marker):
    # \frac{0.4575}{10} in gelu-descent: x_2 = x_1 - 0.1 f'(x_1), f'(x_1) ≈ 0.4575
    def gelu_prime(x: float) -> float:
        s = 1 / (1 + math.exp(-1.702 * x))
        return s + 1.702 * x * s * (1 - s)

    g1 = gelu_prime(-0.05)
    x2 = -0.05 - 0.1 * g1                  # the line before, exact
    cases = [f"{round(g1, p) + k * 10 ** -p:.{p}f}" for p in (2, 4) for k in (0, 5)]
    wants = []
    for g in cases:
        places = len(g.split(".")[1])
        # twice what the half-units move the side: -0.05's (0.005) and g's, divided by 10
        carried = 2 * (0.5 * 10.0 ** -2 + 0.5 * 10.0 ** -places / 10)
        wants.append(abs(-0.05 - float(g) / 10 - x2) <= min(0.05 * abs(x2), carried))
    assert set(wants) == {True, False}
    for g, want in zip(cases, wants, strict=True):
        working = rf"x_2 = x_1 - \eta f'(x_1) = -0.05 - \frac{{{g}}}{{10}}"
        sub = Submission("w.yaml", "w", {"gelu-descent": {"a.x2": f"{x2:.7f}"}},
                         working={("gelu-descent", "a.x2"): working})
        r = next(r for r in marker.mark(sub).results if r.answer == "a.x2")
        assert (r.working.first_error is None) == want, (g, [s.feedback for s in r.working.steps])
