import pytest
import sympy as sp

from derive.core.values import ValueError_, format_number, parse_number, parse_set_value


@pytest.mark.parametrize("text,want", [
    ("0.1", sp.Rational(1, 10)), ("-3", sp.Integer(-3)), ("4/3", sp.Rational(4, 3)),
    ("1e-3", sp.Rational(1, 1000)), (" 2.5 ", sp.Rational(5, 2)), ("-.5", sp.Rational(-1, 2)),
])
def test_numbers_are_exact(text, want):
    assert parse_number(text) == want


@pytest.mark.parametrize("text", ["abc", "1/0", "", "2**3", "__import__('os')", "1,5"])
def test_bad_numbers_say_what_was_expected(text):
    with pytest.raises(ValueError_):
        parse_number(text)


def test_lists_become_row_vectors_and_matrices():
    assert parse_set_value("[0.5,-1,2]") == sp.ImmutableMatrix([[sp.Rational(1, 2), -1, 2]])
    assert parse_set_value("[[1,0],[0, 1]]") == sp.eye(2)
    assert parse_set_value("[[1, 2]]").shape == (1, 2)


@pytest.mark.parametrize("text", ["[1,2", "[[1,2],[3]]", "[1,[2]]", "[1 2]", "[]x", "[]"])
def test_bad_lists(text):
    with pytest.raises(ValueError_):
        parse_set_value(text)


def test_format_number():
    assert format_number(sp.Rational(-1, 20)) == "-0.05"
    assert format_number(sp.Rational(4, 3)) == "4/3"
    assert format_number(sp.Float(0.0239368915)) == "0.0239369"
