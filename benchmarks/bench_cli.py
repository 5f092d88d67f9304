"""Benchmark of the commands people run, as CPU time relative to importing SymPy.

Every row is a fresh process (``python -m derive …``), timed by the CPU seconds (user +
system) it and its children used; the reference, ``python -c "import sympy"``, is
measured in the same run, so the ratios hold on a loaded shared machine where wall
clock does not. Medians of ``--repeat`` runs. Run on demand from the repository root:

Two columns: **cold** runs with the result cache off (``DERIVE_CACHE=off``: everything
derived and verified), **warm** with it on, in a fresh cache folder filled by one untimed
run first (``derive solve``/``verify``/``sheet`` then print the verified text kept for
the unchanged specs and code; rows that do not use the cache show ``-``). Byte-code is
written and used as after ``pip install`` (a ``PYTHONDONTWRITEBYTECODE`` in the caller's
environment is dropped for the children, and ``derive`` is compiled once first):
otherwise every run would compile derive's modules again while SymPy's stay compiled.

    python benchmarks/bench_cli.py [--repeat 3] [--widths 64 256 1024] [--limit 600]

Rows (issue 13's table): ``derive list``; ``derive solve P`` for each reference
problem; ``derive verify`` (all); ``derive sheet`` (no PDF, all); ``derive check`` of
one file of 35 answers (gelu-descent, from bench_check's class); softmax-backprop
solved and verified through the Python API with random givens of each ``--widths``. A
row that runs past ``--limit`` seconds is stopped and printed as ``> limit``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def child_env(cache: Path | None) -> dict[str, str]:
    """The children's environment: this tree, byte-code on, the result cache in ``cache``
    (off when None)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    if cache is None:
        env["DERIVE_CACHE"] = "off"
    else:
        env.update(DERIVE_CACHE="on", XDG_CACHE_HOME=str(cache))
    return env


def cpu_seconds(args: list[str], limit: float, cache: Path | None = None) -> float | None:
    """CPU seconds (user + system) of one command and its children; None past ``limit``."""
    before = os.times()
    try:
        r = subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=limit, env=child_env(cache))
    except subprocess.TimeoutExpired:
        return None
    after = os.times()
    if r.returncode not in (0, 1):  # 1: a verification failure, still a full run
        raise SystemExit(f"{' '.join(args[2:])}: exit {r.returncode}: {r.stderr[-500:]}")
    return (after.children_user - before.children_user
            + after.children_system - before.children_system)


def median_cpu(args: list[str], repeat: int, limit: float,
               cache: Path | None = None) -> float | None:
    runs = []
    for _ in range(repeat):
        t = cpu_seconds(args, limit, cache)
        if t is None:
            return None
        runs.append(t)
    return statistics.median(runs)


#: softmax-backprop solved and verified with random givens of one width, through the
#: Python API (a spec file that size is refused: specs are short text files)
WIDTH_SCRIPT = """
import sys
import numpy as np
import derive
w = int(sys.argv[1])
rng = np.random.default_rng(w)
def r(*shape):
    return np.round(rng.uniform(-1, 1, shape), 3).tolist()
y = [[0] * w]
y[0][int(rng.integers(w))] = 1
s = derive.load("softmax-backprop", x=r(1, w), W1=r(w, w), b1=r(1, w), W2=r(w, w),
                b2=r(1, w), y=y).solve()
assert s.verified
"""


#: rows whose command uses the result cache (core.result_cache)
CACHED = ("derive solve", "derive verify", "derive sheet")


def answer_file(directory: Path) -> Path:
    """One student's file of 35 gelu-descent answers (bench_check's generator)."""
    from bench_check import student

    path = directory / "s001.yaml"
    path.write_text(student(1, random.Random(1)))
    return path


def problems() -> list[str]:
    order = (ROOT / "problems" / "ORDER").read_text().splitlines()
    listed = [w for ln in order if (w := ln.split("#", 1)[0].strip())]
    others = sorted(p.stem for p in (ROOT / "problems").glob("*.yaml") if p.stem not in listed)
    return listed + others


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (median)")
    ap.add_argument("--widths", type=int, nargs="*", default=[64, 256, 1024],
                    help="softmax-backprop widths (none: no width rows)")
    ap.add_argument("--limit", type=float, default=600, help="seconds before a row stops")
    ap.add_argument("--only", default="", help="rows whose command contains this text")
    opts = ap.parse_args()
    py = sys.executable
    derive = [py, "-m", "derive"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows: list[tuple[str, list[str], int]] = [("derive list", derive + ["list"], opts.repeat)]
        rows += [(f"derive solve {p}", derive + ["solve", p], opts.repeat) for p in problems()]
        rows += [("derive verify", derive + ["verify"], opts.repeat),
                 ("derive sheet (no PDF)", derive + ["sheet", "-o", str(work / "s.tex")],
                  opts.repeat),
                 ("derive check (1 file, 35 answers)",
                  derive + ["check", str(answer_file(work)), "-o", str(work / "r.txt")],
                  opts.repeat)]
        rows += [(f"softmax-backprop width {w}: solve + verify (API)",
                  [py, "-c", WIDTH_SCRIPT, str(w)], 1) for w in opts.widths]
        rows = [r for r in rows if opts.only in r[0]]
        subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "derive")], check=True,
                       stdout=subprocess.DEVNULL, env=child_env(None))
        ref = median_cpu([py, "-c", "import sympy"], max(opts.repeat, 5), 60)
        assert ref is not None
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
              f"reference python -c 'import sympy': {ref:.2f} s CPU (median)\n")
        print(f"{'command':<52} {'cold CPU s':>10} {'ratio':>8} {'warm CPU s':>10} "
              f"{'ratio':>8}")
        for i, (label, args, repeat) in enumerate(rows):
            t = median_cpu(args, repeat, opts.limit)
            warm = "-"
            if label.startswith(CACHED):
                cache = work / "cache" / str(i)  # a fresh folder per row
                cpu_seconds(args, opts.limit, cache)  # fills it
                w = median_cpu(args, repeat, opts.limit, cache)
                warm = f"{w:10.2f} {w / ref:7.2f}x" if w is not None else "-"
            cold = (f"{t:10.2f} {t / ref:7.2f}x" if t is not None else
                    f"{'> ' + format(opts.limit, 'g'):>10} "
                    f"{'> ' + format(opts.limit / ref, '.0f'):>8}")
            print(f"{label:<52} {cold} {warm:>19}", flush=True)


if __name__ == "__main__":
    main()
