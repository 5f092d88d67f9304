"""An indicator's value at its kink, held to the problem's convention.

Random points never land on a kink, so ``\\mathbb{1}[z \\ge 0]`` and ``\\mathbb{1}[z > 0]``
agree at every point the judge draws; they differ only at z = 0, where the problem
states its convention (ReLU'(0) = 0). A careful marker holds the student to it: after
the points agree, each indicator of the answer (``Heaviside(d, v0)``, as the reader
writes ``1[…]``) is compared with the right answer at its kink:

- an expression: at the root of d when d is linear in one variable (the right answer's
  value there must be a number: its Piecewise or step decides); a cases answer's row
  for the kink itself (``1 & x = 1``) likewise;
- a matrix expression: the right answer's elementwise function of the same argument
  (``1[F_1 > 0]``, i.e. its step) at 0 against v0.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

#: indicators looked at in one answer
MAX_INDICATORS = 8


def kink_conflict(gold: Any, answer: Any) -> str:
    """Feedback when an indicator of the answer takes another value at its kink than
    the right answer ('' when none does, or when it cannot be told)."""
    if not isinstance(answer, sp.Basic) or not answer.has(sp.Heaviside, sp.Piecewise):
        return ""
    if isinstance(answer, sp.MatrixExpr):
        return _matrix_conflict(gold, answer) if answer.has(sp.Heaviside) else ""
    return _scalar_conflict(gold, answer)


def _kink_arguments(answer: Any) -> list[Any]:
    """Where the answer states a value at a kink, as expressions that are 0 there: an
    indicator's argument, a cases row's equality (``1 & x = 1``). A row's ``\\le`` where
    the problem has ``<`` is left alone: often incidental, and a statement may ask for
    f'(x) only where x ≠ 1."""
    args = [h.args[0] for h in answer.atoms(sp.Heaviside)]
    for pw in answer.atoms(sp.Piecewise):
        for _, cond in pw.args:
            if isinstance(cond, sp.Basic):
                args += [r.lhs - r.rhs for r in cond.atoms(sp.Eq)]
    return list(dict.fromkeys(args))[:MAX_INDICATORS]


def _scalar_conflict(gold: Any, answer: Any) -> str:
    for arg in _kink_arguments(answer):
        if not isinstance(arg, sp.Expr) or len(arg.free_symbols) != 1:
            continue
        (z,) = arg.free_symbols
        slope = sp.diff(arg, z)
        if not slope.is_number or slope == 0:
            continue
        root = -arg.xreplace({z: 0}) / slope
        try:
            g, a = gold.xreplace({z: root}), answer.xreplace({z: root})
        except (TypeError, ValueError):
            continue
        if _differ(g, a):
            return (f"at {z} = {root}, where its pieces meet, your answer gives {a}, but "
                    f"the problem's convention there gives {g}")
    return ""


def _differ(g: Any, a: Any) -> bool:
    if not (isinstance(g, sp.Expr) and isinstance(a, sp.Expr) and g.is_number
            and a.is_number):
        return False
    try:
        return abs(complex(sp.N(g - a, 20))) > 1e-12
    except (TypeError, ValueError):
        return False


def _step_at_zero(f: Any) -> Any:
    """An elementwise function's value at 0 (None when it is not a number)."""
    try:
        v = f(sp.Integer(0))
    except (TypeError, ValueError):
        return None
    return v if isinstance(v, sp.Expr) and v.is_number else None


def _matrix_conflict(gold: Any, answer: Any) -> str:
    theirs = [e for e in answer.atoms(ElementwiseApplyFunction)
              if e.function.expr.has(sp.Heaviside)][:MAX_INDICATORS]
    ours = list(gold.atoms(ElementwiseApplyFunction)) if isinstance(gold, sp.Basic) else []
    for e in theirs:
        for o in ours:
            if str(o.expr) != str(e.expr):
                continue
            g, a = _step_at_zero(o.function), _step_at_zero(e.function)
            if g is not None and a is not None and _differ(g, a):
                return (f"where {e.expr} = 0 your indicator gives {a}, but the problem's "
                        f"convention there gives {g}")
    return ""
