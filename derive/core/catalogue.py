"""Where problem specs are and what they are called, without SymPy.

``derive list`` needs only ids and titles: this module finds the spec files (the
``DERIVE_PROBLEMS`` directories, then the shipped set, in each ``ORDER`` file's order)
and reads a title from its one line of YAML, so that listing starts in the time of a
YAML import instead of SymPy's. Loading and validating a spec is ``core.spec``'s job.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
from collections.abc import Iterable
from pathlib import Path

from derive.core.errors import SpecError, UsageError
from derive.core.safe_yaml import load_bounded_yaml


def problem_dirs() -> list[Path]:
    """Where problem specs are looked up: $DERIVE_PROBLEMS, then the shipped set."""
    dirs = []
    if os.environ.get("DERIVE_PROBLEMS"):
        dirs += [Path(p) for p in os.environ["DERIVE_PROBLEMS"].split(os.pathsep) if p]
    package = Path(__file__).resolve().parent.parent  # derive/
    # the course's reference set, then the library of further problems beside it
    dirs += [package / "_problems", package.parent / "problems",
             package.parent / "problems" / "library"]
    return [d for d in dirs if d.is_dir()]


def problem_paths() -> dict[str, Path]:
    """Problem id -> spec file, first directory winning, in the course's order.

    A directory's ``ORDER`` file lists problem ids one a line (``#`` comments); listed
    problems come first, in that order (earlier directories' lists first), the others
    after them alphabetically. An id listed but without a spec is ignored.
    """
    found: dict[str, Path] = {}
    listed: list[str] = []
    for d in problem_dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
        listed += _order_file(d / "ORDER")
    rank = {pid: i for i, pid in reversed(list(enumerate(listed)))}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _order_file(path: Path) -> list[str]:
    """The ids of an ORDER file (none when there is no file)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w for ln in lines if (w := ln.split("#", 1)[0].strip())]


def find_problem(ref: str, known: dict[str, Path] | None = None) -> Path:
    """The spec file of a problem id or path; a UsageError names the known ids.

    ``known``: ``problem_paths()`` when the caller has it (a command over many problems
    lists the folders once, not once per problem)."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or os.sep in ref:
        if not p.is_file():
            raise UsageError(f"{ref}: no such spec file")
        return p
    paths = problem_paths() if known is None else known
    if ref in paths:
        return paths[ref]
    raise UsageError(unknown_problem(ref, paths))


def unknown_problem(ref: str, ids: Iterable[str]) -> str:
    """Why ``ref`` names no problem: the nearest known id, and where specs are found
    (a course's own specs are found only through ``DERIVE_PROBLEMS``)."""
    near = difflib.get_close_matches(ref, list(ids), n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return (f"unknown problem '{ref}'{hint} (`derive list` shows them; a spec of your own "
            "is found with its folder in DERIVE_PROBLEMS)")


def lookup_env(specs: dict[str, Path], known: dict[str, Path]) -> str:
    """``DERIVE_PROBLEMS=…`` for a command that must find these specs (id -> file) by id,
    as ``derive check`` does: their folders, where the lookup would not find them (''
    when it would find every one)."""
    folders: list[str] = []
    for pid, path in specs.items():
        if pid not in known or known[pid].resolve() != path.resolve():
            folder = str(path.resolve().parent)
            if folder not in folders:
                folders.append(folder)
    return f"DERIVE_PROBLEMS={shlex.quote(os.pathsep.join(folders))} " if folders else ""


#: a top-level ``title:`` with its value on the same line (not a block scalar)
_TITLE_LINE = re.compile(r"^title:[ \t]*([^|>\s].*)$", re.M)


def read_title(path: Path) -> str:
    """The ``title`` of a spec file, read from its own line when it has one (the whole
    YAML otherwise); a SpecError when the file or the title cannot be read."""
    import yaml

    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(shown, "", f"cannot read: {e}") from None
    m = _TITLE_LINE.search(text)
    try:
        raw = load_bounded_yaml(m[0] if m else text)
    except yaml.YAMLError:
        raw = None
    if not (isinstance(raw, dict) and isinstance(raw.get("title"), str)):
        raw = _whole(text, shown)  # the line alone was no title: the file says why
    title = raw.get("title") if isinstance(raw, dict) else None
    if not isinstance(title, str) or not title.strip():
        found = "" if title is None or isinstance(title, str) else \
            f", found {({list: 'a list', dict: 'a mapping'}).get(type(title), repr(title))}"
        raise SpecError(shown, "title", "missing (expected one line of text)" if not found
                        else f"expected one line of text{found}")
    if "{{" in title:
        title = _title_filled(title, text)
    return title.strip()


def _whole(text: str, shown: str) -> object:
    """The whole spec's YAML; a SpecError naming the line when it is not YAML (listed as
    unreadable rather than as a spec without a title)."""
    import yaml

    from derive.core.safe_yaml import yaml_error_place

    try:
        return load_bounded_yaml(text)
    except yaml.YAMLError as e:
        raise SpecError(shown, *yaml_error_place(e)) from None
    except ValueError as e:  # an integer of more than 4300 digits, say
        raise SpecError(shown, "", f"invalid YAML: {str(e).splitlines()[0][:100]}") from None


#: whole numbers as words, for ``{{name:word}}`` placeholders (core.placeholders)
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
         "seventeen", "eighteen", "nineteen", "twenty")
_SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*(:\s*word)?\s*\}\}")


def _title_filled(title: str, text: str) -> str:
    """A title's ``{{given}}`` / ``{{given:word}}`` placeholders filled with the spec's own
    values as written (the listing does not load the spec; a variant's title is filled
    by core.placeholders when it is)."""
    import yaml

    try:
        raw = load_bounded_yaml(text)
    except yaml.YAMLError:
        return title
    givens = raw.get("givens") if isinstance(raw, dict) else None
    if not isinstance(givens, dict):
        return title

    def one(m: re.Match[str]) -> str:
        g = givens.get(m[1])
        v = g.get("value") if isinstance(g, dict) else g
        if m[2] and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(WORDS):
            return WORDS[v]
        return str(v) if isinstance(v, (int, float, str)) else m[0]

    return _SIMPLE_PLACEHOLDER.sub(one, title)
