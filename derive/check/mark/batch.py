"""Marking many answer files with long-lived worker processes, safely.

Each worker is forked once, limits its own memory (``RLIMIT_AS``) and keeps a
:class:`~derive.check.mark.marking.Marker` (problems solved once, judgements cached) for its
whole life. Before each piece of untrusted work (reading a file, reading one answer, a
solve pinned at a student's values, a diagnosis) the worker tells the parent what it
starts and for how long it may run. The parent kills a worker that overruns (or notices
one that died), starts a fresh one, and sends the file again with that piece disabled:
the answer that hung or crashed is reported ``unparsable``, the rest of the file is
marked. Work that is not an answer (reading the file, solving a problem) that fails
this way makes the file an error; the batch goes on either way.

Results come back in the order of the files, whatever the workers' timing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from derive.check.mark.answers import MAX_FILE_BYTES
from derive.check.mark.marking import ANSWER_SECONDS, READ_SECONDS, Marker
from derive.check.mark.presolve import presolve
from derive.check.results import Marked
from derive.core.lifetime import die_with_parent, set_deadline, signals_interrupt

#: pieces of work whose failure costs one answer (or its follow-through/diagnosis only)
_ANSWER_PHASES = ("judge", "follow", "diagnose", "variant", "working")
_START = ("start",)
#: extra seconds reading an answer file may take per MB of it
READ_SECONDS_PER_MB = 60.0


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class BatchOptions:
    jobs: int = 0
    """worker processes (0: one per core)"""
    answer_seconds: float = ANSWER_SECONDS
    """wall-clock limit on reading and comparing one answer"""
    memory_mb: int = 1024
    """memory a worker may use beyond what it holds when it starts"""
    cache: bool = True
    """reuse judgements of repeated (normalised) answers"""
    max_file_bytes: int = MAX_FILE_BYTES
    retries: int = 64
    """answers of one file that may hang or crash (each then ``unparsable``, the file
    sent again without it) before the file is given up"""
    plan: Any = None
    """an assignment's plan (``planned.Plan``): mark each file against its student's
    variant (workers are forked, so it is not pickled)"""


def run_batch(paths: list[str], options: BatchOptions | None = None,
              on_done: Callable[[int, Marked], None] | None = None) -> list[Marked]:
    """Mark every file; one :class:`Marked` per path, in the order of ``paths``."""
    options = options or BatchOptions()
    if not paths:
        return []
    jobs = min(options.jobs or default_jobs(), len(paths))
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        if options.plan is None:
            presolve(paths)  # forked workers then start from solved problems
        # and with latex2sympy2 imported once, shared, not once per worker (the reader
        # imports it on first use)
        import derive.check.read.latex2sympy_adapter  # noqa: F401
    return _Pool(paths, options, jobs, on_done).run()


# -- the worker ------------------------------------------------------------------------------

def _worker(conn: Connection, options: BatchOptions, parent_pid: int,
            inherited: list[Connection]) -> None:
    # a forked worker holds copies of the parent's ends of every pipe (its own too):
    # closed, a parent that dies leaves this worker an end-of-file, not a blocked read
    for c in inherited:
        c.close()
    die_with_parent(parent_pid)
    limit_memory(options.memory_mb)
    path = ""

    def phase(key: tuple[Any, ...], seconds: float) -> None:
        if key == ("read",):
            seconds = max(seconds, read_seconds(path))
        set_deadline(seconds)  # a child (the symbolic confirmation) gets what is left
        conn.send(("phase", key, seconds))

    marker = Marker(answer_seconds=options.answer_seconds, cache=options.cache, phase=phase,
                    max_file_bytes=options.max_file_bytes, plan=options.plan)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, path, disabled = msg
        set_deadline(None)
        try:
            marked = marker.mark_file(path, disabled)
        except MemoryError:
            marked = Marked(path, Path(path).stem, error=f"{path}: ran out of memory while "
                            "marking")
        except Exception as e:  # noqa: BLE001 - reported as this file's error
            marked = Marked(path, Path(path).stem, error=f"{path}: internal error while "
                            f"marking: {type(e).__name__}: {e}")
        conn.send(("done", index, marked))


def read_seconds(path: str) -> float:
    """Seconds reading an answer file may take: more for a larger file (a 1 MB file of
    lists takes PyYAML several seconds even on an idle machine)."""
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return READ_SECONDS + READ_SECONDS_PER_MB * size / 1e6


def limit_memory(extra_mb: int) -> None:
    """Cap this process's address space at what it uses now plus ``extra_mb``."""
    try:
        import resource
    except ImportError:  # not POSIX: no limit
        return
    used = 0
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
    except OSError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# -- the parent ------------------------------------------------------------------------------

