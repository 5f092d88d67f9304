"""How a spec uses its vector and matrix givens, and the size bound that follows.

A given passed by name to a block that takes float64 (a network's values) costs the same
at any size; other blocks that take a given (softmax, convolutions, separability) read it
their own way, with their own bounds. A given written into a definition (or an answer's
meaning) becomes one SymPy symbol per entry, and the scalar derivation (evaluate,
backprop) carries every entry through every step, exactly: perceptron-bce's ``dot(w, x)`` with
n entries each writes ~n steps of n terms (measured: n = 64 in 2.3 s CPU, 200 in 7.8 s,
400 in 29 s, 1500 in 263 s). Such a given is bounded at ``MAX_EXPRESSION_ENTRIES``
entries, a refusal naming the file and the given, so that no given makes a solve hang.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.arrays import is_matrix
from derive.core.errors import SpecError
from derive.core.model import Problem
from derive.core.registry import registered

#: entries of a given written into a definition (a symbol per entry, exact); past this
#: a solve takes about twice its default time. Givens that blocks take as arguments are
#: not counted: softmax-shift's x of 800 entries solves in 2.2 s
MAX_EXPRESSION_ENTRIES = 64


def read_entry_by_entry(problem: Problem, names: set[str], *,
                        blocks: bool = True) -> set[str]:
    """The givens among ``names`` some use of which is not a ``float64`` block argument;
    with ``blocks=False`` only uses in definitions and answers' meanings count."""
    if not names:
        return set()
    symbols: dict[str, set[Any]] = {}
    for n in names:
        s = problem.namespace[n]
        symbols[n] = set(s) if isinstance(s, sp.MatrixBase) else {s}
    found: set[str] = set()

    def scan(v: Any) -> None:
        if isinstance(v, str):  # a block argument naming a given (gradient-step's)
            found.update({v} & names)
        elif isinstance(v, dict):
            for x in v.values():
                scan(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                scan(x)
        elif isinstance(v, sp.Basic):
            free = v.free_symbols
            found.update(n for n, s in symbols.items()
                         if n not in found and (free & s or any(v.has(x) for x in s
                                                                if isinstance(x, sp.MatrixSymbol))))

    for part in problem.parts if blocks else ():
        for call in part.calls:
            blk = registered(call.block)
            for name, v in call.args.items():
                param = blk.params.get(name) if blk is not None else None
                if param is None or not param.float64:
                    scan(v)
    for d in problem.definitions.values():
        scan(d.expr)
    for a in problem.answers.values():
        scan(list(a.meanings.values()))
    return found


def check_expression_sizes(problem: Problem, path: str, overrides: dict[str, Any]) -> None:
    """A SpecError for the first given of more than ``MAX_EXPRESSION_ENTRIES`` entries
    that is written into a definition or an answer's meaning."""
    big = {g.name for g in problem.givens.values()
           if is_matrix(g.value) and len(g.value) > MAX_EXPRESSION_ENTRIES}
    for name in sorted(read_entry_by_entry(problem, big, blocks=False)):
        g = problem.givens[name]
        field = f"--set {name}" if name in overrides else f"givens.{name}.value"
        raise SpecError(path, field, f"{name} has {len(g.value):,} entries; it is written into "
                        f"a definition, a symbol per entry, so at most {MAX_EXPRESSION_ENTRIES} "
                        "are accepted (the exact derivation's time grows as the square)")
