"""Helpers shared by block modules (not a block module itself: no registrations)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import sympy as sp

from derive.core import functions
from derive.core.derivation import Context, DiffStep
from derive.core.model import Definition
from derive.core.numbers import approx
from derive.core.op_count import count_ops

#: a number whose exact form grows past this many operations is carried as a
#: 40-digit float instead (iterations would otherwise nest exponentials without end)
MAX_EXACT_OPS = 200
#: most iterations an iterative block (descent, optimize) works out: each is exact
#: arithmetic on the previous one, and a --set steps=10000 would run for minutes
MAX_STEPS = 50
DIGITS = 40


#: tame's decision for each value seen (counting the operations walks the whole tree; a
#: marker re-derives a problem at the students' values, which repeats most iterates: 221
#: calls, 96 values for one file of gelu-descent answers)
_TOO_BIG: dict[Any, bool] = {}
_TOO_BIG_KEEP = 4096


def tame(v: Any) -> Any:
    """Keep an exact number exact while it stays small, else 40 significant digits."""
    if isinstance(v, sp.MatrixBase):
        return v.applyfunc(tame)
    if isinstance(v, sp.Basic) and v.is_number and not isinstance(v, sp.Rational):
        too_big = _TOO_BIG.get(v)  # structurally equal values have equal counts
        if too_big is None:
            too_big = count_ops(v, MAX_EXACT_OPS) > MAX_EXACT_OPS
            if len(_TOO_BIG) >= _TOO_BIG_KEEP:
                _TOO_BIG.clear()
            _TOO_BIG[v] = too_big
        if too_big:
            return approx(v)
    return v


def to_float(v: Any) -> Any:
    """A float (or float array) from an exact SymPy value (each number evaluated once)."""
    if isinstance(v, sp.MatrixBase):
        return np.array([[float(approx(c)) for c in row] for row in v.tolist()])
    return float(approx(v))


def record_diff_steps(ctx: Context, steps: Iterable[DiffStep], seen: set[Any] | None = None,
                      ) -> list[int]:
    """Record differentiation steps, each generic rule (σ' = σ(1−σ)) once per block."""
    seen = seen if seen is not None else set()
    out = []
    for s in steps:
        if s.rule.endswith("-derivative"):
            if s.rule in seen:
                continue
            seen.add(s.rule)
        out.append(ctx.step(s.rule, s.after, lhs=s.lhs, before=s.before))
    return out


def apply_definition(d: Definition) -> Any:
    """``f(x)`` as an applied undefined function, for display as the left-hand side."""
    if d.args:
        return sp.Function(d.name)(*d.args)
    return sp.Symbol(d.name, real=True)


def expand_definitions(ctx: Context, expr: Any, keep: Iterable[str] = (),
                       at: dict[str, Any] | None = None) -> Any:
    """Replace defined quantity names by their definitions until none is left.

    ``keep`` names stay as they are; ``at`` maps names to expressions used instead of
    their definitions (e.g. a pinned earlier answer).
    """
    defs = {sp.Symbol(d.name, real=True): d.expr for d in ctx.problem.definitions.values()
            if not d.args and d.name not in set(keep)}
    if at:
        for name, e in at.items():
            defs[sp.Symbol(name, real=True)] = e
    e = ctx.resolve(expr)
    for _ in range(len(defs) + 1):
        if not isinstance(e, sp.Basic):
            break
        new = e.xreplace({s: ctx.resolve(v) for s, v in defs.items()})
        if new == e:
            break
        e = new
    return e


def numeric_function(args: list[sp.Symbol], expr: Any) -> Any:
    """A numpy function of ``args`` from an expression (no symbolic derivative involved)."""
    return functions.lambdify(args, expr)


def used_givens(ctx: Context, expr: Any) -> dict[Any, Any]:
    """The givens (as symbol -> value) that appear in ``expr``."""
    if not isinstance(expr, sp.Basic):
        return {}
    free = expr.free_symbols
    return {s: v for s, v in ctx.given_subs.items() if s in free}


def rule_names(ctx: Context, args: dict[str, Any]) -> dict[sp.Symbol, sp.Symbol]:
    """A rule's own symbol (η, β, …) -> the given passed for it, when that is one given
    alone written otherwise (η_b, ρ): the rule then reads in the statement's notation.
    A number or an expression passed keeps the rule's symbol (its value is a fact)."""
    out = {}
    for k, a in args.items():
        given = ctx.problem.givens.get(a.name) if isinstance(a, sp.Symbol) else None
        if given is None or a != ctx.symbol(a.name):
            continue
        written = re.sub(r"[\\{}\s]", "", given.latex or a.name)
        if written != k and a.name != k:  # eps written \epsilon is the rule's ε already
            out[sp.Symbol(k)] = a
    return out
