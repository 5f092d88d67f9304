"""A matrix answer in brackets around ``array``/``matrix`` (``\\left[ … \\right]``, ``[ … ]``,
``\\Big[ … \\Big]``, ``\\lbrack … \\rbrack``) and a number times a matrix get the number rule
(QA 2, finding 1): the rule is computed here by hand, from the decimals as written, for
perceptron-bce's ∂E/∂w = (ŷ − 1)·x with x = [2, 1], ŷ = σ(0.8)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from checkkit import make_marker, mark

YHAT = 1 / (1 + math.exp(-0.8))          # z = 0.2·2 + 0.3·1 + 0.1 = 0.8
X = (2, 1)
GOLD = [(YHAT - 1) * x for x in X]        # ∂E/∂w = (ŷ − y) x, y = 1


def unit_of(written: str) -> Fraction:
    """One unit of the last written place."""
    return Fraction(1, 10 ** len(written.split(".")[1])) if "." in written else Fraction(1)


def rule_ok(written: str, gold: float) -> bool:
    """The problem set's number rule by hand: one unit of the last place and 5%."""
    diff = abs(float(Fraction(written)) - gold)
    return diff <= float(unit_of(written)) and diff <= 0.05 * abs(gold)


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def verdict(marker, text: str):
    return mark(marker, {"perceptron-bce": {"b.dE_dw": text}})["perceptron-bce", "b.dE_dw"]


WRAPPERS = [
    (r"\left[", r"\right]"), ("[", "]"), (r"\Big[", r"\Big]"),
    (r"\left\lbrack", r"\right\rbrack"), (r"\bigl[", r"\bigr]"), (r"\left(", r"\right)"), ("", ""),
]
ENVIRONMENTS = [(r"\begin{array}{cc}", r"\end{array}"), (r"\begin{matrix}", r"\end{matrix}"),
                (r"\begin{bmatrix}", r"\end{bmatrix}")]


def entries(places: int, shift_units: int = 0) -> list[str]:
    """GOLD rounded to ``places`` decimals, moved by ``shift_units`` units of that place."""
    return [f"{round(g, places) - shift_units * 10 ** -places:.{places}f}" for g in GOLD]


CASES = [(p, s) for p in (1, 2, 3, 6) for s in (0, 1, 2)]


@pytest.mark.parametrize("left,right", WRAPPERS)
@pytest.mark.parametrize("begin,end", ENVIRONMENTS)
@pytest.mark.parametrize("places,shift", CASES)
def test_a_bracketed_matrix_gets_the_number_rule(marker, left, right, begin, end, places,
                                                 shift):
    written = entries(places, shift)
    text = f"{left}{begin} {written[0]} & {written[1]} {end}{right}"
    expected = all(rule_ok(w, g) for w, g in zip(written, GOLD, strict=True))
    r = verdict(marker, text)
    assert r.verdict == ("correct" if expected else "incorrect"), (text, r.feedback)


def test_the_cases_above_hold_both_verdicts():
    """The oracle's cases are not all right (or all wrong): the test above can fail."""
    outcomes = {all(rule_ok(w, g) for w, g in zip(entries(p, s), GOLD, strict=True))
                for p, s in CASES}
    assert outcomes == {True, False}


def test_the_feedback_shows_the_decimals_written_not_fractions(marker):
    # -0.64 is 0.02 from -0.620051: two units of its last place
    r = verdict(marker, r"\left[\begin{array}{cc} -0.64 & -0.310 \end{array}\right]")
    assert r.verdict == "incorrect"
    assert "you wrote -0.64" in r.feedback and "/" not in r.feedback
    assert "(1,2)" not in r.feedback  # -0.310 is right


@pytest.mark.parametrize("scalar", ["-0.31", "-0.3", "-0.32", "-0.33", "-0.310", "-0.311",
                                    "-0.3103", "-0.29", "-0.4"])
def test_a_number_times_a_matrix_carries_the_numbers_rounding(marker, scalar):
    """c·[2 1]: each entry c·x_j may be off by what one unit of c (at most 5% of c) moves
    it, |x_j|·unit, and is held to 5% as any number."""
    c = float(Fraction(scalar))
    unit = min(float(unit_of(scalar)), 0.05 * abs(c))
    expected = all(abs(c * x - g) <= abs(x) * unit and abs(c * x - g) <= 0.05 * abs(g)
                   for x, g in zip(X, GOLD, strict=True))
    r = verdict(marker, scalar + r" \begin{bmatrix} 2 & 1 \end{bmatrix}")
    assert r.verdict == ("correct" if expected else "incorrect"), (scalar, r.feedback)


def test_a_wrong_product_says_its_entries_as_decimals(marker):
    r = verdict(marker, r"-0.33 \begin{bmatrix} 2 & 1 \end{bmatrix}")
    assert r.verdict == "incorrect"
    assert "-0.66" in r.feedback and "/" not in r.feedback


def test_a_product_of_exact_numbers_is_still_exact(marker):
    # -31/100 is exact: the product must be the exact value, which it is not
    r = verdict(marker, r"-\frac{31}{100} \begin{bmatrix} 2 & 1 \end{bmatrix}")
    assert r.verdict == "incorrect"


def test_a_cell_written_as_a_product_of_decimals_gets_their_rounding(marker):
    # 2 × -0.31 = -0.62, within 2 × 0.01 of -0.620051; 2 × -0.33 is not
    ok = verdict(marker, r"\begin{bmatrix} 2 \times -0.31 & -0.31 \end{bmatrix}")
    near = verdict(marker, r"\begin{bmatrix} 2 \times -0.33 & -0.31 \end{bmatrix}")
    assert (ok.verdict, near.verdict) == ("correct", "incorrect")
