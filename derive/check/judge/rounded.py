"""Rounded numbers inside an expression (``-\\frac{1}{0.68997}``, ``-\\ln 0.69``): the
tolerance follows from the digits the student wrote.

Each decimal written in the expression stands for any value within one unit of its last
written place; that unit is propagated through the expression (the change of the value
when the decimal moves by one unit either way, summed over the decimals). Integers and
fractions are exact. The answer is then judged by the number rule with that tolerance in
place of "one unit of the last written place", and the 5% rule still applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

#: decimals whose effect is measured (each costs two more readings of the answer)
MAX_DECIMALS = 6
#: a written decimal; a '.' after it that no digit follows ends a sentence (``0.69.``)
_DECIMAL = re.compile(r"(?<![\w.\\])(\d+)\.(\d+)(?!\d|\.\d|[eE][+-]?\d)")


def propagated_unit(text: str, value: Any, read: Callable[[str], Any],
                    relative: float = 0.05) -> Any:
    """The tolerance the written decimals of ``text`` give its value, or None when it has
    no decimal (an exact expression) or cannot be measured. ``read`` reads a text to its
    exact number (raises on failure).

    A decimal stands for the values the number rule would accept for it: within one unit
    of its last place *and* within ``relative`` of it (0.7 may be 0.68997, not 0.8)."""
    return propagated_units(text, [value], lambda t: [read(t)], relative)[0]


def propagated_units(text: str, values: list[Any], read: Callable[[str], list[Any]],
                     relative: float = 0.05) -> list[Any]:
    """``propagated_unit`` for several values read from one text at once (the entries of
    ``-0.31 \\begin{bmatrix} 2 & 1 \\end{bmatrix}``): each value's own tolerance, None
    for all when the text has no decimal or a change cannot be measured. ``read`` reads
    a text to as many exact numbers, in the same order."""
    none: list[Any] = [None] * len(values)
    found = list(_DECIMAL.finditer(text))
    if not found or len(found) > MAX_DECIMALS:
        return none
    totals = [sp.Integer(0)] * len(values)
    for m in found:
        places = len(m.group(2))
        written = sp.Rational(m.group(0))
        unit = min(sp.Rational(1, 10 ** places), sp.Rational(str(relative)) * written)
        if unit <= 0:
            continue
        worst = [sp.Integer(0)] * len(values)
        for moved in (written + unit, written - unit):
            if moved < 0:
                continue
            shown = _decimal_text(moved, places + 4)
            try:
                others = read(text[:m.start()] + shown + text[m.end():])
                changes = [abs(sp.N(o - v, 30)) for o, v in zip(others, values, strict=True)]
            except Exception:  # noqa: BLE001 - a bump that cannot be read measures nothing
                return none
            for change in changes:
                if not change.is_number or change.has(sp.zoo, sp.oo, sp.nan):
                    return none
            worst = [max(w, sp.Rational(c)) for w, c in zip(worst, changes, strict=True)]
        totals = [t + w for t, w in zip(totals, worst, strict=True)]
    return totals


def _decimal_text(v: sp.Rational, decimals: int) -> str:
    scaled = int(sp.floor(v * 10 ** decimals + sp.Rational(1, 2)))
    whole, frac = divmod(scaled, 10 ** decimals)
    return f"{whole}.{frac:0{decimals}d}"
