"""The problem set's number rule (digits written, one unit in the last place, 5%)."""

import pytest
import sympy as sp

from derive.check.judge.equivalence import number_ok
from derive.check.read.parse import ParseConfig, ParseError, read_number
from derive.core.model import AnswerSpec, Marking

NUM = AnswerSpec("a.x", "number")
EXACT = AnswerSpec("b.stride", "number", Marking(exact=True))


@pytest.mark.parametrize("gold,written,ok", [
    ("-0.023937", "-0.024", True),       # the problem set's own examples
    ("-0.023937", "-0.0239", True),
    ("-0.1376", "-0.1", False),          # one unit of 0.1 but 27% off
    ("-0.1376", "-0.14", True),
    ("-0.1376", "-0.13", False),         # 0.0076 > one unit of 0.01
    ("0.5", r"\frac{1}{2}", True),
    ("0.5", "1/2", True),
    ("0.5", r"\boxed{0.5}", True),
    ("-0.096", r"x_2 = x_1 - \eta g = -0.096", True),
    ("0.37110", "3.711 \\times 10^{-1}", True),
    ("0.0066929", "6.69e-3", True),
])
def test_number_rule(gold, written, ok):
    assert number_ok(sp.Rational(gold), written, NUM) is ok


def test_exact_marking_for_sizes_and_strides():
    assert number_ok(sp.Rational(4, 3), "4/3", EXACT)
    assert number_ok(sp.Rational(4, 3), r"\frac{4}{3}", EXACT)
    assert not number_ok(sp.Rational(4, 3), "1.33", EXACT)
    assert number_ok(sp.Integer(456), "456", EXACT)


@pytest.mark.parametrize("text", ["abc", "1/0", "\\dots", "{" * 100 + "1" + "}" * 100,
                                  "1" * 5000])
def test_unreadable_numbers_raise_parse_error(text):
    with pytest.raises(ParseError):
        read_number(text, ParseConfig())


@pytest.mark.parametrize("pid,aid,written", [
    ("gelu-descent", "a.x1", r"\frac{0}{0}"), ("gelu-descent", "a.x1", "0/0"),
    ("gelu-descent", "a.x1", r"\frac{1}{0}"), ("gelu-descent", "a.derivative", r"\frac{0}{0}"),
    ("gelu-descent", "a.derivative", r"\frac{x}{0}"),
    ("conv-valid", "a.output", r"\begin{bmatrix} 1 & \frac{0}{0} \end{bmatrix}"),
])
def test_an_answer_that_divides_by_zero_is_unparsable_and_says_so(pid, aid, written):
    # 0/0 has no value: neither right nor wrong, and never an internal error's name
    from checkkit import make_marker, mark

    r = mark(make_marker(), {pid: {aid: written}})[pid, aid]
    assert r.verdict == "unparsable", r
    assert "divides by zero" in r.feedback and "Error" not in r.feedback, r


def test_a_fraction_with_zero_above_is_a_number():
    from checkkit import make_marker, mark

    r = mark(make_marker(), {"gelu-descent": {"a.x1": r"\frac{0}{5}"}})["gelu-descent", "a.x1"]
    assert r.verdict == "incorrect" and r.feedback == "expected -0.05"
