"""Which files ``derive check`` marks: the files named, and the answer files of the folders
named, subfolders included.

A path that cannot be marked (no such file, a broken link, a FIFO or a device, an empty
folder) is one line saying why; the others are still marked (``derive check`` exits 2 at
the end). Nothing here opens a file: a FIFO or ``/dev/zero`` is refused by its type.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from derive.check.report.safe_text import terminal_text
from derive.core.errors import UsageError

ANSWER_SUFFIXES = (".yaml", ".yml", ".tex")


@dataclass(frozen=True)
class Found:
    files: tuple[str, ...]
    """the files to mark, in order: as named, a folder's in path order"""
    skipped: tuple[str, ...] = ()
    """one line per path that cannot be marked: ``PATH: why``"""


def find_answer_files(args: tuple[str, ...] | list[str]) -> Found:
    """The files to mark for the command line's paths, and why any path is skipped."""
    files: list[str] = []
    skipped: list[str] = []
    for a in args:
        kind, why = _kind(a)
        if kind == "file":
            files.append(a)
        elif kind == "dir":
            found, bad = _walk(a)
            skipped += bad
            if found:
                files += found
            elif not bad:
                skipped.append(f"{a}: empty folder (no answer files, *.yaml, *.yml or "
                               "*.tex, in it or its subfolders)")
        else:
            skipped.append(f"{a}: {why}")
    return Found(tuple(files), tuple(skipped))


def require_files(found: Found) -> None:
    """When nothing can be marked: every skipped path's line, the last as the usage error."""
    if found.files:
        return
    for line in found.skipped[:-1]:
        print(f"derive: {terminal_text(line)}", file=sys.stderr)
    raise UsageError(terminal_text(found.skipped[-1]) if found.skipped else
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


_FEEDBACK_NAME = re.compile(r"-feedback(?:-\d+)?\.tex$", re.I)


def _is_feedback(path: str) -> bool:
    """Whether ``path`` starts with the mark of a feedback document ``derive check``
    wrote (its first bytes only; a regular file, opened without blocking)."""
    from derive.check.report.feedback import FEEDBACK_MARK

    mark = FEEDBACK_MARK.encode()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, len(mark)) == mark
    except OSError:
        return False
    finally:
        os.close(fd)


def _walk(top: str) -> tuple[list[str], list[str]]:
    """The answer files under ``top`` (hidden files and folders left out; a folder reached
    twice through links is searched once), and a line per one that cannot be marked."""
    found: list[str] = []
    bad: list[str] = []
    seen: set[str] = set()

    def refused(e: OSError) -> None:
        bad.append(f"{e.filename}: cannot be searched ({e.strerror or e})")

    for folder, dirs, names in os.walk(top, onerror=refused, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree: searched already
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(ANSWER_SUFFIXES):
                continue
            path = str(Path(folder) / name)  # ./a.yaml is shown a.yaml, as named
            kind, why = _kind(path)
            if kind == "file" and _FEEDBACK_NAME.search(name) and _is_feedback(path):
                continue  # derive's own feedback document (--feedback), not answers
            if kind == "file":
                found.append(path)
            elif kind == "bad":
                bad.append(f"{path}: {why}")
    return sorted(found), bad
