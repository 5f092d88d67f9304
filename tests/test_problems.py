"""Completeness: every shipped problem loads, derives, verifies, and keeps its goldens."""

import re

import pytest

from derive.core.spec import problem_paths
from derive.core.verify import unchecked
from derive.render import render_json, render_text

PROBLEMS = sorted(problem_paths())


@pytest.mark.parametrize("pid", PROBLEMS)
def test_problem_solves_verified_with_every_answer_checked(pid, solved):
    s = solved(pid)
    assert s.verified
    assert set(s.answers) == set(s.problem.answers)
    assert unchecked(s) == []


@pytest.mark.parametrize("pid", PROBLEMS)
def test_golden_outputs(pid, golden, solved):
    s = solved(pid)
    # the error magnitude depends on the platform's libm; the golden pins the rest
    text = re.sub(r"relative errors below \S+", "relative errors below …", render_text(s))
    golden(f"{pid}.txt", text)
    golden(f"{pid}.json", render_json(s) + "\n")
