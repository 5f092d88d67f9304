"""Numbers as a sheet shows them: terminating rationals as short decimals
(``decimalize``, before SymPy's printers run) and a number as a student writes it in
LaTeX (``number_tex``); each kept once worked out, since a sheet shows the same values
again and again."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.parameters import global_parameters

from derive.core.values import decimal_string, format_number
from derive.render.latex_memo import BoundedMemo, keep, memo_key, recall


def decimalize(expr: Any, max_digits: int = 8) -> Any:
    """Terminating rationals as short Floats, so that 851/500 prints as 1.702 (display only).

    What ``expr.xreplace`` with each such rational's Float gives, built once per subtree:
    a sheet decimalizes a step's result again inside the next step, and a matrix's
    entries again in the matrices made from them."""
    if not isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, sp.MatrixBase):  # a matrix's xreplace maps its entries
        if not any([_decimal_tree(e, max_digits)[1] for e in expr]):
            return expr
        return expr.applyfunc(lambda e: _decimal_tree(e, max_digits)[0])  # kept: looked up
    return _decimal_tree(expr, max_digits)[0]


#: decimalized subtrees: (tree, max_digits, evaluate) -> (decimalized, changed); a sheet of
#: the 40 problems keeps ~2,200. SymPy's ``==`` is structural and type-exact (see
#: latex_memo), so equal trees decimalize alike.
_DECIMAL = BoundedMemo(65536)


def _decimal_tree(e: Any, max_digits: int) -> tuple[Any, bool]:
    """``Basic._xreplace`` of ``e`` with its terminating rationals' Floats as the rule:
    (the tree, whether anything was replaced); a changed node is rebuilt by its func."""
    if e.is_Integer or not (e.args or e.is_Rational):  # no fraction in it
        return e, False
    # a rebuilt node evaluates as SymPy's evaluate() context says (a notebook may print
    # inside ``with evaluate(False)``)
    key = (e, max_digits, global_parameters.evaluate)
    hit = _DECIMAL.find(key)
    if hit is not None:
        return hit
    if isinstance(e, sp.Rational):
        d = decimal_string(e, max_digits=max_digits)
        out = (e, False) if d is None else (sp.Float(d, 30), True)
    else:
        new, changed = [], False
        # a power's exponent stays exact: 3**(1/2) as 3**0.5 is a Float, shown as
        # 1.73205 where the sheet means √3, and √v̂ would print as v̂^{0.5}
        args = e.args[:1] if isinstance(e, sp.Pow) else e.args
        for a in args:
            if isinstance(a, sp.Basic):
                a, c = _decimal_tree(a, max_digits)
                changed |= c
            new.append(a)
        new.extend(e.args[len(args):])
        out = (e.func(*new), True) if changed else (e, False)
    _DECIMAL.keep(key, out)
    return out


def number_tex(v: Any, sig: int = 6) -> str:
    """A number as a student writes it: exact when short (4/3 as \\frac), else ``sig`` digits.

    >>> number_tex(sp.Rational(4, 3)), number_tex(sp.Rational(-1, 20)), number_tex(1.5e-7)
    ('\\\\frac{4}{3}', '-0.05', '1.5 \\\\times 10^{-7}')
    """
    key = memo_key(("number_tex", sig), v, "whole")  # a table's numbers come again and again
    hit = recall(key)
    if hit is None:
        hit = _number_tex(v, sig)
        keep(key, hit)
    return hit


def _number_tex(v: Any, sig: int) -> str:
    v = sp.sympify(v, strict=True)  # a number (never text)
    if isinstance(v, sp.Rational) and not v.is_Integer and decimal_string(v, sig + 2) is None:
        if abs(v.q) < 1000:
            sign = "-" if v < 0 else ""
            return r"%s\frac{%d}{%d}" % (sign, abs(v.p), v.q)
    # a short decimal below 10^{-4} in powers of ten, as a float that small is written: the
    # givens list showed ε = 0.00000001 where the statement and the steps say 10^{-8}
    small = isinstance(v, sp.Rational) and v != 0 and abs(v) < sp.Rational(1, 10**4)
    s = format_number(sp.Float(v, 30) if small else v, sig)
    if "e" in s:
        mant, exp = s.split("e")
        if mant in ("1", "-1"):  # 10^{-7}, -10^{-300}: no "1 \times"
            return r"%s10^{%d}" % (mant[:-1], int(exp))
        return r"%s \times 10^{%d}" % (mant, int(exp))
    return s
