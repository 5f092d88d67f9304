"""A SymPy expression as a numpy function of its arguments, without printing source.

``sympy.lambdify`` prints the tree as Python source and compiles it; the printing (terms
ordered by sort keys, precedences for parentheses) was most of what making a check's
functions cost (80 ms CPU of the 0.95 s that a sheet of the 16 reference problems took,
for 59 functions). Here the tree is walked once into nested closures that compute what
the printed code computes:

- the same Python operators on the same operands: integers stay Python ints, 1/3 is the
  float 1/3, a Float is the float of its printed digits, a product is its numerator
  divided by its denominator and a negative power is written as the printer writes it
  (``x**(-1.0)``, ``1/sqrt(x)``), so a Python float divided by zero still raises and a
  numpy one still gives inf;
- the same numpy functions: ``abs`` and ``sign`` are numpy's, Max is
  ``reduce(numpy.maximum, …)``, a Piecewise is ``numpy.select`` with NaN where no case
  holds, conditions are numpy's comparisons and logical functions, sech and Heaviside are
  rewritten (to exponentials, to a Piecewise) as the printer rewrites them, derive's own
  functions are their numeric twins, a function with ``_imp_`` is that implementation.

Three or more terms or factors are taken in the printer's order (SymPy's
``as_ordered_terms`` and ``as_ordered_factors``; two give the same result either way
round), so the floating-point operations are the printed code's, one by one, and so
are the values, to the last bit.
Anything else raises :class:`Unsupported`, and the caller uses ``sympy.lambdify``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from mpmath.libmp import prec_to_dps, to_str
from sympy.core.mul import _keep_coeff


class Unsupported(Exception):
    """The expression holds something this evaluator does not know."""


#: a compiled node: a function of the argument values, or a constant
Fn = Callable[[tuple[Any, ...]], Any]

#: one-argument functions as the numpy printer calls them (``Abs`` prints as ``abs``,
#: which lambdify's namespace resolves to numpy's)
UNARY: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "sign": np.sign, "Abs": np.abs,
}

#: conditions as the numpy printer writes them
RELATIONS: dict[type, Callable[[Any, Any], Any]] = {
    sp.StrictLessThan: np.less, sp.LessThan: np.less_equal,
    sp.StrictGreaterThan: np.greater, sp.GreaterThan: np.greater_equal,
    sp.Equality: np.equal, sp.Unequality: np.not_equal,
}

#: functions the printer rewrites before printing (as SymPy's CodePrinter does)
_REWRITTEN: dict[str, Any] = {"sech": sp.exp, "csch": sp.exp, "coth": sp.exp,
                              "Heaviside": sp.Piecewise}

_CONSTANTS: dict[Any, Any] = {sp.pi: np.pi, sp.E: np.e, sp.nan: np.nan, sp.oo: np.inf,
                              -sp.oo: -np.inf, sp.I: 1j, sp.true: True, sp.false: False}


class _Const:
    """A node without arguments, evaluated once when it was built."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


Node = Fn | _Const


def numpy_function(args: Sequence[Any], expr: Any,
                   names: Mapping[str, Callable[..., Any]]) -> Callable[..., Any]:
    """``expr`` as a function of the values of ``args`` (in their order).

    ``names`` maps function names to numeric definitions (lambdify's first module): a
    function whose class has that name is called through it.

    Raises:
        Unsupported: a node this does not know, a free symbol that is not an argument,
            an argument that is not a SymPy expression or is given twice.
    """
    where: dict[Any, int] = {}
    for i, a in enumerate(args):
        if not isinstance(a, sp.Basic) or a in where:
            raise Unsupported(f"argument {i + 1}")
        where[a] = i
    built = _Builder(where, names)
    node = built.matrix(expr) if isinstance(expr, sp.MatrixBase) else built.node(expr)
    count = len(where)
    fn = _run(node)

    def function(*values: Any) -> Any:
        if len(values) != count:
            raise TypeError(f"takes {count} arguments ({len(values)} given)")
        return fn(values)

    return function


def _run(node: Node) -> Fn:
    if isinstance(node, _Const):
        value = node.value
        return lambda v: value
    return node


