"""SymPy printers in the course's notation: decimals for decimal inputs, σ, d/dx."""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from ..values import decimal_string, format_number

_GREEK = {"eta", "alpha", "beta", "sigma", "delta", "gamma", "lambda", "mu", "theta", "tau",
          "epsilon", "omega", "phi", "psi", "rho", "xi", "zeta", "kappa", "nu", "pi", "chi"}


#: separates a substituted value's sort name from what is shown (see ``substituted``)
_SHOWN = "\x00"


def decimalize(expr: Any, max_digits: int = 8) -> Any:
    """Terminating rationals as short Floats, so that 851/500 prints as 1.702 (display only)."""
    if not isinstance(expr, sp.Basic):
        return expr
    reps = {}
    for r in expr.atoms(sp.Rational):
        if not r.is_Integer:
            d = decimal_string(r, max_digits=max_digits)
            if d is not None:
                reps[r] = sp.Float(d, 30)
    return expr.xreplace(reps) if reps else expr


class DecimalStr(StrPrinter):
    """``str()`` with terminating rationals as decimals: ``x*sigmoid(1.702*x)``."""

    def doprint(self, expr: Any) -> str:
        return super().doprint(decimalize(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        d = decimal_string(expr)
        return d if d is not None else super()._print_Rational(expr)

    def _print_Float(self, expr: sp.Float) -> str:
        return format_number(expr, sig=15)

    def _print_Equality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"


def _positive_first(terms: list[Any]) -> list[Any]:
    """Terms of a sum with the subtracted ones last: y - t, not -t + y (stable otherwise)."""
    return sorted(terms, key=lambda t: bool(t.could_extract_minus_sign()))


class CourseLatex(LatexPrinter):
    """LaTeX as a course writes it."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return _positive_first(super()._as_ordered_terms(expr, order=order))

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        s = {"mul_symbol": None, "fold_short_frac": False}
        s.update(settings or {})
        super().__init__(s)

    def doprint(self, expr: Any) -> str:
        return super().doprint(decimalize(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        d = decimal_string(expr, max_digits=8)
        return d if d is not None else super()._print_Rational(expr)

    def _print_Float(self, expr: sp.Float) -> str:
        return format_number(expr)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        (var, n), = expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
        if var is None or n != 1:
            return super()._print_Derivative(expr)
        inner = expr.expr
        v = self._print(var)
        if isinstance(inner, (sp.Symbol, sp.Function, sp.Indexed)) and not isinstance(
            inner, sp.Add
        ):
            return r"\frac{d %s}{d %s}" % (self._print(inner), v)
        return r"\frac{d}{d %s}\left[%s\right]" % (v, self._print(inner))

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        name = expr.name
        if _SHOWN in name:
            return name.split(_SHOWN, 1)[1]
        if name.startswith("{") and name.endswith("}"):
            return r"\mathrm{%s}" % name[1:-1]
        if "(" in name or "{" in name or "\\" in name:
            # already LaTeX (table headers such as f(x_{t+1})); a named function upright
            return re.sub(r"^([A-Za-z]{2,})\(", r"\\operatorname{\1}(", name)
        return super()._print_Symbol(expr, style=style)


class CourseText(DecimalStr):
    """Plain text for terminals: σ for the sigmoid, d/dx for derivatives."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return _positive_first(super()._as_ordered_terms(expr, order=order))

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < -1:  # 1/cosh(x)**2, not cosh(x)**(-2)
            return "1/" + self._print(sp.Pow(expr.base, -expr.exp))
        return super()._print_Pow(expr, rational=rational)

    def _print_sigmoid(self, expr: Any) -> str:
        return "σ(%s)" % self._print(expr.args[0])

    def _print_Float(self, expr: sp.Float) -> str:
        return format_number(expr)  # as many digits as a number on its own shows

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        vars_ = "".join(f"d{self._print(v)}" for v in expr.variables)
        inner = expr.expr
        if isinstance(inner, (sp.Symbol, sp.Function, sp.Indexed)):
            return f"d{self._print(inner)}/{vars_}"
        return f"d/{vars_}[{self._print(inner)}]"

    # indexed families, sums and products as a course writes them: p_i, δ_ik, Σ_{k=1..K}
    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed's own _sympystr would win otherwise
            return self._print_Indexed(expr)
        return super()._print(expr, **kwargs)

    def _print_Indexed(self, expr: Any) -> str:
        idx = "".join(self._print(i) for i in expr.indices)
        return f"{self._print(expr.base.label)}_{idx if len(idx) == 1 else '{' + idx + '}'}"

    def _print_KroneckerDelta(self, expr: Any) -> str:
        return "δ_" + "".join(self._print(a) for a in expr.args)

    def _bounded(self, sign: str, expr: Any) -> str:
        lims = ",".join(f"{self._print(v)}={self._print(lo)}..{self._print(hi)}"
                        for v, lo, hi in expr.limits)
        body = self._print(expr.function)
        if isinstance(expr.function, (sp.Add, sp.Mul)):
            body = f"[{body}]"
        return f"{sign}_{{{lims}}} {body}"

    def _print_Sum(self, expr: Any) -> str:
        return self._bounded("Σ", expr)

    def _print_Unequality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} ≠ {self._print(expr.rhs)}"

    def _print_Product(self, expr: Any) -> str:
        return self._bounded("Π", expr)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        name = expr.name
        if _SHOWN in name:
            return name.split(_SHOWN, 1)[1]
        base = name.split("_")[0]
        if base in _GREEK:
            sym = {"eta": "η", "alpha": "α", "beta": "β", "sigma": "σ", "delta": "δ"}.get(
                base, base)
            return sym + name[len(base):]
        return name


def latex(expr: Any, **settings: Any) -> str:
    """LaTeX of a SymPy object (or a plain value) in the course's notation."""
    if isinstance(expr, str):
        return r"\text{%s}" % expr
    if isinstance(expr, tuple):
        return ", ".join(latex(e, **settings) for e in expr)
    if isinstance(expr, sp.MatrixBase):
        rows = [" & ".join(latex(c, **settings) for c in r) for r in expr.tolist()]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    if (isinstance(expr, sp.Basic) and expr.is_number and not isinstance(expr, sp.Rational)
            and sp.count_ops(expr) > LONG_EXACT_OPS):
        return format_number(expr)  # tanh(0.5 tanh(0.5 tanh(1) + 0.5) - 0.5) as 0.706818
    return CourseLatex(settings).doprint(sp.sympify(expr))


#: an exact number longer than this (operations) is shown as a decimal in LaTeX
LONG_EXACT_OPS = 12


def text(expr: Any) -> str:
    """Plain text of a SymPy object (or a plain value)."""
    if isinstance(expr, str):
        return expr
    if isinstance(expr, tuple):
        return ", ".join(text(e) for e in expr)
    if isinstance(expr, sp.MatrixBase):
        return "[" + ", ".join("[" + ", ".join(text(c) for c in r) + "]"
                               for r in expr.tolist()) + "]"
    if isinstance(expr, sp.Basic) and expr.is_number and not isinstance(expr, sp.Rational):
        try:
            return format_number(expr)
        except TypeError:
            pass
    if isinstance(expr, sp.Rational):
        return format_number(expr)
    return CourseText().doprint(expr)


def value_str(expr: Any) -> str:
    """SymPy's ``str()`` with decimals (the JSON ``value`` of expressions)."""
    return DecimalStr().doprint(expr)


def substituted(expr: Any, subs: tuple[tuple[Any, Any], ...], *, as_latex: bool) -> str:
    """``expr`` with the substituted values written in, unevaluated (1.702 · (−0.05))."""
    if not subs or not isinstance(expr, sp.Basic):
        return latex(expr) if as_latex else text(expr)
    names = {}
    for s, v in subs:
        shown = format_number(v) if (isinstance(v, sp.Basic) and v.is_number) else str(v)
        if shown.startswith("-"):
            shown = f"({shown})"
        # named after the symbol it replaces: the order of terms is kept, and equal values
        # stay apart (1·1, not 1²); the printers show only the part after _SHOWN
        names[s] = sp.Symbol(f"{getattr(s, 'name', s)}{_SHOWN}{shown}")
    e = expr.xreplace(names)
    if as_latex:
        out = CourseLatex({"mul_symbol": "dot"}).doprint(e).replace(r"\mathrm", "")
        return re.sub(r"\\left\(\((-[^()]*)\)\\right\)", r"\\left(\1\\right)", out)
    # a negative value as a function's argument needs no second pair: σ(-5), not σ((-5))
    return re.sub(r"\(\((-[^()]*)\)\)", r"(\1)", CourseText().doprint(e))
