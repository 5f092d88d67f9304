"""The batch's process model: workers die with their parent (SIGTERM, SIGKILL, Ctrl-C),
an interrupted run ends with one line, the time budget is per answer, and the bounded
symbolic confirmation runs inside the workers.

A stand-in judge misbehaves on purpose (workers are forked, so they run the patched
function); the kill tests run the real `derive check` command in a child process with
that judge patched in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sympy as sp
from checkkit import SPECS

import derive.check.mark.marking as marking
from derive.check.judge import symbolic
from derive.check.mark.batch import BatchOptions, run_batch

ROOT = Path(__file__).resolve().parent.parent
real_judge = marking.judge


def misbehaving(gold, spec, text, config):
    if text == "HANG":
        time.sleep(600)
    if text == "CONFIRM":  # needs the symbolic confirmation, which starts a child
        x = sp.Symbol("x")
        if symbolic.confirm_equal(x**2 - 1, (x - 1) * (x + 1), timeout=20) is not True:
            raise RuntimeError("the symbolic confirmation did not run")
        text = "0.7"
    return real_judge(gold, spec, text, config)


def _write(path: Path, answers: dict[str, dict[str, str]]) -> str:
    body = "".join(f"  {pid}:\n" + "".join(f"    {k}: '{v}'\n" for k, v in given.items())
                   for pid, given in answers.items())
    path.write_text(f"answers:\n{body}")
    return str(path)


def _verdicts(marked):
    return {f"{r.problem}/{r.answer}": r.verdict for r in marked.results
            if r.verdict != "missing"}


@pytest.fixture
def patched(monkeypatch):
    monkeypatch.setenv("DERIVE_PROBLEMS", str(SPECS))
    monkeypatch.setattr(marking, "judge", misbehaving)


def test_six_slow_answers_cost_only_themselves(tmp_path, patched):
    """The budget is per answer: a file with six answers that hang keeps its two
    right ones (it used to be given up after five retries)."""
    path = _write(tmp_path / "slow.yaml", {
        "check-unit": {"a.z": "0.7", "a.yhat": "0.668", "b.loss": "HANG", "b.mse": "HANG",
                       "c.dE_dz": "HANG", "c.faster": "HANG"},
        "check-conv": {"a.size": "HANG", "a.params": "HANG"}})
    out = run_batch([path], BatchOptions(jobs=1, answer_seconds=1))
    assert out[0].error is None
    got = _verdicts(out[0])
    assert got["check-unit/a.z"] == "correct" and got["check-unit/a.yhat"] == "correct"
    slow = [a for a, v in got.items() if v == "unparsable"]
    assert len(slow) == 6


def test_the_symbolic_confirmation_runs_inside_a_worker(tmp_path, patched):
    path = _write(tmp_path / "confirm.yaml", {"check-unit": {"a.z": "CONFIRM"}})
    out = run_batch([path], BatchOptions(jobs=1, answer_seconds=30))
    assert _verdicts(out[0]) == {"check-unit/a.z": "correct"}


# -- killing the parent --------------------------------------------------------------------

_RUNNER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    import derive.check.mark.marking as marking
    real = marking.judge
    def judge(gold, spec, text, config):
        if text == "HANG":
            time.sleep(600)
        return real(gold, spec, text, config)
    marking.judge = judge
    from derive.cli import cli
    cli(sys.argv[1:])
""")


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (Linux /proc)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as f:
                    kids = {int(c) for c in f.read().split()}
            except OSError:
                continue
            todo += list(kids - out)
            out |= kids
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


def _start_check(tmp_path: Path) -> tuple[subprocess.Popen[str], set[int]]:
    files = [_write(tmp_path / f"s{i}.yaml", {"check-unit": {"a.z": "HANG"}})
             for i in range(3)]
    script = tmp_path / "run_check.py"
    script.write_text(_RUNNER.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "DERIVE_PROBLEMS": str(SPECS), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), "check", *files, "-j", "2",
                             "--timeout", "600"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = {p for p in _children(proc.pid) if _alive(p)}
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(2)  # let them reach the hanging answer
    return proc, {p for p in _children(proc.pid) if _alive(p)}


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        left = {p for p in pids if _alive(p)}
        if not left:
            return set()
        time.sleep(0.1)
    return {p for p in pids if _alive(p)}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_no_worker_survives_its_parent(tmp_path, sig):
    proc, workers = _start_check(tmp_path)
    try:
        os.kill(proc.pid, sig)
        proc.wait(30)
        survivors = _gone_within(workers, 5)
        assert not survivors, f"workers alive 5 s after {sig.name}: {survivors}"
        if sig == signal.SIGTERM:
            err = proc.stderr.read() if proc.stderr else ""
            assert "Traceback" not in err and err.count("\n") == 1, err
    finally:
        for p in _children(proc.pid) | workers | {proc.pid}:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_to_the_group_prints_one_line(tmp_path):
    proc, workers = _start_check(tmp_path)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the foreground group
        proc.wait(30)
        err = proc.stderr.read() if proc.stderr else ""
        assert proc.returncode == 130
        assert "Traceback" not in err and err.count("\n") == 1, err
        assert not _gone_within(workers, 5)
    finally:
        for p in _children(proc.pid) | workers | {proc.pid}:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