def _apply(fn: Callable[..., Any], parts: list[Node]) -> Node:
    """``fn`` of the parts' values; a constant when every part is one and ``fn`` gives a
    value (not an array) without a floating-point warning, so the functions built
    compute it once instead of at every call, and warn or raise just as they did."""
    if all(isinstance(p, _Const) for p in parts):
        try:
            with np.errstate(all="raise"):
                value = fn(*[p.value for p in parts])  # type: ignore[union-attr]
        except (ArithmeticError, ValueError, TypeError):
            pass
        else:
            if not isinstance(value, np.ndarray):
                return _Const(value)
    if len(parts) == 1:
        f = _run(parts[0])
        return lambda v: fn(f(v))
    if len(parts) == 2:
        a, b = parts
        if isinstance(a, _Const):
            x, g = a.value, _run(b)
            return lambda v: fn(x, g(v))
        if isinstance(b, _Const):
            f, y = _run(a), b.value
            return lambda v: fn(f(v), y)
        f, g = a, b
        return lambda v: fn(f(v), g(v))
    fs = [_run(p) for p in parts]
    return lambda v: fn(*[f(v) for f in fs])


def _chain(fn: Callable[[Any, Any], Any], parts: list[Node]) -> Node:
    """fn(fn(p₀, p₁), p₂)…: how Python evaluates ``a + b + c`` left to right; a long one
    as one loop (a closure per step would nest as deep as the sum is long)."""
    if len(parts) > 4:
        first, rest = _run(parts[0]), [_run(p) for p in parts[1:]]

        def chained(v: tuple[Any, ...]) -> Any:
            out = first(v)
            for f in rest:
                out = fn(out, f(v))
            return out

        return chained
    out = parts[0]
    for p in parts[1:]:
        out = _apply(fn, [out, p])
    return out


#: condition values that ``select_scalars`` reads with ``if`` exactly as numpy.select does
_SCALAR_TRUTHS = (bool, np.bool_)
#: case values that numpy.select puts into a float64 array whatever the other values are
#: (a Python float, a float64, a Python int that fits an int64: with the NaN default the
#: result type is float64 and each converts exactly as ``numpy.copyto`` converts it)
_INT64 = (-(2**63), 2**63 - 1)


def _float64_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is float or kind is np.float64:
        return True
    return kind is int and _INT64[0] <= value <= _INT64[1]


def select_scalars(conds: Sequence[Any], values: Sequence[Any]) -> Any:
    """``numpy.select(conds, values, default=nan)`` for scalar conditions and values.

    Checks evaluate a case function at one point at a time, thousands of times, and
    numpy.select spends most of its time broadcasting and copying 0-d arrays. For
    scalars it is the first value whose condition holds (NaN if none), as a 0-d float64
    array as numpy.select gives it; anything else (arrays, complex, other dtypes) goes to
    numpy.select itself.
    """
    if all(type(c) in _SCALAR_TRUTHS for c in conds) and all(
            _float64_scalar(v) for v in values):
        for cond, value in zip(conds, values, strict=True):
            if cond:
                return np.array(value, np.float64)
        return np.array(np.nan, np.float64)
    return np.select(list(conds), list(values), default=np.nan)


def _select(count: int) -> Callable[..., Any]:
    """numpy.select of ``count`` conditions followed by ``count`` values, NaN elsewhere."""
    def select(*parts: Any) -> Any:
        return select_scalars(parts[:count], parts[count:])

    return select


def _array(shape: tuple[int, int]) -> Callable[..., Any]:
    rows, cols = shape

    def array(*cells: Any) -> Any:
        return np.array([list(cells[r * cols:(r + 1) * cols]) for r in range(rows)])

    return array


def _float(e: sp.Float) -> float:
    """A Float as the printer writes it (its decimal digits), read back by Python."""
    if e._prec < 5:
        raise Unsupported("a Float of too low precision")
    return float(to_str(e._mpf_, prec_to_dps(e._prec)))


