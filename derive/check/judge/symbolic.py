"""A symbolic confirmation under a hard wall-clock limit (never in the calling process).

``simplify`` has no bound on its running time; it runs in a forked worker that is
killed when the time is up. The answer is then "don't know" (None), never a hang.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import sympy as sp

#: seconds a symbolic confirmation may take
TIMEOUT = 5.0


def _worker(a: Any, b: Any, queue: Any) -> None:
    try:
        d = sp.simplify(sp.expand(a - b))
        queue.put(bool(d == 0) if d == 0 or d.is_number else None)
    except Exception:  # any SymPy failure is a "don't know"
        queue.put(None)


def confirm_equal(a: Any, b: Any, timeout: float = TIMEOUT) -> bool | None:
    """True when ``a - b`` simplifies to 0; False when it simplifies to a non-zero number;
    None when undecided or out of time."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(a, b, queue), daemon=True)
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    try:
        return queue.get(timeout=0.5)
    except Exception:
        return None
