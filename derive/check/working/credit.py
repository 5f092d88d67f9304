"""The ``--working-credit`` rubric: part of a point for a wrong answer with good working.

A wrong final answer earns the credit when its working was right up to a late slip: at
least one step was checked valid, and the first wrong step (if any: a working that is
right throughout and an answer copied wrong qualifies too) comes in the second half of
the working's steps, every step before it valid or not checkable.
"""

from __future__ import annotations

from typing import Any


def earns_working_credit(result: Any) -> bool:
    """Does this result (``derive.check.results.Result``) earn the working credit?"""
    w = getattr(result, "working", None)
    if result.verdict != "incorrect" or w is None or not w.steps:
        return False
    first = w.first_error
    before = w.steps if first is None else w.steps[: first - 1]
    if not any(s.verdict == "valid" for s in before):
        return False
    return first is None or first > len(w.steps) / 2