class _Slot:
    """One worker process and what it is doing."""

    def __init__(self, ctx: Any, options: BatchOptions, others: list[Connection]) -> None:
        here, there = ctx.Pipe()
        # not a daemon: a daemon may not start children, and the bounded symbolic
        # confirmation runs in one; the pool kills its workers itself, and a worker
        # dies with the parent (die_with_parent)
        self.process = ctx.Process(target=_worker, args=(there, options, os.getpid(),
                                                         [here, *others]), daemon=False)
        self.process.start()
        there.close()
        self.conn: Connection = here
        self.task: int | None = None
        self.key: tuple[Any, ...] = _START
        self.seconds = READ_SECONDS
        self.deadline = 0.0

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class _Pool:
    def __init__(self, paths: list[str], options: BatchOptions, jobs: int,
                 on_done: Callable[[int, Marked], None] | None) -> None:
        self.paths, self.options, self.jobs, self.on_done = paths, options, jobs, on_done
        self.results: list[Marked | None] = [None] * len(paths)
        self.queue: deque[int] = deque(range(len(paths)))
        self.disabled: list[dict[Any, str]] = [{} for _ in paths]
        # fork: workers start at once with everything imported (and no thread runs in
        # the parent); spawn where fork does not exist
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        self.ctx = mp.get_context(method)

    def _start(self) -> _Slot:
        """A fresh worker (it closes its copies of the other workers' pipe ends)."""
        return _Slot(self.ctx, self.options, [s.conn for s in self.slots])

    def run(self) -> list[Marked]:
        with signals_interrupt():  # SIGTERM ends the run like Ctrl-C: workers killed
            return self._run()

    def _run(self) -> list[Marked]:
        self.slots: list[_Slot] = []
        for _ in range(self.jobs):
            self.slots.append(self._start())
        slots = self.slots
        try:
            while any(r is None for r in self.results):
                for slot in slots:
                    if slot.task is None and self.queue:
                        self._assign(slot, self.queue.popleft())
                busy = [s for s in slots if s.task is not None]
                now = time.monotonic()
                timeout = max(0.0, min(s.deadline for s in busy) - now) if busy else 0.1
                waitables: list[Any] = [s.conn for s in busy] + [s.process.sentinel
                                                                 for s in busy]
                ready = wait(waitables, timeout=min(timeout, 0.5) + 0.01)
                for i, slot in enumerate(slots):
                    if slot.task is None:
                        continue
                    if slot.conn in ready or slot.process.sentinel in ready:
                        if not self._drain(slot):
                            slots[i] = self._replace(slot, "crashed the marker")
                            continue
                    if slot.task is not None and time.monotonic() > slot.deadline:
                        if slot.conn.poll() and self._drain(slot) and slot.task is None:
                            continue  # it finished just in time
                        slots[i] = self._replace(slot, f"took longer than {slot.seconds:g} s")
        finally:
            for slot in slots:
                try:
                    slot.conn.send(None)
                except (OSError, ValueError):
                    pass
                slot.stop()
        return [r for r in self.results if r is not None]

    def _assign(self, slot: _Slot, index: int) -> None:
        slot.task, slot.key = index, _START
        slot.seconds = read_seconds(self.paths[index])
        slot.deadline = time.monotonic() + slot.seconds
        slot.conn.send((index, self.paths[index], dict(self.disabled[index])))

    def _drain(self, slot: _Slot) -> bool:
        """Read every message waiting; False when the worker is gone."""
        try:
            while slot.conn.poll():
                msg = slot.conn.recv()
                if msg[0] == "phase":
                    slot.key, slot.seconds = msg[1], msg[2]
                    slot.deadline = time.monotonic() + msg[2]
                elif msg[0] == "done":
                    self._finish(msg[1], msg[2])
                    slot.task = None
                    return True
        except (EOFError, OSError):
            return False
        return slot.process.is_alive()

    def _finish(self, index: int, marked: Marked) -> None:
        self.results[index] = marked
        if self.on_done:
            self.on_done(index, marked)

    def _replace(self, slot: _Slot, reason: str) -> _Slot:
        """Kill (or bury) a worker, settle its file, start a fresh one."""
        index, key = slot.task, slot.key
        slot.stop()
        assert index is not None
        path = self.paths[index]
        disabled = self.disabled[index]
        # the budget is per answer: each answer that hangs or crashes is disabled once
        # and the file sent again, so many slow answers cost only themselves
        if key[0] in _ANSWER_PHASES and key not in disabled and (
                len(disabled) < self.options.retries):
            disabled[key] = reason
            self.queue.appendleft(index)
        else:
            self._finish(index, Marked(path, Path(path).stem,
                                       error=f"{path}: {_doing(key)} {reason}"))
        at = self.slots.index(slot)
        self.slots.pop(at)
        fresh = self._start()
        self.slots.insert(at, fresh)
        return fresh


def _doing(key: tuple[Any, ...]) -> str:
    if key[0] == "read":
        return "reading the file"
    if key[0] == "solve":
        return f"solving problem '{key[1]}'"
    if key[0] in _ANSWER_PHASES:
        return "marking (after several answers hung or crashed)"
    return "marking"


def progress_bar(total: int) -> Any:
    """A rich progress bar on stderr, or None when stderr is not a terminal."""
    if total < 2 or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    # no refresh thread: workers are forked while the bar is shown
    return Progress("marking", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), auto_refresh=False, transient=True)
