"""Which files ``derive check`` marks: the files named, and the answer files of the folders
named, subfolders included.

A path that cannot be marked (no such file, a broken link, a FIFO or a device, an empty
folder) is one line saying why; the others are still marked (``derive check`` exits 2 at
the end). Nothing here opens a file: a FIFO or ``/dev/zero`` is refused by its type.

The search is bounded (answer files found, folder entries looked at, folder depth): a
folder named by mistake (``derive check ~`` or ``/``) is a quick usage error before
anything is marked, not an hour of marking the wrong files. One file reached twice (named
twice, by name and through a folder, through a link) is marked once, at its first place.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from derive.check.report.safe_text import terminal_text
from derive.core.errors import UsageError
from derive.core.outputs import file_keys

ANSWER_SUFFIXES = (".yaml", ".yml", ".tex")


@dataclass(frozen=True)
class Skipped:
    """A path that cannot be marked, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Found:
    files: tuple[str, ...]
    """the files to mark, in order: as named, a folder's in path order; each file once"""
    skipped: tuple[Skipped, ...] = ()
    """the paths that cannot be marked, each with why (``str()`` is its line)"""


@dataclass(frozen=True)
class SearchLimits:
    """How far the folders named are searched, over the whole command line. A class of a
    few thousand students, one or a few files each, in folders a few levels deep, is well
    inside; a home folder or ``/`` is not."""

    files: int = 10_000
    """answer files found in the folders named"""
    entries: int = 200_000
    """folder entries looked at (files and folders, hidden ones included)"""
    depth: int = 16
    """subfolder levels below a folder named"""


class SearchTooLarge(UsageError):
    """A folder named holds more than the search's bounds (exit 2, before marking)."""


def find_answer_files(args: tuple[str, ...] | list[str],
                      limits: SearchLimits = SearchLimits()) -> Found:
    """The files to mark for the command line's paths, and why any path is skipped.
    Raises ``SearchTooLarge`` when a folder's search passes ``limits``."""
    files: list[str] = []
    skipped: list[Skipped] = []
    budget = _Budget(limits)
    for a in args:
        kind, why = _kind(a)
        if kind == "file":
            files.append(a)
        elif kind == "dir":
            documents = budget.documents
            found, bad = _walk(a, budget)
            skipped += bad
            if found:
                files += found
            elif not bad:
                left_out = budget.documents - documents
                skipped.append(Skipped(a, f"no answer files, only {left_out} document(s) "
                                          "derive wrote to be read (questions, solutions, "
                                          "feedback)" if left_out else
                                          "empty folder (no answer files, *.yaml, *.yml or "
                                          "*.tex, in it or its subfolders)"))
        else:
            skipped.append(Skipped(a, why))
    return Found(tuple(_once_each(files)), tuple(skipped))


def _once_each(files: list[str]) -> list[str]:
    """``files`` without a file met before (``outputs.file_keys``: the same resolved path
    or inode): marking it twice would count one student twice."""
    seen: set[object] = set()
    out: list[str] = []
    for f in files:
        keys = file_keys(f)
        if not seen.intersection(keys):
            out.append(f)
        seen.update(keys)
    return out


def require_files(found: Found) -> None:
    """When nothing can be marked: every skipped path's line, the last as the usage error."""
    if found.files:
        return
    for line in found.skipped[:-1]:
        print(f"derive: {terminal_text(line)}", file=sys.stderr)
    raise UsageError(terminal_text(str(found.skipped[-1])) if found.skipped else
                     "no answer files given")


