"""The set of x where a condition of cases holds, by a sign chart (bounded, exact).

SymPy's ``as_set`` solves inequalities through ``simplify`` and periodicity checks
(seconds for one smooth-L1 condition); the conditions met in cases are far simpler:
comparisons of polynomials of degree ≤ 2 in one variable, possibly with |linear| terms,
joined by and/or/not and if-then-else (SymPy's ``ITE``, cases inside a condition). For
those the set is found by cutting the line at the roots of every |·| argument and of the
polynomial between them, and testing one point of each gap and each cut. Anything else
is "not cheap" and the caller keeps the cases as written.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from derive.core.op_count import count_ops

#: largest side of a comparison (SymPy operations) that is charted
MAX_SIDE_OPS = 20


def cheap_condition(cond: Any, x: sp.Symbol) -> bool:
    """A condition ``condition_set`` decides: comparisons of polynomials of degree ≤ 2 in x
    (|linear| terms allowed), joined by and/or/not/ITE."""
    if cond in (sp.true, sp.false):
        return True
    if isinstance(cond, (sp.And, sp.Or, sp.Not, sp.ITE)):
        return all(cheap_condition(a, x) for a in cond.args)
    if not isinstance(cond, sp.core.relational.Relational) or isinstance(
            cond, (sp.Eq, sp.Ne)):
        return False
    side = cond.lhs - cond.rhs
    if side.free_symbols - {x} or count_ops(side, MAX_SIDE_OPS) > MAX_SIDE_OPS:
        return False
    inner = [a.args[0] for a in side.atoms(sp.Abs)]
    if not all(g.is_polynomial(x) and sp.Poly(g, x).degree() == 1 for g in inner):
        return False
    plain = side.xreplace({a: sp.Dummy() for a in side.atoms(sp.Abs)})
    return bool(plain.is_polynomial(x)) and sp.Poly(plain, x).degree() <= 2


@lru_cache(maxsize=512)  # a fold meets the same condition on every branch
def condition_set(cond: Any, x: sp.Symbol) -> Any:
    """The subset of ℝ where ``cond`` holds (call only when ``cheap_condition`` is true)."""
    if cond is sp.true:
        return sp.S.Reals
    if cond is sp.false:
        return sp.S.EmptySet
    if isinstance(cond, sp.And):
        return sp.Intersection(*[condition_set(a, x) for a in cond.args])
    if isinstance(cond, sp.Or):
        return sp.Union(*[condition_set(a, x) for a in cond.args])
    if isinstance(cond, sp.Not):
        return sp.Complement(sp.S.Reals, condition_set(cond.args[0], x))
    if isinstance(cond, sp.ITE):  # if a then b else c: cases inside a condition
        a, b, c = (condition_set(arg, x) for arg in cond.args)
        return sp.Union(sp.Intersection(a, b), sp.Intersection(sp.Complement(sp.S.Reals, a), c))
    side = cond.lhs - cond.rhs
    cuts = sorted(_roots(side, x), key=float)
    out = []
    for lo, hi in zip([-sp.oo, *cuts], [*cuts, sp.oo], strict=True):
        if _holds(cond, side, x, _between(lo, hi)):
            out.append(sp.Interval.open(lo, hi))
    out += [sp.FiniteSet(c) for c in cuts if _holds(cond, side, x, c)]
    return sp.Union(*out)


def _roots(side: Any, x: sp.Symbol) -> set[Any]:
    """Where the side may change sign: the roots of each |·| argument, and the real roots
    of the polynomial it is between them."""
    absolutes = sorted(side.atoms(sp.Abs), key=str)
    kinks = set()
    for a in absolutes:
        c1, c0 = sp.Poly(a.args[0], x).all_coeffs()
        kinks.add(-c0 / c1)
    ordered = sorted(kinks, key=float)
    roots = set(kinks)
    for lo, hi in zip([-sp.oo, *ordered], [*ordered, sp.oo], strict=True):
        mid = _between(lo, hi)
        poly = side.xreplace({a: sp.sign(a.args[0].xreplace({x: mid})) * a.args[0]
                              for a in absolutes})
        for r in sp.Poly(poly, x).real_roots() if poly.has(x) else []:
            if (lo == -sp.oo or r > lo) and (hi == sp.oo or r < hi):
                roots.add(r)
    return roots


def _between(lo: Any, hi: Any) -> Any:
    """A point strictly between two cuts (either may be infinite)."""
    if lo == -sp.oo and hi == sp.oo:
        return sp.S.Zero
    if lo == -sp.oo:
        return hi - 1
    if hi == sp.oo:
        return lo + 1
    return (lo + hi) / 2


def _holds(cond: Any, side: Any, x: sp.Symbol, at: Any) -> bool:
    """Whether the comparison holds at a point (exact: roots may be surds)."""
    return bool(cond.func(side.xreplace({x: at}), 0))
