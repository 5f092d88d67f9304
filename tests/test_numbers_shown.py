"""Numbers are computed once (``derive.core.numbers``) and every printed digit is right.

Each number answer as the text and the LaTeX show it must equal the exact value to the
digits printed: the value is recomputed here by SymPy's own adaptive ``evalf`` at 50
digits (and, for gelu-descent, by plain mpmath iteration), not by the memo under test.
"""

from __future__ import annotations

import re
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from derive.render import render_latex, render_text

#: every reference problem with number answers
PROBLEMS = ["gelu-descent", "mlp-forward-backward", "perceptron-bce", "rnn-vanishing",
            "cnn-architecture", "conv-sigmoid-backprop", "cnn-padding-pooling",
            "loss-gradients", "conv-layer-shapes", "softmax-backprop"]


def _read_printed(text: str) -> tuple[Fraction, Fraction]:
    """A printed number -> (value, half a unit of its last printed digit); exact for p/q."""
    text = text.strip()
    m = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", text)
    if m:
        return Fraction(int(m[2]), int(m[3])) * (-1 if m[1] else 1), Fraction(0)
    m = re.fullmatch(r"(-?\d+)/(\d+)", text)
    if m:
        return Fraction(int(m[1]), int(m[2])), Fraction(0)
    m = re.fullmatch(r"(-?[\d.]+)(?:e|\s*\\times\s*10\^\{)?(-?\d+)?\}?", text)
    assert m, f"cannot read the printed number {text!r}"
    mant, exp = m[1], int(m[2] or 0)
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return Fraction(mant) * Fraction(10) ** exp, Fraction(1, 2) * Fraction(10) ** (exp - decimals)


def _agrees(printed: str, exact: sp.Expr) -> bool:
    value, half_unit = _read_printed(printed)
    truth = Fraction(str(sp.N(exact, 50)))
    # rounded to the printed digits: within half a unit of the last digit (1e-30 slack
    # for a 40-digit value that lies exactly on a rounding boundary)
    return abs(truth - value) <= half_unit + abs(truth) * Fraction(1, 10**30)


@pytest.mark.parametrize("pid", PROBLEMS)
def test_numbers_shown_in_text_and_latex_equal_the_exact_values(pid, solved):
    s = solved(pid)
    text, tex = render_text(s), render_latex(s)
    numbers = [a for a in s.answers.values() if a.kind == "number"]
    assert numbers, pid
    for a in numbers:
        shown = re.search(rf"^\s+{re.escape(a.id)}\s+(\S+)\s*$", text, re.M)
        assert shown, f"{pid} {a.id} not in the text answers"
        assert _agrees(shown[1], a.value), (pid, a.id, shown[1], sp.N(a.value, 20))
        tid = a.id.replace("_", r"\_")
        boxed = re.search(rf"\\answerid\{{{re.escape(tid)}\}} & \$\\boxed\{{(.+?)\}}\$", tex)
        assert boxed, f"{pid} {a.id} not boxed in the LaTeX"
        assert _agrees(boxed[1], a.value), (pid, a.id, boxed[1], sp.N(a.value, 20))


def test_gelu_descent_iterates_match_plain_mpmath_to_their_printed_digits(solved):
    # x_{t+1} = x_t - eta f'(x_t), f(x) = x sigma(1.702 x), iterated at 50 digits here
    mpmath.mp.dps = 50
    alpha, eta = mpmath.mpf(1702) / 1000, mpmath.mpf(1) / 10

    def sig(z):
        return 1 / (1 + mpmath.exp(-z))

    def fprime(x):
        return sig(alpha * x) * (1 + alpha * x * (1 - sig(alpha * x)))

    x, want = mpmath.mpf(0), {}
    for t in range(3):
        want[f"a.g{t}"] = fprime(x)
        x = x - eta * fprime(x)
        want[f"a.x{t + 1}"] = x
        want[f"a.f{t + 1}"] = x * sig(alpha * x)
    text = render_text(solved("gelu-descent"))
    for aid, v in want.items():
        shown = re.search(rf"^\s+{re.escape(aid)}\s+(\S+)\s*$", text, re.M)
        assert shown, aid
        assert _agrees(shown[1], sp.Float(mpmath.nstr(v, 45), 45)), (aid, shown[1], v)
