"""A step's expression with the values substituted for its symbols written in place, left
unevaluated and in the expression's own order (``0.7 · (−0.3) + 0.15 · 0.5 + 0.9``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.render.decimals import number_tex
from derive.render.printing import SheetLatex, tex


@dataclass(frozen=True)
class Shown:
    """An expression printed with values written in for some symbols, left unevaluated
    and in the expression's own order (``0.7 · (−0.3) + 0.15 · 0.5 + 0.9``)."""

    expr: Any
    names: dict[Any, str]

    def printer(self) -> SheetLatex:
        return SheetLatex({"mul_symbol": "dot", "names": self.names})


def shown_expr(expr: Any, subs: tuple[tuple[Any, Any], ...]) -> Shown:
    """``expr`` with the substituted values shown in place of their symbols."""
    names = {}
    for s, v in subs:
        shown = number_tex(v) if isinstance(v, sp.Basic) and v.is_number else tex(v)
        names[s] = rf"\left({shown}\right)" if shown.startswith("-") else shown
    return Shown(expr, names)
