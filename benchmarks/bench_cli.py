"""Benchmark of the commands people run, as CPU time relative to importing SymPy.

Every row is a fresh process (``python -m derive …``), timed by the CPU seconds (user +
system) it and its children used, as a ratio to the reference, ``python -c "import
sympy"``, run just before it: the ratios hold on a loaded shared machine where wall clock
does not, and pairing each run with its own reference run keeps them when the machine's
speed drifts during the benchmark. Medians of ``--repeat`` runs (of the CPU seconds, and
of the runs' ratios). Run on demand from the repository root:

Two columns: **cold** runs with the result cache off (``DERIVE_CACHE=off``: everything
derived and verified), **warm** with it on, in a fresh cache folder filled by one untimed
run first (``derive solve``/``verify``/``sheet`` then print the verified text kept for
the unchanged specs and code; rows that do not use the cache show ``-``). Byte-code is
written and used as after ``pip install`` (a ``PYTHONDONTWRITEBYTECODE`` in the caller's
environment is dropped for the children, and ``derive`` is compiled once first):
otherwise every run would compile derive's modules again while SymPy's stay compiled.

    python benchmarks/bench_cli.py [--repeat 3] [--widths 64 256 1024] [--limit 600]
    git worktree add --detach /tmp/base COMMIT    # then, to compare with COMMIT:
    python benchmarks/bench_cli.py --baseline /tmp/base --widths

Rows (issue 13's table): ``derive list``; ``derive solve P`` for each reference
problem; ``derive verify`` and ``derive sheet`` (no PDF) of all problems and of the 16
reference problems (all there were when the issue set its targets); ``derive check`` of
one file of 35 answers (gelu-descent, from bench_check's class); softmax-backprop
solved and verified through the Python API with random givens of each ``--widths`` as
NumPy arrays, and of the largest as Python lists. A
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


def child_env(cache: Path | None, root: Path = ROOT) -> dict[str, str]:
    """The children's environment: the tree at ``root``, byte-code on, the result cache
    in ``cache`` (off when None)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root)
    if cache is None:
        env["DERIVE_CACHE"] = "off"
    else:
        env.update(DERIVE_CACHE="on", XDG_CACHE_HOME=str(cache))
    return env


def cpu_seconds(args: list[str], limit: float, cache: Path | None = None,
                root: Path = ROOT) -> float | None:
    """CPU seconds (user + system) of one command and its children; None past ``limit``."""
    before = os.times()
    try:
        r = subprocess.run(args, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=limit, env=child_env(cache, root))
    except subprocess.TimeoutExpired:
        return None
    after = os.times()
    if r.returncode not in (0, 1):  # 1: a verification failure, still a full run
        raise SystemExit(f"{' '.join(args[2:])}: exit {r.returncode}: {r.stderr[-500:]}")
    return (after.children_user - before.children_user
            + after.children_system - before.children_system)


#: the reference command: the ratios are to its CPU time
REFERENCE = [sys.executable, "-c", "import sympy"]
#: every reference time measured (the header gives their spread)
REFERENCE_RUNS: list[float] = []


def median_cpu(args: list[str], repeat: int, limit: float,
               cache: Path | None = None, root: Path = ROOT) -> tuple[float, float] | None:
    """The median CPU seconds of ``repeat`` runs and the median of their ratios to the
    reference, each run paired with a reference run just before it: on this shared
    machine the CPU time of everything drifts by a third within minutes, and a ratio to
    a reference taken at the start of the benchmark drifted with it."""
    runs, ratios = [], []
    for _ in range(repeat):
        ref = cpu_seconds(REFERENCE, 60)
        assert ref is not None
        REFERENCE_RUNS.append(ref)
        t = cpu_seconds(args, limit, cache, root)
        if t is None:
            return None
        runs.append(t)
        ratios.append(t / ref)
    return statistics.median(runs), statistics.median(ratios)


