"""Benchmark of the sheet's LaTeX stage alone (``render.latex.problem_blocks``) and of the
terminal text (``render.text.render_text``), cold, as CPU seconds.

A whole ``derive sheet`` is mostly imports and derivations, and a few milliseconds of
printing are lost in its noise on a shared machine. Here a parent process imports,
loads and solves the reference problems (``problems/ORDER``, the 16) once, then forks a
child per measurement: each child renders them all with every cache as a cold ``derive
sheet`` has it after deriving (the printers' memos hold only what deriving printed,
SymPy's caches what it built), and reports its CPU time. With ``--baseline``,
parents of the two trees alternate, so both see the same load; medians and minima of
all children are printed, and the ratio of the medians. Run on demand from the
repository root:

    python benchmarks/bench_latex_stage.py [--rounds 6] [--children 6]
    git worktree add --detach /tmp/base COMMIT    # then, to compare with COMMIT:
    python benchmarks/bench_latex_stage.py --baseline /tmp/base
    python benchmarks/bench_latex_stage.py --stage text --problems loss-gradients
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: what a parent runs: solve once, then time the stage in forked children
CHILD = r"""
import os, sys, time
from derive.core import lifetime
lifetime.program_started(); lifetime.import_maths()
from derive.core.spec import load_problem
if sys.argv[1] == "latex":
    from derive.render.latex import problem_blocks as stage
else:
    from derive.render.text import render_text as stage
sols = [load_problem(p).solve() for p in sys.argv[3:]]
for _ in range(int(sys.argv[2])):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        t = time.process_time()
        for s in sols:
            stage(s)
        os.write(w, f"{time.process_time() - t:.6f}".encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    print(os.read(r, 64).decode())
    os.close(r)
"""


def reference_problems(root: Path) -> list[str]:
    """The problems listed in ``problems/ORDER`` (the reference set)."""
    lines = (root / "problems" / "ORDER").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def times(root: Path, stage: str, children: int, ids: list[str]) -> list[float]:
    """CPU seconds of the stage in ``children`` forked children of one parent."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(root), DERIVE_CACHE="off")
    out = subprocess.run([sys.executable, "-c", CHILD, stage, str(children), *ids],
                         cwd=root, env=env, capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.split()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, help="another checkout, measured alternately")
    ap.add_argument("--stage", choices=["latex", "text"], default="latex")
    ap.add_argument("--rounds", type=int, default=6, help="parents per tree")
    ap.add_argument("--children", type=int, default=6, help="measurements per parent")
    ap.add_argument("--problems", nargs="*", help="problem ids (default: the reference set)")
    opts = ap.parse_args()
    trees = [ROOT] + ([opts.baseline.resolve()] if opts.baseline else [])
    for t in trees:  # byte-code as after pip install, compiled once
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(t / "derive")],
                       check=True)
    ids = opts.problems or reference_problems(ROOT)
    got: dict[Path, list[float]] = {t: [] for t in trees}
    for _ in range(opts.rounds):
        for t in trees[::-1]:
            got[t] += times(t, opts.stage, opts.children, ids)
    for t in trees[::-1]:
        v = got[t]
        print(f"{t}: {opts.stage} stage of {len(ids)} problem(s), {len(v)} cold runs: "
              f"median {statistics.median(v):.4f} s, min {min(v):.4f} s")
    if opts.baseline:
        ratio = statistics.median(got[ROOT]) / statistics.median(got[trees[1]])
        print(f"this tree / baseline (medians): {ratio:.3f}")


if __name__ == "__main__":
    main()
