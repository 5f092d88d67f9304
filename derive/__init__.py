"""derive: symbolic derivations, numerical verification, worked solutions and marking
for neural-network course problems.

>>> import derive
>>> s = derive.load("gelu-descent", eta=0.5).solve()
>>> float(s.answers["a.x1"].value)
-0.25
"""

from __future__ import annotations

from typing import Any

from .derivation import Answer, Solution, Step, Table
from .errors import DeriveError, SpecError, UsageError, VerificationError
from .model import Problem
from .render import render_json, render_latex, render_text
from .spec import load_problem
from .verify import run_checks

__all__ = [
    "Answer",
    "DeriveError",
    "Problem",
    "Solution",
    "SpecError",
    "Step",
    "Table",
    "UsageError",
    "VerificationError",
    "load",
    "load_problem",
    "render_json",
    "render_latex",
    "render_text",
    "run_checks",
]


def load(problem: str, **givens: Any) -> Problem:
    """Load a problem by id or spec path, overriding givens by keyword.

    Values are numbers, strings such as ``"4/3"``, or (nested) lists.
    """
    return load_problem(problem, givens)
