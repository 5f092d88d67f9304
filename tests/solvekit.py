"""One verified solve per problem and givens for the whole test run.

Solving is most of the suite's time, and many tests read the same problem with the same
givens. ``solution(pid, **givens)`` (or the ``solved`` fixture of ``conftest.py``, the same
function) loads and solves a problem once per test process and hands every later caller
the same :class:`~derive.core.derivation.Solution`::

    def test_x1(solved):
        s = solved("gelu-descent", eta=0.5)     # givens as derive.load takes them
        assert float(s.answers["a.x1"].value) == -0.25

It goes through ``derive.core.solve.solve_once``, the memo ``derive check`` uses, so a
problem the marker solved in this process is not solved again here, nor the other way.

The solution is shared, so a test must not change it (a dict of it, a mutable
``sympy.Matrix`` value): each hand-out compares the solution with what it was when solved
and fails the test that receives a changed one, naming the problem. A test that needs
to change one, or that tests solving itself (a patched rule, a failing check, a spec
written in ``tmp_path`` and rewritten), solves its own with ``derive.load(...).solve()``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

_CACHE: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Any, Any]] = {}


def fingerprint(solution: Any) -> tuple[Any, ...]:
    """What a test could change in place (the givens, the answers, the names' meanings):
    the identity of every value and of every entry of a mutable container. Cheap where a
    printed form is not (printing gelu-descent's nested exact iterates takes a second)."""
    return tuple(tuple((k, _identity(v)) for k, v in d.items())
                 for d in (solution.givens, solution.answers, solution.meanings))


def _identity(value: Any) -> Any:
    import numpy as np
    import sympy as sp

    if isinstance(value, sp.MutableDenseMatrix | sp.MutableSparseMatrix):
        # its entries are made afresh at each reading (SymPy stores a DomainMatrix): a
        # copy of them, compared by value; an immutable Matrix is its identity
        return (id(value), value.shape, tuple(value))
    if isinstance(value, np.ndarray):
        return (id(value), value.shape, value.tobytes())
    if isinstance(value, list | tuple):
        return (id(value), *(_identity(v) for v in value))
    if isinstance(value, dict):
        return (id(value), *((k, _identity(v)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # an Answer
        return (id(value), _identity(getattr(value, "value", None)))
    return id(value)


def solution(pid: str, **givens: Any) -> Any:
    """The verified solution of ``pid`` (an id, or a spec file that the run leaves alone)
    with ``givens`` overriding the spec's, solved once per test process."""
    from derive.core.solve import solve_once
    from derive.core.spec import load_problem

    key = (str(pid), tuple(sorted((k, repr(v)) for k, v in givens.items())))
    if key not in _CACHE:
        got = solve_once(load_problem(pid, givens))
        _CACHE[key] = (got, fingerprint(got))
    got, seen = _CACHE[key]
    if fingerprint(got) != seen:
        pytest.fail(f"the shared solution of {pid}{f' {givens}' if givens else ''} was "
                    "changed by an earlier test (solvekit: a test that changes a solution "
                    "solves its own)")
    return got
