"""Each student's numbers: drawn from (seed, student id), redrawn when ill-posed, solved.

A draw is a choice of one value per varied given, made by a generator seeded with a hash
of the seed, the student id and the problem id: the same seed and student always get
the same numbers, whatever the roster's order or who else is in it. A draw is *ill-posed*
(and the next one is taken, from the same generator) when the spec refuses the values (a
size that is not whole, a stride that does not fit), when solving fails, when an
independent verification fails, or when a number answer is one the rounding rule cannot
mark (not finite, or a non-zero value below 1e-6 or above 1e9 in size: a student writing
it to a few decimals cannot be told right from wrong).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assign.assignment import AssignedProblem, Assignment
from derive.core.derivation import Solution
from derive.core.errors import DeriveError, SpecError, UsageError
from derive.core.spec import load_problem

#: draws tried per student and problem before the assignment is refused
MAX_DRAWS = 50
SMALLEST, LARGEST = 1e-6, 1e9


class AssignmentError(UsageError):
    """No well-posed variant could be drawn (exit 2, like a bad spec)."""


@dataclass(frozen=True)
class Variant:
    """One student's version of one problem."""

    problem: str
    givens: dict[str, Any]
    """the varied givens -> this student's exact values (the others keep the spec's)"""
    solution: Solution
    draws: int = 1
    """how many draws it took (more than 1: earlier ones were ill-posed)"""


_SOLVED: dict[Any, Solution | str] = {}
_SOLVED_LIMIT = 5000


