"""Run the independent checks that blocks registered, and say which answers none covers."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from derive.core.derivation import CheckResult

if TYPE_CHECKING:
    from derive.core.derivation import Solution


def run_checks(solution: Solution) -> tuple[CheckResult, ...]:
    """Every registered check; one that raises is a failure that names the exception."""
    out = []
    for c in solution.checks:
        try:
            ok, err, detail = c.run()
        except Exception as e:  # a crashing check must fail loudly, not pass
            tb = traceback.extract_tb(e.__traceback__)[-1]
            ok, err, detail = False, float("inf"), f"{type(e).__name__}: {e} (at {tb.name})"
        out.append(CheckResult(c.label, c.answers, c.method, bool(ok), float(err), detail))
    return tuple(out)


def unchecked(solution: Solution) -> list[str]:
    """Answers that no check covers."""
    covered = {a for c in solution.checks for a in c.answers}
    return [a for a in solution.answers if a not in covered]


def report_lines(solution: Solution, results: tuple[CheckResult, ...],
                 verbose: bool) -> tuple[list[str], bool]:
    """``derive verify``'s lines for one solved problem, and whether a check failed."""
    bad = [r for r in results if not r.ok]
    # the largest error of any check, failing ones included (a failure must not read 0)
    worst = max((r.error for r in results), default=0.0)
    status = "ok  " if not bad else "FAIL"
    lines = [f"{status} {solution.problem.id}: {len(results) - len(bad)}/{len(results)} "
             f"checks passed, largest relative error {worst:.1e}"]
    for r in results:
        if verbose or not r.ok:
            mark = "  ok  " if r.ok else "  FAIL"
            lines.append(f"{mark} {r.name} [{r.method}] error {r.error:.1e} {r.detail}")
    missing = unchecked(solution)
    if missing:
        lines.append(f"  note: no check covers {', '.join(missing)}")
    return lines, bool(bad)
