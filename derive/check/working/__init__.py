"""The working behind an answer: a student's chain of relations, checked step by step.

``check_working(problem, answer_id, text, right, own)`` reads the chain (``lines``,
``labels``), gives its names their meaning (``scope``), judges every step (``compare``,
``chain``) and says what went wrong at a wrong step (``diagnose``). The result
(``model.WorkingResult``) carries each step's verdict and the first wrong step.
"""


from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.check.working.chain import check_working as check_working
    from derive.check.working.model import StepResult as StepResult
    from derive.check.working.model import WorkingResult as WorkingResult

__all__ = ["StepResult", "WorkingResult", "check_working"]


def __getattr__(name: str) -> Any:
    """The three names, imported on first use: the report reads ``working.credit`` for
    every file, and importing the checker with it (``chain`` and the modules it reads
    with) cost every ``derive check`` ~15 ms for files without working."""
    if name == "check_working":
        from derive.check.working.chain import check_working

        return check_working
    if name in ("StepResult", "WorkingResult"):
        from derive.check.working import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
