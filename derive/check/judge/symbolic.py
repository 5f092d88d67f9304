"""A symbolic confirmation under a hard wall-clock limit (never in the calling process).

``simplify`` has no bound on its running time; it runs in a forked worker that is
killed when the time is up. The answer is then "don't know" (None), never a hang.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import sympy as sp

from derive.core.lifetime import die_with_parent, seconds_left

#: seconds a symbolic confirmation may take
TIMEOUT = 5.0
#: seconds kept back from the time left, for starting and reaping the child
_MARGIN = 0.5


def _worker(a: Any, b: Any, queue: Any, parent_pid: int) -> None:
    die_with_parent(parent_pid)  # a killed marking worker takes its confirmation along
    try:
        d = sp.simplify(sp.expand(a - b))
        queue.put(bool(d == 0) if d == 0 or d.is_number else None)
    except Exception:  # any SymPy failure is a "don't know"
        queue.put(None)


def confirm_equal(a: Any, b: Any, timeout: float = TIMEOUT) -> bool | None:
    """True when ``a - b`` simplifies to 0; False when it simplifies to a non-zero number;
    None when undecided or out of time.

    Inside a batch worker the limit is also the time left of the answer being judged,
    so the confirmation ends (None) before the worker's parent would kill the worker."""
    left = seconds_left(timeout)
    if left < timeout:
        timeout = left - _MARGIN
        if timeout <= 0:
            return None
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(a, b, queue, os.getpid()), daemon=True)
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
