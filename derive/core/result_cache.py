"""A disk cache of finished results (rendered, verified text), keyed by their content.

``derive solve``, ``derive verify`` and ``derive sheet`` spend most of their time
deriving and verifying problems whose spec has not changed since the last run. Their
results are text (the printed solution, verify's lines, a problem's LaTeX blocks), so
this cache keeps that text, never a Python object:

- **Key**: SHA-256 of what could change the text: the spec file's bytes and resolved
  path, the overrides as typed, the command's options, the working directory (paths are
  shown relative to it), and a fingerprint of the code: every file of the ``derive``
  package (so any code change invalidates every entry), the Python version, and the
  installed SymPy, NumPy, mpmath and PyYAML (their files' size and time).
- **Only verified results are stored** (a solve that raised, a failed check, an error:
  never), so a hit is a result that passed verification for exactly these bytes.
- **Format**: JSON holding its own key and a format version. Reading is defensive: a
  missing, unreadable, oversized, corrupt or mismatched entry is a miss (and is rebuilt);
  nothing is unpickled or evaluated, so an entry can at worst hold wrong text, and only
  someone who can already write the user's own files can put one there.
- **Where**: ``$XDG_CACHE_HOME/derive`` (``~/.cache/derive``), a folder of mode 0700
  that must belong to the user and be writable by nobody else, or the cache is not used.
  Entries are written atomically (temporary file + rename) with mode 0600.
- **Size**: an entry is touched when it is used; entries unused for 30 days are removed
  now and then as new ones are written (every key of older code ends up unused).
  Deleting the folder at any time is safe.
- **Off**: ``DERIVE_CACHE=off`` (or ``0``/``no``/``false``) or a command's ``--no-cache``.
  The tests run with it off: they break the maths on purpose, which the code
  fingerprint (files on disk) would not see.

This module imports nothing heavy: a hit answers without importing SymPy.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import stat
import sys
import tempfile
import time
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = 1
#: entries larger than this are not read (a sheet's problem is a few hundred kB at most)
MAX_ENTRY_BYTES = 20_000_000
#: spec files larger than this are not keyed (read whole to hash them; the loader refuses
#: specs past a megabyte anyway, and must be the one to say so)
MAX_SPEC_BYTES = 1_000_000
#: installed packages whose version can change the text
DEPENDENCIES = ("sympy", "numpy", "mpmath", "yaml")
_OFF = ("off", "0", "no", "false")
#: entries not used for this long are removed
UNUSED_SECONDS = 30 * 86400
#: one write in this many looks for unused entries
PRUNE_ONE_IN = 32


def enabled() -> bool:
    """Whether DERIVE_CACHE lets the cache be used (a command's ``--no-cache`` passes no
    key instead)."""
    return os.environ.get("DERIVE_CACHE", "").strip().lower() not in _OFF


def cache_dir() -> Path | None:
    """The cache folder, created if needed; None when it cannot be used safely."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    folder = root / "derive"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    # a folder someone else owns or may write to could hold entries we did not write
    if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid()
            or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return None
    return folder


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the derive package's files and of the versions of what it runs on."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        files += [Path(folder) / n for n in names if not n.endswith((".pyc", ".pyo"))]
    for f in sorted(files):
        h.update(str(f.relative_to(package)).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    h.update(sys.version.encode() + b"\0")
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec else None
        if origin and os.path.exists(origin):
            st = os.stat(origin)
            h.update(f"{name} {origin} {st.st_size} {st.st_mtime_ns}\0".encode())
        else:
            h.update(f"{name} missing\0".encode())
    return h.hexdigest()


def key(kind: str, spec_path: Path, options: Iterable[Any] = ()) -> str | None:
    """The key of ``kind``'s result for the spec at ``spec_path`` with ``options`` (JSON
    values); None when the cache is off or the spec cannot be read (the command then
    reports that itself)."""
    if not enabled():
        return None
    try:
        resolved = spec_path.resolve()
        if not resolved.is_file() or resolved.stat().st_size > MAX_SPEC_BYTES:
            return None
        content = resolved.read_bytes()
        cwd = os.getcwd()
    except OSError:
        return None
    parts = [FORMAT, code_fingerprint(), kind, str(resolved),
             hashlib.sha256(content).hexdigest(), cwd, list(options)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _entry_path(folder: Path, k: str) -> Path:
    return folder / k[:2] / f"{k}.json"


def load(k: str | None) -> Any:
    """The value stored under ``k``, or None (a miss: off, absent or not trustworthy)."""
    if k is None or not enabled() or (folder := cache_dir()) is None:
        return None
    path = _entry_path(folder, k)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid()
                or st.st_size > MAX_ENTRY_BYTES):
            return None
        with os.fdopen(fd, "rb") as f:
            fd = -1
            entry = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != k:
        return None
    try:
        os.utime(path)  # used: kept by prune()
    except OSError:
        pass
    return entry.get("value")


def prune(folder: Path, now: float | None = None) -> int:
    """Remove entries unused for UNUSED_SECONDS; how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    for entry in folder.glob("*/*.json"):
        try:
            if now - entry.lstat().st_mtime > UNUSED_SECONDS:
                entry.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def store(k: str | None, value: Any) -> None:
    """Keep ``value`` (JSON data) under ``k``; failing to write is not an error."""
    if k is None or not enabled() or (folder := cache_dir()) is None:
        return
    path = _entry_path(folder, k)
    data = json.dumps({"format": FORMAT, "key": k, "value": value}).encode("utf-8")
    if len(data) > MAX_ENTRY_BYTES:
        return
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:  # mkstemp's mode: 0600
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        if random.randrange(PRUNE_ONE_IN) == 0:
            prune(folder)
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
