"""Marking against an assignment: each file against its student's own variant.

An assignment (built by ``derive.assign``, which this stage does not import) hands the
:class:`~derive.check.mark.marking.Marker` a :class:`Plan`: for a student, the problems
with that student's givens and the points of each asked answer; for an answer, the
values other students' variants expect. Every asked answer is reported for every file
(``missing`` where not answered), each carries its points, and every file is scored out
of the same total.

An incorrect answer that is right for *another* student's numbers is what copying looks
like: it gets the diagnosis ``other-variant`` naming whose numbers it matches; so does one
right for the spec's own numbers (copied from the problem's worked solution).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from derive.check.mark import followthrough as ft
from derive.check.results import Marked, Result
from derive.core.errors import DeriveError
from derive.core.placeholders import shown_value

if TYPE_CHECKING:
    from derive.check.mark.answers import Submission
    from derive.check.mark.marking import Marker, Prepared

#: answer kinds whose value differs between variants in a way worth comparing
COPYABLE = ("number", "matrix", "shape", "expression", "matrix-expression")
#: other variants' values compared per answer, at most
MAX_OTHERS = 400
#: in ``Plan.others``, the "student" whose numbers are the spec's own (those of the
#: problem's worked solution, which a class may have seen)
SPEC_NUMBERS = ""
_ESCAPED = re.compile(r"\\([_&#%$])")


@dataclass(frozen=True)
class Asked:
    """One problem as a student is asked it."""

    problem: str
    givens: dict[str, Any]
    """the student's givens (overrides of the spec's)"""
    points: dict[str, float]
    """asked answer id -> points, in the problem's order"""


class Plan(Protocol):
    paths: dict[str, Path]
    """problem id -> spec file"""
    out_of: float
    follow_through: float
    """the fraction of an answer's points a follow-through answer earns"""

    def asked(self, student: str) -> list[Asked]:
        """The student's problems (raises DeriveError when no variant can be drawn)."""
        ...

    def others(self, problem: str, answer: str) -> list[tuple[Any, tuple[str, ...]]]:
        """(expected value, the students whose variants expect it) per distinct value;
        :data:`SPEC_NUMBERS` among them where the spec's own numbers give that value."""
        ...


def student_id(name: str) -> str:
    """The id as the roster writes it (``s\\_017`` in LaTeX is ``s_017``)."""
    return _ESCAPED.sub(r"\1", name).strip()


def mark_planned(marker: Marker, plan: Plan, sub: Submission,
                 disabled: dict[Any, str]) -> Marked:
    student = student_id(sub.student)
    warnings = list(sub.warnings)
    try:
        asked = plan.asked(student)
    except DeriveError as e:
        return Marked(sub.file, student, error=f"{sub.file}: {e}", warnings=warnings,
                      out_of=plan.out_of)
    names = {a.problem for a in asked}
    for pid in sub.answers:
        if pid not in names:
            warnings.append(f"'{pid}' is not a problem of this assignment; not marked")
    results: list[Result] = []
    for a in asked:
        try:
            prep = marker.prepared(a.problem, a.givens)
        except DeriveError as e:
            return Marked(sub.file, student, warnings=warnings, out_of=plan.out_of,
                          error=f"{sub.file}: problem '{a.problem}' cannot be marked: {e}")
        given = sub.answers.get(a.problem, {})
        extra = [aid for aid in given if aid in prep.problem.answers and aid not in a.points]
        if extra:
            warnings.append(f"{a.problem}: {', '.join(extra)} not asked in this assignment; "
                            "not marked")
        # the sheet's notation and the working behind its answers, as without a plan
        workings = {aid: w for (p, aid), w in sub.working.items()
                    if p == a.problem and aid in a.points}
        rows = marker.mark_problem(prep, {k: v for k, v in given.items() if k not in extra},
                                   disabled, sub.notation, workings)
        flagged: set[str] = set()  # answers found to be another variant's
        for r in rows:
            if r.answer in prep.problem.answers and r.answer not in a.points:
                continue  # not asked (reported by the problem, dropped here)
            # a follow-through answer that is another student's right answer is copied
            # along with the earlier answer it follows from, not worked out; one that
            # follows from the student's own slip (scores without 1/√d, then their
            # softmax: the d = 1 answers) is their own work
            if (r.verdict == "incorrect" or (r.verdict == "follow-through" and flagged
                                             & _upstream(prep.problem, r.answer))) \
                    and ("diagnose", a.problem, r.answer) not in disabled:
                r = _copied(marker, prep, plan, student, r)
            if r.diagnosis == "other-variant":
                flagged.add(r.answer)
            if (a.problem, r.answer) in sub.broken:
                r = replace(r, verdict="unparsable", diagnosis=None, given=None,
                            feedback="could not be read from the file: "
                                     f"{sub.broken[(a.problem, r.answer)]}")
            worth = a.points.get(r.answer, 0.0)
            share = {"correct": 1.0, "follow-through": plan.follow_through}.get(r.verdict, 0.0)
            results.append(replace(r, points=worth * share, max_points=worth))
    return Marked(sub.file, student, results, warnings=warnings, out_of=plan.out_of)


