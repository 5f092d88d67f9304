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
from derive.core.givens import given_symbol
from derive.core.model import Definition, Problem
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


_SOLVED: dict[Any, Solution | Refusal] = {}
_SOLVED_LIMIT = 5000


def generator(seed: int, student: str, problem: str) -> random.Random:
    """The student's own generator for one problem (independent of everyone else's)."""
    digest = hashlib.sha256(f"{seed}\x00{student}\x00{problem}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def draw(assignment: Assignment, ap: AssignedProblem, student: str) -> Variant:
    """The student's well-posed variant of ``ap``, solved and verified."""
    if not ap.vary:
        got = solved(ap, {})
        if isinstance(got, Refusal):
            raise AssignmentError(f"{assignment.path}: {ap.where}: {ap.id} cannot be "
                                  f"assigned as it is: {got.reason}{_vary_hint(ap, got)}")
        return Variant(ap.id, {}, got)
    rng = generator(assignment.seed, student, ap.id)
    reasons: list[Refusal] = []
    for attempt in range(1, MAX_DRAWS + 1):
        sets = {name: rng.choice(values) for name, values in ap.vary.items()}
        got = solved(ap, sets)
        if not isinstance(got, Refusal):
            return Variant(ap.id, sets, got, attempt)
        reasons.append(got)
    hint = _vary_hint(ap, reasons[0]) or "; widen or change the values"
    raise AssignmentError(f"{assignment.path}: {ap.where}.vary: no well-posed variant of "
                          f"{ap.id} for student {student} in {MAX_DRAWS} draws (e.g. "
                          f"{reasons[0].reason}){hint}")


@dataclass(frozen=True)
class Refusal:
    """Why a draw (or the spec's own givens) cannot be handed out."""

    reason: str
    """one line: the draw's values, then what is wrong"""
    answer: str | None = None
    """the answer at fault, when one is (a near tie, a number rounding cannot mark)"""


def _vary_hint(ap: AssignedProblem, refused: Refusal) -> str:
    """What to do about an answer at fault: vary a given it depends on (named)."""
    if refused.answer is None:
        return ""
    names = [n for n in givens_behind(ap.problem, refused.answer) if n not in ap.vary]
    if not names:
        return ""
    return (f"; vary a given {refused.answer} depends on ({', '.join(names)}) under "
            f"{ap.where}.vary")


def givens_behind(problem: Problem, aid: str) -> list[str]:
    """The givens a student's draw could move answer ``aid`` by: those the blocks of its
    part use (through definitions too), less any the spec fixes (min = max)."""
    part = aid.split(".")[0]
    calls = [c for p in problem.parts if p.name == part for c in p.calls] or \
        [c for p in problem.parts for c in p.calls]
    names: set[str] = set()
    todo: list[Any] = [v for c in calls for v in c.args.values()]
    seen: set[str] = set()
    while todo:
        v = todo.pop()
        if isinstance(v, Definition):
            todo.append(v.expr)
        elif isinstance(v, sp.Basic):
            for s in v.free_symbols:
                name = str(s)
                names.add(name)
                if name in problem.definitions and name not in seen:
                    seen.add(name)  # a defined quantity: what it is defined by
                    todo.append(problem.definitions[name])
        elif isinstance(v, dict):
            todo += list(v.values())
        elif isinstance(v, (list, tuple)):
            todo += list(v)
    out = []
    for g in problem.givens.values():
        if g.low is not None and g.low == g.high:
            continue
        own = {g.name} | {str(s) for s in getattr(given_symbol(g), "free_symbols", ())}
        if own & names:
            out.append(g.name)
    return out


def solved(ap: AssignedProblem, sets: dict[str, Any]) -> Solution | Refusal:
    """The verified solution with these givens, or why the draw is ill-posed (memoised:
    students who draw the same numbers share one solve)."""
    key = (ap.ref, tuple((k, sp.srepr(v)) for k, v in sets.items()))
    if key not in _SOLVED:
        if len(_SOLVED) > _SOLVED_LIMIT:
            _SOLVED.clear()
        _SOLVED[key] = _solve(ap, sets)
    return _SOLVED[key]


def _solve(ap: AssignedProblem, sets: dict[str, Any]) -> Solution | Refusal:
    """A draw solved, or refused. A near tie refuses a draw only when a drawn given moves
    the choice (``givens_behind``): the spec's own numbers verify and its author chose
    them (a student whose rounding reverses the order is marked from their own numbers,
    through the choice's ``depends``), so an unvaried problem is assigned as it is."""
    def said(*parts: str) -> str:  # no empty field when nothing was drawn
        return ": ".join(p for p in parts if p)

    shown = ", ".join(f"{k} = {v}" for k, v in sets.items())
    try:
        solution = load_problem(ap.ref, sets).solve()
    except SpecError as e:
        return Refusal(said(shown, e.field, e.message))
    except (DeriveError, ArithmeticError, ValueError, TypeError) as e:
        return Refusal(said(shown, str(e)))
    asked = tuple(ap.points)
    # a tie the draw did not move is the spec's own, as without a draw
    moved = tuple(a for a in asked if set(givens_behind(ap.problem, a)) & set(sets))
    for bad in (unmarkable(solution, asked), remainder_dropped(solution),
                near_tie(solution, moved)):
        if bad:
            return Refusal(said(shown, bad[1]), bad[0])
    return solution


#: why a solved draw is refused: (the answer it is about, when the solution has it; the
#: message, which starts with that answer's id)
Why = tuple[str | None, str]


def unmarkable(solution: Solution, asked: tuple[str, ...]) -> Why | None:
    """Why a number the student must write cannot be marked by the rounding rule."""
    for aid in asked:
        a = solution.answers.get(aid)
        if a is None:
            return None, f"{aid} is not derived"
        if a.kind not in ("number", "matrix"):
            continue
        entries = list(a.value) if isinstance(a.value, sp.MatrixBase) else [a.value]
        for v in entries:
            try:
                x = float(sp.N(v, 20))
            except (TypeError, ValueError):
                return aid, f"{aid} is not a number ({v})"
            if not math.isfinite(x):
                return aid, f"{aid} is not finite"
            if x != 0 and not SMALLEST <= abs(x) <= LARGEST:
                return aid, f"{aid} = {x:.3g} cannot be marked by rounding"
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


def remainder_dropped(solution: Solution) -> Why | None:
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
                    return None, (f"{sp.sstr(f.xreplace(subs))} drops a remainder (a size "
                                  "that is not whole: a stride that does not fit)")
    return None


#: two compared values closer than this, relative to the larger, could change places in
#: a student's working that rounds as the number rule allows (5%): such a choice is a
#: coin toss, not a question, and the draw is redrawn
TIE = 0.05


def near_tie(solution: Solution, asked: tuple[str, ...]) -> Why | None:
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
            return aid, (f"{aid}: {best[1]} = {best[0]:.4g} and {runner[1]} = "
                         f"{runner[0]:.4g} are too close for rounded working to tell apart")
    return None
