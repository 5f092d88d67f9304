"""Bounded time for any given: every problem solved with extreme `--set` values.

For each problem (all of `derive list`, or those named) and each numeric given (each
entry of a list given in turn), `derive solve P --set NAME=VALUE` with huge, tiny and
ill-posed values (counts get large and degenerate whole numbers), in this process, the
way the command does it, with the result cache off. Each case ends as one of

- answered: the derivation was shown (verified);
- refused: one line, exit 2 (a value the problem cannot take);
- unconfirmed: "verification failed", exit 1 (the float64 checks cannot confirm the exact
  answer at such values, and none is shown);
- TRACEBACK: any other exception (a bug);
- SLOW: past 3x the problem's default time plus 0.5 s (CPU seconds);
- HUNG: past --limit seconds (wall), stopped by an alarm.

    python benchmarks/extreme_givens.py [--limit 30] [--all] [PROBLEM ...]

Prints a line per case that is TRACEBACK, SLOW or HUNG, then the counts. Run on demand
(minutes), never as a test.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DERIVE_CACHE"] = "off"

VALUES = ["1e308", "-1e308", "1e-300", "-1e-300", "1e6", "-1e6", "1e-6", "999999.5",
          "1e400", "1e-400"]
COUNTS = ["10000", "9999", "1e4", "0", "1"]


class Hung(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hung()


def cases(problem: object) -> list[tuple[str, str]]:
    """(name, --set text) for every extreme value of every numeric given (one entry of a
    list at a time, the others as in the spec)."""
    import sympy as sp

    out = []
    for name, g in problem.givens.items():  # type: ignore[attr-defined]
        values = COUNTS if g.integer else VALUES
        v = g.value
        if isinstance(v, sp.MatrixBase):
            rows = [[str(e) for e in r] for r in v.tolist()]
            for i, row in enumerate(rows):
                for j in range(len(row)):
                    for x in values:
                        changed = [list(r) for r in rows]
                        changed[i][j] = x
                        text = "[" + ",".join("[" + ",".join(r) + "]" for r in changed) + "]"
                        out.append((f"{name}[{i},{j}]", f"{name}={text}"))
        elif isinstance(v, sp.Basic) and v.is_number:
            out += [(name, f"{name}={x}") for x in values]
    return out


def run(pid: str, sets: list[str], limit: float) -> tuple[str, float, str]:
    """How one case ended, its CPU seconds, and the first line said."""
    from derive.cli import _solve_text
    from derive.core.errors import DeriveError, VerificationError

    start = time.process_time()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        _solve_text(pid, tuple(sets), "text", False)
        how, said = "answered", ""
    except Hung:
        how, said = "HUNG", f"stopped after {limit:g} s"
    except VerificationError as e:
        how, said = "unconfirmed", str(e).splitlines()[0]
    except DeriveError as e:
        how, said = "refused", str(e).splitlines()[0]
    except Exception as e:  # noqa: BLE001 - a bug, counted and shown
        how, said = "TRACEBACK", f"{type(e).__name__}: {e}"[:200]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return how, time.process_time() - start, said


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*")
    ap.add_argument("--limit", type=float, default=30.0, help="wall seconds per case")
    ap.add_argument("--all", action="store_true", help="a line for every case")
    args = ap.parse_args()
    from derive.core import lifetime

    lifetime.import_maths()
    # as the command runs (cli.reports_errors): an overflow is judged by the checks
    warnings.simplefilter("ignore", RuntimeWarning)
    from derive.core.catalogue import problem_paths
    from derive.core.spec import load_problem

    signal.signal(signal.SIGALRM, _alarm)
    ids = args.problems or list(problem_paths())
    counts: Counter[str] = Counter()
    for pid in ids:
        problem = load_problem(pid)
        base = min(run(pid, [], args.limit)[1] for _ in range(2))
        for _name, text in cases(problem):
            how, cpu, said = run(pid, [text], args.limit)
            if how in ("answered", "refused", "unconfirmed") and cpu > 3 * base + 0.5:
                how = "SLOW"
            counts[how] += 1
            if args.all or how in ("TRACEBACK", "SLOW", "HUNG"):
                print(f"{how:9} {pid} --set {text[:60]}: {cpu:.1f} s (default {base:.2f} s)"
                      f" {said}", flush=True)
    total = sum(counts.values())
    print(f"{len(ids)} problems, {total} cases: " + ", ".join(
        f"{counts[k]} {k}" for k in ("answered", "refused", "unconfirmed", "TRACEBACK",
                                      "SLOW", "HUNG")))


if __name__ == "__main__":
    main()
