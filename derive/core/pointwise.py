"""An expression's float64 value at a point, sums and products included, without SymPy.

Checks and marking evaluate expressions at random points. Substituting floats into a
SymPy tree and calling ``doit``/``evalf`` rebuilds the tree at every point (and
``Sum.doit`` expands it symbolically first): 0.3–1.4 s per judgement of an answer with
``\\sum_{k \\ne i}``. This walks the tree once per point with numpy arithmetic, a sum as
a loop over its (small, concrete) index range. Anything it does not know raises
:class:`Unsupported`, and the caller keeps its SymPy route for that expression.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from derive.core.compiled import RELATIONS, UNARY, Unsupported

__all__ = ["MAX_TERMS", "Unsupported", "evaluate", "evaluate_points"]

#: the largest index range a sum or product may run over here
MAX_TERMS = 10_000


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


#: one-argument functions by SymPy class name (derive's sigmoid and relu included): the
#: numpy functions lambdify calls (core.compiled), sech as one over cosh
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    **UNARY, "sigmoid": _sigmoid, "relu": lambda z: np.maximum(z, 0.0),
    "sech": lambda z: 1.0 / np.cosh(z),
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


def evaluate_points(expr: Any, count: int, scalar: Callable[[str], np.ndarray],
                    item: Callable[[str, int], np.ndarray] | None = None,
                    ints: dict[str, int] | None = None) -> np.ndarray:
    """The values of ``expr`` at ``count`` points in one walk of the tree: ``scalar`` and
    ``item`` return one array of ``count`` values (a column of the points) where
    :func:`evaluate` takes one float. Sizes and indices stay integers, so sums still run
    over concrete ranges; a piecewise value picks its case point by point.

    A check that compares two expressions at a few points, or takes central differences
    of a loss, walks each tree once instead of once per point."""
    bound: dict[str, int] = dict(ints or {})
    with np.errstate(all="ignore"):
        out = np.asarray(_ev(expr, scalar, item, bound), dtype=float)
    return np.broadcast_to(out, (count,)).copy() if out.shape != (count,) else out


def _index(e: Any, scalar: Callable[[str], float], item: Any, bound: dict[str, int]) -> int:
    v = _ev(e, scalar, item, bound)
    # an array: an index that depends on the drawn values
    if isinstance(v, np.ndarray) or not float(v).is_integer():
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
        if isinstance(b, np.ndarray) or isinstance(x, np.ndarray):
            b, x = np.asarray(b, dtype=float), np.asarray(x, dtype=float)
            return np.where((b == 0) & (x < 0), math.nan, np.power(b, x))
        if float(b) == 0 and float(x) < 0:
            return math.nan
        return np.power(float(b), float(x))  # a negative base, fractional power: nan
    if isinstance(e, sp.Indexed):
        if item is None or len(e.indices) != 1:
            raise Unsupported("indexed entry")
        return item(_label(e), _index(e.indices[0], scalar, item, bound))
    if isinstance(e, (sp.Sum, sp.Product)):
        return _reduce(e, scalar, item, bound)
    if isinstance(e, sp.KroneckerDelta):
        i, j = (_index(a, scalar, item, bound) for a in e.args)
        return 1 if i == j else 0
    if isinstance(e, (sp.Max, sp.Min)):
        vals = [_ev(a, scalar, item, bound) for a in e.args]
        if all(isinstance(v, int) for v in vals):  # sizes and indices stay integers
            return max(vals) if isinstance(e, sp.Max) else min(vals)
        # NaN (an argument undefined there) makes the value NaN, as in numpy and in the
        # lambdified checks; Python's max would keep or drop it by the arguments' order
        pick = np.maximum if isinstance(e, sp.Max) else np.minimum
        return functools.reduce(pick, vals)
    if isinstance(e, sp.Piecewise):
        return _cases(e, scalar, item, bound)
    f = _FUNCTIONS.get(type(e).__name__)
    if f is not None and len(e.args) == 1:
        return f(_ev(e.args[0], scalar, item, bound))
    if e is sp.pi:
        return math.pi
    if e is sp.E:
        return math.e
    raise Unsupported(type(e).__name__)


def _label(e: Any) -> str:
    """The base name of ``p[k]``: ``str`` of a Symbol runs SymPy's printer (most of a
    gradient check's time went there), its ``name`` is the same text."""
    label = e.base.label
    return label.name if label.is_Symbol else str(label)


def _cases(e: Any, scalar: Any, item: Any, bound: dict[str, int]) -> Any:
    """A Piecewise: the first case whose condition holds; at many points (a condition
    that is an array), each point's own first case, NaN where none holds."""
    conds: list[Any] = []
    values: list[Any] = []
    for value, cond in e.args:
        truth = True if cond is sp.true else _truth(cond, scalar, item, bound)
        if not isinstance(truth, np.ndarray):
            if not truth:
                continue
            if not conds:  # holds at every point before any case varied
                return _ev(value, scalar, item, bound)
            truth = True
        conds.append(truth)
        values.append(_ev(value, scalar, item, bound))
        if truth is True:
            break
    if not conds:
        return math.nan
    size = max(np.size(c) for c in [*conds, *values])
    return np.select([np.broadcast_to(c, (size,)) for c in conds],
                     [np.broadcast_to(np.asarray(v, dtype=float), (size,)) for v in values],
                     default=math.nan)


def _truth(cond: Any, scalar: Any, item: Any, bound: dict[str, int]) -> Any:
    """Whether ``cond`` holds: a bool, or at many points an array of them."""
    if isinstance(cond, (sp.And, sp.Or)):  # cases written 0 <= x <= 1, x < -1 or x > 1
        parts = [_truth(a, scalar, item, bound) for a in cond.args]
        if any(isinstance(t, np.ndarray) for t in parts):
            join = np.logical_and if isinstance(cond, sp.And) else np.logical_or
            return functools.reduce(join, parts)
        return all(parts) if isinstance(cond, sp.And) else any(parts)
    if isinstance(cond, sp.Not):
        truth = _truth(cond.args[0], scalar, item, bound)
        return np.logical_not(truth) if isinstance(truth, np.ndarray) else not truth
    if cond in (sp.true, sp.false):
        return bool(cond)
    op = RELATIONS.get(type(cond))
    if op is None:
        raise Unsupported(f"condition {type(cond).__name__}")
    truth = op(_ev(cond.lhs, scalar, item, bound), _ev(cond.rhs, scalar, item, bound))
    return truth if isinstance(truth, np.ndarray) else bool(truth)


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
