"""The answer's own declared mistakes (a spec's ``mistakes:``) as values a step may take.

A step held against the answer (the first step of the working's last relation) that
equals what a declared mistake gives is diagnosed with that mistake's code, exactly as
the final answer would be (``derive.check.judge.diagnoses``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.check.judge.diagnoses import Mistake, expr_value
from derive.core.errors import DeriveError


def declared_values(problem: Any, mistakes: tuple[Mistake, ...], right: dict[str, Any],
                    own: dict[str, Any],
                    variant_value: Callable[[Mistake], Any] | None = None
                    ) -> list[tuple[str, Any]]:
    """(code, value) of each declared mistake, read with the right earlier answers and
    with the student's own; a re-solved variant through ``variant_value``."""
    out: list[tuple[str, Any]] = []
    for m in mistakes:
        if m.is_variant:
            value = variant_value(m) if variant_value is not None else None
            if value is not None:
                out.append((m.code, value))
            continue
        for answers in (right, {**right, **own}):
            try:
                value = expr_value(problem, m.expr, answers)
            except (DeriveError, TypeError, ValueError, ZeroDivisionError, KeyError):
                continue
            if value is not None:
                out.append((m.code, value))
    return out
