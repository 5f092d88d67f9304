"""What ``derive check`` and ``derive template`` do (the Click wrappers are in cli.py)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive.check.mark.batch import BatchOptions, progress_bar, run_batch
from derive.check.mark.discover import (
    Found,
    Skipped,
    find_answer_files,
    require_files,
)
from derive.check.mark.files import atomic_write, looks_like_answers, refuse_inputs
from derive.check.report.safe_text import terminal_text
from derive.check.results import Marked
from derive.core.errors import UsageError
from derive.core.outputs import file_keys


@dataclass(frozen=True)
class CheckRequest:
    answers: tuple[str, ...]
    fmt: str = "text"
    output: str | None = None
    summary: bool = False
    gradescope: str | None = None
    csv: str | None = None
    feedback: str | None = None
    pdf: bool = True
    follow_through_credit: float = 1.0
    batch: BatchOptions = BatchOptions()
    outputs: tuple[tuple[str, str, Callable[[list[Marked]], str]], ...] = ()
    """more files to write from the marked files: (path, option that named it, content);
    an assignment's gradebook and exports"""
    worked: Callable[[Marked], dict[str, str]] | None = None
    """the worked solutions a file's feedback shows (problem -> LaTeX), when they differ
    per file (an assignment: the student's own variant); the spec's own otherwise"""
    working_credit: float = 0.0
    """points of a wrong answer whose working is right up to a late slip"""
    force: bool = False
    """replace an output file that looks like a student's answers (never an input)"""
    gradescope_expected: str = "after_due_date"
    """Gradescope visibility of the tests that show an expected answer"""
    found: Found | None = None
    """the files to mark and the paths skipped, when already looked up (an assignment)"""


def run_check(req: CheckRequest) -> int:
    """Mark, report, write the requested outputs; the exit code (1: some file failed)."""
    found = req.found or find_answer_files(req.answers)
    require_files(found)
    files = list(found.files)
    if req.gradescope and len(files) != 1:
        raise UsageError("--gradescope writes the results.json of one submission (Gradescope "
                         f"runs the autograder once per student); {len(files)} files given")
    if not 0 <= req.follow_through_credit <= 1:
        raise UsageError("--follow-through-credit: expected a fraction between 0 and 1")
    if not 0 <= req.working_credit <= 1:
        raise UsageError("--working-credit: expected a fraction between 0 and 1")
    for out, what in _report_outputs(req):
        refuse_inputs(out, files, what)
        if not req.force and looks_like_answers(out):  # before marking, not after
            raise UsageError(f"{what} {out}: holds a student's answers; choose another "
                             "name (or --force to replace it)")
    if req.feedback and Path(req.feedback).exists() and not Path(req.feedback).is_dir():
        raise UsageError(f"--feedback {req.feedback}: expected a directory")
    documents = _feedback_names(req, files)
    refuse_clashes(named_outputs(req, documents))

    for line in found.skipped:  # each said once, now; the others are marked
        print(f"derive: {terminal_text(str(line))}", file=sys.stderr)
    try:
        marked = _mark(files, req.batch)
    except KeyboardInterrupt:
        print("derive: interrupted; nothing was written", file=sys.stderr)
        return 130
    plan = req.batch.plan
    if plan is not None:  # a file that failed before its variant was known scores 0 of it
        for m in marked:
            if m.out_of is None:
                m.out_of = plan.out_of
    _report(marked, req, found.skipped)
    if req.gradescope:
        from derive.check.report.formats import gradescope_json

        atomic_write(req.gradescope, gradescope_json(
            marked[0], req.follow_through_credit, req.working_credit,
            req.gradescope_expected), force=req.force)
    if req.csv:
        from derive.check.report.formats import gradebook_csv

        atomic_write(req.csv, gradebook_csv(
            marked, req.follow_through_credit, req.working_credit), force=req.force)
    for path, _what, content in req.outputs:
        atomic_write(path, content(marked), force=req.force)
    if req.feedback:
        _feedback(marked, files, req, documents)
    for note in plan.notes(marked) if plan is not None else ():
        print(f"derive: {terminal_text(note)}", file=sys.stderr)
    bad = [m for m in marked if m.error]
    if bad:
        print(f"derive: {len(bad)} of {len(marked)} answer files could not be marked "
              f"(first: {terminal_text(bad[0].error or '')})", file=sys.stderr)
    if found.skipped:
        print(f"derive: {len(found.skipped)} path(s) named were not marked (first: "
              f"{terminal_text(str(found.skipped[0]))}); {len(files)} file(s) were",
              file=sys.stderr)
        return 2
    return 1 if bad else 0


def _report_outputs(req: CheckRequest) -> list[tuple[str, str]]:
    """The report files the options name, each with its option."""
    return [(out, what) for out, what in (
        (req.output, "--output"), (req.gradescope, "--gradescope"), (req.csv, "--csv"),
        *((o[0], o[1]) for o in req.outputs)) if out]


def _feedback_names(req: CheckRequest, files: list[str]) -> list[Path]:
    """The feedback documents' names (known from the answer files' before marking)."""
    if not req.feedback:
        return []
    from derive.check.report.feedback import output_names

    return output_names(files, Path(req.feedback), files)


