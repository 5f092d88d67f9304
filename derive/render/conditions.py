"""Conditions of cases as a course writes them: ``0 ≤ z ≤ 1``, not ``(z >= 0) & (z <= 1)``."""

from __future__ import annotations

from typing import Any

import sympy as sp


def interval_chain(cond: Any) -> tuple[Any, bool, Any, bool, Any] | None:
    """(lo, strict, x, strict, hi) for an And of a lower and an upper bound on one
    expression by numbers, else None."""
    if not isinstance(cond, sp.And) or len(cond.args) != 2:
        return None
    bounds: dict[str, tuple[Any, bool, Any]] = {}
    for r in cond.args:
        if not isinstance(r, (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan,
                              sp.GreaterThan)):
            return None
        lhs, rhs, less = r.lhs, r.rhs, isinstance(r, (sp.StrictLessThan, sp.LessThan))
        if lhs.is_number and not rhs.is_number:  # 0 <= z is z >= 0
            lhs, rhs, less = rhs, lhs, not less
        if not rhs.is_number or lhs.is_number:
            return None
        bounds["hi" if less else "lo"] = (lhs, r.is_Relational and r.rel_op in ("<", ">"), rhs)
    if set(bounds) != {"lo", "hi"} or bounds["lo"][0] != bounds["hi"][0]:
        return None
    (x, lo_strict, lo), (_, hi_strict, hi) = bounds["lo"], bounds["hi"]
    return lo, lo_strict, x, hi_strict, hi


class ChainedConditions:
    """Mixin for a SymPy printer: a two-sided bound printed as one chain, and cases inside
    a condition (SymPy's ``ITE``) as words."""

    _less = ("<", "<=")
    _ite = "(if %s then %s else %s)"

    def _print_ITE(self, expr: Any) -> str:
        return self._ite % tuple(self._print(a) for a in expr.args)  # type: ignore[attr-defined]

    def _print_And(self, expr: Any) -> str:
        chain = interval_chain(expr)
        if chain is None:
            return super()._print_And(expr)  # type: ignore[misc]
        lo, lo_strict, x, hi_strict, hi = chain
        p = self._print  # type: ignore[attr-defined]
        return (f"{p(lo)} {self._less[not lo_strict]} {p(x)} "
                f"{self._less[not hi_strict]} {p(hi)}")

    def _print_Heaviside(self, expr: Any, exp: Any = None) -> str:
        """The step function as the cases it stands for: ReLU′(z) is 1 for z > 0, else 0
        (its value at 0 decides > or ≥). SymPy's θ(z, 0) is notation no statement uses."""
        x = expr.args[0]
        at_zero = expr.args[1] if len(expr.args) > 1 else None
        if at_zero not in (sp.S.Zero, sp.S.One) or x.is_number or exp is not None:
            own = getattr(super(), "_print_Heaviside", None)
            if own is not None:
                return own(expr, exp) if exp is not None else own(expr)
            return self._print_Function(expr)  # type: ignore[attr-defined]
        cond = sp.StrictGreaterThan(x, 0) if at_zero == 0 else sp.GreaterThan(x, 0)
        return self._print(sp.Piecewise((1, cond), (0, True)))  # type: ignore[attr-defined]
