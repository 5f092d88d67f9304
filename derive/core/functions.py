"""The activation functions of the course as SymPy functions, with their numeric twins.

The symbolic derivative rules used by derivations live in ``calculus.RULES``; the
``fdiff`` methods here come from the definitions (σ(z) = 1/(1+e^{-z})) instead, so
that SymPy's own ``diff`` can serve as an independent oracle in tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp


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


#: names a spec expression may use, besides its givens, symbols and definitions.
NAMESPACE: dict[str, Any] = {
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
    "Rational": sp.Rational,
    "pi": sp.pi,
}


def lambdify(args: Any, expr: Any) -> Any:
    """``sympy.lambdify`` with the numeric twins of derive's functions."""
    return sp.lambdify(args, expr, modules=[NUMERIC, "numpy"])