def named_outputs(req: CheckRequest, documents: list[Path]) -> list[tuple[str, str]]:
    """Every file the run will write, with the option that names it (``documents``: the
    feedback documents' names)."""
    named = _report_outputs(req)
    if req.feedback:
        named.append((req.feedback, "--feedback"))
        for tex in documents:
            named.append((str(tex), "--feedback"))
            if req.pdf:
                named.append((str(tex.with_suffix(".pdf")), "--feedback"))
    return named


def refuse_clashes(named: list[tuple[str, str]]) -> None:
    """A usage error, before any marking, when two outputs name one file (through a link,
    ``..`` or a hard link): one of them would be lost; or when an output is a folder."""

    seen: dict[Any, tuple[str, str]] = {}
    for path, what in named:
        p = Path(path)
        if what != "--feedback" and p.is_dir():
            raise UsageError(f"{what} {path}: is a directory; name a file")
        if what != "--feedback" and p.exists() and not p.is_file():  # a FIFO, a device
            raise UsageError(f"{what} {path}: exists and is not a regular file")
        for key in file_keys(p):
            if key in seen:
                first, by = seen[key]
                raise UsageError(f"{what} {path} and {by} {first} name the same file (one "
                                 "output would be lost); choose another name")
            seen[key] = (path, what)


def _mark(files: list[str], options: BatchOptions) -> list[Marked]:
    bar = progress_bar(len(files))
    if bar is None:
        return run_batch(files, options)
    with bar:
        task = bar.add_task("marking", total=len(files))
        bar.refresh()
        return run_batch(files, options,
                         on_done=lambda i, m: bar.update(task, advance=1, refresh=True))


def _report(marked: list[Marked], req: CheckRequest,
            skipped: tuple[Skipped, ...] = ()) -> None:
    if req.fmt == "json":
        from derive.check.report.formats import report_json

        text = report_json(marked, [(s.path, s.reason) for s in skipped])
        if req.output:
            atomic_write(req.output, text, force=req.force)
        else:
            sys.stdout.write(text)
        return
    from derive.check.report.formats import console, print_text

    if req.output:
        buf = io.StringIO()
        print_text(marked, console(buf), summary=req.summary)
        atomic_write(req.output, buf.getvalue(), force=req.force)
    else:
        print_text(marked, console(sys.stdout), summary=req.summary)


def _feedback(marked: list[Marked], files: list[str], req: CheckRequest,
              names: list[Path]) -> None:
    from derive.check.report.feedback import write_feedback
    from derive.core.spec import load_problem
    from derive.render.latex import render_latex

    worked: dict[str, str] = {}
    for pid in dict.fromkeys(p for m in marked for p in m.problems()) if not req.worked \
            else ():
        try:
            worked[pid] = render_latex(load_problem(pid).solve())
        except Exception as e:  # noqa: BLE001 - the documents are still useful without it
            print(f"derive: {pid}: no worked solution in the feedback ({e})", file=sys.stderr)
    written = write_feedback(marked, req.feedback or ".", files, req.worked or worked,
                             pdf=req.pdf, jobs=req.batch.jobs or 2, names=names)
    failed = [(p, e) for p, e in written if e]
    print(f"derive: feedback for {len(written)} files in {req.feedback}"
          + (f" ({len(failed)} not compiled: {failed[0][1]})" if failed else ""),
          file=sys.stderr)


def run_template(problems: tuple[str, ...], output: str | None, force: bool) -> None:
    """Write the LaTeX answer sheet of the problems (all when none is named). A problem
    whose spec cannot be read is reported on its own line and left out, as ``derive
    sheet`` does (one named alone: its own error); the template is never written over
    one of its specs."""
    from derive.check.template import template_latex
    from derive.core.catalogue import find_problem, lookup_env, problem_paths
    from derive.core.errors import BatchIncomplete, BatchSkips, DeriveError
    from derive.core.spec import load_problem

    known = problem_paths()
    ids = list(problems) or list(known)
    specs, loaded = [], []
    left_out = BatchSkips(len(ids), lambda m: print(m, file=sys.stderr))
    for pid in ids:
        try:
            path = find_problem(pid, known)
            loaded.append(load_problem(path))
            specs.append(path)
        except DeriveError as e:
            left_out.skip(pid, e)
    if not loaded:
        raise BatchIncomplete(f"none of the {len(ids)} problems could be read, no template "
                              f"written: {left_out.ids()}", 2)
    text = template_latex(loaded)
    if output is None:
        sys.stdout.write(text)
    else:
        if Path(output).exists() and not force:
            raise UsageError(f"{output} exists; it may hold a student's answers (use --force "
                             "to replace it)")
        atomic_write(output, text, force=True, inputs=specs, what="-o")
        env = lookup_env({p.id: path for p, path in zip(loaded, specs, strict=True)}, known)
        print(f"derive: wrote {output}: {sum(len(p.answers) for p in loaded)} answer slots; "
              f"fill them in, then: {env}derive check {output}", file=sys.stderr)
    if left_out.skipped:
        raise BatchIncomplete(f"{len(left_out.skipped)} problem(s) left out of the template: "
                              f"{left_out.ids()}", 2)
