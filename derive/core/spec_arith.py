"""The arithmetic the spec grammar (``spec_grammar``) does while it reads, with its bounds.

Sizes are bounded before SymPy sees them: number literals, integer exponents, factorials
and the digits a numeric power would produce, so that ``10**10**10`` or ``(10**6)!`` is a
one-line error, never minutes of work; matrices are built and combined only where their
shapes fit, and a function of the table takes a matrix only when it is about a matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

#: longest expression text read (characters)
MAX_LENGTH = 4000
#: deepest nesting of parentheses, calls and unary signs
MAX_DEPTH = 60
#: longest number literal (characters)
MAX_LITERAL = 40
#: largest |exponent| of a power (and of a literal's e-notation)
MAX_EXPONENT = 100
#: largest n of n!
MAX_FACTORIAL = 100
#: most terms of a Sum whose limits are numbers
MAX_TERMS = 1000
#: most decimal digits a number computed while reading may have
MAX_DIGITS = 1000


class SpecExprError(Exception):
    """An expression that cannot be read; the message says what and where."""

    def __init__(self, message: str, unknown_name: str | None = None) -> None:
        super().__init__(message)
        self.unknown_name = unknown_name


def _digits(x: Any) -> float:
    """log10 of |x| for a rational (0 for zero), without building a float of it."""
    if not isinstance(x, sp.Rational) or x == 0:
        return 0.0
    return max(len(str(abs(x.p))), len(str(x.q)))


def sum_limits(limits: list[Any]) -> None:
    """A sum's limits are (index, low, high) tuples over at most MAX_TERMS numeric terms."""
    for lim in limits:
        if not (isinstance(lim, tuple) and len(lim) == 3):
            raise SpecExprError("Sum(…): limits are written (k, 1, K)")
        span = lim[2] - lim[1]
        if isinstance(span, sp.Basic) and span.is_number and not (
                span.is_finite and span < MAX_TERMS):
            raise SpecExprError(f"Sum(…): at most {MAX_TERMS} terms with numeric limits")


def matrix_literal(items: list[Any], column: int) -> sp.ImmutableMatrix:
    """``[1, 2]`` is a row vector, ``[[1, 2], [3, 4]]`` a matrix (as YAML lists are)."""
    rows = [list(r) for r in items] if all(isinstance(r, sp.MatrixBase) and r.rows == 1
                                           for r in items) else [items]
    if len({len(r) for r in rows}) != 1:
        raise SpecExprError(f"'[' at column {column}: matrix rows have different lengths")
    for r in rows:
        for c in r:
            if not isinstance(c, sp.Expr) or isinstance(c, sp.MatrixBase):
                raise SpecExprError(f"'[' at column {column}: entries of a matrix are "
                                    "numbers or scalar expressions")
    return sp.ImmutableMatrix(rows)


def read_number(text: str) -> sp.Rational:
    """A literal, exactly (0.1 is 1/10), with its size bounded."""
    if len(text) > MAX_LITERAL:
        raise SpecExprError(f"the number {text[:12]}… has more than {MAX_LITERAL} characters")
    mant, _, exp = text.lower().partition("e")
    if exp and abs(int(exp)) > MAX_EXPONENT:
        raise SpecExprError(f"{text}: exponents are at most {MAX_EXPONENT}")
    return sp.Rational(text)


def _shapes_unfit(a: Any, b: Any) -> str:
    """The reason SymPy leaves empty (``x**2`` of a row: NonSquareMatrixError())."""
    shapes = [("×".join(str(n) for n in v.shape) + " matrix") if isinstance(
        v, (sp.MatrixBase, sp.MatrixExpr)) else "number" for v in (a, b)]
    return (f"the operation does not fit a {shapes[0]} and a {shapes[1]} (between matrices "
            "* is the matrix product and ** a power of a square matrix)")


def arith(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    for v in (a, b):
        if isinstance(v, tuple):
            raise SpecExprError("a tuple is only allowed as an argument (Sum limits)")
        if v is not None and (isinstance(v, (sp.FunctionClass, sp.Lambda)) or callable(v)
                              and not isinstance(v, sp.Basic)):
            raise SpecExprError("a function name must be called, e.g. sigmoid(z)")
    try:
        out = op(a, b)
    except (TypeError, ValueError, ArithmeticError, sp.ShapeError) as e:
        raise SpecExprError(str(e) or _shapes_unfit(a, b)) from None
    if isinstance(out, sp.Rational) and _digits(out) > MAX_DIGITS:
        raise SpecExprError(f"a number with more than {MAX_DIGITS} digits")
    return out


def power_of(base: Any, exp: Any) -> Any:
    arith(lambda a, b: None, base, exp)  # shape checks only
    if isinstance(exp, sp.Rational) and max(abs(exp.p), exp.q) > MAX_EXPONENT:
        raise SpecExprError(f"exponent {exp}: exponents are at most {MAX_EXPONENT}")
    if isinstance(exp, sp.Basic) and exp.is_number and not isinstance(exp, sp.Rational):
        raise SpecExprError(f"exponent {exp}: a numeric exponent must be a plain number")
    if isinstance(base, sp.Rational) and isinstance(exp, sp.Rational):
        if _digits(base) * abs(exp.p) > MAX_DIGITS:
            raise SpecExprError(f"{base}**{exp} has more than {MAX_DIGITS} digits")
    return arith(lambda a, b: a**b, base, exp)


def factorial_of(n: Any) -> Any:
    if isinstance(n, tuple) or not isinstance(n, sp.Basic):
        raise SpecExprError("'!' follows a number or a symbol")
    if n.is_number and not (isinstance(n, sp.Integer) and 0 <= n <= MAX_FACTORIAL):
        raise SpecExprError(f"{n}!: factorials are of whole numbers 0…{MAX_FACTORIAL}")
    return sp.factorial(n)


#: functions of the table that take a matrix as a whole; every other one takes numbers
MATRIX_FUNCTIONS = frozenset({"dot", "transpose"})


def numbers_only(name: str, args: list[Any]) -> None:
    """A function of the table applied to a matrix is not applied entry by entry: SymPy's
    exp(W) is the matrix exponential (a wrong answer that its own check confirmed), and
    σ(W), tanh(W) failed their checks with a TypeError. Refused, saying what to use."""
    for a in args:
        if isinstance(a, (sp.MatrixBase, sp.MatrixExpr)):
            shape = "×".join(str(n) for n in a.shape)
            raise SpecExprError(f"{name}(…) takes numbers, and its argument is a {shape} "
                                "matrix: a function is not applied entry by entry here (a "
                                "softmax or an activation of a matrix is a block: softmax, "
                                "net-activation; or give the entries)")
