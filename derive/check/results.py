"""What marking produces: one :class:`Result` per answer, one :class:`Marked` per file.

Plain data (picklable, JSON-ready) so that worker processes can send it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERDICTS = ("correct", "follow-through", "incorrect", "unparsable", "missing")


@dataclass(frozen=True)
class Result:
    """The verdict on one answer of one problem (a row of the report)."""

    problem: str
    answer: str
    verdict: str
    given: str | None
    """the student's text (None when missing)"""
    expected: str
    feedback: str = ""
    diagnosis: str | None = None
    """a catalogue code (diagnoses.CATALOGUE) when a known mistake was recognised"""
    points: float | None = None
    """points awarded, when marked against an assignment (None otherwise)"""
    max_points: float | None = None
    """what the answer is worth in the assignment"""
    working: Any = None
    """the working behind the answer, checked (``derive.check.working.WorkingResult``)"""

    def to_json(self) -> dict[str, Any]:
        """The interface's result object (keys in its order; no diagnosis key when none)."""
        out: dict[str, Any] = {"problem": self.problem, "answer": self.answer,
                               "verdict": self.verdict, "given": self.given,
                               "expected": self.expected}
        if self.diagnosis:
            out["diagnosis"] = self.diagnosis
        out["feedback"] = self.feedback
        if self.max_points is not None:
            out["points"] = self.points or 0.0
            out["max_points"] = self.max_points
        if self.working is not None:
            out["working"] = self.working.to_json()
        return out


@dataclass
class Marked:
    """One answer file, marked (or the reason it could not be)."""

    file: str
    student: str
    results: list[Result] = field(default_factory=list)
    error: str | None = None
    """why the file could not be marked (then ``results`` is empty)"""
    warnings: list[str] = field(default_factory=list)
    out_of: float | None = None
    """the assignment's total, the same for every student (None: not an assignment)"""

    def score(self) -> dict[str, Any]:
        """Counts per verdict; with an assignment also ``points`` and ``out_of``."""
        counts: dict[str, Any] = dict.fromkeys(VERDICTS, 0)
        for r in self.results:
            counts[r.verdict] += 1
        if self.out_of is not None:
            counts["points"] = float(round(sum(r.points or 0.0 for r in self.results), 9))
            counts["out_of"] = self.out_of
        return counts

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "student": self.student,
                               "results": [r.to_json() for r in self.results],
                               "score": self.score()}
        if self.error:
            out["error"] = self.error
        if self.warnings:  # what the text report warns about (an answer given twice…);
            # absent when none, like ``error``: the interface's shape stays as it was
            out["warnings"] = list(self.warnings)
        return out

    def problems(self) -> list[str]:
        """The problems marked, in the order of the results."""
        return list(dict.fromkeys(r.problem for r in self.results))
