"""``sympy.count_ops`` of an expression, counted as an integer.

SymPy's ``count_ops`` builds a symbolic sum of operation names (``ADD + 2*MUL + …``)
and then adds up its coefficients. For the iterates of a descent (an exact number
nested a few levels deep in exponentials) that symbolic sum is most of the cost:
``tame`` asked it about every iterate and spent a tenth of a second of a cold
``derive solve gelu-descent`` there. This walks the same tree in the same order with
the same rules and adds integers, so that the count, and therefore every decision made
on it, is SymPy's (``tests/test_op_count.py`` compares the two on every value a
solve of the problem set meets, and on random expressions). What a subexpression adds
does not depend on where it sits, so the full count of each one walked is remembered
and an expression met again (an iterate inside the next) is not walked again.
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


#: the full count of every composite subexpression counted so far, in this process:
#: a descent's iterate holds the previous one several times (x_t in f'(x_t), then x_{t+1}
#: = x_t − η f'(x_t) in f), so that walking each anew repeated most of the work, and each
#: product's ``fraction`` rebuilds it. Structurally equal expressions (``==``, which tells
#: 2.0 from 2) have equal counts.
_COUNTS: dict[Any, int] = {}
_COUNTS_KEEP = 1 << 14


def count_ops(expr: Any, limit: int | None = None) -> int:
    """``sympy.count_ops(expr)`` (``visual=False``) for an expression.

    With ``limit``, the walk stops as soon as the count passes it (the count only grows):
    the result is then some number above ``limit``, which is all a bound asks, and a
    huge expression is not walked to its end."""
    if not isinstance(expr, sp.Expr) or expr.is_Relational:
        return int(sp.count_ops(expr))
    counts = _COUNTS
    if len(counts) >= _COUNTS_KEEP:
        counts.clear()
    n = 0
    # SymPy's walk, with (expression, count before it) pushed under what the expression
    # adds to the walk: when that pair comes back, the expression is done
    args: list[Any] = [expr]
    while args:
        if limit is not None and n > limit:
            return n
        a = args.pop()
        if type(a) is tuple:
            counts[a[0]] = n - a[1]
            continue
        known = counts.get(a)
        if known is not None:
            n += known
            continue
        ops, more = _step(a)
        if more:
            args.append((a, n))
            args.extend(more)
        n += ops
    return n


def _product(a: Any) -> tuple[int, list[Any]] | None:
    """What a product (not negative) adds, for the products whose ``fraction`` is known
    without building it (building it is most of counting them); None for the others.

    The product's factors must not multiply out: no power, exponential or number among
    them (but a leading whole or fractional coefficient), no product, no I, none twice.
    Then ``fraction`` gives (the product, 1), or for a coefficient p/q (p·rest, q)."""
    if not a.is_Mul:  # a matrix product, or what negating a product left (-x: x)
        return None
    args = a.args
    coeff = args[0] if args[0].is_Number else None
    rest = args[1:] if coeff is not None else args
    for t in rest:
        if t.is_Number or t.is_Pow or t.is_Mul or isinstance(t, sp.exp) \
                or t is sp.S.ImaginaryUnit:
            return None
    if coeff is None or (coeff.is_Integer and not coeff.is_zero):
        return len(args) - 1, list(args)  # MUL between the factors, as SymPy counts
    if not coeff.is_Rational or coeff.is_Integer or len(set(rest)) != len(rest) or (
            coeff.p != 1 and len(rest) == 1 and rest[0].is_Add):  # p·(x + y) multiplies out
        return None
    # DIV, then p·rest (MUL between its factors; p itself adds nothing) with q left out
    return 1 + len(rest) - (coeff.p == 1), list(rest)


def _step(a: Any) -> tuple[int, list[Any]]:
    """What one expression of SymPy's walk adds to the count, and what it walks next."""
    n = 0
    if a.is_Rational:
        if a is not sp.S.One:
            return (a.p < 0) + (a.q != 1), []  # -1/3 = NEG + DIV
    elif a.is_Mul or a.is_MatMul:
        if _isneg(a):
            n += 1  # NEG
            if a.args[0] is sp.S.NegativeOne:
                a = a.as_two_terms()[1]
            else:
                a = -a
        known = _product(a)
        if known is not None:
            return n + known[0], known[1]
        num, den = fraction(a)
        if num.is_Integer:
            n += 1  # DIV
            if num < 0:
                n += 1  # NEG
            return n, [den]
        elif den is not sp.S.One:
            more = [] if den.is_Integer else [den]
            more.append(num)
            return n + 1, more  # DIV
    elif a.is_Add or a.is_MatAdd:
        aargs = list(a.args)
        more = []
        negs = 0
        for i, ai in enumerate(aargs):
            if _isneg(ai):
                negs += 1
                more.append(-ai)
            else:
                more.append(ai)
            if i > 0:
                n += 1  # SUB or ADD
        if negs == len(aargs):
            n += 1  # -x - y = NEG + SUB
        # (-x + y: SymPy records SUB - ADD over the ADD already counted: no change)
        return n, more
    if a.is_Pow and a.exp is sp.S.NegativeOne:
        return n + 1, [a.base]  # DIV
    if a == sp.S.Exp1:
        return n + 1, []  # EXP
    if a.is_Pow and a.base == sp.S.Exp1:
        return n + 1, [a.exp]  # EXP
    if a.is_Mul or isinstance(a, LatticeOp):
        n += len(a.args) - 1
    elif a.args and (a.is_Pow or a.is_Function
                     or isinstance(a, (sp.Derivative, sp.Integral, sp.Sum))):
        n += 1
    return n, ([] if a.is_Symbol else list(a.args))
