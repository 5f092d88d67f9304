"""derive: symbolic derivations, numerical verification, worked solutions and marking
for neural-network course problems.

>>> import derive
>>> s = derive.load("gelu-descent", eta=0.5).solve()
>>> float(s.answers["a.x1"].value)
-0.25
"""

from __future__ import annotations

from typing import Any

from derive.core.derivation import Answer, Solution, Step, Table
from derive.core.errors import DeriveError, SpecError, UsageError, VerificationError
from derive.core.model import OPERATIONS, Problem
from derive.core.solve import solve
from derive.core.spec import load_problem, override_givens
from derive.core.verify import run_checks
from derive.render import render_json, render_latex, render_text

# The package root wires the stages together: a Problem (data) solves itself and makes
# variants through the solver and the loader, which come after it in the flow.
OPERATIONS.update(solve=solve, with_givens=override_givens)

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