def _split(factors: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """A product's factors: those the printer writes above the line, and the powers with
    a negative rational exponent it writes below it."""
    top: list[Any] = []
    bottom: list[Any] = []
    for f in factors:
        (bottom if f.is_Pow and f.exp.is_Rational and f.exp.is_negative else top).append(f)
    return top, bottom


class _Builder:
    def __init__(self, where: dict[Any, int], names: Mapping[str, Callable[..., Any]]):
        self.where, self.names = where, names
        self.seen: dict[Any, Node] = {}  # a subtree met again is the same closure

    def matrix(self, m: sp.MatrixBase) -> Node:
        return _apply(_array(m.shape), [self.node(c) for c in m])

    def node(self, e: Any) -> Node:
        if not isinstance(e, sp.Basic):
            raise Unsupported(type(e).__name__)
        out = self.seen.get(e)
        if out is None:
            out = self.seen[e] = self._build(e)
        return out

    def _build(self, e: sp.Basic) -> Node:  # noqa: PLR0911, PLR0912
        i = self.where.get(e)
        if i is not None:
            return operator.itemgetter(i)
        if e.is_Integer:
            return _Const(int(e))
        if e.is_Rational:
            return _Const(int(e.p) / int(e.q))
        if e.is_Float:
            return _Const(_float(e))
        if e.is_Add:
            return self._add(e)
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(e.base, e.exp)
        if e in _CONSTANTS:
            return _Const(_CONSTANTS[e])
        if isinstance(e, sp.Piecewise):
            conds = [self.node(c) for _, c in e.args]
            return _apply(_select(len(conds)), conds + [self.node(v) for v, _ in e.args])
        if isinstance(e, (sp.Max, sp.Min)):
            pick = np.maximum if isinstance(e, sp.Max) else np.minimum
            return _chain(pick, [self.node(a) for a in e.args])
        if isinstance(e, sp.Rel):
            op = RELATIONS.get(type(e))
            if op is None:
                raise Unsupported(type(e).__name__)
            return _apply(op, [self.node(e.lhs), self.node(e.rhs)])
        if isinstance(e, (sp.And, sp.Or)):
            join = np.logical_and if isinstance(e, sp.And) else np.logical_or
            return _apply(lambda *ts: join.reduce(ts), [self.node(a) for a in e.args])
        if isinstance(e, sp.Not):
            return _apply(np.logical_not, [self.node(e.args[0])])
        if isinstance(e, sp.ITE):  # what functions.lambdify hands SymPy instead
            return self.node(e.to_nnf(simplify=False))
        if isinstance(e, sp.Function):
            return self._function(e)
        raise Unsupported(type(e).__name__)

    def _add(self, e: sp.Add) -> Node:
        # in the printer's order (a negative term is subtracted: the same value); two
        # terms give the same sum either way round, and sorting is most of the cost here
        terms = e.args if len(e.args) < 3 else e.as_ordered_terms()
        return _chain(operator.add, [self.node(t) for t in terms])

    def _mul(self, e: sp.Mul) -> Node:
        """The printer's numerator / denominator, a leading minus sign taken off first:
        ``-2*x/(y*z)``. Negating is exact, so it is applied last."""
        c, rest = e.as_coeff_Mul()
        negative = bool(c.is_negative)
        shown = _keep_coeff(-c, rest) if negative else e
        top, bottom = _split(sp.Mul.make_args(shown))
        if len(top) > 2 or len(bottom) > 2:  # in the printer's order (as for a sum)
            top, bottom = _split(shown.as_ordered_factors())
        out = _chain(operator.mul, [self.node(f) for f in top] or [_Const(1)])
        if bottom:
            below = [self.node(f.base) if f.exp == -1 else self._pow(f.base, -f.exp)
                     for f in bottom]
            out = _apply(operator.truediv, [out, _chain(operator.mul, below)])
        return _apply(operator.neg, [out]) if negative else out

    def _pow(self, base: Any, exp: Any) -> Node:
        b = self.node(base)
        if exp.is_Integer and exp.is_negative:  # printed as a float power: x**(-2.0)
            return _apply(operator.pow, [b, _Const(float(exp))])
        if exp == sp.S.Half:
            return _apply(np.sqrt, [b])
        if -exp is sp.S.Half:
            return _apply(operator.truediv, [_Const(1), _apply(np.sqrt, [b])])
        return _apply(operator.pow, [b, self.node(exp)])

    def _function(self, e: sp.Function) -> Node:
        name = type(e).__name__
        imp = getattr(type(e), "_imp_", None)
        fn = imp if imp is not None else self.names.get(name)
        if fn is None and len(e.args) == 1:
            fn = UNARY.get(name)
        if fn is not None:
            return _apply(fn, [self.node(a) for a in e.args])
        if name in _REWRITTEN:
            return self.node(e.rewrite(_REWRITTEN[name]))
        raise Unsupported(name)
