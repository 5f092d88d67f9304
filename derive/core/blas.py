"""One BLAS thread while a problem is solved and verified.

derive's float64 work is many small products (a 1×1024 row times a 1024×1024 weight
matrix, forty times for the finite differences at the givens). NumPy's OpenBLAS splits
each over every core; on a shared machine the threads mostly wait for each other and
spin, which cost more CPU than the products: softmax-backprop at width 1024 took 2.2 s
of CPU with the default threads and 1.5 s with one (``benchmarks/bench_cli.py``). One
thread also makes the float64 numbers independent of the machine's core count.

The thread count is set through OpenBLAS's own ``set_num_threads`` (found in the library
NumPy ships) and restored afterwards; with another BLAS, or before NumPy is imported,
nothing is changed. NumPy is never imported here.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from functools import lru_cache

_SUFFIXES = ("scipy_openblas_{}_num_threads64_", "scipy_openblas_{}_num_threads",
             "openblas_{}_num_threads64_", "openblas_{}_num_threads")


#: where OpenBLAS reads its thread count at start-up, the first set one winning
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def one_thread_unless_chosen(environ: MutableMapping[str, str] = os.environ) -> None:
    """Start OpenBLAS with one thread, unless the user chose a count (``THREAD_VARIABLES``).

    For the ``derive`` program, before NumPy is imported (OpenBLAS reads it as NumPy
    loads it): a pool of threads, one per core, is started as NumPy is imported, and
    again in each forked worker at its first product, and the threads spin for a while
    each time. That cost ~0.2 s of CPU in a one-file ``derive check`` (0.96 -> 0.77 s),
    where every product is small; one_blas_thread already keeps solves on one thread.
    The library (``import derive``) leaves its host process's BLAS alone."""
    if not any(environ.get(v) for v in THREAD_VARIABLES):
        environ["OPENBLAS_NUM_THREADS"] = "1"


@lru_cache(maxsize=1)
def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    numpy = sys.modules.get("numpy")
    base = os.path.dirname(getattr(numpy, "__file__", "") or "")
    if not base:
        return None
    found = glob.glob(os.path.join(base, os.pardir, "numpy.libs", "lib*openblas*.so*"))
    found += glob.glob(os.path.join(base, ".dylibs", "lib*openblas*.dylib"))
    for path in found:
        try:
            lib = ctypes.CDLL(path)  # already loaded by NumPy: the same library
        except OSError:
            continue
        for name in _SUFFIXES:
            get = getattr(lib, name.format("get"), None)
            put = getattr(lib, name.format("set"), None)
            if get is not None and put is not None:
                get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                return get, put
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with one OpenBLAS thread (when NumPy's OpenBLAS is loaded)."""
    funcs = _openblas() if "numpy" in sys.modules else None
    if funcs is None:
        yield
        return
    get, put = funcs
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)
