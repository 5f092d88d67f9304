"""``sympy.count_ops`` of an expression, counted as an integer.

SymPy's ``count_ops`` builds a symbolic sum of operation names (``ADD + 2*MUL + …``)
and then adds up its coefficients. For the iterates of a descent (an exact number
nested a few levels deep in exponentials) that symbolic sum is most of the cost:
``tame`` asked it about every iterate and spent a tenth of a second of a cold
``derive solve gelu-descent`` there. This walks the same tree in the same order with
the same rules and adds integers, so that the count, and therefore every decision made
on it, is SymPy's (``tests/test_op_count.py`` compares the two on every value a
solve of the problem set meets, and on random expressions).
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.operations import LatticeOp
from sympy.simplify.radsimp import fraction


def _isneg(a: Any) -> bool:
    # sympy.core.function._coeff_isneg, which is private
    if a.is_MatMul:
        a = a.args[0]
    if a.is_Mul:
        a = a.args[0]
    if not a.is_Number:
        return False
    if a.is_Rational:  # its sign without the assumptions system (most of this walk's time)
        return a.p < 0
    return bool(a.is_extended_negative)


def count_ops(expr: Any, limit: int | None = None) -> int:
    """``sympy.count_ops(expr)`` (``visual=False``) for an expression.

    With ``limit``, the walk stops as soon as the count passes it (the count only grows):
    the result is then some number above ``limit``, which is all a bound asks, and a
    huge expression is not walked to its end."""
    if not isinstance(expr, sp.Expr) or expr.is_Relational:
        return int(sp.count_ops(expr))
    n = 0
    args = [expr]
    while args:
        if limit is not None and n > limit:
            return n
        a = args.pop()
        if a.is_Rational:
            if a is not sp.S.One:
                n += (a.p < 0) + (a.q != 1)  # -1/3 = NEG + DIV
                continue
        elif a.is_Mul or a.is_MatMul:
            if _isneg(a):
                n += 1  # NEG
                if a.args[0] is sp.S.NegativeOne:
                    a = a.as_two_terms()[1]
                else:
                    a = -a
            num, den = fraction(a)
            if num.is_Integer:
                n += 1  # DIV
                if num < 0:
                    n += 1  # NEG
                args.append(den)
                continue
            elif den is not sp.S.One:
                if not den.is_Integer:
                    args.append(den)
                n += 1  # DIV
                args.append(num)
                continue
        elif a.is_Add or a.is_MatAdd:
            aargs = list(a.args)
            negs = 0
            for i, ai in enumerate(aargs):
                if _isneg(ai):
                    negs += 1
                    args.append(-ai)
                else:
                    args.append(ai)
                if i > 0:
                    n += 1  # SUB or ADD
            if negs == len(aargs):
                n += 1  # -x - y = NEG + SUB
            # (-x + y: SymPy records SUB - ADD over the ADD already counted: no change)
            continue
        if a.is_Pow and a.exp is sp.S.NegativeOne:
            n += 1  # DIV
            args.append(a.base)
            continue
        if a == sp.S.Exp1:
            n += 1  # EXP
            continue
        if a.is_Pow and a.base == sp.S.Exp1:
            n += 1  # EXP
            args.append(a.exp)
            continue
        if a.is_Mul or isinstance(a, LatticeOp):
            n += len(a.args) - 1
        elif a.args and (a.is_Pow or a.is_Function
                         or isinstance(a, (sp.Derivative, sp.Integral, sp.Sum))):
            n += 1
        if not a.is_Symbol:
            args.extend(a.args)
    return n
