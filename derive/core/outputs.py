"""Writing outputs safely: atomically, with the user's umask, never over an input or a
student's answers.

Every command writes through :func:`atomic_write`: a temporary file in the target's
folder, then a rename, so a reader (or an interrupted run) never leaves half a file. The
file gets the mode a plain ``open`` would give (``0666`` less the umask), not
``mkstemp``'s ``0600``. A symbolic link is followed deliberately (its target is
replaced, the link stays). An existing file that looks like a student's answers (a
``.yaml``/``.yml`` file, or a ``.tex`` with a filled ``\\answer{…}{…}``) is replaced only
with ``force``; an input of the run never. Failures are one-line UsageErrors.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from derive.core.errors import UsageError

_COMMENT = re.compile(r"(?<!\\)%.*$", re.M)
_FILLED = re.compile(r"\\answer\s*\{[^{}]*\}\s*\{\s*[^\s}]")
#: bytes of an existing .tex read to decide whether it holds answers
_SNIFF_BYTES = 2_000_000


def atomic_write(path: str | Path, data: str | bytes, *, force: bool = False,
                 inputs: Iterable[str | Path] = (), what: str = "") -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename).

    Args:
        path: the output; a symbolic link is followed (its target is written).
        data: text (UTF-8) or bytes.
        force: replace a file that looks like a student's answers.
        inputs: files of the run that must never be replaced.
        what: how the output is named in messages (``--csv``); the path by default.
    """
    shown = f"{what} {path}".strip()
    target = Path(os.path.realpath(path))  # follow a link on purpose: the link stays
    refuse_inputs(target, inputs, what or "the output")
    if target.exists() and not target.is_file():
        raise UsageError(f"{shown}: exists and is not a regular file")
    if not force and looks_like_answers(target):
        raise UsageError(f"{shown}: holds a student's answers; choose another name (or "
                         "--force to replace it)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=target.parent)
    except OSError as e:
        raise UsageError(f"{shown}: cannot write there ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise UsageError(f"{shown}: cannot write ({e.strerror or e})") from None
        raise


def _umask() -> int:
    """The process's umask, read without changing it where /proc allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def looks_like_answers(path: str | Path) -> bool:
    """True for an existing answer file: YAML, or LaTeX with a filled ``\\answer``."""
    p = Path(path)
    if not p.is_file():
        return False
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return True
    if suffix != ".tex":
        return False
    try:
        with open(p, "rb") as f:
            text = f.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return bool(_FILLED.search(_COMMENT.sub("", text)))


def file_keys(path: str | Path) -> list[object]:
    """What tells one file from another: its resolved path (through links and ``..``)
    and, when it exists, its device and inode (hard links of it too)."""
    keys: list[object] = [os.path.realpath(path)]
    try:
        st = os.stat(path)
        keys.append((st.st_dev, st.st_ino))
    except OSError:
        pass
    return keys


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: through links and ``..``, or (both existing) as
    hard links of one file."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return os.path.samefile(a, b)  # a missing one raises: not the same file
    except (OSError, RuntimeError):  # RuntimeError: a loop of links (Python < 3.13)
        return False


def refuse_inputs(output: str | Path, inputs: Iterable[str | Path], what: str) -> None:
    """A UsageError when ``output`` is one of the inputs (nothing is written over one)."""
    for i in inputs:
        if same_file(output, i):
            raise UsageError(f"{what} {output} is one of the input files; choose another "
                             "name (inputs are never written over)")
