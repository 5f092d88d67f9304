"""Follow-through: re-derive answers from the student's own earlier answers.

A wrong answer that is exactly what the right method gives from the student's own
earlier values is marked ``follow-through``. The core supports it: ``solve(problem,
pins={answer: value}, verify=False)`` uses the pinned values downstream and keeps in
``Answer.computed`` what the derivation gives from them.

Which answers to pin, from the spec's ``depends:`` lists:

- the *cut* of a candidate (a wrong answer with ``depends``): each dependency the
  student answered, and for one they left out, its own dependencies, recursively;
- every other number/matrix answer that is not downstream of those pins is pinned to
  its right value. That changes nothing (its value does not depend on the student's),
  but it spares re-deriving the untouched parts exactly: pinned solves then take
  milliseconds instead of seconds. Student values are pinned as 40-digit floats
  (integers stay exact: sizes, strides and counts are used as integers).

Shapes are pinned like numbers: a network's layer table (``architecture``) computes each
layer from the shape before it, so a student's wrong 7 × 7 × 6 gives their pooling, the
next convolution, the flatten size and the dense layer's parameter count. A shape is
pinned as the judge reads it, with the right answer's number of sizes where trailing 1s
allow (160 × 1 is the flat 160).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

from derive.check.read.problem_config import ones_by_name
from derive.check.read.values import same_value
from derive.core.derivation import Answer
from derive.core.model import Problem
from derive.core.numbers import approx

PINNABLE = ("number", "matrix", "shape")
DIGITS = 40


def descendants_map(problem: Problem) -> dict[str, set[str]]:
    """answer -> every answer that (transitively) depends on it."""
    direct: dict[str, set[str]] = {a: set() for a in problem.answers}
    for aid, spec in problem.answers.items():
        for d in spec.depends:
            direct.setdefault(d, set()).add(aid)
    out: dict[str, set[str]] = {}
    for aid in problem.answers:
        seen: set[str] = set()
        todo = list(direct.get(aid, ()))
        while todo:
            a = todo.pop()
            if a not in seen:
                seen.add(a)
                todo.extend(direct.get(a, ()))
        out[aid] = seen
    return out


def cut(problem: Problem, aid: str, given: Iterable[str]) -> list[str]:
    """The answers the student gave that ``aid`` is computed from (nearest first)."""
    have = set(given)
    out: list[str] = []
    seen: set[str] = set()
    todo = list(problem.answers[aid].depends)
    while todo:
        d = todo.pop(0)
        if d in seen:
            continue
        seen.add(d)
        if d in have:
            out.append(d)
        else:
            todo.extend(problem.answers[d].depends)
    return out


def wrong_formulas(problem: Problem, judged: dict[str, Any]) -> dict[str, Any]:
    """A student's wrong matrix-expression answers, pinned for follow-through only: a
    later answer derived from their own δ = 2(O − Y) (Hᵀ δ) is follow-through. (Right ones
    are not pinned: written otherwise, they would only differ in form.)"""
    return {a: j.value for a, j in judged.items()
            if j.verdict == "incorrect" and isinstance(j.value, sp.MatrixExpr)
            and problem.answers[a].kind == "matrix-expression"}


def as_gold_shape(v: Any, gold: Any) -> Any:
    """A student's shape with as many sizes as the right one where trailing 1s allow it,
    as the judge compares shapes (``160 × 1`` is the flat 160, ``3 × 3`` the one map
    3 × 3 × 1); any other value as it is."""
    if not (isinstance(v, tuple) and isinstance(gold, tuple)):
        return v
    out = list(v)
    while len(out) > max(len(gold), 1) and out[-1] == 1:
        out.pop()
    out += [sp.Integer(1)] * (len(gold) - len(out))
    return tuple(out)


def pin_value(v: Any) -> Any:
    """A value to pin: integers exact, other numbers as 40-digit floats (a shape: each
    size so)."""
    if isinstance(v, tuple):
        return tuple(pin_value(d) for d in v)
    if isinstance(v, sp.MatrixBase):
        return sp.ImmutableMatrix(v.applyfunc(pin_value))
    if isinstance(v, (sp.Integer, int)):
        return sp.Integer(v)
    if isinstance(v, sp.Basic) and v.is_number:
        return sp.Float(approx(v), DIGITS)
    return v


def pins_for(gold: dict[str, Answer], student: dict[str, Any],
             descendants: dict[str, set[str]]) -> dict[str, Any]:
    """The full pin set: the student's values, and the right values where untouched.

    ``gold`` holds settled values (see :func:`settle`): Rationals, pinned as they are.
    """
    pins = {aid: pin_value(as_gold_shape(v, gold[aid].value if aid in gold else None))
            for aid, v in student.items()}
    downstream: set[str] = set()
    for aid in student:
        downstream |= descendants.get(aid, set())
    for aid, a in gold.items():
        if aid in pins or aid in downstream or a.kind not in PINNABLE:
            continue
        pins[aid] = a.value
    return pins


def settle(v: Any) -> Any:
    """A value as marking compares it: every number a Rational, irrational ones to 40
    significant digits (far below any marking tolerance; evaluating a nested exact form
    anew for each comparison would cost tens of milliseconds)."""
    if isinstance(v, sp.MatrixBase):
        return sp.ImmutableMatrix(v.applyfunc(settle))
    if isinstance(v, sp.MatrixExpr):
        return ones_by_name(v)
    if isinstance(v, sp.Rational):
        return v
    if isinstance(v, sp.Float):
        return sp.Rational(v)
    if isinstance(v, sp.Basic) and v.is_number:
        try:
            return sp.Rational(approx(v))  # evaluated once per number (core.numbers)
        except (TypeError, ValueError):
            return v
    return v


def differs(student: Any, gold: Any) -> bool:
    """True unless the student's value is exactly the right one (pinning it changes
    nothing)."""
    return not same_value(as_gold_shape(student, gold), gold)
