"""Helpers of the derive check tests: the test specs, plain-math references, a marker."""

from __future__ import annotations

from pathlib import Path

import pytest
from testkit import sigmoid

from derive.check.mark.answers import Submission
from derive.check.mark.marking import Marker
from derive.check.results import Result

SPECS = Path(__file__).resolve().parent / "data" / "check"
ALPHA = 1.702


def gelu_prime(x: float) -> float:
    """f'(x) for f(x) = x σ(αx), by the product rule written out by hand."""
    s = sigmoid(ALPHA * x)
    return s + x * ALPHA * s * (1 - s)


def make_marker(**kwargs) -> Marker:
    """A Marker that also sees the test specs in tests/data/check."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DERIVE_PROBLEMS", str(SPECS))
        return Marker(**kwargs)


def mark(marker: Marker, answers: dict[str, dict[str, str]],
         student: str = "s") -> dict[tuple[str, str], Result]:
    """Mark one submission in this process; results by (problem, answer)."""
    marked = marker.mark(Submission(f"{student}.yaml", student, answers))
    assert marked.error is None, marked.error
    return {(r.problem, r.answer): r for r in marked.results}


def run_cli(*args: str, cwd: Path | None = None, specs: bool = False,
            problems: Path | None = None):
    """``derive ARGS`` in this process (``testkit.run_cli``: exit code, stdout, stderr; an
    escaping exception fails the test), with the test specs if asked, or the specs of
    ``problems``."""
    from testkit import run_cli as run

    env = {"DERIVE_PROBLEMS": str(problems or SPECS)} if specs or problems else None
    return run(*args, cwd=cwd, env=env)


def run_process(*args: str, cwd: Path | None = None, specs: bool = False,
                problems: Path | None = None):
    """``python -m derive ARGS`` in a fresh process (with the test specs if asked, or the
    specs of ``problems``)."""
    from testkit import run_process as run

    env = {"DERIVE_PROBLEMS": str(problems or SPECS)} if specs or problems else None
    return run(*args, cwd=cwd, env=env)
