"""The activation functions of the course as SymPy functions, with their numeric twins.

The symbolic derivative rules used by derivations live in ``calculus.RULES``; the
``fdiff`` methods here come from the definitions (σ(z) = 1/(1+e^{-z})) instead, so
that SymPy's own ``diff`` can serve as an independent oracle in tests.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derive.core import compiled, spec_cases


class sigmoid(sp.Function):  # noqa: N801 - named like SymPy's own functions
    """The logistic function σ(z) = 1 / (1 + e^{-z})."""

    nargs = 1

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        if z.is_Number or not z.is_number:
            return sp.S.Half if z.is_zero else None
        # a compound number: SymPy's is_zero would evaluate it afresh at every nesting
        # level (σ of an iterate of σ of …); its memoised value decides unless it is tiny
        from derive.core.numbers import approx

        a = approx(z)
        if a.is_Float and abs(a) > 1e-30:
            return None
        return sp.S.Half if z.is_zero else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z = self.args[0]
        return sp.exp(-z) / (1 + sp.exp(-z)) ** 2

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        import mpmath

        z = self.args[0].evalf(mpmath.libmp.prec_to_dps(prec) + 5)
        if not z.is_Number:
            return None
        with mpmath.workprec(prec + 10):
            v = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
        return sp.Float(v, precision=prec)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: Any, exp: Any = None) -> str:
        out = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return out if exp is None else r"%s^{%s}" % (out, exp)  # σ(z)² (printed in a Pow)


class relu(sp.Function):  # noqa: N801
    """The rectifier max(0, z)."""

    nargs = 1

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        if z.is_number and z.is_real:
            return sp.Max(z, 0)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Heaviside(self.args[0], 0)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        out = r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])
        return out if exp is None else r"%s^{%s}" % (out, exp)


def _np_sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


def _np_relu(z: Any) -> Any:
    return np.maximum(z, 0.0)


#: lambdify's module mapping: numeric definitions written from the functions' formulas.
NUMERIC: dict[str, Any] = {"sigmoid": _np_sigmoid, "relu": _np_relu}

def dot(a: Any, b: Any) -> Any:
    """Σ aᵢ bᵢ of two vectors (rows or columns) of the same length."""
    if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)):
        raise TypeError("dot(a, b) takes two vectors")
    if len(a) != len(b):
        raise TypeError(f"dot: lengths {len(a)} and {len(b)} differ")
    return sp.Add(*[x * y for x, y in zip(a, b, strict=True)])


def transpose(m: Any) -> Any:
    """Mᵀ of a matrix given (attention's Kᵀ); a number is its own transpose."""
    if isinstance(m, sp.MatrixBase):
        return m.T
    if isinstance(m, sp.Basic) and not isinstance(m, sp.MatrixExpr) and not any(
            str(s).startswith("{") for s in m.free_symbols):
        return m
    # an {answer} stands for a number while the spec is read: its transpose would be
    # taken before its value (a matrix) is known, and silently be the answer itself
    raise TypeError("transpose takes a matrix given (not an earlier answer)")


# -- piecewise functions, written as a course writes them --------------------------------
# Each is a SymPy Piecewise (or Max/Min/Abs) so that derivatives are taken piece by piece.
# At a kink the piece whose condition holds there decides: the conditions below are
# strict on the side a course's convention excludes (relu'(0) = 0, leaky_relu'(0) = a,
# clip'(lo) = clip'(hi) = 1, |x|'(0) = sign(0) = 0).


def leaky_relu(z: Any, a: Any = None) -> Any:
    """z for z > 0, a·z otherwise (a = 0.01 unless given)."""
    a = sp.Rational(1, 100) if a is None else a
    return sp.Piecewise((z, z > 0), (a * z, True))


def elu(z: Any, a: Any = sp.S.One) -> Any:
    """z for z > 0, a(e^z − 1) otherwise (a = 1 unless given)."""
    return sp.Piecewise((z, z > 0), (a * (sp.exp(z) - 1), True))


def clip(z: Any, lo: Any, hi: Any) -> Any:
    """z clipped to [lo, hi]."""
    return sp.Piecewise((lo, z < lo), (hi, z > hi), (z, True))


def huber(r: Any, d: Any = sp.S.One) -> Any:
    """r²/2 for |r| ≤ d, d(|r| − d/2) beyond (d = 1 unless given)."""
    return sp.Piecewise((r**2 / 2, sp.Abs(r) <= d), (d * (sp.Abs(r) - d / 2), True))


def heaviside(z: Any, at_zero: Any = sp.S.Zero) -> Any:
    """1 for z > 0, 0 for z < 0, and ``at_zero`` (0 unless given) at 0."""
    return sp.Heaviside(z, at_zero)


def _max(*args: Any) -> Any:
    return sp.Max(*args)


def _min(*args: Any) -> Any:
    return sp.Min(*args)


def _abs(z: Any) -> Any:
    return sp.Abs(z)


def _sign(z: Any) -> Any:
    return sp.sign(z)


#: names a spec expression may use, besides its givens, symbols and definitions.
NAMESPACE: dict[str, Any] = {
    "max": _max,
    "min": _min,
    "abs": _abs,
    "sign": _sign,
    "heaviside": heaviside,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "clip": clip,
    "huber": huber,
    # cases written out: Piecewise((value, condition), …, (value, True)); the grammar
    # reads its pieces and conditions itself (spec_cases), never as a plain call
    "Piecewise": sp.Piecewise,
    "cases": spec_cases.cases,  # cases(a*z if z < 0, z): the same, one value per case
    "sigmoid": sigmoid,
    "sigma": sigmoid,
    "relu": relu,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sech": sp.sech,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "Abs": sp.Abs,
    "Max": sp.Max,
    "Min": sp.Min,
    "Sum": sp.Sum,
    "dot": dot,
    "transpose": transpose,
    "Rational": sp.Rational,
    "pi": sp.pi,
}


def lambdify(args: Any, expr: Any) -> Any:
    """What ``sympy.lambdify(args, expr, modules=[NUMERIC, numpy])`` makes, built by
    ``core.compiled`` from the tree where it knows every node (the same operations,
    without printing source: the printer was most of the cost), else by SymPy.

    NumPy is passed as the module, not as the name ``"numpy"``: for the name, SymPy runs
    ``from numpy import *``, which imports every lazily loaded NumPy submodule (f2py,
    testing, ma, random…), a third of a second at each start for nothing used. The
    printer is NumPy's either way (calls print as ``numpy.f``, imported explicitly).

    The same expression over the same arguments gets the same function: marking solves
    a problem again for follow-through and conventions, and a sheet meets sigma and its
    twins many times."""
    try:
        return _lambdified(tuple(args) if isinstance(args, list) else args, expr)
    except TypeError:  # unhashable (a mutable Matrix): made afresh
        return _numpy_function(args, expr)


@lru_cache(maxsize=1024)
def _lambdified(args: Any, expr: Any) -> Any:
    return _numpy_function(list(args) if isinstance(args, tuple) else args, expr)


def _numpy_function(args: Any, expr: Any) -> Any:
    try:
        return compiled.numpy_function(args if isinstance(args, list) else [args], expr,
                                       NUMERIC)
    except compiled.Unsupported:
        return sp.lambdify(args, _without_ite(expr), modules=[NUMERIC, np])


def _without_ite(expr: Any) -> Any:
    """``expr`` with each ``ITE(a, b, c)`` (a nested Piecewise's condition, e.g. a case
    of ℓ(φ(w u) − t)) written as the equivalent ``(¬a ∨ b) ∧ (a ∨ c)``.

    NumPy's printer would hand an ITE condition to ``simplify_logic``, which simplifies
    each relational in it (importing ``sympy.physics`` on the way): a third of a second
    for one Piecewise, and a rewritten inequality is not the one the spec wrote. The two
    forms are true at the same points, as written."""
    if not (isinstance(expr, sp.Basic) and expr.has(sp.ITE)):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.ITE), lambda e: e.to_nnf(simplify=False))
