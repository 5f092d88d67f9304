"""Every documented usage or spec error: one line on stderr naming the place, exit 2,
nothing on stdout, no traceback (interface.md)."""

from __future__ import annotations

import pytest
from testkit import run_cli


@pytest.mark.parametrize("args,says", [
    (["solve", "gelu-desent"], "did you mean 'gelu-descent'"),
    (["solve", "gelu-descent", "--set", "eta"], "expected NAME=VALUE"),
    (["solve", "gelu-descent", "--set", "nope=1"], "unknown given"),
    (["solve", "gelu-descent", "--set", "eta=abc"], "is not a number"),
    (["solve", "gelu-descent", "--set", "eta=1e999999999"], "exponent is larger"),
    (["solve", "gelu-descent", "--set", "steps=0"], "steps"),
    (["solve", "no/such/spec.yaml"], "no such spec file"),
    (["check", "no-such-answers.yaml"], "no such answer file"),
    (["verify", "gelu-desent"], "unknown problem"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_usage_errors_are_one_line_with_exit_2(args, says):
    r = run_cli(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("derive: "), r.stderr
    assert says in r.stderr
