"""Is one side equal to the one before it? Numbers, expressions, equations.

- **numbers** (both sides evaluate to numbers): a side that is one written number is
  held to the problem set's number rule (one unit of its last written place and 5%) of
  the value the side before gives; a side with numbers substituted may be off by what
  its rounded numbers carry (twice the sum of their relative half-units, at most 5%).
  A number is exact when it is whole, a given, or a value the student wrote earlier
  (their own rounded values are allowed). Every combination of right and own values
  of the names is tried: a chain built on the student's own earlier values is right.
- **expressions** (the problem's variables left): the judge's comparison at seeded
  random points, then its bounded symbolic confirmation (``derive.check.judge``).
- **equations** (a name that means nothing, e.g. the padding P): the solutions of a
  polynomial equation of degree at most 4 in that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.check.judge.numeric import compare_scalars
from derive.check.judge.symbolic import confirm_equal
from derive.check.read.values import same_value
from derive.check.working.scope import Scope, Side

#: the number rule's relative bound
RELATIVE = sp.Rational(5, 100)
#: exact comparisons (fractions, expressions without rounded numbers)
EXACT = sp.Float("1e-9")
MAX_DEGREE = 4
#: a number as written in a side (not in a subscript or an exponent, ``x_{12}``,
#: ``x^{2}``; in other braces it is: ``\frac{1}{0.68997}`` is ``1/0.68997``)
_NUMBER = re.compile(r"(?<![\w^_.])(?<![_^]\{)(\d+(?:\.\d+)?)(?![\w.])")


@dataclass(frozen=True)
class Comparison:
    ok: bool | None
    """None: cannot be decided"""
    detail: str = ""
    value: Any = None
    """what the side before gives (a number, for messages)"""


def _num(v: Any) -> sp.Float:
    return sp.N(v, 30)


def show(v: Any) -> str:
    """A number as a message writes it (4 significant figures); a matrix as its rows."""
    if isinstance(v, sp.MatrixBase) and all(_is_numeric(e) for e in v):
        rows = ["[" + ", ".join(show(e) for e in v.row(i)) + "]" for i in range(v.rows)]
        return rows[0] if v.rows == 1 else "[" + ", ".join(rows) + "]"
    try:
        f = float(_num(v))
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.4g}"


def _exact_values(scope: Scope) -> list[Any]:
    """Numbers a side may write that are exact: the givens (the student's own earlier
    values are allowed too, but they are rounded, and carry their half-unit)."""
    return [v for v in scope.givens.values() if isinstance(v, sp.Basic)]


def rounding_tolerance(side: Side, scope: Scope) -> Any:
    """How far a side with substituted rounded numbers may be from the exact value,
    relative: twice the sum of its rounded numbers' relative half-units (at most 5%)."""
    exact = _exact_values(scope)
    total = sp.Integer(0)
    for wn in side.literals:
        if wn.unit is None or wn.value == 0 or "." not in wn.text:
            continue
        if any(abs(wn.value - abs(v)) == 0 for v in exact if v.is_number):
            continue
        total += (wn.unit / 2) / abs(wn.value)
    return min(RELATIVE, 2 * total)


def numbers_close(old: Any, new: Side, new_value: Any, scope: Scope) -> bool:
    diff = abs(_num(new_value - old))
    size = abs(_num(old))
    if new.plain is not None:
        wn = new.plain
        if wn.unit is None:
            return bool(diff <= EXACT * max(size, 1))
        if "." not in wn.text and wn.unit == 1 and size > 0 and diff <= EXACT * size:
            return True
        return bool(diff <= wn.unit and diff <= RELATIVE * size + EXACT)
    if diff <= EXACT * max(size, 1):
        return True
    # what the side's rounded numbers carry: each moved by its half-unit (at most 5%)
    return bool(diff <= min(RELATIVE * size, 2 * propagated(new, scope)) + EXACT * size)


