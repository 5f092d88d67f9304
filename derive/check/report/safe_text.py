"""Student text made harmless where a marker reads it: spreadsheet cells, terminals, JSON.

A student names their own file, their ``student:`` and every answer, so any of it may be
``=HYPERLINK(…)`` (a formula once a CSV is opened in a spreadsheet) or an escape sequence
that rewrites the marker's terminal. CSV cells that a spreadsheet would read as a formula
get a leading ``'`` (OWASP's advice on CSV injection); a number stays a number, so the
points derive writes (``-0.5``) are untouched. Terminal text shows control characters
escaped (``\\x1b``), never raw; JSON, which escapes only C0 controls, has the others
(DEL, C1, the bidirectional overrides) as ``\\u`` escapes too, so a report printed to a
terminal or opened in an editor shows them, the same strings once parsed.
"""

from __future__ import annotations

import csv
import json
import re
from typing import IO, Any

#: a cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides
#: and isolates (text that displays in another order than it is written)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def csv_cell(value: Any) -> Any:
    """A cell that no spreadsheet runs: text starting like a formula gets a leading ``'``
    (numbers, written or as text such as ``-0.5``, are kept as they are), and control
    characters are written escaped (``\\x1b``, ``\\n``), so that ``cat grades.csv``
    runs no escape sequence and a row stays one line."""
    if not isinstance(value, str) or not value:
        return value
    value = line_text(value)
    if value.lstrip(" ").startswith(_FORMULA_START) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`csv_cell`."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([csv_cell(c) for c in row])


def terminal_text(text: str) -> str:
    """``text`` with control characters shown escaped (``\\x1b``, ``\\u202e``); newlines
    and tabs kept."""
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


def line_text(text: str) -> str:
    """``terminal_text`` with newlines and tabs escaped too (``\\n``): a name, a file
    or a cell stays on its line."""
    return _ANY_CONTROL.sub(lambda m: _escaped(m.group()), text)


_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escaped(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_text(data: Any) -> str:
    """``json.dumps`` of ``data`` (indented, non-ASCII kept readable) with the control
    characters it would leave raw written as ``\\u`` escapes: they can only sit inside
    strings, where the escape is the same character to any JSON reader."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
