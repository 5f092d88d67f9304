"""Marking the working behind answers: each chain checked step by step, beside its verdict.

The answer's verdict stays the final answer's; its result gains the working's steps and
first wrong step (``derive.check.working``). Untrusted, like an answer: the work is
announced as the phase ``("working", problem, answer)`` so that the batch parent kills
a worker that overruns it, and a working that hung or crashed before is reported as one
unreadable step instead of being checked again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from derive.check.judge import relevance
from derive.check.mark import followthrough as ft
from derive.check.mark.answers import with_notation
from derive.check.results import Result
from derive.check.working import StepResult, WorkingResult, check_working
from derive.check.working.declared import declared_values
from derive.core.errors import DeriveError

if TYPE_CHECKING:
    from derive.check.mark.marking import Marker, Prepared

#: a working may take this many times an answer's time limit
WORKING_FACTOR = 6


def with_workings(marker: Marker, prep: Prepared, workings: dict[str, str],
                  results: list[Result], values: dict[str, Any],
                  disabled: dict[Any, str],
                  notation: dict[str, str] | None = None) -> list[Result]:
    """``results`` with the checked working attached to each answer that has one.

    ``values``: the student's own values of the problem's answers (numbers, matrices);
    ``notation``: the sheet's declared names (δ for σ), read as the answers are.
    """
    if not workings:
        return results
    problem = prep.problem
    right = {a: v.value for a, v in prep.right.items()}
    out = []
    for r in results:
        text = workings.get(r.answer)
        if text is None or r.answer not in problem.answers:
            out.append(r)
            continue
        if notation:
            text = with_notation(text, notation)
        key = ("working", problem.id, r.answer)
        if key in disabled:
            w = _failed(f"could not be checked: {disabled[key]}")
        else:
            w = _check(marker, prep, r.answer, text, right, values, key)
        out.append(replace(r, working=w))
    return out


def _check(marker: Marker, prep: Prepared, aid: str, text: str, right: dict[str, Any],
           values: dict[str, Any], key: tuple[Any, ...]) -> WorkingResult:
    problem = prep.problem
    try:
        mistakes = declared_values(problem, prep.mistakes.get(aid, ()), right, values,
                                   lambda m: marker._variant_value(prep, m, aid))
        targets = _own_target(marker, prep, aid, values)
    except (DeriveError, ArithmeticError, TypeError, ValueError, AttributeError):
        mistakes, targets = [], []
    marker.phase(key, WORKING_FACTOR * marker.answer_seconds)
    try:
        return check_working(problem, aid, text, right, values, targets, mistakes,
                             relevance.involves_two(prep.gold, aid))
    except MemoryError:
        return _failed("too large to check (memory limit reached)")
    except RecursionError:
        return _failed("nested too deeply to read")
    except Exception as e:  # noqa: BLE001 - a checker bug must not stop the marking
        return _failed(f"could not be checked ({type(e).__name__}: {str(e)[:100]})")


def _own_target(marker: Marker, prep: Prepared, aid: str, values: dict[str, Any]
                ) -> list[Any]:
    """What the right method gives the answer from the student's own earlier answers."""
    problem = prep.problem
    if not problem.answers[aid].depends:
        return []
    cut = ft.cut(problem, aid, values)
    pins = {d: values[d] for d in cut if ft.differs(values[d], prep.right[d].value)}
    if not pins:
        return []
    pinned = marker._pinned_solve(prep, pins)
    if pinned is None or aid not in pinned.answers:
        return []
    computed = pinned.answers[aid].computed
    return [] if computed is None else [ft.settle(computed)]


def _failed(why: str) -> WorkingResult:
    return WorkingResult((StepResult("", 1, "unreadable", why),), ())
