"""Independent numeric routes for tests: plain math, no derive code."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m derive ARGS`` as a user would (fresh process)."""
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)


def solve_json(problem: str, *sets: str) -> dict:
    """``derive solve PROBLEM --set … --format json``, run in this process (the command's
    own code through Click's runner: a fresh interpreter per call cost a second each)."""
    from click.testing import CliRunner

    from derive.cli import cli

    args = ["solve", problem, "--format", "json"]
    for s in sets:
        args += ["--set", s]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)
