"""derive: symbolic derivations, numerical verification, worked solutions and marking
for neural-network course problems.

>>> import derive
>>> s = derive.load("gelu-descent", eta=0.5).solve()
>>> float(s.answers["a.x1"].value)
-0.25
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from derive.core.errors import DeriveError, SpecError, UsageError, VerificationError
from derive.core.model import OPERATIONS, Problem


# The package root wires the stages together: a Problem (data) solves itself and makes
# variants through the solver and the loader, which come after it in the flow. They are
# imported when first used, so that `derive list` (and `import derive`) starts without
# SymPy.
def _solve(problem: Problem, **options: Any) -> Any:
    from derive.core.solve import solve

    return solve(problem, **options)


def _with_givens(problem: Problem, overrides: dict[str, Any]) -> Problem:
    from derive.core.spec import override_givens

    return override_givens(problem, overrides)


def _load_display() -> None:
    import derive.render  # noqa: F401  (registers the notebook display of a Solution)


OPERATIONS.update(solve=_solve, with_givens=_with_givens, display=_load_display)

#: public names imported on first use (PEP 562), each from the module that defines it
_LAZY = {
    "Answer": "derive.core.derivation",
    "Solution": "derive.core.derivation",
    "Step": "derive.core.derivation",
    "Table": "derive.core.derivation",
    "load_problem": "derive.core.spec",
    "run_checks": "derive.core.verify",
    "render_json": "derive.render",
    "render_latex": "derive.render",
    "render_text": "derive.render",
}

__all__ = [
    "Answer",
    "DeriveError",
    "Problem",
    "Solution",
    "SpecError",
    "Step",
    "Table",
    "UsageError",
    "VerificationError",
    "load",
    "load_problem",
    "render_json",
    "render_latex",
    "render_text",
    "run_checks",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derive' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load(problem: str, **givens: Any) -> Problem:
    """Load a problem by id or spec path, overriding givens by keyword.

    Values are numbers, strings such as ``"4/3"``, or (nested) lists.
    """
    from derive.core.spec import load_problem

    return load_problem(problem, givens)
