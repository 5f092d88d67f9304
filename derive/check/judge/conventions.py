"""A convention switched, found without a declaration in the spec.

A block argument named ``convention`` with declared choices (momentum: ``sum`` for
v = βv + g, ``average`` for v = βv + (1−β)g) is a place where courses disagree, and where
students switch, sometimes midway through a sheet. For every answer of that block's part,
each other choice is a candidate mistake: the problem re-solved with it, either whole (the
student used the other convention throughout) or from the student's own earlier values
(they switched at this step). The marker solves the candidates; this module names them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.check.judge.diagnoses import (
    CATALOGUE,
    Diagnosis,
    Mistake,
    Situation,
    build_variant,
    fill,
    quoted,
    show,
)
from derive.check.read.values import same_value
from derive.core.model import Problem

#: what each convention is, in the words of the feedback
_MEANING = {"sum": "the plain momentum v = βv + g",
            "average": "the averaged momentum v = βv + (1−β)g"}


def close(a: Any, b: Any) -> bool:
    """Equal to far below any marking tolerance (a float-solved variant vs the exact)."""
    try:
        fa = [float(v) for v in (a if hasattr(a, "__iter__") else [a])]
        fb = [float(v) for v in (b if hasattr(b, "__iter__") else [b])]
    except (TypeError, ValueError):
        return same_value(a, b)
    return len(fa) == len(fb) and all(abs(x - y) <= 1e-12 * max(1.0, abs(y))
                                      for x, y in zip(fa, fb, strict=True))


def convention_mistakes(problem: Problem) -> dict[str, tuple[Mistake, ...]]:
    """answer id -> the other conventions of its part's blocks, as variant mistakes."""
    from derive.core.registry import registered

    by_part: dict[str, list[Mistake]] = {}
    for part in problem.parts:
        for call in part.calls:
            blk = registered(call.block)
            param = blk.params.get("convention") if blk is not None else None
            if param is None or not param.choices:
                continue
            used = str(call.args.get("convention") or param.default)
            for other in param.choices:
                if other == used:
                    continue
                feedback = ("{given} follows " + _MEANING.get(other, f"the '{other}' "
                            "convention") + " ({value}); this problem uses "
                            + _MEANING.get(used, f"the '{used}' convention")
                            + " (expected {expected})")
                by_part.setdefault(part.name, []).append(Mistake(
                    "momentum-convention", f"{call.where}.convention",
                    args=((f"{call.where}.convention", other),), feedback=feedback))
    return {aid: tuple(by_part[aid.split(".")[0]]) for aid in problem.answers
            if aid.split(".")[0] in by_part}


def switched_value(problem: Problem, raw: dict[str, Any], m: Mistake, aid: str,
                   pins: dict[str, Any] | None = None) -> Any:
    """Answer ``aid`` as the problem gives it under the mistake's convention: solved whole,
    or (``pins``) from the student's own earlier values, the step itself computed anew."""
    variant = build_variant(problem, raw, m, floats=True).solve(pins=pins or None,
                                                                 verify=False)
    answer = variant.answers.get(aid)
    if answer is None:
        return None
    return answer.computed if pins and answer.computed is not None else answer.value


def diagnose_switch(sit: Situation, mistakes: tuple[Mistake, ...], expected: str,
                    values: Callable[[Mistake], list[Any]]) -> Diagnosis | None:
    """The first convention switch the answer matches (``values``: the candidates' values
    of this answer, whole and from the student's own earlier values).

    A choice has two or three values, so another convention picks the student's by
    chance half the time: it is named only when the student's own earlier values differ
    from the right ones (``sit.contexts`` has them), which is what would show the
    convention; "gd" on a sheet without momentum values is just the wrong choice."""
    if sit.spec.kind == "choice" and len(sit.contexts) < 2:
        return None
    for m in mistakes:
        for value in values(m):
            if value is None or same_value(value, sit.gold) or not sit.matches(value):
                continue
            return Diagnosis(m.code, fill(m.feedback or CATALOGUE[m.code],
                                          quoted(sit.text, sit.spec.kind), expected,
                                          show(value), {}))
    return None


class Switches:
    """The marker's cache of candidate switches and of their midway solves."""

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def mistakes(self, key: Any, problem: Problem, aid: str) -> tuple[Mistake, ...]:
        if ("mistakes", key) not in self._cache:
            self._cache[("mistakes", key)] = convention_mistakes(problem)
        return self._cache[("mistakes", key)].get(aid, ())

    def values(self, prep: Any, m: Mistake, aid: str, student: dict[str, Any],
               pins_for: Callable[..., dict[str, Any]], whole: Any) -> list[Any]:
        """The candidate values of ``aid``: the whole variant's (``whole``), then the midway
        one, solved only when the convention changes this answer at all."""
        if whole is None or close(whole, prep.right[aid].value):
            return []  # the convention does not change this answer (variants solve in floats)
        return [whole, self.midway(prep, m, aid, student, pins_for)]

    def midway(self, prep: Any, m: Mistake, aid: str, student: dict[str, Any],
               pins_for: Callable[..., dict[str, Any]]) -> Any:
        """Answer ``aid`` under the mistake's convention from the student's own values of
        the answers it depends on (``prep``: the marker's prepared problem; ``pins_for``:
        follow-through's pin set of those values)."""
        earlier = {a: v for a, v in student.items() if aid in prep.descendants.get(a, set())}
        if not earlier:
            return None
        pins = pins_for(prep.right, earlier, prep.descendants)
        key = (prep.key, m.args, aid, frozenset((a, str(v)) for a, v in pins.items()))
        if key not in self._cache:
            try:
                self._cache[key] = switched_value(prep.problem, prep.raw, m, aid, pins)
            except Exception:  # noqa: BLE001 - a variant that fails is not a diagnosis
                self._cache[key] = None
        return self._cache[key]