#: softmax-backprop solved and verified with random givens of one width, through the
#: Python API (a spec file that size is refused: specs are short text files), given as
#: NumPy arrays (how a notebook holds a network's weights) or as Python lists
WIDTH_SCRIPT = """
import sys
import numpy as np
import derive
w, lists = int(sys.argv[1]), sys.argv[2] == "lists"
rng = np.random.default_rng(w)
def r(*shape):
    a = np.round(rng.uniform(-1, 1, shape), 3)
    return a.tolist() if lists else a
y = np.zeros((1, w), dtype=int)
y[0, int(rng.integers(w))] = 1
s = derive.load("softmax-backprop", x=r(1, w), W1=r(w, w), b1=r(1, w), W2=r(w, w),
                b2=r(1, w), y=y.tolist() if lists else y).solve()
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


def problems(root: Path = ROOT) -> list[str]:
    order = (root / "problems" / "ORDER").read_text().splitlines()
    listed = [w for ln in order if (w := ln.split("#", 1)[0].strip())]
    others = sorted(p.stem for p in (root / "problems").glob("*.yaml") if p.stem not in listed)
    return listed + others


def every_problem(root: Path) -> list[str]:
    """The ids ``derive list`` prints in the tree at ``root`` (library included)."""
    r = subprocess.run([sys.executable, "-m", "derive", "list"], cwd=root, check=True,
                       capture_output=True, text=True, env=child_env(None, root))
    return [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]


def cell(t: tuple[float, float] | None, limit: float) -> str:
    if t is None:
        return f"{'> ' + format(limit, 'g'):>10} {'':>8}"
    return f"{t[0]:10.2f} {t[1]:7.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (median)")
    ap.add_argument("--widths", type=int, nargs="*", default=[64, 256, 1024],
                    help="softmax-backprop widths (none: no width rows)")
    ap.add_argument("--limit", type=float, default=600, help="seconds before a row stops")
    ap.add_argument("--only", default="", help="rows whose command contains this text")
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="another checkout (git worktree add DIR COMMIT): its cold times in "
                         "a first column, run interleaved with this tree's so both see the "
                         "same load; verify and sheet also over its problems only")
    opts = ap.parse_args()
    py = sys.executable
    derive = [py, "-m", "derive"]
    base = opts.baseline.resolve() if opts.baseline else None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        check = derive + ["check", str(answer_file(work)), "-o", str(work / "r.txt")]
        rows: list[tuple[str, list[str], int]] = [("derive list", derive + ["list"], opts.repeat)]
        rows += [(f"derive solve {p}", derive + ["solve", p], opts.repeat) for p in problems()]
        n = len(every_problem(ROOT))
        reference_set = problems()  # the reference set: "all" when issue 13 set its targets
        rows += [(f"derive verify (all {n})", derive + ["verify"], opts.repeat),
                 (f"derive sheet (no PDF, all {n})",
                  derive + ["sheet", "-o", str(work / "s.tex")], opts.repeat),
                 (f"derive verify (the {len(reference_set)} reference problems)",
                  derive + ["verify", *reference_set], opts.repeat),
                 (f"derive sheet (no PDF, the {len(reference_set)} reference problems)",
                  derive + ["sheet", *reference_set, "-o", str(work / "s.tex")], opts.repeat)]
        base_ids = set(every_problem(base)) if base is not None else set()
        if base is not None:  # the same problems in both trees
            common = [p for p in every_problem(base) if p in every_problem(ROOT)]
            rows += [(f"derive verify (the baseline's {len(common)})",
                      derive + ["verify", *common], opts.repeat),
                     (f"derive sheet (no PDF, the baseline's {len(common)})",
                      derive + ["sheet", *common, "-o", str(work / "s.tex")], opts.repeat)]
        rows += [("derive check (1 file, 35 answers)", check, opts.repeat)]
        rows += [(f"softmax-backprop width {w}: solve + verify (API, arrays)",
                  [py, "-c", WIDTH_SCRIPT, str(w), "arrays"], opts.repeat)
                 for w in opts.widths]
        rows += [(f"softmax-backprop width {w}: solve + verify (API, lists)",
                  [py, "-c", WIDTH_SCRIPT, str(w), "lists"], opts.repeat)
                 for w in opts.widths[-1:]]
        rows = [r for r in rows if opts.only in r[0]]
        for root in [ROOT] + ([base] if base else []):
            subprocess.run([py, "-m", "compileall", "-q", str(root / "derive")], check=True,
                           stdout=subprocess.DEVNULL, env=child_env(None, root))
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
              "each run's ratio is to a run of python -c 'import sympy' just before it "
              "(the median of the runs' ratios)\n")
        head = f"{'command':<52}"
        if base is not None:
            head += f" {'baseline cold':>13} {'ratio':>8}"
        print(head + f" {'cold CPU s':>10} {'ratio':>8} {'warm CPU s':>10} {'ratio':>8}")
        for i, (label, args, repeat) in enumerate(rows):
            line = f"{label:<52}"
            if base is not None:
                # a problem the baseline does not have, and the rows of all problems
                # (other sets of problems in the two trees) are not compared
                known = args[3:4] != ["solve"] or args[4] in base_ids
                known = known and ", all " not in label and "(all " not in label
                b = median_cpu(args, repeat, opts.limit, root=base) if known else None
                line += f" {cell(b, opts.limit):>22}" if known else f" {'-':>22}"
            t = median_cpu(args, repeat, opts.limit)
            warm = "-"
            if label.startswith(CACHED):
                cache = work / "cache" / str(i)  # a fresh folder per row
                cpu_seconds(args, opts.limit, cache)  # fills it
                w = median_cpu(args, repeat, opts.limit, cache)
                warm = cell(w, opts.limit)
            print(f"{line} {cell(t, opts.limit)} {warm:>19}", flush=True)
        refs = sorted(REFERENCE_RUNS)
        print(f"load average {os.getloadavg()[0]:.1f} at the end; python -c 'import sympy' "
              f"{statistics.median(refs):.2f} s CPU (median of {len(refs)}, "
              f"{refs[0]:.2f}–{refs[-1]:.2f})")


if __name__ == "__main__":
    main()
