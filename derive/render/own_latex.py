"""The names a problem typesets its own way: a given's ``latex: '\\lambda'`` for ``lam``.

SymPy writes a symbol from its name (``lam`` upright, ``lamda`` as λ); a spec says how its
givens and quantities look with ``latex:``. While one problem's sheet is rendered
(``symbol_latex``), the sheet's printers write those names so; the mapping is part of a
printer's settings, so printers, and what they keep, are per mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_OWN_LATEX: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("own_latex", default=())


def own_latex(problem: Any) -> dict[str, str]:
    """The names whose spec-given LaTeX differs from how SymPy writes the name (``lam``:
    ``\\lambda``; ``x0``'s ``x_0`` is SymPy's ``x_{0}`` and is left to it)."""
    from derive.core.givens import default_latex

    def plain(t: str) -> str:
        return t.replace("{", "").replace("}", "").replace(" ", "")

    named = [(n, g.latex) for n, g in problem.givens.items()] + \
        [(n, d.latex) for n, d in problem.definitions.items() if not d.args]
    return {n: t for n, t in named if t and plain(t) != plain(default_latex(n))}


@contextmanager
def symbol_latex(names: dict[str, str]) -> Iterator[None]:
    """Inside, the sheet's printers write each symbol named in ``names`` as its LaTeX."""
    token = _OWN_LATEX.set(tuple(sorted(names.items())))
    try:
        yield
    finally:
        _OWN_LATEX.reset(token)


def own_latex_now() -> tuple[tuple[str, str], ...]:
    """The (name, LaTeX) pairs in force (none outside ``symbol_latex``)."""
    return _OWN_LATEX.get()
