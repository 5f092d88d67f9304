"""Independent numeric routes for tests: plain math, no derive code."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def run_cli(*args: str, cwd: Path | None = None,
            env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """``derive ARGS`` in this process, as a user would see it: exit code, stdout, stderr.

    The command's own code runs through Click's runner in ``cwd`` (the repository by
    default) with ``env`` added to the environment (None removes a variable): a fresh
    interpreter per call cost 1-2 s of the suite each. What a fresh process would show
    besides is kept: an exception escaping the command (a traceback on the user's
    screen) is raised here, so the test fails, and warnings Python would print to stderr
    by default (not the deprecation kinds) are appended to ``stderr``. Tests of the
    process itself (start-up imports, signals, exit of workers, the main job as the
    README runs it) use :func:`run_process`.
    """
    import contextlib
    import warnings

    from click.testing import CliRunner

    from derive.cli import cli

    silent = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
    with contextlib.chdir(cwd or ROOT), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        r = CliRunner().invoke(cli, list(args), prog_name="derive", env=env,
                               catch_exceptions=False)
    shown = [w for w in caught if not issubclass(w.category, silent)]
    stderr = r.stderr + "".join(warnings.formatwarning(w.message, w.category, w.filename,
                                                       w.lineno, w.line) for w in shown)
    return subprocess.CompletedProcess(["derive", *args], r.exit_code, r.stdout, stderr)


def run_process(*args: str, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m derive ARGS`` in a fresh interpreter, exactly as a user would."""
    import os

    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=600, env=full)


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


def tiny_spec(pid: str = "tiny", title: str = "Tiny") -> dict:
    """A fresh copy of the smallest valid spec (a derivative of a·x²), for tests that
    break one field of it."""
    return {
        "id": pid,
        "title": title,
        "givens": {"a": 2},
        "symbols": ["x"],
        "define": {"f(x)": "a*x**2"},
        "answers": {"a.d": {"kind": "expression", "vars": ["x"]}},
        "parts": {"a": {"derive": [{"use": "derivative", "f": "f", "wrt": "x",
                                    "answer": "a.d"}]}},
    }


def softmax_backprop_by_hand(g: dict) -> dict:
    """softmax-backprop's part (e) in numpy: sigmoid hidden layer, softmax output,
    cross-entropy; o, the loss and ∂E/∂x (row vectors)."""
    import numpy as np

    a = 1 / (1 + np.exp(-(g["x"] @ g["W1"] + g["b1"])))
    f2 = a @ g["W2"] + g["b2"]
    o = np.exp(f2) / np.exp(f2).sum()
    loss = -float(np.sum(g["y"] * np.log(o)))
    dx = (((o - g["y"]) @ g["W2"].T) * a * (1 - a)) @ g["W1"].T
    return {"e.o": o, "e.loss": np.array([[loss]]), "e.dE_dx": dx}


def assert_answers_close(solution: Any, want: dict) -> None:
    """Each answer of ``want`` (answer id -> numpy array) equals the solution's value to
    1e-9 relative (a number compared as a 1×1 matrix)."""
    import numpy as np

    for aid, expected in want.items():
        v = solution.answers[aid].value
        got = np.array(v.tolist() if hasattr(v, "tolist") else [[v]], dtype=float)
        assert got.shape == expected.shape, aid
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=aid)
