"""``Piecewise((value, condition), …)`` in spec expressions: conditions and coverage.

The grammar (``spec_grammar``) reads the tokens; this module builds the conditions
(comparisons, chained as ``0 <= x < 1``, joined with ``and``/``or``) and the
Piecewise, and refuses what would silently mean something else: a piece after the
otherwise-piece (never used), no piece that can hold, or pieces that leave some values
of the variable uncovered (SymPy would answer ``nan`` there). Coverage is decided
exactly only where it is cheap (``intervals``: conditions on one variable, each a
low-degree polynomial comparison); elsewhere the spec must end with an otherwise-piece.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.intervals import cheap_condition, condition_set

#: most pieces of one Piecewise
MAX_PIECES = 20
#: deepest nesting of Piecewise inside a piece's value or condition
MAX_CASE_DEPTH = 4
#: most comparisons in one condition (a chain counts each link)
MAX_COMPARISONS = 12

#: the comparison operators a condition may use
RELATIONS = {"<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan,
             ">=": sp.GreaterThan}

#: names that stand for the otherwise-piece's condition
OTHERWISE = ("True", "otherwise")


class CasesError(Exception):
    """A malformed Piecewise; the message says what to write instead."""


def cases(*args: Any) -> Any:
    """``cases(a*z if z < 0, z)`` in a spec: the same Piecewise written as a course reads
    it, the last value without ``if`` for every other value. Read by the grammar (its
    ``if`` is no Python), never called."""
    raise TypeError("cases(…) is read by the spec grammar")


def compare(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for two real scalars (a number comparison is decided at once)."""
    for v in (a, b):
        if not isinstance(v, sp.Expr) or isinstance(v, sp.MatrixBase):
            raise CasesError(f"'{op}' compares two numbers or scalar expressions")
    try:
        return RELATIONS[op](a, b)
    except TypeError as e:  # a non-real number: 'Invalid comparison of non-real I'
        raise CasesError(f"'{op}': {e}") from None


def chain(ops: list[str], operands: list[Any]) -> Any:
    """``a < x <= b`` is ``a < x and x <= b``, as in Python and on paper."""
    return sp.And(*[compare(op, operands[i], operands[i + 1]) for i, op in enumerate(ops)])


def build(pieces: list[tuple[Any, Any]], otherwise_at: int | None) -> Any:
    """The Piecewise of (value, condition) pieces, refused when it would mislead.

    ``otherwise_at`` is the index of the piece written with ``True``/``otherwise``.
    """
    if otherwise_at is not None and otherwise_at != len(pieces) - 1:
        raise CasesError(f"piece {otherwise_at + 2} follows the otherwise-piece (piece "
                         f"{otherwise_at + 1}) and would never be used; put the "
                         "otherwise-piece last")
    for n, (value, _) in enumerate(pieces, start=1):
        if not isinstance(value, sp.Expr) or isinstance(value, sp.MatrixBase):
            raise CasesError(f"piece {n}: the value is a number or a scalar expression")
        if _case_depth(value) >= MAX_CASE_DEPTH:
            raise CasesError(f"Piecewise nested more than {MAX_CASE_DEPTH} deep")
    if all(c is sp.false for _, c in pieces):
        raise CasesError("no piece's condition can hold")
    out = sp.Piecewise(*pieces)
    if otherwise_at is None and isinstance(out, sp.Piecewise) and out.args[-1].cond is not sp.true:
        _require_cover([c for _, c in out.args])
    return out


def _case_depth(e: Any) -> int:
    """How deeply Piecewise nest inside e (0 when none)."""
    if not isinstance(e, sp.Basic) or not e.has(sp.Piecewise):
        return 0
    inner = max((_case_depth(a) for a in e.args), default=0)
    return inner + 1 if isinstance(e, sp.Piecewise) else inner


def _require_cover(conds: list[Any]) -> None:
    """Refuse pieces that may leave a value uncovered (decided exactly where cheap)."""
    hint = ("end with an otherwise-piece: (value, True) in Piecewise(…), a last value "
            "without 'if' in cases(…)")
    free = set().union(*(c.free_symbols for c in conds))
    if len(free) != 1 or not all(cheap_condition(c, next(iter(free))) for c in conds):
        raise CasesError("cannot tell that the conditions cover every case; " + hint)
    x = next(iter(free))
    covered = sp.Union(*[condition_set(c, x) for c in conds])
    gap = sp.S.Reals - covered
    if gap is not sp.S.EmptySet:
        raise CasesError(f"the pieces leave {x} in {_shown(gap)} uncovered; {hint}")


def _shown(gap: Any) -> str:
    """A gap as a person writes it: {0} for a point, [0, 1) for an interval, joined by ∪."""
    if isinstance(gap, sp.FiniteSet):
        return "{" + ", ".join(str(v) for v in gap) + "}"
    if isinstance(gap, sp.Interval):
        return (("(" if gap.left_open else "[") + f"{gap.start}, {gap.end}"
                + (")" if gap.right_open else "]"))
    if isinstance(gap, sp.Union):
        return " ∪ ".join(_shown(a) for a in gap.args)
    return str(gap)
