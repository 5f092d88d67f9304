"""What the clauses and marks of a working's line mean: a clause defining a name the line
used (``f'(x) = \\sigma(u) + …, \\quad u = 1.702x``) and a given marked as its next value
on a left side (``w_1^{(1)}``, ``w_1^{new}``, ``w_1'``: the answer that updates it).
"""

from __future__ import annotations

import re

import sympy as sp

from derive.check.working.lines import Line
from derive.check.working.scope import Scope, SideError, answer_keys, read_side

_BARE_NAME = re.compile(r"^\\?[A-Za-z]+(?:_\{?\w+\}?)?$")


def where_clauses(line: Line) -> set[int]:
    """Statements of the line (after the first) that define a bare name one of the
    statements before them on the line uses: ``f'(x) = \\sigma(u) + …, u = 1.702x``."""
    out: set[int] = set()
    for k, st in enumerate(line.statements):
        name = st.sides[0].strip()
        if k == 0 or len(st.sides) != 2 or st.implied or not _BARE_NAME.match(name):
            continue
        used = re.compile(r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])")
        if any(used.search(side) for earlier in line.statements[:k] for side in earlier.sides):
            out.add(k)
    return out


#: a name marked as its next value: w_1^{(1)}, w_1^{(t+1)}, w_1^{new}, w_1^+, w_1'
_NEXT = re.compile(r"^(?P<base>.+?)\s*(?:\^\s*\{\s*(?:\(\s*(?:[1-9]\d*|t\s*\+\s*1)\s*\)|new|next"
                   r"|\+|\*)\s*\}|\^\s*[+*]|')$")


def updated_given(scope: Scope, answer_id: str, first: str) -> str | None:
    """The given a left side names as its next value (``w_1^{(1)}`` in the working of
    d.w1, the updated w_1), when this answer is that given updated; else None."""
    m = _NEXT.match(first.strip())
    if not m:
        return None
    try:
        base = read_side(scope, m.group("base"))
    except SideError:
        return None
    name = base.expr.name if isinstance(base.expr, sp.Symbol) else None
    if name is None or name not in scope.givens:
        return None
    return name if name in answer_keys(answer_id) else None
