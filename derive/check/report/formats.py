"""Reports of marked files: terminal tables, the interface's JSON, Gradescope, CSV.

The LaTeX/PDF feedback documents are in ``feedback.py``.
"""

from __future__ import annotations

import io
from typing import IO, Any

from derive.check.report.safe_text import SafeWriter, json_text, line_text, terminal_text
from derive.check.results import VERDICTS, Marked, Result
from derive.check.working.credit import earns_working_credit

STYLE = {"correct": "green", "follow-through": "cyan", "incorrect": "red",
         "unparsable": "magenta", "missing": "dim"}


def report_dict(marked: list[Marked],
                not_marked: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The interface's report; ``not_marked`` (the paths named that could not be marked,
    with why) is added only when there are some, so a clean run's shape is the
    interface's own."""
    out: dict[str, Any] = {"submissions": [m.to_json() for m in marked]}
    if not_marked:
        out["not_marked"] = [{"path": p, "reason": r} for p, r in not_marked]
    return out


def report_json(marked: list[Marked], not_marked: list[tuple[str, str]] | None = None) -> str:
    """``derive check --format json`` (interface.md)."""
    return json_text(report_dict(marked, not_marked)) + "\n"


def points(marked: Marked, follow_through: float = 1.0,
           working: float = 0.0) -> tuple[float, float]:
    """(score, out of): a correct answer is worth 1, a follow-through ``follow_through``,
    a wrong answer whose working is right up to a late slip ``working``; against an
    assignment, the points of its answers (out of the assignment's total)."""
    s = marked.score()
    if marked.out_of is not None:
        return s["points"], marked.out_of
    credit = working * sum(1 for r in marked.results if earns_working_credit(r)) \
        if working else 0.0
    return s["correct"] + follow_through * s["follow-through"] + credit, len(marked.results)


#: Gradescope's ``visibility`` of a test (its autograder results format); ``visible`` is
#: Gradescope's default when the field is absent
GRADESCOPE_VISIBILITY = ("after_due_date", "after_published", "hidden", "visible")


def gradescope_json(marked: Marked, follow_through: float = 1.0,
                    working: float = 0.0, expected: str = "after_due_date") -> str:
    """Gradescope's ``results.json``: one test per answer.

    A test that shows the expected answer (every answer not marked correct: its output
    says what was expected, and its feedback may) gets the ``visibility`` ``expected``,
    by default ``after_due_date``: Gradescope shows students a test's output as soon as
    the autograder runs unless told otherwise, which would hand out the answers while
    others may still submit. A correct answer's test shows only the student's own answer
    and stays ``visible``."""
    tests = []
    for r in marked.results:
        score = {"correct": 1.0, "follow-through": follow_through}.get(r.verdict, 0.0)
        worth = 1.0
        if r.max_points is not None:  # marked against an assignment: its points
            score, worth = r.points or 0.0, r.max_points
        elif working and earns_working_credit(r):
            score = working
        lines = [f"{r.verdict}" + (f" ({r.diagnosis})" if r.diagnosis else "")]
        if r.given is not None:
            lines.append(f"your answer: {_short(r.given, 200)}")
        if r.verdict != "correct" and r.expected:
            lines.append(f"expected: {r.expected}")
        if r.feedback:
            lines.append(r.feedback)
        if r.working is not None:
            lines.append(working_summary(r))
        shows_expected = r.verdict != "correct"
        tests.append({"name": f"{r.problem} {r.answer}", "score": score, "max_score": worth,
                      "status": "passed" if score == worth else "failed",
                      "output": "\n".join(lines),
                      "visibility": expected if shows_expected else "visible"})
    total, out_of = points(marked, follow_through, working)
    out: dict[str, Any] = {"score": total, "tests": tests,
                           "output": _score_line(marked) if not marked.error else
                           f"Your file could not be marked: {marked.error}"}
    if marked.error:
        out["score"] = 0.0
    return json_text(out) + "\n"


def gradebook_csv(marked: list[Marked], follow_through: float = 1.0,
                  working: float = 0.0) -> str:
    """One row per file: counts, points, and the verdict of every answer."""
    columns: list[str] = []
    for m in marked:
        for r in m.results:
            c = f"{r.problem}/{r.answer}"
            if c not in columns:
                columns.append(c)
    buf = io.StringIO()
    w = SafeWriter(buf)  # file names, students and errors are the students' text
    w.writerow(["file", "student", *VERDICTS, "points", "out_of", "error", *columns])
    for m in marked:
        s = m.score()
        total, out_of = points(m, follow_through, working)
        verdicts = {f"{r.problem}/{r.answer}": r.verdict for r in m.results}
        w.writerow([m.file, m.student, *(s[v] for v in VERDICTS), f"{total:g}", f"{out_of:g}",
                    m.error or "", *(verdicts.get(c, "") for c in columns)])
    return buf.getvalue()


