"""Student text made harmless where a marker reads it: spreadsheet cells and terminals.

A student names their own file, their ``student:`` and every answer, so any of it may be
``=HYPERLINK(…)`` (a formula once a CSV is opened in a spreadsheet) or an escape sequence
that rewrites the marker's terminal. CSV cells that a spreadsheet would read as a formula
get a leading ``'`` (OWASP's advice on CSV injection); a number stays a number, so the
points derive writes (``-0.5``) are untouched. Terminal text shows control characters
escaped (``\\x1b``), never raw.
"""

from __future__ import annotations

import csv
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
    (numbers, written or as text such as ``-0.5``, are kept as they are)."""
    if not isinstance(value, str) or not value:
        return value
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


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
