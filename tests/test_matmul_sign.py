"""Printing reads a matrix product's sign from its leading number (render/matmul_sign):
the same text as SymPy's own answer, which negates the product, and nothing left changed."""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derive.render.matmul_sign import cheap_matmul_sign

W = sp.MatrixSymbol("W", 3, 2)
d = sp.MatrixSymbol("d", 3, 1)
a = sp.MatrixSymbol("a", 2, 1)
PRODUCTS = [W.T * d, -W.T * d, -2 * W.T * d, sp.Rational(-1, 2) * W.T * d,
            W.T * d - a, a - W.T * d, -(W.T * d) - a, sp.HadamardProduct(-W.T * d, a),
            (-W.T * d).T, 3 * W.T * d + (-1) * a]


def test_same_text_as_sympys_own_sign():
    plain = [(StrPrinter().doprint(e), LatexPrinter().doprint(e)) for e in PRODUCTS]
    with cheap_matmul_sign():
        cheap = [(StrPrinter().doprint(e), LatexPrinter().doprint(e)) for e in PRODUCTS]
    assert cheap == plain


def test_the_sign_is_the_leading_numbers_and_sympy_is_restored():
    original = sp.MatMul.could_extract_minus_sign
    with cheap_matmul_sign():
        with cheap_matmul_sign():  # nested: restored in turn
            assert (-W.T * d).could_extract_minus_sign()
            assert not (W.T * d).could_extract_minus_sign()
        assert sp.MatMul.could_extract_minus_sign is not original
    assert sp.MatMul.could_extract_minus_sign is original
