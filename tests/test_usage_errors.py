"""Every documented usage or spec error: one line on stderr naming the place, exit 2,
nothing on stdout, no traceback (interface.md).

The commands run in this process (``run_cli``); two of them also in a fresh interpreter,
where start-up (imports, warnings Python prints) could add lines of its own."""

from __future__ import annotations

import pytest
from testkit import run_cli, run_process

CASES = [
    (["solve", "gelu-desent"], "did you mean 'gelu-descent'"),
    (["solve", "gelu-descent", "--set", "eta"], "expected NAME=VALUE"),
    (["solve", "gelu-descent", "--set", "nope=1"], "unknown given"),
    (["solve", "gelu-descent", "--set", "eta=abc"], "is not a number"),
    (["solve", "gelu-descent", "--set", "eta=1e999999999"], "exponent is larger"),
    (["solve", "gelu-descent", "--set", "steps=0"], "steps"),
    (["solve", "no/such/spec.yaml"], "no such spec file"),
    (["check", "no-such-answers.yaml"], "no such file"),
    (["verify", "gelu-desent"], "unknown problem"),
]


def ids(v: object) -> str | None:
    return " ".join(v) if isinstance(v, list) else None


@pytest.mark.parametrize("args,says", CASES, ids=ids)
def test_usage_errors_are_one_line_with_exit_2(args, says):
    assert_one_line_exit_2(run_cli(*args), says)


@pytest.mark.parametrize("args,says", [CASES[4], CASES[7]], ids=ids)
def test_in_a_fresh_process_too(args, says):
    assert_one_line_exit_2(run_process(*args), says)


def assert_one_line_exit_2(r, says: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("derive: "), r.stderr
    assert says in r.stderr
