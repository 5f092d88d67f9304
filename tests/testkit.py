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
    args = ["solve", problem, "--format", "json"]
    for s in sets:
        args += ["--set", s]
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)
