"""The names a problem typesets its own way: a given's ``latex: '\\lambda'`` for ``lam``.

SymPy writes a symbol from its name (``lam`` upright, ``lamda`` as λ); a spec says how its
givens and quantities look with ``latex:``. While one problem's sheet is rendered
(``symbol_latex``), the sheet's printers write those names so; the mapping is part of a
printer's settings, so printers, and what they keep, are per mapping.
"""

from __future__ import annotations

import re
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
    own = {n: t for n, t in named if t and plain(t) != plain(default_latex(n))}
    own.update(_entries(problem, own))
    return own


def _entries(problem: Any, own: dict[str, str]) -> dict[str, str]:
    """The entries of a matrix given written its own way: ``Kt_12`` of ``latex: 'K^T'``
    is ``(K^T)_{12}`` (a worked solution's q K^T/√d showed ``Kt_{12}``)."""
    import sympy as sp

    from derive.core.givens import given_symbol

    out: dict[str, str] = {}
    for n, g in problem.givens.items():
        if n not in own or not isinstance(g.value, sp.MatrixBase):
            continue
        entries = given_symbol(g)
        if not isinstance(entries, sp.MatrixBase) or len(entries) > 400:
            continue  # a large given is one MatrixSymbol, shown by its name
        base = own[n] if re.fullmatch(r"\\?[A-Za-z]+", own[n]) else f"({own[n]})"
        for s in entries:
            out[s.name] = f"{base}_{{{s.name[len(n) + 1:]}}}"
    return out


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
