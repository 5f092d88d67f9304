"""What ends an answer as its sentence ends (QA2 finding 2) is no part of it: a number
keeps the tolerance of the digits written before the full stop. The expected verdicts are
the number rule worked by hand here (one unit of the last written place and 5%), from
values computed with plain math."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from checkkit import gelu_prime, make_marker, mark

from derive.check.mark.answers import Submission

# gelu-descent part a by hand: x0 = 0, f'(0) = σ(0) = 1/2, η = 0.1
X1 = 0 - 0.1 * 0.5
X2 = X1 - 0.1 * gelu_prime(X1)
X3 = X2 - 0.1 * gelu_prime(X2)
# perceptron-bce: z = 0.8, E = -ln σ(z) for y = 1
LOSS = -math.log(1 / (1 + math.exp(-0.8)))

GOLDS = [("gelu-descent", "a.x2", X2), ("gelu-descent", "a.x3", X3),
         ("perceptron-bce", "b.loss", LOSS)]


def rule_ok(written: str, gold: float) -> bool:
    places = len(written.split(".")[1]) if "." in written else 0
    diff = abs(float(Fraction(written)) - gold)
    return diff <= 10.0 ** -places and diff <= 0.05 * abs(gold)


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def verdict(marker, pid: str, aid: str, text: str):
    return mark(marker, {pid: {aid: text}})[pid, aid]


def written_numbers(gold: float) -> list[str]:
    """The gold rounded to 1…7 places, and moved by one and two units of the place."""
    out = []
    for places in range(1, 8):
        for shift in (0, 1, 2):
            out.append(f"{round(gold, places) + shift * 10 ** -places:.{places}f}")
    return out


def test_the_oracle_holds_both_verdicts():
    outcomes = {rule_ok(w, g) for _, _, g in GOLDS for w in written_numbers(g)}
    assert outcomes == {True, False}


@pytest.mark.parametrize("pid,aid,gold", GOLDS)
@pytest.mark.parametrize("ending", [".", ",", ";", " .", r"\,.", ". ", ".$"])
def test_a_sentence_ending_after_a_number_keeps_its_digits(marker, pid, aid, gold, ending):
    for written in written_numbers(gold):
        r = verdict(marker, pid, aid, written + ending)
        want = "correct" if rule_ok(written, gold) else "incorrect"
        assert r.verdict == want, (written + ending, r.feedback)


def test_a_relation_ending_in_a_full_stop(marker):
    written = f"{X2:.4f}"                     # -0.0958
    assert rule_ok(written, X2)
    assert verdict(marker, "gelu-descent", "a.x2", f"x_2 = {written}.").verdict == "correct"
    assert verdict(marker, "gelu-descent", "a.x2",
                   rf"x_2 = x_1 - \eta f'(x_1) \approx {written}.").verdict == "correct"


def test_an_expression_of_rounded_numbers_ending_in_a_full_stop(marker):
    # -ln 0.69 differs from the loss by less than what 0.69's unit moves it; -ln 0.6 not
    assert verdict(marker, "perceptron-bce", "b.loss", r"-\ln 0.69.").verdict == "correct"
    assert verdict(marker, "perceptron-bce", "b.loss", r"-\ln 0.6.").verdict == "incorrect"


def test_exact_answers_with_a_full_stop_stay_exact(marker):
    assert verdict(marker, "gelu-descent", "a.x1", "-0.05.").verdict == "correct"
    assert verdict(marker, "gelu-descent", "a.x1", "-0.06.").verdict == "incorrect"
    assert verdict(marker, "cnn-architecture", "conv1.params", "456.").verdict == "correct"
    assert verdict(marker, "cnn-architecture", "conv1.params", "457.").verdict == "incorrect"


def test_a_point_inside_an_expression_is_left_alone(marker):
    # "0." is zero where it stands: x_1 = 0. - 0.1 × 0.5 = -0.05
    assert verdict(marker, "gelu-descent", "a.x1", r"0. - 0.1 \times 0.5").verdict == "correct"
    # a number with two points is no number, whatever ends it
    assert verdict(marker, "gelu-descent", "a.x2", "-0.09.58.").verdict != "correct"


def test_a_working_line_ending_in_a_full_stop_is_valid(marker):
    g1 = f"{gelu_prime(X1):.4f}"               # 0.4575
    x2 = f"{X1 - 0.1 * float(g1):.4f}"         # from the rounded g1, as a student works
    assert rule_ok(x2, X2)
    working = rf"x_2 = x_1 - \eta g_1 = -0.05 - 0.1 \times {g1}. \\ &= {x2}."
    sub = Submission("w.yaml", "w", {"gelu-descent": {"a.x2": x2 + "."}},
                     working={("gelu-descent", "a.x2"): working})
    r = next(r for r in marker.mark(sub).results if r.answer == "a.x2")
    assert r.verdict == "correct"
    assert r.working.first_error is None, [s.feedback for s in r.working.steps]


def test_a_substituted_rounded_number_before_a_full_stop_keeps_its_rounding(marker):
    yhat = 1 / (1 + math.exp(-0.8))
    written = f"{yhat:.5f}"                    # 0.68997: -1/0.68997 is 9.4e-6 from -1/ŷ
    half = 0.5e-5
    # what half a unit of the written ŷ moves -1/ŷ: more than the written ŷ is off by
    assert abs(-1 / float(written) + 1 / yhat) <= 2 * half / float(written) ** 2
    working = rf"\frac{{\partial E}}{{\partial \hat y}} = -1/\hat y = -1/{written}."
    answer = f"{-1 / yhat:.3f}"
    sub = Submission("w.yaml", "w", {"perceptron-bce": {"b.dE_dyhat": answer}},
                     working={("perceptron-bce", "b.dE_dyhat"): working})
    r = next(r for r in marker.mark(sub).results if r.answer == "b.dE_dyhat")
    assert r.working.first_error is None, [s.feedback for s in r.working.steps]


# ---------------------------------------------------------------- spacing (QA2 finding 11)

SPACES = [r"\quad", r"\qquad", r"\,", r"\;", r"\:", r"\ ", "~", r"\enspace", r"\quad.",
          r"\qquad,", r" \quad \, "]


@pytest.mark.parametrize("space", SPACES)
def test_spacing_at_either_end_is_no_part_of_the_answer(marker, space):
    for written in written_numbers(X2):
        want = "correct" if rule_ok(written, X2) else "incorrect"
        for text in (written + space, space.rstrip(".,") + " " + written):
            r = verdict(marker, "gelu-descent", "a.x2", text)
            assert r.verdict == want, (text, r.feedback)


def sci_rule_ok(mantissa: str, exponent: int, gold: float) -> bool:
    """The number rule for m × 10^e: one unit of m's last place, scaled, and 5%."""
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    value = float(Fraction(mantissa)) * 10.0 ** exponent
    diff = abs(value - gold)
    return diff <= 10.0 ** (exponent - places) and diff <= 0.05 * abs(gold)