# -- the terminal ---------------------------------------------------------------------------

def console(stream: IO[str]) -> Any:
    """A rich Console: colours on a terminal only, and a wide page when not one."""
    from rich.console import Console

    probe = Console(file=stream)
    return Console(file=stream, highlight=False, soft_wrap=False,
                   width=None if probe.is_terminal else 120)


def print_text(marked: list[Marked], out: Any, *, summary: bool = False) -> None:
    """Per file: a table of the answered answers, the unanswered ones, the score; then a
    summary table when there are several files (``summary`` prints only that)."""
    if not summary:
        for m in marked:
            print_file(m, out)
    if summary or len(marked) > 1:
        print_summary(marked, out)


def print_file(m: Marked, out: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    head = Text()
    head.append(line_text(m.student), style="bold")
    head.append(f"  {line_text(m.file)}")
    if m.error:
        out.print(head)
        out.print(Text(f"  cannot be marked: {terminal_text(m.error)}", style="bold red"))
        out.print()
        return
    total, out_of = points(m)
    head.append(f"  {total:g}/{out_of:g}", style="bold")
    out.print(head)
    for w in m.warnings:
        out.print(Text(f"  warning: {terminal_text(w)}", style="yellow"))
    for pid in m.problems():
        rows = [r for r in m.results if r.problem == pid]
        shown = [r for r in rows if r.verdict != "missing" or r.working is not None]
        out.print(Text(f"  {terminal_text(pid)}", style="bold"))
        if shown:
            t = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1),
                      header_style="bold")
            for col in ("answer", "verdict", "given", "expected", "feedback"):
                t.add_column(col, overflow="fold", no_wrap=col in ("answer", "verdict"))
            for r in shown:  # Text, not markup: a student's [z > 0] is shown as written
                t.add_row(Text(terminal_text(r.answer)), Text(r.verdict, style=STYLE[r.verdict]),
                          Text(terminal_text(_short(r.given or "", 40))),
                          Text(terminal_text(r.expected) if r.verdict != "correct" else ""),
                          Text(terminal_text(r.feedback + ("; " if r.feedback else "")
                                   + working_summary(r) if r.working is not None
                                   else r.feedback)))
            from rich.padding import Padding

            out.print(Padding(t, (0, 0, 0, 4)))
        missing = [r.answer for r in rows if r.verdict == "missing" and r.working is None]
        if missing:
            out.print(Text(f"    not answered ({len(missing)}): " + terminal_text(_list(missing)),
                           style=STYLE["missing"]))
    out.print(Text("  " + _score_line(m)))
    out.print()


def print_summary(marked: list[Marked], out: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    t = Table(title=f"{len(marked)} answer files", title_justify="left", box=None,
              padding=(0, 1), header_style="bold")
    t.add_column("student")
    t.add_column("file", overflow="fold")
    for v in VERDICTS:
        t.add_column(v, justify="right", style=STYLE[v])
    t.add_column("points", justify="right")
    for m in marked:
        # Text, not a str: a str is read as markup ("[bold]" in a name would style it)
        who, file = Text(line_text(m.student)), Text(line_text(m.file))
        if m.error:
            t.add_row(who, file, Text("cannot be marked: " + terminal_text(m.error), style="red"))
            continue
        s = m.score()
        total, out_of = points(m)
        t.add_row(who, file, *(str(s[v]) for v in VERDICTS), f"{total:g}/{out_of:g}")
    out.print(t)
    bad = sum(1 for m in marked if m.error)
    if bad:
        out.print(Text(f"{bad} of {len(marked)} files could not be marked (see above)",
                       style="bold red"))


def _score_line(m: Marked) -> str:
    s = m.score()
    total, out_of = points(m)
    return f"score {total:g}/{out_of:g}: " + " · ".join(f"{s[v]} {v}" for v in VERDICTS)


def _list(ids: list[str], limit: int = 12) -> str:
    return ", ".join(ids[:limit]) + (f", … ({len(ids) - limit} more)" if len(ids) > limit
                                     else "")


def _short(text: str, limit: int) -> str:
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def working_summary(r: Result) -> str:
    """One sentence on the working behind an answer: its first wrong step, or none."""
    w = r.working
    n = len(w.steps)
    first = w.first_error
    if first is None:
        checked = sum(1 for s in w.steps if s.verdict == "valid")
        return f"working: no wrong step ({checked} of {n} steps checked valid)"
    step = w.steps[first - 1]
    return f"working: step {first} of {n} is wrong ({step.feedback})"
