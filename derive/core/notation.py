"""Expressions kept as a student writes them: operands in order, nothing evaluated.

SymPy sorts the terms of ``Add`` and folds numbers in ``Mul``, so ``(5·5·3 + 1)·6``
would print as ``456`` and a window sum ``0·(−1) + 3·0.5 + …`` in a scrambled order.
These small ``Basic`` subclasses are data in a Step (their operands are SymPy
objects, so ``xreplace``/``atoms`` work and the renderers' decimal printing applies);
they print themselves in order, in plain text and LaTeX, and ``value()`` evaluates.
"""

from __future__ import annotations

from typing import Any

import sympy as sp


def _leaf_is_negative(e: Any) -> bool:
    if isinstance(e, sp.Symbol):
        return e.name.startswith("-")  # a value written in by render.substituted
    return isinstance(e, sp.Number) and e.is_negative


def _wrap(printer: Any, e: Any, latex: bool, in_product: bool) -> str:
    s = printer._print(e)
    if _leaf_is_negative(e) and not s.startswith("("):
        return (r"\left(%s\right)" if latex else "(%s)") % s
    if in_product and isinstance(e, Sum):
        return (r"\left(%s\right)" if latex else "(%s)") % s
    return s


class Written(sp.Basic):
    """Base of the kept-as-written expressions."""

    def __new__(cls, *args: Any) -> Any:
        return sp.Basic.__new__(cls, *[sp.sympify(a) for a in args])

    def value(self) -> Any:
        """The number the written expression stands for."""
        raise NotImplementedError

    @staticmethod
    def _val(e: Any) -> Any:
        return e.value() if isinstance(e, Written) else sp.sympify(e)

    def _sympystr(self, printer: Any) -> str:
        return self._show(printer, latex=False)

    def _latex(self, printer: Any) -> str:
        return self._show(printer, latex=True)

    def _show(self, printer: Any, latex: bool) -> str:
        raise NotImplementedError


class Sum(Written):
    """``a + b + c`` in order; a negative number is subtracted (``a - 2``)."""

    def value(self) -> Any:
        return sp.Add(*[self._val(a) for a in self.args])

    def _show(self, printer: Any, latex: bool) -> str:
        out = ""
        for i, a in enumerate(self.args):
            if isinstance(a, Minus):
                inner = _wrap(printer, a.args[0], latex, True)
                out += f" - {inner}" if i else f"-{inner}"
            elif i and isinstance(a, sp.Number) and a.is_negative:
                out += " - " + printer._print(-a)  # 13.5 - 6.5, as written by hand
            else:
                out += (" + " + _wrap(printer, a, latex, False)) if i else printer._print(a)
        return out


class Minus(Written):
    """``−a``; inside a Sum it is written as a subtraction (``n + 2p − k``)."""

    def value(self) -> Any:
        return -self._val(self.args[0])

    def _show(self, printer: Any, latex: bool) -> str:
        return "-" + _wrap(printer, self.args[0], latex, True)


class Product(Written):
    """``a·b·c`` in order (``a \\cdot b`` in LaTeX)."""

    def value(self) -> Any:
        return sp.Mul(*[self._val(a) for a in self.args])

    def _show(self, printer: Any, latex: bool) -> str:
        sep = r" \cdot " if latex else "·"
        return sep.join(_wrap(printer, a, latex, True) for a in self.args)


class Quotient(Written):
    """``(a)/b``, as a fraction in LaTeX."""

    def value(self) -> Any:
        num, den = self.args
        return self._val(num) / self._val(den)

    def _show(self, printer: Any, latex: bool) -> str:
        num, den = (printer._print(a) for a in self.args)
        if latex:
            return r"\frac{%s}{%s}" % (num, den)
        if isinstance(self.args[0], (Sum, Product)):
            num = f"({num})"
        if isinstance(self.args[1], (Sum, Product)) or _leaf_is_negative(self.args[1]):
            den = f"({den})"
        return f"{num}/{den}"


class Floor(Written):
    """``⌊a⌋``."""

    def value(self) -> Any:
        return sp.floor(self._val(self.args[0]))

    def _show(self, printer: Any, latex: bool) -> str:
        inner = printer._print(self.args[0])
        return (r"\left\lfloor %s \right\rfloor" if latex else "⌊%s⌋") % inner


class Maximum(Written):
    """``max(a, b, …)`` with its operands in order."""

    def value(self) -> Any:
        return sp.Max(*[self._val(a) for a in self.args])

    def _show(self, printer: Any, latex: bool) -> str:
        inner = ", ".join(printer._print(a) for a in self.args)
        return (r"\max\left(%s\right)" if latex else "max(%s)") % inner


class Shape(Written):
    """A tensor shape ``9 × 9 × 6`` (the value is the tuple of sizes)."""

    def value(self) -> Any:
        return tuple(self.args)

    def _show(self, printer: Any, latex: bool) -> str:
        return (r" \times " if latex else " × ").join(printer._print(a) for a in self.args)


def written_sum(terms: list[Any]) -> Any:
    """A Sum of several terms, the term itself when there is one."""
    return terms[0] if len(terms) == 1 else Sum(*terms)
