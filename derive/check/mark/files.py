"""Writing outputs safely: atomically, and never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from derive.core.errors import UsageError


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a
    rename, so a reader never sees half a file and a failure leaves the old one."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def refuse_inputs(output: str | Path, inputs: Iterable[str | Path], what: str) -> None:
    """A UsageError when ``output`` is one of the inputs (nothing is written over one)."""
    for i in inputs:
        if same_file(output, i):
            raise UsageError(f"{what} {output} is one of the answer files; choose another "
                             "name (inputs are never written over)")
