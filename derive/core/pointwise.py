"""An expression's float64 value at a point, sums and products included, without SymPy.

Checks and marking evaluate expressions at random points. Substituting floats into a
SymPy tree and calling ``doit``/``evalf`` rebuilds the tree at every point (and
``Sum.doit`` expands it symbolically first): 0.3–1.4 s per judgement of an answer with
``\\sum_{k \\ne i}``. This walks the tree once per point with numpy arithmetic, a sum as
a loop over its (small, concrete) index range. Anything it does not know raises
:class:`Unsupported`, and the caller keeps its SymPy route for that expression.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

#: the largest index range a sum or product may run over here
MAX_TERMS = 10_000


class Unsupported(Exception):
    """The expression holds something this evaluator does not know."""


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


#: one-argument functions by SymPy class name (derive's sigmoid and relu included)
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp, "log": np.log, "sigmoid": _sigmoid, "tanh": np.tanh, "sinh": np.sinh,
    "cosh": np.cosh, "sech": lambda z: 1.0 / np.cosh(z), "Abs": np.abs, "sign": np.sign,
    "relu": lambda z: np.maximum(z, 0.0), "sin": np.sin, "cos": np.cos,
}


def evaluate(expr: Any, scalar: Callable[[str], float],
             item: Callable[[str, int], float] | None = None,
             ints: dict[str, int] | None = None) -> float:
    """The value of ``expr`` with symbols read by name.

    Args:
        scalar: name -> value of a free symbol (called once per name and point).
        item: (base name, integer index) -> value of an indexed entry ``p[k]``.
        ints: name -> integer for sizes and free indices (``K``, ``i``).
    """
    bound: dict[str, int] = dict(ints or {})
    with np.errstate(all="ignore"):
        return float(_ev(expr, scalar, item, bound))


def _index(e: Any, scalar: Callable[[str], float], item: Any, bound: dict[str, int]) -> int:
    v = _ev(e, scalar, item, bound)
    if not float(v).is_integer():
        raise Unsupported(f"index {e} is not a whole number")
    return int(v)


def _ev(e: Any, scalar: Callable[[str], float], item: Any,  # noqa: PLR0911, PLR0912
        bound: dict[str, int]) -> Any:
    if e.is_Integer:
        return int(e)
    if e.is_Rational:
        return int(e.p) / int(e.q)
    if e.is_Float:
        return float(e)
    if e.is_Symbol:
        return bound[e.name] if e.name in bound else scalar(e.name)
    if e.is_Add:
        return sum(_ev(a, scalar, item, bound) for a in e.args)
    if e.is_Mul:
        out: Any = 1.0
        for a in e.args:
            out = out * _ev(a, scalar, item, bound)
        return out
    if e.is_Pow:
        b, x = _ev(e.base, scalar, item, bound), _ev(e.exp, scalar, item, bound)
        if isinstance(b, int) and isinstance(x, int) and x >= 0:
            return b ** x
        if float(b) == 0 and float(x) < 0:
            return math.nan
        return np.power(float(b), float(x))  # a negative base, fractional power: nan
    if isinstance(e, sp.Indexed):
        if item is None or len(e.indices) != 1:
            raise Unsupported("indexed entry")
        return item(str(e.base.label), _index(e.indices[0], scalar, item, bound))
    if isinstance(e, (sp.Sum, sp.Product)):
        return _reduce(e, scalar, item, bound)
    if isinstance(e, sp.KroneckerDelta):
        i, j = (_index(a, scalar, item, bound) for a in e.args)
        return 1 if i == j else 0
    if isinstance(e, (sp.Max, sp.Min)):
        vals = [_ev(a, scalar, item, bound) for a in e.args]
        return max(vals) if isinstance(e, sp.Max) else min(vals)
    if isinstance(e, sp.Piecewise):
        for value, cond in e.args:
            if cond is sp.true or bool(_truth(cond, scalar, item, bound)):
                return _ev(value, scalar, item, bound)
        return math.nan
    f = _FUNCTIONS.get(type(e).__name__)
    if f is not None and len(e.args) == 1:
        return f(_ev(e.args[0], scalar, item, bound))
    if e is sp.pi:
        return math.pi
    if e is sp.E:
        return math.e
    raise Unsupported(type(e).__name__)


def _truth(cond: Any, scalar: Any, item: Any, bound: dict[str, int]) -> bool:
    ops = {sp.StrictLessThan: lambda a, b: a < b, sp.LessThan: lambda a, b: a <= b,
           sp.StrictGreaterThan: lambda a, b: a > b, sp.GreaterThan: lambda a, b: a >= b,
           sp.Eq: lambda a, b: a == b, sp.Ne: lambda a, b: a != b}
    if isinstance(cond, (sp.And, sp.Or)):  # cases written 0 <= x <= 1, x < -1 or x > 1
        parts = (_truth(a, scalar, item, bound) for a in cond.args)
        return all(parts) if isinstance(cond, sp.And) else any(parts)
    if isinstance(cond, sp.Not):
        return not _truth(cond.args[0], scalar, item, bound)
    if cond in (sp.true, sp.false):
        return bool(cond)
    op = ops.get(type(cond))
    if op is None:
        raise Unsupported(f"condition {type(cond).__name__}")
    return bool(op(_ev(cond.lhs, scalar, item, bound), _ev(cond.rhs, scalar, item, bound)))


def _reduce(e: Any, scalar: Callable[[str], float], item: Any, bound: dict[str, int]) -> Any:
    """A sum (or product) over concrete limits: the body at each index in turn."""
    if any(len(lim) != 3 for lim in e.limits):
        raise Unsupported("a sum without concrete limits")
    return _loop(e.function, list(e.limits), isinstance(e, sp.Sum), scalar, item, bound)


def _loop(body: Any, limits: list[Any], adding: bool, scalar: Callable[[str], float],
          item: Any, bound: dict[str, int]) -> Any:
    """Σ (or Π) over the outermost limit (SymPy lists it last) of the inner ones."""
    if not limits:
        return _ev(body, scalar, item, bound)
    k, lo, hi = limits[-1]
    a, b = _index(lo, scalar, item, bound), _index(hi, scalar, item, bound)
    if b - a + 1 > MAX_TERMS:
        raise Unsupported(f"a sum of {b - a + 1} terms")
    saved = bound.get(k.name)
    out: Any = 0.0 if adding else 1.0
    try:
        for n in range(a, b + 1):
            bound[k.name] = n
            v = _loop(body, limits[:-1], adding, scalar, item, bound)
            out = out + v if adding else out * v
    finally:
        if saved is None:
            bound.pop(k.name, None)
        else:
            bound[k.name] = saved
    return out
