"""What checking a working produces: one :class:`StepResult` per relation, plain data.

Picklable and JSON-ready (batch workers send results back to their parent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STEP_VERDICTS = ("valid", "invalid", "unreadable", "unchecked")


@dataclass(frozen=True)
class StepResult:
    """One step of a working: a relation between two sides, judged."""

    latex: str
    """the relation as written: the side it starts from, the sign, the side it reaches"""
    line: int
    """the line of the working the step's new side stands on (1-based)"""
    verdict: str
    feedback: str = ""
    diagnosis: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"latex": self.latex, "line": self.line,
                               "verdict": self.verdict}
        if self.diagnosis:
            out["diagnosis"] = self.diagnosis
        out["feedback"] = self.feedback
        return out


@dataclass(frozen=True)
class WorkingResult:
    """A working, step by step, with its first wrong step."""

    steps: tuple[StepResult, ...]
    lines: tuple[str, ...]
    """the working's lines as read (for the feedback document)"""

    @property
    def first_error(self) -> int | None:
        """The first invalid step, counted from 1 (None when no step is invalid)."""
        for i, s in enumerate(self.steps, start=1):
            if s.verdict == "invalid":
                return i
        return None

    @property
    def first_error_line(self) -> int | None:
        i = self.first_error
        return None if i is None else self.steps[i - 1].line

    def valid_share(self) -> float:
        """The share of steps before the first error that were checked valid."""
        i = self.first_error
        before = self.steps if i is None else self.steps[: i - 1]
        return sum(1 for s in before if s.verdict == "valid") / max(1, len(self.steps))

    def to_json(self) -> dict[str, Any]:
        return {"steps": [s.to_json() for s in self.steps], "first_error": self.first_error}
