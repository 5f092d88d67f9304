"""The end of a working held to the answer: whether a value a step is held to is the
answer's, and the step that rounded too early when every step passes but the result
misses the answer.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.check.read.values import same_value
from derive.check.working.compare import numbers_close, show

if TYPE_CHECKING:  # the chain's state; the chain imports this module
    from derive.check.working.chain import _State


def is_the_answer(state: _State, values: list[Any]) -> bool:
    """Some of the values a step is held to is the answer's right value (numbers to
    1e-9 relative, other values as written)."""
    answer = state.targets[0] if state.targets else None
    if answer is None:
        return False
    for v in values:
        if same_value(v, answer):
            return True
        if isinstance(v, sp.Basic) and isinstance(answer, sp.Basic) and v.is_number \
                and answer.is_number:
            try:
                diff = abs(complex(sp.N(v - answer, 20)))
                size = abs(complex(sp.N(answer, 20)))
            except (TypeError, ValueError):
                continue
            if diff <= 1e-9 * max(size, 1.0):
                return True
    return False


def early_rounding(state: _State) -> None:
    """Every step valid, yet the chain ends on a number the answer's number rule does not
    take (``\\frac{1}{1 + 0.5} = 0.667`` for σ(0.8) = 0.68997: each rounded number moved
    it by what its half-unit may): the first side of the answer's relation that is off
    the answer by more than a unit of the last place written at the end rounded too
    early, and is the wrong step (the answer is marked wrong, so is its working)."""
    if not state.final_sides or any(s.verdict == "invalid" for s in state.steps):
        return
    last = state.final_sides[-1][1]
    targets = [t for t in state.targets if isinstance(t, sp.Basic) and t.is_number]
    if last.plain is None or last.plain.unit is None or not targets:
        return
    if any(numbers_close(t, last, v, state.scope) for t in targets
           for v in (last.right, last.own)):
        return
    unit = last.plain.unit
    for index, side in state.final_sides:
        off = [abs(sp.N(v - t, 30)) for t in targets for v in (side.right, side.own)]
        if min(off) <= unit:
            continue
        step = state.steps[index]
        shown = " ".join(side.text.split())[:50]
        places = len(last.plain.text.split(".")[1]) if "." in last.plain.text else 0
        state.steps[index] = dataclasses.replace(
            step, verdict="invalid", diagnosis="rounding",
            feedback=f"line {step.line}: {shown} rounds too early: it gives "
                     f"{show(side.right)}, so the result misses the answer "
                     f"{float(sp.N(targets[0])):.{places}f} at the {places} decimal places "
                     "it is written to")
        return
