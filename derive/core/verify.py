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
        out.append(CheckResult(c.name, c.answers, c.method, bool(ok), float(err), detail))
    return tuple(out)


def unchecked(solution: Solution) -> list[str]:
    """Answers that no check covers."""
    covered = {a for c in solution.checks for a in c.answers}
    return [a for a in solution.answers if a not in covered]
