"""Equations in a working: a relation in a name that means nothing (the padding ``P`` in
``4 = (4 - 3 + 2P)/1 + 1``) is checked by its solutions, equal to the previous
equation's or to the answer; and the bare names of the problem's families (``g`` of
``g_0``, ``g_1``, …), which are quantities, never unknowns to solve for.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.check.working.compare import (
    compare,
    equal_expressions,
    roots,
    same_roots,
    show,
)
from derive.check.working.lines import Line
from derive.check.working.model import StepResult
from derive.check.working.scope import Scope, Side, SideError, read_side

if TYPE_CHECKING:  # the chain's state; the chain imports this module
    from derive.check.working.chain import _State as State

#: a member of a family: the name, an optional _, the index (braced or not)
_FAMILY = r"^{}_?\{{?(\d+)\}}?$"


def names(side: Side) -> set[str]:
    """The names a side's expression uses."""
    expr = side.expr
    if not isinstance(expr, sp.Basic):
        return set()
    return {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)}


def members(scope: Scope, name: str) -> list[str]:
    """The quantities ``name_0``, ``name_1``, … of the problem (one key per answer), in
    the order of their index: what a bare ``name`` may stand for."""
    pattern = re.compile(_FAMILY.format(re.escape(name)))
    found: dict[str, tuple[int, str]] = {}
    for key in scope.right:
        m = pattern.match(key)
        aid = scope.answer_of.get(key)
        if m and aid is not None and aid not in found:
            found[aid] = (int(m.group(1)), key)
    return [key for _, key in sorted(found.values())]


def equation(state: State, line: Line, sides: tuple[str, ...], signs: tuple[str, ...],
              final: bool) -> bool:
    """A relation in a name that means nothing (the padding P): checked by its
    solutions. True when the statement was handled as one."""
    if len(sides) != 2 or signs[0] != "=":
        return False
    scope = state.scope
    try:
        left, right_ = read_side(scope, sides[0]), read_side(scope, sides[1])
    except SideError:
        return False
    unknown = left.unknown | right_.unknown
    if len(unknown) != 1:
        return False
    if isinstance(left.expr, sp.Symbol) and scope.knows(left.expr.name):
        return False  # x_2 = x_1 - \eta g: a relation for x_2, not an equation in g
    (u,) = unknown
    if members(scope, u):
        return False  # g of g_0, g_1, …: a quantity of the problem, read as one
    if _answer_beside(state, left, right_, u):
        return False  # -0.1376 = x_2 - \eta u in a.x3: u is not what is asked
    lone = isinstance(left.expr, sp.Symbol) and left.expr.name == u and not right_.unknown
    if lone and (state.equation is None or state.equation[0] != u):
        return False  # a definition (v_0 = …), not an equation
    latex = f"{sides[0]} = {sides[1]}"
    if left.unknown and right_.unknown and _identity(left, right_):
        # σ'(u) = σ(u)(1 - σ(u)): a rule stated for every u, not an equation to solve
        state.steps.append(StepResult(latex, line.number, "valid",
                                      f"line {line.number}: holds for every {u}"))
        state.prev = None
        return True
    found = roots(left.right - right_.right, u) if not isinstance(left.right, sp.MatrixBase) \
        else None
    if found is None:
        state.steps.append(StepResult(latex, line.number, "unchecked",
                                      f"line {line.number}: an equation in {u} that is not "
                                      "checked (not a polynomial equation of small degree)"))
        state.prev = None
        return True
    where = f"line {line.number}"
    if state.equation is not None and state.equation[0] == u:
        ok = same_roots(found, state.equation[1])
        detail = (f"{where}: its solution {u} = {_roots(found)} is not that of the equation "
                  f"before ({u} = {_roots(state.equation[1])})")
    else:
        golds = [t for t in state.targets if isinstance(t, sp.Basic) and t.is_number]
        if not golds:
            ok = None
        else:
            ok = any(same_roots([g], [r]) for g in golds for r in found)
        detail = (f"{where}: its solution {u} = {_roots(found)} is not the answer "
                  f"{show(golds[0]) if golds else ''}")
    verdict = "unchecked" if ok is None else "valid" if ok else "invalid"
    state.steps.append(StepResult(latex, line.number, verdict,
                                  "" if ok or ok is None else detail))
    state.equation = (u, found)
    state.prev = None
    return True


def _identity(left: Side, right_: Side) -> bool:
    """Both sides written in the unknown are the same expression of it (the judge's
    random points, then its bounded confirmation)."""
    if isinstance(left.right, sp.MatrixBase) or isinstance(right_.right, sp.MatrixBase):
        return False
    try:
        return equal_expressions(left.right, right_.right).ok is True
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return False


def _answer_beside(state: State, left: Side, right_: Side, u: str) -> bool:
    """Not an equation to solve for the answer: a relation that names a quantity the
    problem computes (``-0.2 = x_2 - \\eta u``: x_2 is a.x2), or one whose side is
    already the answer (a number the number rule takes for it) beside the problem's
    quantities with ``u`` among them (``-0.1376 = x_2 - \\eta u`` for x_3 = -0.1376).
    ``u`` names something inside the relation (the gradient), so the step uses a name
    the working does not define. The solution written out (``P = 1``) and equations of
    numbers only (``4 = (4 - 3 + 2P)/1 + 1``) stay equations."""
    scope = state.scope
    if any(n in scope.answer_of for n in names(left) | names(right_)):
        return True  # -0.2 = x_2 - \eta u: a relation of the problem's quantities
    for this, other in ((left, right_), (right_, left)):
        if u not in other.unknown or this.unknown or not this.numeric \
                or not isinstance(other.expr, sp.Basic) or isinstance(other.expr, sp.Symbol):
            continue
        if not any(scope.knows(n) for n in names(other) - {u}):
            continue
        if compare(state.targets, this, scope).ok:
            return True
    return False


#: a solution shown as a fraction only when both its parts are this short (1/2, 7/3)
FRACTION_DIGITS = 3


def _roots(rs: list[Any]) -> str:
    """Solutions as a student reads them: small fractions as written, others as
    decimals (never a 40-digit fraction)."""
    return ", ".join(str(r) if isinstance(r, sp.Rational) and len(str(abs(r.p))) <=
                     FRACTION_DIGITS and len(str(r.q)) <= FRACTION_DIGITS else show(r)
                     for r in rs) or "none"
