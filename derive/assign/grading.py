"""``derive check --assignment``: every file marked against its student's own variant,
scored out of the assignment's points; the class gradebook and the LMS exports.

Before marking, the variants of the whole class (the roster, else the students the files
name) are drawn and solved in worker processes: each marking worker then knows every
student's numbers, which is what the ``other-variant`` diagnosis compares against.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.assign.assignment import Assignment, load_assignment
from derive.assign.roster import Roster, read_roster
from derive.assign.variants import Drawn, Refusal, draw, drawn, solved
from derive.check.mark.answers import read_regular, tex_student
from derive.check.mark.planned import SPEC_NUMBERS, Asked, student_id
from derive.check.report.safe_text import SafeWriter
from derive.check.results import VERDICTS, Marked
from derive.core.errors import UsageError
from derive.core.spec import find_problem

#: ``student:`` in a YAML file, ``\student{…}`` in a LaTeX one (read before marking only
#: to know the class; the marking workers read the files properly)
_YAML_STUDENT = re.compile(r"^student:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.M)
_SCAN_BYTES = 1_000_000


@dataclass
class ClassPlan:
    """The :class:`~derive.check.mark.planned.Plan` of an assignment for a class."""

    assignment: Assignment
    drawn: dict[str, dict[str, Drawn]]
    """student -> problem -> the numbers drawn (the class, drawn before marking)"""
    follow_through: float = 1.0
    paths: dict[str, Path] = field(default_factory=dict)
    roster: Roster | None = None
    _others: dict[tuple[str, str], list[tuple[Any, tuple[str, ...]]]] = field(
        default_factory=dict)

    def __post_init__(self) -> None:
        self.paths = {ap.id: find_problem(ap.ref) for ap in self.assignment.problems}

    @property
    def out_of(self) -> float:
        return float(self.assignment.out_of)

    def notes(self, marked: list[Marked]) -> list[str]:
        """What the per-student outputs (gradebook, LMS export) decided for the marker to
        see: a student with several files (the first is the one counted) and files whose
        student is not on the roster (marked with numbers drawn for that id)."""
        files: dict[str, list[str]] = {}
        for m in marked:
            files.setdefault(m.student, []).append(m.file)
        out = [f"{sid} has {len(fs)} files ({', '.join(fs[:3])}"
               f"{f' and {len(fs) - 3} more' if len(fs) > 3 else ''}); the gradebook and "
               f"--lms count the first, {fs[0]}" for sid, fs in files.items() if len(fs) > 1]
        if self.roster is not None:
            unread = {m.file for m in marked if m.error}  # said on their own line
            off = [(sid, f) for sid, fs in files.items() if sid not in self.roster.rows
                   for f in fs[:1] if f not in unread]
            if off:
                shown = ", ".join(f"{sid} ({f})" for sid, f in off[:5])
                out.append(f"{len(off)} file(s) name a student not on the roster: {shown}"
                           f"{' and others' if len(off) > 5 else ''}; each was marked "
                           "with numbers drawn for that id")
        return out

    def asked(self, student: str) -> list[Asked]:
        got = self.drawn.get(student)
        if got is None:  # a student outside the class drawn beforehand: drawn here
            got = {ap.id: drawn(ap, draw(self.assignment, ap, student))
                   for ap in self.assignment.problems}
            self.drawn[student] = got
        return [Asked(ap.id, got[ap.id].givens, {a: float(p) for a, p in ap.points.items()})
                for ap in self.assignment.problems]

    def others(self, problem: str, answer: str) -> list[tuple[Any, tuple[str, ...]]]:
        key = (problem, answer)
        if key not in self._others:
            by_value: dict[str, tuple[Any, list[str]]] = {}
            for sid, vs in self.drawn.items():
                v = vs.get(problem)
                if v is None or answer not in v.values:
                    continue
                value = v.values[answer]
                by_value.setdefault(repr(value), (value, []))[1].append(sid)
            own = self._spec_value(problem, answer)
            if own is not None:
                by_value.setdefault(repr(own), (own, []))[1].append(SPEC_NUMBERS)
            self._others[key] = [(v, tuple(s)) for v, s in by_value.values()]
        return self._others[key]

    def _spec_value(self, problem: str, answer: str) -> Any:
        """The answer's value for the spec's own numbers, when the assignment varies them
        (None otherwise, or when those numbers are refused as a draw)."""
        ap = next((ap for ap in self.assignment.problems if ap.id == problem), None)
        if ap is None or not ap.vary:
            return None
        got = solved(ap, {})  # memoised per process
        if isinstance(got, Refusal) or answer not in got.answers:
            return None
        return got.answers[answer].value


def scan_students(files: list[str]) -> list[str]:
    """The student ids the files name (the file name where none is named)."""
    out: list[str] = []
    for f in files:
        try:  # never blocks on a FIFO nor reads a device (a file swapped for one)
            data = read_regular(Path(f), _SCAN_BYTES)
        except OSError:
            continue
        if isinstance(data, str):  # not a regular file or too large: marking says so
            continue
        text = data.decode("utf-8", errors="replace")
        if f.lower().endswith(".tex"):
            named = tex_student(text)
        else:
            m = _YAML_STUDENT.search(text)
            named = m.group(1) if m else None
        sid = student_id(named) if named else Path(f).stem
        if sid and len(sid) <= 200 and sid not in out:
            out.append(sid)
    return out


def gradebook_csv(marked: list[Marked], roster: Roster | None, assignment: Assignment,
                  follow_through: float) -> str:
    """One row per roster student (without a file: every answer missing, 0 points), the
    roster's other columns kept, a column per asked answer (its points); students with a
    file but not on the roster follow, marked so."""
    answers = [f"{ap.id}/{a}" for ap in assignment.problems for a in ap.points]
    extra_cols = [c for c in (roster.columns if roster else ()) if c.lower() != "student"]
    buf = io.StringIO()
    w = SafeWriter(buf)  # students' ids, file names, roster columns: their text
    w.writerow(["student", *extra_cols, "file", "points", "out_of", *VERDICTS, "error",
                "note", *answers])
    by_student: dict[str, Marked] = {}
    for m in marked:
        by_student.setdefault(m.student, m)
    out_of = float(assignment.out_of)
    order = list(roster.students) if roster else list(by_student)
    if roster:
        order += [s for s in by_student if s not in roster.rows]
    for sid in order:
        m = by_student.get(sid)
        row = roster.rows.get(sid, {}) if roster else {}
        note = "" if not roster or sid in roster.rows else "not on the roster"
        twice = [x.file for x in marked if x.student == sid]
        if len(twice) > 1:
            note = (note + "; " if note else "") + "several files: " + ", ".join(twice)
        cells = [sid, *(row.get(c, "") for c in extra_cols)]
        if m is None:
            counts = {v: (len(answers) if v == "missing" else 0) for v in VERDICTS}
            w.writerow([*cells, "", "0", f"{out_of:g}", *(counts[v] for v in VERDICTS),
                        "", note or "no answer file", *("0" for _ in answers)])
            continue
        s = m.score()
        got = {f"{r.problem}/{r.answer}": r.points or 0.0 for r in m.results}
        w.writerow([*cells, m.file, f"{s.get('points', 0):g}", f"{out_of:g}",
                    *(s[v] if not m.error else "" for v in VERDICTS), m.error or "", note,
                    *(f"{got.get(a, 0):g}" for a in answers)])
    return buf.getvalue()


def lms_csv(marked: list[Marked], roster: Roster | None, assignment: Assignment) -> str:
    """The plain export an LMS imports: ``student,total`` (every roster student)."""
    total = {}
    for m in marked:
        total.setdefault(m.student, m.score().get("points", 0) if not m.error else 0)
    order = list(roster.students) if roster else list(total)
    buf = io.StringIO()
    w = SafeWriter(buf)  # students' ids, file names, roster columns: their text
    w.writerow(["student", "total"])
    for sid in order:
        w.writerow([sid, f"{total.get(sid, 0):g}"])
    return buf.getvalue()


def plan_for(assignment_path: str, roster_path: str | None, files: list[str],
             follow_through: float, jobs: int) -> tuple[ClassPlan, Roster | None]:
    """Load the assignment and roster, and draw the class's variants (in workers)."""
    from derive.assign.command import draw_class

    assignment = load_assignment(assignment_path)
    roster = read_roster(roster_path) if roster_path else None
    students = list(roster.students) if roster else []
    students += [s for s in scan_students(files) if s not in students]
    if not students:
        raise UsageError("no students: give answer files or --roster")
    handouts = draw_class(assignment, tuple(students), jobs, render=False)
    return ClassPlan(assignment, {sid: h.drawn for sid, h in handouts.items()},
                     follow_through, roster=roster), roster


