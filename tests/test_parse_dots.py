"""Vectors written with an ellipsis (pattern vectors), marked as a careful marker does.

The gold values are built here by hand from the softmax-backprop symbols of
test_equivalence (o − y, and −y ⊙ (1/o) written with its own Hadamard product), so the
expected verdicts do not come from the reader under test.
"""

from __future__ import annotations

import pytest
import sympy as sp
import test_equivalence as T
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.check.read.parse import ParseError, parse_answer

z = sp.Symbol("z")
O_MINUS_Y = T.G["a.dE_df2"]
MINUS_Y_OVER_O = -sp.HadamardProduct(T.y_, T.o_.applyfunc(sp.Lambda(z, 1 / z)))


@pytest.mark.parametrize("gold,answer,expected", [
    # a row with \quad and \dots, the last entry in the size K
    (O_MINUS_Y, r"\left[o_1 - y_1 \quad o_2 - y_2 \quad \dots \quad o_K - y_K\right]",
     "correct"),
    # sheet 001: the ellipsis glued to the entry before it
    (O_MINUS_Y, r"\left[o_1 - y_1 \quad o_2 - y_2 \quad o_3 - y_3 \dots \quad o_K - y_K "
                r"\right]", "correct"),
    (O_MINUS_Y, r"\begin{bmatrix} o_1 - y_1 & o_2 - y_2 & \cdots & o_K - y_K \end{bmatrix}",
     "correct"),
    (O_MINUS_Y, r"[o_1 - y_1, \ldots, o_{K} - y_{K}]", "correct"),
    (O_MINUS_Y, r"o_1 - y_1, o_2 - y_2, \dots", "correct"),
    # no last entry: the general term from the first (index 1 -> i)
    (MINUS_Y_OVER_O, r"[-y_1/o_1 \quad -y_2/o_2 \dots]", "correct"),
    (MINUS_Y_OVER_O, r"\left[-\frac{y_1}{o_1} \quad \dots \quad -\frac{y_K}{o_K}\right]",
     "correct"),
    # wrong patterns are read, and wrong
    (O_MINUS_Y, r"\left[o_1 + y_1 \quad o_2 + y_2 \dots o_K + y_K\right]", "incorrect"),
    (MINUS_Y_OVER_O, r"[y_1/o_1 \quad y_2/o_2 \dots]", "incorrect"),
    # a column for a row gold: read, and incorrect (transposed)
    (O_MINUS_Y, r"\begin{bmatrix} o_1 - y_1 \\ o_2 - y_2 \\ \vdots \\ o_k - y_k "
                r"\end{bmatrix}", "incorrect"),
    (O_MINUS_Y.T, r"\begin{bmatrix} o_1 - y_1 \\ o_2 - y_2 \\ \vdots \\ o_k - y_k "
                  r"\end{bmatrix}", "correct"),
    # a pattern vector inside a product
    (T.G["c.dE_dW2"], r"a^T \left[o_1 - y_1 \quad \dots \quad o_K - y_K\right]", "correct"),
    # not recoverable: unparsable
    (O_MINUS_Y, r"\left[o_1 - y_1 \quad o_2 + y_2 \dots o_K - y_K\right]", "unparsable"),
    (O_MINUS_Y, r"\left[o_2 - y_2 \quad o_1 - y_1 \dots o_K - y_K\right]", "unparsable"),
    (O_MINUS_Y, r"\left[\dots \quad o_K - y_K\right]", "unparsable"),
    (O_MINUS_Y, r"\left[o_1 - y_1 \dots o_K - y_K \dots\right]", "unparsable"),
    (O_MINUS_Y, r"\left[1 \quad 2 \dots\right]", "unparsable"),
    (O_MINUS_Y, r"o_1 - y_1 + \dots + o_K - y_K", "unparsable"),
])
def test_pattern_vectors(gold, answer, expected):
    assert T.verdict(gold, "matrix-expression", answer, T.SOFTMAX).verdict == expected


def test_column_for_a_row_says_transposed():
    j = T.verdict(O_MINUS_Y, "matrix-expression",
                  r"\begin{bmatrix} o_1 - y_1 \\ o_2 - y_2 \\ \vdots \\ o_k - y_k "
                  r"\end{bmatrix}", T.SOFTMAX)
    assert j.feedback == "1×K expected, your expression is K×1: transposed?"


def test_inconsistent_entries_keep_the_ellipsis_message():
    j = T.verdict(O_MINUS_Y, "matrix-expression",
                  r"\left[o_1 - y_1 \quad o_2 + y_2 \dots o_K - y_K\right]", T.SOFTMAX)
    assert j.feedback == r"'\dots' (an ellipsis) cannot be marked: write the full expression"


def test_a_diagonal_written_with_ddots_is_diag_of_its_pattern():
    # the 001 sheet's layout (the last entry a column off): diag(a_1(1-a_1), …, a_M(1-a_M))
    text = (r"\begin{bmatrix} a_1(1-a_1) & 0 & \dots & 0 \\ 0 & a_2(1-a_2) & \dots & "
            r"\vdots \\ \vdots & & \ddots & a_M(1-a_M) \end{bmatrix}")
    value = parse_answer(text, "matrix-expression", T.SOFTMAX)
    assert isinstance(value, DiagMatrix)
    (vector,) = value.args
    assert vector.shape == T.a_.shape


@pytest.mark.parametrize("text", [
    r"\begin{bmatrix} a_1 & \dots \\ \vdots & \ddots \end{bmatrix}",
])
def test_two_dimensional_ellipses_are_not_read(text):
    with pytest.raises(ParseError, match="an ellipsis"):
        parse_answer(text, "matrix-expression", T.SOFTMAX)


def test_pattern_value_is_the_vector():
    # the component o_i of the 1×K row o lifts to o itself; 1 - a_i to the ones row - a
    assert parse_answer(r"[o_1 - y_1 \quad \dots \quad o_K - y_K]", "matrix-expression",
                        T.SOFTMAX) == T.o_ - T.y_
    v = parse_answer(r"[1 - a_1 \quad 1 - a_2 \quad \dots]", "matrix-expression", T.SOFTMAX)
    assert set(v.args) == set((sp.OneMatrix(1, T.M) - T.a_).args)  # MatAdd order may differ


def test_marker_diagnoses_a_column_for_a_row_as_transpose(tmp_path):
    from derive.check.mark.marking import Marker

    sheet = tmp_path / "column.yaml"
    sheet.write_text("student: column\nanswers:\n  softmax-backprop:\n    a.dE_df2: "
                     "'\\begin{bmatrix} o_1 - y_1 \\\\ o_2 - y_2 \\\\ \\vdots \\\\ o_K - y_K "
                     "\\end{bmatrix}'\n", encoding="utf-8")
    marked = Marker().mark_file(str(sheet))
    assert marked.error is None
    (r,) = [r for r in marked.results if r.answer == "a.dE_df2"]
    assert (r.verdict, r.diagnosis) == ("incorrect", "transpose")
