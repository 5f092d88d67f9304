"""Child processes that never outlive their parent, and signals that end a run cleanly.

A worker forked to mark answers (or to run a bounded symbolic confirmation) must die
with the process that started it, however that process ends: SIGKILL included, where no
``finally`` runs. On Linux the kernel does it (``PR_SET_PDEATHSIG``); elsewhere a
watchdog thread polls the parent's pid. Workers ignore Ctrl-C (the parent handles it and
kills them), so an interrupted run prints one line, not a traceback per worker.

The deadline of the piece of work a worker is doing is kept here too, so that a child
it starts (the symbolic confirmation) gets only the time left.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_PR_SET_PDEATHSIG = 1
_deadline: float | None = None
_program = False


def die_with_parent(parent_pid: int) -> None:
    """Make this (child) process exit when ``parent_pid`` is gone, and ignore Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles it for the run
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux") and _set_pdeathsig():
        # the parent may have died between fork and prctl: then nothing would signal us
        if os.getppid() != parent_pid:
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _set_pdeathsig() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGHUP) raise KeyboardInterrupt in the main thread while inside, like
    Ctrl-C, so that ``finally`` blocks kill workers and remove temporary files."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            previous[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def set_deadline(seconds: float | None) -> None:
    """The current piece of work must end within ``seconds`` (None: no limit known)."""
    global _deadline
    _deadline = None if seconds is None else time.monotonic() + seconds


def seconds_left(default: float) -> float:
    """Seconds before the current deadline (``default`` when none is set), at most
    ``default``."""
    if _deadline is None:
        return default
    return min(default, _deadline - time.monotonic())


def exit_now(code: object) -> None:
    """End the process as ``sys.exit(code)`` would, without the interpreter's teardown.

    What a normal exit does that matters still happens, in Python's order: threads that
    are not daemons are waited for, the ``atexit`` handlers run (multiprocessing's,
    ``weakref.finalize``'s: temporary directories), the standard streams are flushed (a
    flush that fails, e.g. a closed pipe, makes the status 120, as Python does). Only
    the freeing of every object is skipped; every output is written and closed before
    (``outputs.atomic_write``), so nothing is left in a buffer that teardown would
    flush."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            status = 120
    os._exit(status & 0xFF)


def program_started() -> None:
    """This process is the ``derive`` program (``cli.main``), not a host that imported
    derive (a test runner, a notebook): ``imports_frozen`` may then pause its GC, and
    SymPy's tensor module is a stand-in until a tensor is used (``tensor_stand_in``)."""
    global _program
    _program = True
    from derive.core import tensor_stand_in

    tensor_stand_in.install()


@contextmanager
def imports_frozen() -> Iterator[None]:
    """Import a command's modules (SymPy, NumPy, derive's) with the cyclic GC paused, then
    freeze what they made (``gc.freeze``: never traversed by a collection again).

    The import makes a few hundred thousand objects that live as long as the process;
    collecting while they are made only traverses them again and again (a third of a
    second's imports spent ~35 ms in the GC), and a forked worker's collections would
    write into every page of them (copy-on-write). This is Python's own advice for a
    process that forks workers (the ``gc.freeze`` documentation). Only in the program:
    in a host process the GC is the host's, and freezing would keep its garbage."""
    if not _program or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()



#: what deriving a problem imports (SymPy and NumPy with them), and what any derivation
#: then imports lazily: the checks' seeded points NumPy's random module (SymPy's first
#: sum would import its tensor module, ~45 ms, but the program has a stand-in for it)
_MATHS = ("derive.core.spec", "derive.core.solve", "derive.core.verify", "numpy.random")


def import_maths() -> None:
    """Import what deriving needs, once, inside ``imports_frozen`` (the GC paused while
    SymPy's and NumPy's long-lived objects are made, then frozen): the commands that
    derive (solve, verify, sheet) call it before their first solve; a warm run that
    prints only what the result cache kept never imports them."""
    missing = [m for m in _MATHS if m not in sys.modules]
    if missing:
        with imports_frozen():
            for m in missing:
                importlib.import_module(m)