def _kind(path: str) -> tuple[str, str]:
    """('file' | 'dir' | 'bad', why) for a path (a link is judged by its target)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "bad", f"a broken symbolic link (to {os.readlink(path)}, which does not exist)"
        return "bad", "no such file"
    except OSError as e:
        return "bad", f"cannot be read ({e.strerror or e})"
    if stat.S_ISREG(st.st_mode):
        return "file", ""
    if stat.S_ISDIR(st.st_mode):
        return "dir", ""
    what = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else
            "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
            "a socket" if stat.S_ISSOCK(st.st_mode) else "special")
    return "bad", f"not a regular file ({what}); answer files are regular files"


def _document_marks() -> tuple[str, str]:
    """The first lines of the documents derive writes to be read, not filled in."""
    from derive.check.report.feedback import FEEDBACK_MARK
    from derive.render.tex_document import READING_MARK

    return FEEDBACK_MARK, READING_MARK


def no_answers_reason(text: str) -> str:
    """Why a LaTeX file without a single ``\\answer`` cannot be marked, in its words."""
    if text.startswith(_document_marks()):
        return ("a document derive wrote to be read (questions, worked solutions or "
                "feedback), not an answer file; a student's answers go in their answers.tex")
    return ("no \\answer{problem/answer}{…} in this file (`derive template PROBLEM` writes "
            "a sheet with one for every answer)")


def derive_document(path: str) -> bool:
    """Whether ``path`` starts with the mark of a document derive wrote to be read, not
    filled in: a feedback document of ``derive check --feedback``, a sheet, a student's
    questions or worked solutions (its first bytes only; a regular file, opened without
    blocking)."""
    marks = tuple(m.encode() for m in _document_marks())
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, 200).startswith(marks)
    except OSError:
        return False
    finally:
        os.close(fd)


class _Budget:
    """What is left of the search's bounds, shared by every folder named."""

    def __init__(self, limits: SearchLimits) -> None:
        self.limits = limits
        self.files = 0
        self.entries = 0
        self.documents = 0  # derive's documents to read, left out

    def refuse(self, top: str, what: str) -> SearchTooLarge:
        return SearchTooLarge(terminal_text(
            f"{top}: {what}; nothing was marked (is this the class's folder? name it, or "
            "its files)"))


def _walk(top: str, budget: _Budget) -> tuple[list[str], list[Skipped]]:
    """The answer files under ``top`` (hidden files and folders left out; a folder reached
    twice through links is searched once), and each one that cannot be marked. Folders
    are read entry by entry (``os.scandir``), so a huge folder is refused once the bound
    is reached, not after it was listed in full."""
    found: list[str] = []
    bad: list[Skipped] = []
    seen: set[str] = set()
    limits = budget.limits
    todo: list[tuple[str, int]] = [(top, 0)]
    while todo:
        folder, depth = todo.pop()
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree: searched already
            continue
        seen.add(real)
        if depth > limits.depth:
            raise budget.refuse(top, f"folders nested more than {limits.depth} levels deep "
                                     f"(at {folder})")
        subfolders: list[str] = []
        candidates: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    budget.entries += 1
                    if budget.entries > limits.entries:
                        raise budget.refuse(top, f"more than {limits.entries:,} entries in "
                                                 "it and its subfolders")
                    if entry.name.startswith("."):
                        continue
                    try:
                        is_dir = entry.is_dir()  # a link is judged by its target
                    except OSError:
                        is_dir = False
                    if is_dir:
                        subfolders.append(entry.name)
                    elif entry.name.lower().endswith(ANSWER_SUFFIXES):
                        candidates.append(entry.name)
        except OSError as e:
            bad.append(Skipped(folder, f"cannot be searched ({e.strerror or e})"))
            continue
        for name in sorted(candidates):
            path = str(Path(folder) / name)  # ./a.yaml is shown a.yaml, as named
            kind, why = _kind(path)
            if kind == "file" and name.lower().endswith(".tex") and derive_document(path):
                budget.documents += 1
                continue  # derive's own questions, solutions or feedback, not answers
            if kind == "file":
                budget.files += 1
                if budget.files > limits.files:
                    raise budget.refuse(top, f"more than {limits.files:,} answer files in "
                                             "it and its subfolders")
                found.append(path)
            elif kind == "bad":
                bad.append(Skipped(path, why))
        # last pushed, first searched: subfolders in name order
        todo += [(str(Path(folder) / d), depth + 1) for d in sorted(subfolders, reverse=True)]
    return sorted(found), bad
