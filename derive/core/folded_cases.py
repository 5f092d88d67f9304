"""A piecewise result written as one list of cases over intervals, where that is cheap.

Differentiating through cases leaves cases inside cases (a product of two Piecewise, a
sign of a Piecewise, a Piecewise in a condition). ``fold_cases`` writes such a function
of one variable as one Piecewise whose conditions are disjoint intervals, in order along
the line: each innermost Piecewise's pieces taken in turn on the set of x where each
holds (first piece wins, so the kink convention is kept exactly), values expanded, and
sign/|·| of a linear argument resolved on an interval it does not change sign on. Every
step is bounded (operation counts, pieces, conditions decided only when
``intervals.cheap_condition`` says so); past a bound the expression is left as it is. No
``simplify``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.intervals import cheap_condition, condition_set
from derive.core.op_count import count_ops

#: largest expression folded (SymPy operations)
MAX_OPS = 400
#: most pieces the fold may produce (the product of the pieces of every Piecewise in it)
MAX_PIECES = 64
#: largest piece value that is expanded
MAX_EXPAND_OPS = 60


def fold_cases(expr: Any) -> Any:
    """``expr`` as one Piecewise over disjoint intervals of its variable, or None when it
    has no cases, more than one variable, or is past the bounds.

    >>> x = sp.Symbol("x", real=True)
    >>> p = sp.Piecewise((2*x, x > 0), (x/5, True))
    >>> fold_cases((p - 2) * sp.Piecewise((2, x > 0), (sp.Rational(1, 5), True)))
    Piecewise((x/25 - 2/5, x <= 0), (4*x - 4, x > 0))
    """
    if not isinstance(expr, sp.Expr) or not expr.has(sp.Piecewise):
        return None
    free = expr.free_symbols
    if len(free) != 1 or count_ops(expr, MAX_OPS) > MAX_OPS:
        return None
    x = next(iter(free))
    count = 1
    for p in expr.atoms(sp.Piecewise):
        count *= len(p.args)
    if count > MAX_PIECES:
        return None
    pieces: list[tuple[Any, Any]] = []
    if not _split(expr, x, sp.S.Reals, pieces):
        return None
    pieces = _merged(sorted(pieces, key=lambda p: _left(p[1])))
    return sp.Piecewise(*[(v, s.as_relational(x)) for v, s in pieces])


def _split(expr: Any, x: sp.Symbol, region: Any, out: list[tuple[Any, Any]]) -> bool:
    """Append (value, set) for expr on region, choosing the pieces of an innermost
    Piecewise in turn (first piece that holds wins); False when a condition is not cheap
    or the pieces grow past the bound."""
    inner = next((p for p in sp.preorder_traversal(expr) if isinstance(p, sp.Piecewise)
                  and not any(a.has(sp.Piecewise) for a in p.args)), None)
    if inner is None:
        if count_ops(expr, MAX_EXPAND_OPS) <= MAX_EXPAND_OPS:
            expr = sp.expand(_resolve_signs(expr, x, region))
        out.append((expr, region))
        return True
    left = region
    for value, cond in inner.args:
        if not cheap_condition(cond, x):
            return False
        here = sp.Intersection(left, condition_set(cond, x))
        left = sp.Complement(left, here)
        if here is not sp.S.EmptySet:
            if len(out) >= MAX_PIECES or not _split(expr.xreplace({inner: value}), x, here,
                                                      out):
                return False
        if left is sp.S.EmptySet:
            break
    return True


def _resolve_signs(value: Any, x: sp.Symbol, where: Any) -> Any:
    """sign(g) and |g| of a linear g that keeps one sign on the interval ``where``."""
    if not isinstance(where, sp.Interval):
        return value
    reps = {}
    for a in value.atoms(sp.sign, sp.Abs):
        g = a.args[0]
        if not (g.is_polynomial(x) and sp.Poly(g, x).degree() == 1):
            continue
        c1, c0 = sp.Poly(g, x).all_coeffs()
        root = -c0 / c1
        if where.contains(root) is not sp.false:
            continue
        s = sp.sign(g.xreplace({x: _inside(where)}))
        reps[a] = s if isinstance(a, sp.sign) else s * g
    return value.xreplace(reps) if reps else value


def _inside(where: sp.Interval) -> Any:
    """A point of an interval (its midpoint, or one past its finite end)."""
    lo, hi = where.inf, where.sup
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2
    if lo.is_finite:
        return lo + 1
    if hi.is_finite:
        return hi - 1
    return sp.S.Zero


def _left(where: Any) -> Any:
    """Where a piece starts along the line (for ordering)."""
    return float(where.inf) if where.inf.is_finite else float("-inf")


def _merged(pieces: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Neighbouring pieces with the same value as one piece."""
    out: list[tuple[Any, Any]] = []
    for value, where in pieces:
        if out and out[-1][0] == value:
            out[-1] = (value, sp.Union(out[-1][1], where))
        else:
            out.append((value, where))
    return out