def assignment_request(req: Any, assignment_path: str, roster_path: str | None,
                       lms: str | None) -> Any:
    """The ``CheckRequest`` of ``derive check --assignment``: the class's plan handed to
    the marking workers, the gradebook (``--csv``) and the LMS export as outputs."""
    from dataclasses import replace

    from derive.check.mark.discover import find_answer_files, require_files
    from derive.check.mark.files import same_file

    found = find_answer_files(req.answers)
    require_files(found)
    files = list(found.files)
    for out, what in ((req.output, "--output"), (req.csv, "--csv"), (lms, "--lms"),
                      (req.gradescope, "--gradescope")):
        for i in (assignment_path, roster_path):
            if out and i and same_file(out, i):
                raise UsageError(f"{what} {out} is the assignment or the roster; choose "
                                 "another name (inputs are never written over)")
    plan, roster = plan_for(assignment_path, roster_path, files, req.follow_through_credit,
                            req.batch.jobs)
    a = plan.assignment
    outputs = list(req.outputs)
    if req.csv:
        outputs.append((req.csv, "--csv", lambda marked: gradebook_csv(
            marked, roster, a, req.follow_through_credit)))
    if lms:
        outputs.append((lms, "--lms", lambda marked: lms_csv(marked, roster, a)))
    return replace(req, csv=None, outputs=tuple(outputs), found=found,
                   batch=replace(req.batch, plan=plan), worked=lambda m: worked_of(plan, m))


def worked_of(plan: ClassPlan, m: Marked) -> dict[str, str]:
    """The worked solutions of the student's own variant (for the feedback documents)."""
    from derive.assign.documents import worked_blocks
    from derive.assign.variants import Refusal, solved

    out: dict[str, str] = {}
    for ap in plan.assignment.problems:
        got = plan.drawn.get(m.student, {}).get(ap.id)
        s = solved(ap, got.givens) if got is not None else None
        if s is not None and not isinstance(s, Refusal):
            out[ap.id] = "\n\n".join(b.tex for b in worked_blocks(s)) + "\n"
    return out
