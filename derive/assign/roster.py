"""The class list: a roster CSV (a header with a ``student`` column), or ``--students N``."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from derive.core.errors import SpecError, UsageError

#: a student id is also a directory name of `derive assign`'s output
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
MAX_STUDENTS = 100_000
MAX_ROSTER_BYTES = 20_000_000


@dataclass(frozen=True)
class Roster:
    students: tuple[str, ...]
    columns: tuple[str, ...] = ()
    """the roster's header (``student`` among them)"""
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    """student id -> the roster's row (other columns are kept for the gradebook)"""
    path: str | None = None


def check_student_id(sid: str, where: str) -> str:
    """The id, or a UsageError saying why it cannot name a student."""
    if not STUDENT_ID.match(sid):
        raise UsageError(f"{where}: student id {sid[:70]!r} is not usable (expected ASCII letters "
                         "A-Z a-z, digits and . _ - @ +, starting with a letter or digit, at most "
                         "64: an id names the student's folder; a name with accents or spaces "
                         "belongs in another column)")
    return sid


def numbered(n: int) -> Roster:
    """``--students N``: s001, s002, … (wider when N needs it)."""
    if not 1 <= n <= MAX_STUDENTS:
        raise UsageError(f"--students {n}: expected 1 to {MAX_STUDENTS}")
    width = max(3, len(str(n)))
    return Roster(tuple(f"s{i:0{width}d}" for i in range(1, n + 1)), ("student",))


def read_roster(path: str | Path) -> Roster:
    """Read a roster CSV; errors name the file and the line."""
    shown = str(path)
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{shown}: no such roster file")
    if p.stat().st_size > MAX_ROSTER_BYTES:
        raise SpecError(shown, "", f"larger than {MAX_ROSTER_BYTES // 10**6} MB")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpecError(shown, "", f"not UTF-8 text ({e.reason})") from None
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else None
    except csv.Error:
        dialect = None
    reader = csv.reader(io.StringIO(text), dialect or csv.excel)
    try:
        rows = list(reader)
    except csv.Error as e:
        raise SpecError(shown, f"line {reader.line_num}", f"cannot read CSV: {e}") from None
    if not rows:
        raise SpecError(shown, "", "empty (expected a header with a 'student' column)")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    if "student" not in lowered:
        raise SpecError(shown, "line 1", f"no 'student' column (found: {', '.join(header)})")
    col = lowered.index("student")
    students: list[str] = []
    kept: dict[str, dict[str, str]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        sid = row[col].strip() if col < len(row) else ""
        if not sid:
            raise SpecError(shown, f"line {n}", "no student id")
        try:
            check_student_id(sid, f"{shown}: line {n}")
        except UsageError as e:
            raise SpecError(shown, f"line {n}", str(e).split(": ", 2)[-1]) from None
        if sid in kept:
            raise SpecError(shown, f"line {n}", f"student {sid} is listed twice")
        if len(students) >= MAX_STUDENTS:
            raise SpecError(shown, f"line {n}", f"more than {MAX_STUDENTS} students")
        students.append(sid)
        kept[sid] = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
    if not students:
        raise SpecError(shown, "", "lists no students")
    return Roster(tuple(students), tuple(header), kept, shown)


def class_list(roster: str | None, students: int | None) -> Roster:
    """The roster of ``--roster FILE`` or ``--students N`` (one of them)."""
    if roster and students:
        raise UsageError("use one of --roster or --students")
    if roster:
        return read_roster(roster)
    if students:
        return numbered(students)
    raise UsageError("which students? give --roster FILE (a CSV with a 'student' column) "
                     "or --students N (ids s001…)")