def propagated(side: Side, scope: Scope) -> Any:
    """How much the side's value moves when each rounded number moves by its half-unit
    (summed over the numbers): the error its rounding carries."""
    from derive.check.working.scope import SideError, read_side

    exact = _exact_values(scope)
    total = sp.Integer(0)
    base = side.right
    for m in _NUMBER.finditer(side.text):
        written = m.group(1)
        if "." not in written:
            continue
        value = sp.Rational(written)
        if any(value == abs(v) for v in exact if v.is_number):
            continue
        decimals = len(written.split(".")[1])
        moved = value + sp.Rational(1, 2 * 10 ** decimals)
        text = side.text[:m.start(1)] + str(sp.Float(moved, 30)).rstrip("0") + \
            side.text[m.end(1):]
        try:
            other = read_side(scope, text)
        except SideError:
            return sp.Integer(0)
        if not isinstance(other.right, sp.Basic) or not other.right.is_number:
            return sp.Integer(0)
        total += abs(_num(other.right - base))
    return total


def _matrices_close(old: Any, new: Side, new_value: Any, scope: Scope) -> bool:
    if not isinstance(old, sp.MatrixBase) or not isinstance(new_value, sp.MatrixBase):
        return False
    if old.shape != new_value.shape and old.shape == new_value.shape[::-1] \
            and 1 in old.shape:
        new_value = new_value.T  # a vector written as a column for a row: the same vector
    if old.shape != new_value.shape:
        return False
    tol = rounding_tolerance(new, scope)
    for a, b in zip(old, new_value, strict=True):
        diff = abs(_num(b - a))
        if diff > max(tol * abs(_num(a)), sp.Float("0.5e-2") if new.literals else EXACT) \
                and diff > EXACT:
            return False
    return True


def candidates(side: Side) -> list[Any]:
    out = [side.right]
    if not same_value(side.own, side.right):
        out.append(side.own)
    return out


def compare(olds: list[Any], new: Side, scope: Scope) -> Comparison:
    """Is ``new`` equal to one of the values the side before may have (``olds``)?"""
    news = candidates(new)
    numeric = [o for o in olds if _is_numeric(o)]
    if numeric and all(_is_numeric(n) for n in news):
        for o in numeric:
            for n in news:
                if isinstance(o, sp.MatrixBase) or isinstance(n, sp.MatrixBase):
                    if _matrices_close(o, new, n, scope):
                        return Comparison(True, value=o)
                elif numbers_close(o, new, n, scope):
                    return Comparison(True, value=o)
        o = numeric[0]
        if isinstance(o, sp.MatrixBase) or isinstance(news[0], sp.MatrixBase):
            return Comparison(False, "the matrices differ", o)
        return Comparison(False, f"the line before gives {show(o)}, this gives "
                                 f"{show(news[0])}", o)
    symbolic = [o for o in olds if isinstance(o, sp.Basic) and not _is_numeric(o)]
    if not symbolic and numeric:
        # a number before, an expression in a variable now: not the same thing
        return Comparison(None, "an expression where a number was expected")
    for o in symbolic or olds:
        for n in news:
            result = equal_expressions(o, n)
            if result.ok:
                return result
            if result.ok is False and scope.one_hot and equal_one_hot(o, n, scope.one_hot):
                return Comparison(True)
    return equal_expressions((symbolic or olds)[0], news[0])


def equal_one_hot(a: Any, b: Any, families: frozenset[str]) -> bool:
    """Equal where the one-hot families hold a single 1 (Σ_k t_k = 1 may be used): at
    seeded random points, every position of the 1, sums at K = 3 and 5."""
    import numpy as np

    from derive.check.judge import numeric as en

    if not all(isinstance(e, sp.Basic) for e in (a, b)):
        return False
    used = {str(ix.base.label) for e in (a, b) for ix in e.atoms(sp.Indexed)}
    if not used & families:
        return False
    bounds = {s.name for e in (a, b) for sm in e.atoms(sp.Sum) for (_, _, hi) in sm.limits
              for s in hi.free_symbols}
    free = {s.name for e in (a, b) for ix in e.atoms(sp.Indexed) for i in ix.indices
            for s in i.free_symbols}
    free -= {v.name for e in (a, b) for sm in e.atoms(sp.Sum) for v, *_ in sm.limits}
    rng = np.random.default_rng(5)
    checked = 0
    for size in en.SUM_BOUNDS:
        for hot in range(1, size + 1):
            vals = _OneHot(rng, families, hot)
            ints = {n: size for n in bounds}
            ints.update({n: int(rng.integers(1, size + 1)) for n in free})
            x, y = en._evaluate(a, vals, ints), en._evaluate(b, vals, ints)
            if x is None or y is None:
                continue
            checked += 1
            if not en._close(x, y):
                return False
    return checked >= en.MIN_VALID


