"""Answer ids that follow a count: ``a.x{1..steps}`` declares a.x1 … a.x<steps>.

A count given (``steps``) can then be changed with ``--set steps=5`` and the asked
answers follow it. A bound is a whole number, an integer given, or a given plus or minus
a whole number (``steps-1``); nothing is evaluated beyond that.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derive.core.errors import SpecError
from derive.core.model import Given

#: the most answers one range may declare (a count is a homework's, not a data set's)
MAX_RANGE = 200

_RANGE = re.compile(r"\{([^{}]*)\.\.([^{}]*)\}")
_BOUND = re.compile(r"^\s*(?:(\d+)|([A-Za-z][A-Za-z0-9_]*)\s*(?:([+-])\s*(\d+))?)\s*$")


def expand_answer_ranges(path: str, raw: dict[str, Any],
                         givens: dict[str, Given]) -> dict[str, Any]:
    """The answers mapping with every ``id{lo..hi}`` key replaced by its ids, in order."""
    out: dict[str, Any] = {}
    for key, spec in raw.items():
        m = _RANGE.search(str(key)) if isinstance(key, str) else None
        if not m:
            out[key] = spec
            continue
        where = f"answers.{key}"
        if _RANGE.search(key, m.end()):
            raise SpecError(path, where, "one {lo..hi} range per answer id")
        lo = _bound(path, where, m.group(1), givens)
        hi = _bound(path, where, m.group(2), givens)
        if hi - lo + 1 > MAX_RANGE:
            raise SpecError(path, where, f"declares {hi - lo + 1} answers; at most {MAX_RANGE}")
        for i in range(lo, hi + 1):
            out[key[:m.start()] + str(i) + key[m.end():]] = spec
    return out


def _bound(path: str, where: str, text: str, givens: dict[str, Given]) -> int:
    m = _BOUND.match(text)
    if not m:
        raise SpecError(path, where, f"a range bound is a whole number or an integer given "
                                     f"(± a number), e.g. a.x{{1..steps}}; found '{text}'")
    if m.group(1):
        return int(m.group(1))
    g = givens.get(m.group(2))
    if g is None or not g.integer or not isinstance(g.value, sp.Integer):
        raise SpecError(path, where, f"'{m.group(2)}' is not a given declared with "
                                     "integer: true")
    shift = int(m.group(4) or 0) * (-1 if m.group(3) == "-" else 1)
    return int(g.value) + shift
