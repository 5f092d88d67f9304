"""Solving the problems a batch of answer files names, before the workers fork.

(Moved out of ``marking.py``, which the architecture test keeps near 500 lines.)
"""

from __future__ import annotations

import re
from typing import Any

from derive.check.mark.answers import MAX_FILE_BYTES
from derive.core.errors import DeriveError
from derive.core.solve import solve_once


def presolve(paths: list[str], seconds: float = 60.0) -> list[str]:
    """Solve (``solve_once``) the shipped problems that these answer files name, so that
    worker processes forked afterwards start from solved problems instead of each
    solving them again. The files are only searched for problem ids (a bounded text
    scan, nothing parsed); a problem that fails or takes longer than ``seconds`` is left
    to the workers, which report it. Returns the ids solved."""
    import signal
    import threading

    from derive.core.spec import load_problem, problem_paths

    if threading.current_thread() is not threading.main_thread():
        return []  # the time limit below needs the main thread's signals

    known = problem_paths()
    named: set[str] = set()
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(MAX_FILE_BYTES)
        except OSError:
            continue
        named |= {pid for pid in known if pid not in named
                  and re.search(rf"(?<![\w-]){re.escape(pid)}(?![\w-])", text)}

    def too_long(signum: int, frame: Any) -> None:
        raise TimeoutError

    solved = []
    for pid in sorted(named):
        old = signal.signal(signal.SIGALRM, too_long)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            solve_once(load_problem(known[pid]))
            solved.append(pid)
        except (DeriveError, TimeoutError):
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    return solved