class _OneHot:
    """Random values by name, with the one-hot families 1 at one position, else 0."""

    def __init__(self, rng: Any, families: frozenset[str], hot: int) -> None:
        from derive.check.judge import numeric as en

        self.inner = en._Values(rng)
        self.families, self.hot = families, hot
        self.scalars = self.inner.scalars

    def scalar(self, name: str) -> float:
        return self.inner.scalar(name)

    def item(self, base: str, i: int) -> float:
        if base in self.families:
            return 1.0 if i == self.hot else 0.0
        return self.inner.item(base, i)


def _is_numeric(v: Any) -> bool:
    if isinstance(v, sp.MatrixBase):
        return all(_is_numeric(e) for e in v)
    return isinstance(v, sp.Basic) and not v.free_symbols and v.is_number is True


def equal_expressions(a: Any, b: Any) -> Comparison:
    """Equivalence of two expressions: random points, then a bounded confirmation."""
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase) or not (
            isinstance(a, sp.Basic) and isinstance(b, sp.Basic)):
        return Comparison(None, "matrix expressions are not compared step by step")
    if a.is_Matrix or b.is_Matrix:
        return Comparison(None, "matrix expressions are not compared step by step")
    outcome = compare_scalars(a, b)
    if outcome.equal is None and loose_indices(b) - loose_indices(a):
        names = ", ".join(sorted(loose_indices(b) - loose_indices(a)))
        return Comparison(False, f"the index {names} is used outside its sum")
    if outcome.equal is None:
        confirmed = confirm_equal(a, b)
        if confirmed is None:
            return Comparison(None, f"could not be decided ({outcome.detail})")
        return Comparison(confirmed, "" if confirmed else "not equal to the line before")
    return Comparison(outcome.equal, outcome.detail.replace("expected", "the line before "
                                                                      "gives")
                      .replace("yours gives", "this line gives"))


def loose_indices(e: Any) -> set[str]:
    """Index names a sum binds that also stand outside every sum (p_k beside \\sum_k)."""
    if not isinstance(e, sp.Basic) or not e.has(sp.Sum):
        return set()
    bound = {v.name for sm in e.atoms(sp.Sum) for v, *_ in sm.limits}
    stand_in = sp.Dummy("sum")
    outside = e.replace(lambda n: isinstance(n, sp.Sum), lambda n: stand_in)
    loose = {x.name for ix in outside.atoms(sp.Indexed) for i in ix.indices
             for x in i.free_symbols}
    return loose & bound


# ---------------------------------------------------------------- equations


def roots(expr: Any, unknown: str) -> list[Any] | None:
    """The real solutions of ``expr = 0`` in ``unknown`` (None: not a polynomial equation
    of small degree with numbers for coefficients)."""
    if not isinstance(expr, sp.Basic):
        return None
    u = next((s for s in expr.free_symbols if getattr(s, "name", None) == unknown), None)
    if u is None or len(expr.free_symbols) != 1:
        return None
    num, _ = sp.fraction(sp.together(expr))
    try:
        poly = sp.Poly(sp.expand(num), u)
    except sp.PolynomialError:
        return None
    if poly.degree() < 1 or poly.degree() > MAX_DEGREE:
        return None
    if not all(c.is_number for c in poly.all_coeffs()):
        return None
    coeffs = poly.all_coeffs()
    denominator = sp.fraction(sp.together(expr))[1]
    if all(isinstance(c, sp.Rational) for c in coeffs):
        found = list(sp.roots(poly, multiple=False))
        if len(found) < 1 and poly.degree() > 2:
            return None
        found = [r for r in found if r.is_real]
    else:  # exact but transcendental coefficients: numerically (no factoring of them)
        import numpy as np

        values = np.roots([complex(sp.N(c, 30)) for c in coeffs])
        found = [sp.Float(v.real, 15) for v in values if abs(v.imag) < 1e-9]
    # a root that makes a denominator zero is not a solution
    return [r for r in found if _num(denominator.xreplace({u: r})) != 0]


def same_roots(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    return all(any(abs(_num(x - y)) <= EXACT * max(1, abs(_num(x))) for y in b) for x in a)