def _upstream(problem: Any, aid: str) -> set[str]:
    """The answers ``aid`` is computed from, directly or through others (``depends``)."""
    out: set[str] = set()
    todo = list(problem.answers[aid].depends) if aid in problem.answers else []
    while todo:
        d = todo.pop()
        if d not in out and d in problem.answers:
            out.add(d)
            todo.extend(problem.answers[d].depends)
    return out


def _copied(marker: Marker, prep: Prepared, plan: Plan, student: str, r: Result) -> Result:
    """``r`` diagnosed ``other-variant`` when it is right for another student's numbers."""
    spec = prep.problem.answers[r.answer]
    if r.given is None or spec.kind not in COPYABLE:
        return r
    if r.diagnosis in {m.code for m in prep.mistakes.get(r.answer, ())}:
        # a mistake the spec's author declared explains it from the student's own numbers
        # (scores without 1/√d are also the d = 1 answer); a generic one may be chance
        return r
    own = prep.right[r.answer].value
    whose: list[str] = []
    try:
        for value, students in plan.others(prep.problem.id, r.answer)[:MAX_OTHERS]:
            if student in students or not ft.differs(value, own):
                continue
            marker.phase(("diagnose", prep.problem.id, r.answer), 2 * marker.answer_seconds)
            if marker._matches(prep, r.answer, r.given, value):
                whose += [s for s in students if s != student]
                if len(whose) >= 3:
                    break
    except (DeriveError, ArithmeticError, TypeError, ValueError, AttributeError,
            RecursionError, MemoryError):
        return r
    if not whose:
        return r
    names = [s for s in whose if s != SPEC_NUMBERS]
    parts = [f"the numbers of {', '.join(names[:3])}{' and others' if len(names) > 3 else ''}"
             + _givens_that_differ(plan, prep.problem.id, student, names)] if names else []
    if SPEC_NUMBERS in whose:
        parts.append("the problem's own numbers (those of its worked solution)")
    return replace(r, verdict="incorrect", diagnosis="other-variant",
                   feedback=f"this is the answer for {' and for '.join(parts)}, not for yours "
                            f"(yours give {r.expected})")


#: varied givens named in other-variant feedback, at most
_MAX_NAMED_GIVENS = 3


def _givens_that_differ(plan: Plan, problem: str, student: str, others: list[str]) -> str:
    """`` (d = 1; yours: d = 4)``: the varied givens on which the other students whose
    answer it is all agree, each differing from the student's own. With few values drawn,
    a common slip can land on another variant's answer (scores without 1/√d are those of
    d = 1), so the marker is shown what differs, not only names; '' when nothing does."""
    def givens(sid: str) -> dict[str, Any]:
        return next((a.givens for a in plan.asked(sid) if a.problem == problem), {})

    try:
        own, theirs = givens(student), [givens(o) for o in others]
    except DeriveError:
        return ""
    differ = [k for k in theirs[0] if k in own and ft.differs(theirs[0][k], own[k])
              and all(k in t and not ft.differs(t[k], theirs[0][k]) for t in theirs)]
    if not differ or len(differ) > _MAX_NAMED_GIVENS:
        return ""
    return (f" ({', '.join(f'{k} = {shown_value(theirs[0][k])}' for k in differ)}; yours: "
            f"{', '.join(f'{k} = {shown_value(own[k])}' for k in differ)})")