@pytest.mark.parametrize("mantissa", ["-9.58", "-9.6", "-9.575", "-9.0", "-9.62"])
@pytest.mark.parametrize("space", [r"\quad", r"\qquad", r"\,"])
def test_scientific_notation_before_a_quad(marker, mantissa, space):
    r = verdict(marker, "gelu-descent", "a.x2", mantissa + r" \times 10^{-2}" + space)
    want = "correct" if sci_rule_ok(mantissa, -2, X2) else "incorrect"
    assert r.verdict == want, r.feedback


def test_a_matrix_before_a_quad(marker):
    yhat = 1 / (1 + math.exp(-0.8))
    row = [f"{(yhat - 1) * x:.3f}" for x in (2, 1)]
    text = rf"\begin{{bmatrix}} {row[0]} & {row[1]} \end{{bmatrix}} \quad"
    r = mark(marker, {"perceptron-bce": {"b.dE_dw": text}})["perceptron-bce", "b.dE_dw"]
    assert r.verdict == "correct", r.feedback


def test_a_quad_between_items_still_separates_them(marker):
    # [a \quad b] is still the row [a, b]: its second item is checked
    yhat = 1 / (1 + math.exp(-0.8))
    right = [f"{(yhat - 1) * x:.3f}" for x in (2, 1)]
    for second, want in ((right[1], "correct"), ("-0.330", "incorrect")):
        text = rf"\quad \left[{right[0]} \quad {second}\right] \quad"
        r = mark(marker, {"perceptron-bce": {"b.dE_dw": text}})["perceptron-bce", "b.dE_dw"]
        assert r.verdict == want, (text, r.feedback)


def test_an_expression_whose_only_decimal_is_zero_is_exact(marker):
    # 0.0 moves nothing (5% of 0 is 0): -1/20 + 0.0 is exactly -0.05, right for x_1,
    # wrong for x_2; it was "could not be compared (TypeError)"
    text = r"-\frac{1}{20} + 0.0"
    assert verdict(marker, "gelu-descent", "a.x1", text).verdict == "correct"
    assert verdict(marker, "gelu-descent", "a.x2", text).verdict == "incorrect"
