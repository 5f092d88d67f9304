"""Reading the fields of a spec's YAML: one-line errors that name the file and the place.

Shared by the spec loader and its parts (givens, expressions) so that every message has
the same shape: ``problems/x.yaml: givens.eta: …``.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from derive.core.errors import SpecError

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ANSWER_REF = re.compile(r"\{([A-Za-z0-9_.-]+)\}")


def yaml_kind(v: Any) -> str:
    """A YAML value in a spec author's words: 'a list', 'a mapping', 'true'…"""
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "nothing (null)"}[v]
    return {list: "a list", dict: "a mapping"}.get(type(v), repr(v)[:40])


def expected(options: Any) -> str:
    return "expected one of: " + ", ".join(str(o) for o in options)


def unknown_keys(path: str, where: str, d: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for k in d:
        if k not in allowed:
            near = difflib.get_close_matches(str(k), allowed, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            field = f"{where}.{k}" if where else str(k)
            raise SpecError(path, field, f"unknown field{hint} ({expected(allowed)})")


def mapping(path: str, where: str, v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise SpecError(path, where, f"expected a mapping, found {type(v).__name__}")
    return v


def text_field(path: str, where: str, v: Any, default: str = "") -> str:
    if v is None:
        return default
    if not isinstance(v, (str, int, float)):
        raise SpecError(path, where, f"expected text, found {type(v).__name__}")
    return str(v)
