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

    def to_json(self) -> dict[str, Any]:
        """The interface's result object (keys in its order; no diagnosis key when none)."""
        out: dict[str, Any] = {"problem": self.problem, "answer": self.answer,
                               "verdict": self.verdict, "given": self.given,
                               "expected": self.expected}
        if self.diagnosis:
            out["diagnosis"] = self.diagnosis
        out["feedback"] = self.feedback
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

    def score(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for r in self.results:
            counts[r.verdict] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "student": self.student,
                               "results": [r.to_json() for r in self.results],
                               "score": self.score()}
        if self.error:
            out["error"] = self.error
        return out

    def problems(self) -> list[str]:
        """The problems marked, in the order of the results."""
        return list(dict.fromkeys(r.problem for r in self.results))