def generator(seed: int, student: str, problem: str) -> random.Random:
    """The student's own generator for one problem (independent of everyone else's)."""
    digest = hashlib.sha256(f"{seed}\x00{student}\x00{problem}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def draw(assignment: Assignment, ap: AssignedProblem, student: str) -> Variant:
    """The student's well-posed variant of ``ap``, solved and verified."""
    if not ap.vary:
        got = solved(ap, {})
        if isinstance(got, str):
            raise AssignmentError(f"{assignment.path}: {ap.where}: {ap.id} does not solve: "
                                  f"{got}")
        return Variant(ap.id, {}, got)
    rng = generator(assignment.seed, student, ap.id)
    reasons: list[str] = []
    for attempt in range(1, MAX_DRAWS + 1):
        sets = {name: rng.choice(values) for name, values in ap.vary.items()}
        got = solved(ap, sets)
        if not isinstance(got, str):
            return Variant(ap.id, sets, got, attempt)
        reasons.append(got)
    raise AssignmentError(f"{assignment.path}: {ap.where}.vary: no well-posed variant of "
                          f"{ap.id} for student {student} in {MAX_DRAWS} draws (e.g. "
                          f"{reasons[0]}); widen or change the values")


def solved(ap: AssignedProblem, sets: dict[str, Any]) -> Solution | str:
    """The verified solution with these givens, or why the draw is ill-posed (memoised:
    students who draw the same numbers share one solve)."""
    key = (ap.ref, tuple((k, sp.srepr(v)) for k, v in sets.items()))
    if key not in _SOLVED:
        if len(_SOLVED) > _SOLVED_LIMIT:
            _SOLVED.clear()
        _SOLVED[key] = _solve(ap, sets)
    return _SOLVED[key]


def _solve(ap: AssignedProblem, sets: dict[str, Any]) -> Solution | str:
    shown = ", ".join(f"{k} = {v}" for k, v in sets.items())
    try:
        solution = load_problem(ap.ref, sets).solve()
    except SpecError as e:
        return f"{shown}: {e.field}: {e.message}"
    except (DeriveError, ArithmeticError, ValueError, TypeError) as e:
        return f"{shown}: {e}"
    bad = (unmarkable(solution, tuple(ap.points)) or remainder_dropped(solution)
           or near_tie(solution, tuple(ap.points)))
    return f"{shown}: {bad}" if bad else solution


def unmarkable(solution: Solution, asked: tuple[str, ...]) -> str | None:
    """Why a number the student must write cannot be marked by the rounding rule."""
    for aid in asked:
        a = solution.answers.get(aid)
        if a is None:
            return f"{aid} is not derived"
        if a.kind not in ("number", "matrix"):
            continue
        entries = list(a.value) if isinstance(a.value, sp.MatrixBase) else [a.value]
        for v in entries:
            try:
                x = float(sp.N(v, 20))
            except (TypeError, ValueError):
                return f"{aid} is not a number ({v})"
            if not math.isfinite(x):
                return f"{aid} is not finite"
            if x != 0 and not SMALLEST <= abs(x) <= LARGEST:
                return f"{aid} = {x:.3g} cannot be marked by rounding"
    return None


def draw_all(assignment: Assignment, student: str) -> dict[str, Variant]:
    """Problem id -> the student's variant, for every problem of the assignment."""
    return {ap.id: draw(assignment, ap, student) for ap in assignment.problems}


@dataclass(frozen=True)
class Drawn:
    """What the key and the marking need of one student's variant: plain, picklable
    data (a worker process sends it back; a Solution holds closures and cannot go)."""

    givens: dict[str, Any]
    """the varied givens -> exact values"""
    answers: dict[str, dict[str, Any]]
    """asked answer id -> the interface's answer JSON (kind, value, latex)"""
    values: dict[str, Any]
    """asked answer id -> exact value"""
    draws: int


def drawn(ap: AssignedProblem, v: Variant) -> Drawn:
    from derive.render.json import answer_dict

    answers = v.solution.answers
    return Drawn(dict(v.givens), {a: answer_dict(answers[a]) for a in ap.points},
                 {a: answers[a].value for a in ap.points}, v.draws)


def remainder_dropped(solution: Solution) -> str | None:
    """A size the derivation rounded down (``⌊(n + 2p − k)/s⌋`` of a number that is not
    whole: a stride that does not fit, leaving cells unread). Fine in a textbook's
    general formula, ill-posed as a drawn exercise: redrawn."""
    from derive.core.derivation import Step
    from derive.core.notation import Floor, Written

    for item in solution.items:
        if not isinstance(item, Step):
            continue
        subs = dict(item.subs)
        for part in (item.before, item.after):
            if not isinstance(part, sp.Basic):
                continue
            for f in part.atoms(Floor):
                inner = f.args[0].xreplace(subs) if subs else f.args[0]
                try:
                    x = inner.value() if isinstance(inner, Written) else inner
                except (TypeError, ValueError, ArithmeticError, NotImplementedError):
                    continue
                if isinstance(x, sp.Basic) and x.is_number and not x.is_integer:
                    return (f"{sp.sstr(f.xreplace(subs))} drops a remainder (a size that "
                            "is not whole: a stride that does not fit)")
    return None


#: two compared values closer than this, relative to the larger, could change places in
#: a student's working that rounds as the number rule allows (5%): such a choice is a
#: coin toss, not a question, and the draw is redrawn
TIE = 0.05


def near_tie(solution: Solution, asked: tuple[str, ...]) -> str | None:
    """An asked choice decided by comparing numbers (the ``compare`` step of ``choose``)
    that rounding could reverse."""
    from derive.core.derivation import Step

    for aid in asked:
        a = solution.answers.get(aid)
        if a is None or a.kind != "choice" or a.item is None:
            continue
        item = solution.items[a.item]
        if not isinstance(item, Step) or item.rule != "compare" \
                or not isinstance(item.before, sp.Basic):
            continue
        compared = sorted((float(eq.rhs), str(eq.lhs)) for eq in item.before.args
                          if isinstance(eq, sp.Eq) and eq.rhs.is_number)
        if len(compared) < 2:
            continue
        best = compared[0] if str(a.value) == compared[0][1] else compared[-1]
        others = [c for c in compared if c is not best]
        runner = min(others, key=lambda c: abs(c[0] - best[0]))
        scale = max(abs(best[0]), abs(runner[0]))
        if abs(best[0] - runner[0]) <= TIE * scale:
            return (f"{aid}: {best[1]} = {best[0]:.4g} and {runner[1]} = {runner[0]:.4g} "
                    "are too close for rounded working to tell apart")
    return None
