"""The names a part of a problem gives a working beyond the problem's own definitions:
its blocks' local definitions (a backprop ``graph``: y = σ(z), L = ½(y − t)²), the
answer's meanings (``names: {y: sigmoid(z)}``), the entries of vector answers by index
(o_2 of e.o) and the families a part samples one-hot (Σ_k t_k = 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sympy as sp

if TYPE_CHECKING:  # the scope imports this module
    from derive.check.working.scope import Scope


def real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def as_real(expr: Any) -> Any:
    """The same expression over real symbols matched by name."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.xreplace({s: real(s.name) for s in expr.free_symbols
                          if isinstance(s, sp.Symbol)})


#: entries of a vector answer named one by one (o_1, o_2 of e.o)
MAX_ENTRIES = 20


def vector_entries(scope: Scope, symbols: dict[str, Any], givens: dict[str, Any],
                   aliases: dict[str, str]) -> None:
    """The entries of a vector answer by its name and their index (``o_2`` of the
    softmax output ``e.o``), right and the student's own, where no other name is so."""
    for key in list(scope.answer_of):
        if not key.isalpha():
            continue
        value = scope.right.get(key)
        if not isinstance(value, sp.MatrixBase) or 1 not in value.shape \
                or len(value) > MAX_ENTRIES:
            continue
        own = scope.own.get(key)
        for k, entry in enumerate(value, start=1):
            n = f"{key}_{k}"
            if n in symbols or n in givens or n in aliases or n in scope.right \
                    or n in scope.defs:
                continue
            scope.right[n] = entry
            if isinstance(own, sp.MatrixBase) and own.shape == value.shape:
                scope.own[n] = own[k - 1]
            symbols[n] = real(n)


def part_definitions(problem: Any, part: str, spec: Any) -> dict[str, Any]:
    """Name -> definition (over real symbols) of what the part's blocks define locally
    (``graph: {y: sigmoid(z)}``) and the answer's meanings (``names: {y: sigmoid(z)}``),
    the answer's first. Definitions that refer to answers (``{e.y}``) are left out."""
    out: dict[str, Any] = {}
    found = dict(spec.meanings)
    for graph in _mapping_args(problem, part, "graph"):
        for name, e in graph.items():
            found.setdefault(str(name), e)
    for name, e in found.items():
        if not isinstance(e, sp.Basic) or isinstance(e, sp.MatrixBase) or any(
                str(s).startswith("{") for s in e.free_symbols):
            continue
        out[name] = as_real(e)
    return out


def one_hot_families(problem: Any, part: str) -> set[str]:
    """Families a block of the part samples one-hot (``sample: {t: one-hot}``): its
    steps may use Σ_k t_k = 1."""
    out: set[str] = set()
    for sample in _mapping_args(problem, part, "sample"):
        for name, how in sample.items():
            hows = how if isinstance(how, (list, tuple)) else [how]
            if "one-hot" in [str(h) for h in hows]:
                out.add(str(name))
    return out


def _mapping_args(problem: Any, part: str, key: str) -> Iterator[dict[Any, Any]]:
    """The argument ``key`` of each block call of the part, where it is a mapping."""
    for p in problem.parts:
        if p.name == part:
            for call in p.calls:
                arg = call.args.get(key) if isinstance(call.args, dict) else None
                if isinstance(arg, dict):
                    yield arg
