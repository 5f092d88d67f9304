"""What an answer's own derivation involves, so that a diagnosis names only a mistake the
answer could have made.

A wrong number often equals the right one times some factor by coincidence: gelu-descent's
x₁ = −0.056 is −0.05 / 0.9, and 0.9 is β, a given of another part (x₁ is plain descent);
−0.1 is twice −0.05, but no square stands anywhere in that derivation, so "the ½ of
½(y − ŷ)²" names a mistake the student cannot have made. Two tests, each from the
derivation rather than from the numbers:

- ``involves_two(solution, aid)``: a square or a factor 2 or ½ (u², ½(y − ŷ)², 2/B)
  stands in the steps the answer's derivation reaches: from the step or table that shows
  the answer, through the steps it ``uses`` and the steps that define the names those
  steps write (∂E/∂O reaches the definition of E).
- ``moves_with(gold, variant)``: the answer's value changes when one given changes (the
  caller re-solves the problem with that given changed): a given the answer does not
  depend on is no factor it can miss.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.core.derivation import Solution, Step, Table

#: steps followed from one answer (a network's derivation has a few hundred)
MAX_STEPS = 2000
#: solutions whose name index (and answers' ``involves_two``) are kept: one per problem
#: being marked, each marked answer asking again
_KEEP = 16
_INDEX: dict[int, tuple[Solution, dict[Any, list[int]], dict[str, bool]]] = {}


def _basics(x: Any) -> Iterator[sp.Basic]:
    """The SymPy objects in a step's field (a relation, a tuple of them, a matrix)."""
    if isinstance(x, sp.Basic):
        yield x
    elif isinstance(x, (tuple, list)):
        for y in x:
            yield from _basics(y)


def _fields(step: Step) -> Iterator[sp.Basic]:
    for f in (step.lhs, step.before, step.after, step.facts):
        yield from _basics(f)


def _names(e: sp.Basic) -> set[Any]:
    """What a step writes that another step may define: symbols (matrix symbols too),
    undefined functions (f of f(x)) and derivatives (∂E/∂O)."""
    out: set[Any] = set(e.free_symbols)
    out.update(a.func for a in e.atoms(AppliedUndef))
    out.update(e.atoms(sp.Derivative))
    return out


def _index(solution: Solution) -> dict[Any, list[int]]:
    """name -> the steps whose left side is that name (its definitions)."""
    return _kept(solution)[0]


def _kept(solution: Solution) -> tuple[dict[Any, list[int]], dict[str, bool]]:
    """The solution's name index and its answers' ``involves_two`` found so far."""
    hit = _INDEX.get(id(solution))
    if hit is not None and hit[0] is solution:
        return hit[1], hit[2]
    index: dict[Any, list[int]] = {}
    for i, item in enumerate(solution.items):
        if isinstance(item, Step) and isinstance(item.lhs, sp.Basic):
            keys = [item.lhs] + ([item.lhs.func] if isinstance(item.lhs, AppliedUndef) else [])
            for k in keys:
                index.setdefault(k, []).append(i)
    if len(_INDEX) >= _KEEP:
        _INDEX.pop(next(iter(_INDEX)))
    _INDEX[id(solution)] = (solution, index, {})
    return index, _INDEX[id(solution)][2]


def derivation_steps(solution: Solution, aid: str) -> list[Step] | None:
    """The steps the answer's derivation reaches (see the module docstring); None when
    the solution shows the answer nowhere (nothing to tell from)."""
    answer = solution.answers.get(aid)
    if answer is None or answer.item is None:
        return None
    index = _index(solution)
    seen: set[int] = set()
    todo = [answer.item]
    steps: list[Step] = []
    while todo and len(seen) < MAX_STEPS:
        i = todo.pop()
        if i in seen or not 0 <= i < len(solution.items):
            continue
        seen.add(i)
        item = solution.items[i]
        if isinstance(item, (Step, Table)):
            todo.extend(item.uses)
        if isinstance(item, Step):
            steps.append(item)
            for e in _fields(item):
                for name in _names(e):
                    todo.extend(index.get(name, ()))
    return steps


_TWO = (sp.Integer(2), sp.Rational(1, 2))


def _has_two(e: sp.Basic) -> bool:
    if any(p.exp in (2, -2) for p in e.atoms(sp.Pow)):
        return True
    if any(getattr(p, "exp", None) == 2 for p in e.atoms(sp.MatPow, sp.HadamardPower)):
        return True
    return any(abs(a) in _TWO for m in e.atoms(sp.Mul) for a in m.args if a.is_Rational)


def involves_two(solution: Solution | None, aid: str) -> bool:
    """Does a square, or a factor 2 or ½, stand in the answer's derivation? (True when
    it cannot be told: the diagnosis stays as it was.)"""
    if solution is None:
        return True
    known = _kept(solution)[1]  # asked for every working and wrong answer marked
    if aid not in known:
        steps = derivation_steps(solution, aid)
        known[aid] = steps is None or any(_has_two(e) for s in steps for e in _fields(s))
    return known[aid]


#: relative change below which an answer "does not move" with a given
STILL = 1e-12


def moves_with(gold: Any, variant: Any) -> bool | None:
    """Does the answer's value differ between the right solution (``gold``) and a
    variant with one given changed? None when the two cannot be compared."""
    if variant is None:
        return None
    try:
        if isinstance(gold, sp.MatrixBase) or isinstance(variant, sp.MatrixBase):
            if not (isinstance(gold, sp.MatrixBase) and isinstance(variant, sp.MatrixBase)) \
                    or gold.shape != variant.shape:
                return True
            return any(moves_with(a, b) for a, b in zip(gold, variant, strict=True))
        if not isinstance(gold, sp.Basic) or not isinstance(variant, sp.Basic):
            return gold != variant
        free = sorted(gold.free_symbols | variant.free_symbols, key=str)
        point = {s: sp.Rational(37 + 17 * k, 100) for k, s in enumerate(free)}
        a = complex(sp.N(gold.xreplace(point), 30))
        b = complex(sp.N(variant.xreplace(point), 30))
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return None
    return abs(a - b) > STILL * max(1.0, abs(a))


def nudged(value: Any) -> str | None:
    """A given's value moved (a whole number by one, others by a tenth), as ``--set``
    writes it; None when it is no plain number."""
    if not isinstance(value, sp.Rational) or value == 0:
        return None
    return str(value + 1 if value.is_Integer else value * sp.Rational(11, 10))
