"""What ``derive assign`` does (the Click wrapper is in cli.py).

Every student's variants are drawn, solved and verified (in worker processes) and their
documents rendered *before* anything is written: an assignment that cannot be handed out
to every student writes nothing. Then, under ``-o DIR``::

    DIR/<student>/questions.tex (.pdf)   statements and givens with the student's numbers
    DIR/<student>/answers.tex            the answer sheet: id filled in, numbers beside boxes
    DIR/<student>/solutions.tex (.pdf)   the worked solutions of the student's variant
    DIR/key.json, DIR/key.csv            every student's givens and expected answers
    DIR/summary.txt                      the variants drawn
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive.assign import documents, key
from derive.assign.assignment import Assignment, load_assignment
from derive.assign.roster import Roster, class_list
from derive.assign.variants import AssignmentError, Drawn, draw_all, drawn
from derive.core.errors import DeriveError, UsageError


@dataclass(frozen=True)
class AssignRequest:
    assignment: str
    roster: str | None = None
    students: int | None = None
    output: str | None = None
    fmt: str = "text"
    pdf: bool = True
    jobs: int = 0
    force: bool = False


@dataclass(frozen=True)
class Handout:
    """What one student gets (rendered in a worker, written by the parent)."""

    student: str
    drawn: dict[str, Drawn]
    """problem id -> the student's numbers and expected answers"""
    questions: str = ""
    answers: str = ""
    solutions: str = ""


_JOB: dict[str, Any] = {}


def _task(student: str) -> Handout | str:
    """A worker's task: draw, solve and verify one student's variants (and render the
    documents unless only the numbers are wanted)."""
    a: Assignment = _JOB["assignment"]
    try:
        vs = draw_all(a, student)
        got = {ap.id: drawn(ap, vs[ap.id]) for ap in a.problems}
        if not _JOB["render"]:
            return Handout(student, got)
        return Handout(student, got, documents.questions_tex(a, student, vs),
                       documents.answer_sheet_tex(a, student, vs),
                       documents.solutions_tex(a, student, vs))
    except DeriveError as e:
        return str(e)


def draw_class(assignment: Assignment, students: tuple[str, ...], jobs: int = 0,
               render: bool = True) -> dict[str, Handout]:
    """Every student's handout (``render=False``: the numbers only), in roster order, from
    worker processes; raises the first error (so nothing is written then)."""
    from derive.check.mark.batch import default_jobs
    from derive.core.lifetime import die_with_parent

    jobs = max(1, min(jobs or default_jobs(), len(students)))
    _JOB.update(assignment=assignment, render=render)
    try:
        if jobs == 1:
            got = [_task(s) for s in students]
        else:
            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            # workers die with this process, and take the pool's SIGTERM at exit
            # silently (the CLI's SIGTERM-as-Ctrl-C handler would make it a traceback)
            with ctx.Pool(jobs, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
                got = list(pool.imap(_task, students,
                                     chunksize=max(1, len(students) // (8 * jobs))))
    finally:
        _JOB.clear()
    out: dict[str, Handout] = {}
    for sid, h in zip(students, got, strict=True):
        if isinstance(h, str):
            raise AssignmentError(h)
        out[sid] = h
    return out


#: why no PDF was made on a machine without TeX (not a failure: the .tex files are there)
NO_TEX = "pdflatex is not installed (the .tex files are written; --no-pdf skips this)"


def run_assign(req: AssignRequest) -> int:
    """Draw, solve, verify, render, then write; the exit code (1: some PDF failed to
    compile; the .tex files are written)."""
    if req.fmt not in ("text", "json"):
        raise UsageError(f"--format {req.fmt}: expected text or json")
    assignment = load_assignment(req.assignment)
    roster: Roster = class_list(req.roster, req.students)
    out = Path(req.output or Path("output") / Path(req.assignment).stem)
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: expected a directory")
    handouts = draw_class(assignment, roster.students, req.jobs)
    numbers = {sid: h.drawn for sid, h in handouts.items()}
    written = _write(out, assignment, handouts, numbers, req.force, req.roster)
    failed = _compile(out, roster.students, req.jobs) if req.pdf else []
    if req.fmt == "json":
        sys.stdout.write(key.interface_json(assignment, numbers))
    else:
        sys.stdout.write(key.summary_text(assignment, numbers))
    sys.stdout.flush()
    print(f"derive: wrote {written} files for {len(roster.students)} students in {out}/ "
          f"(key: {out / 'key.csv'})", file=sys.stderr)
    if failed:
        print(f"derive: {len(failed)} PDFs not compiled (first: {failed[0]})",
              file=sys.stderr)
    return 1 if any(f != NO_TEX for f in failed) else 0


def _write(out: Path, assignment: Assignment, handouts: dict[str, Handout],
           drawn: key.Class, force: bool, roster_path: str | None = None) -> int:
    from derive.check.mark.files import atomic_write, same_file

    files: list[tuple[Path, str]] = []
    for sid, h in handouts.items():
        d = out / sid
        files += [(d / "questions.tex", h.questions), (d / "answers.tex", h.answers),
                  (d / "solutions.tex", h.solutions)]
    files += [(out / "key.json", key.key_json(assignment, drawn)),
              (out / "key.csv", key.key_csv(assignment, drawn)),
              (out / "summary.txt", key.summary_text(assignment, drawn))]
    inputs = [p for p in (assignment.path, roster_path) if p]
    for path, _ in files:
        if any(same_file(path, i) for i in inputs):
            raise UsageError(f"-o {out}: writing {path} would replace an input (the "
                             "assignment or the roster); choose another -o")
    if not force:
        filled = [p for p, _ in files if p.name == "answers.tex" and _has_answers(p)]
        if filled:
            raise UsageError(f"{filled[0]} holds answers written in it ({len(filled)} such "
                             "answer sheets under -o); use another -o, or --force to replace "
                             "them")
    for path, text in files:
        atomic_write(path, text, force=force)
    return len(files)


_COMMENT = re.compile(r"(?<!\\)%.*$", re.M)
_FILLED = re.compile(r"\\answer\{[^{}]*\}\{\s*[^\s}]")


def _has_answers(path: Path) -> bool:
    """Whether an existing answer sheet has something written in a box (a student's or
    a grader's copy, which a new handout must not replace unasked)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = _COMMENT.sub("", f.read(2_000_000))
        return _FILLED.search(text) is not None
    except OSError:
        return False


def _compile(out: Path, students: tuple[str, ...], jobs: int) -> list[str]:
    """Compile every questions.tex and solutions.tex; the reasons of those that failed."""
    from derive.check.mark.batch import default_jobs
    from derive.render.tex_compile import compile_reason, have_tex

    if not have_tex():
        return [NO_TEX]
    texs = [out / sid / name for sid in students for name in ("questions.tex",
                                                             "solutions.tex")]
    print(f"derive: compiling {len(texs)} PDFs (a second or two each; --no-pdf skips this)",
          file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs())) as pool:
        reasons = list(pool.map(compile_reason, texs))
    return [f"{t}: {r}" for t, r in zip(texs, reasons, strict=True) if r]
